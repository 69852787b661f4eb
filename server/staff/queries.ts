import type { Queryable } from '../db/pool.js';
import type { StaffRole } from '../domain/roles.js';

export interface StaffUser {
  id: string;
  login: string;
  name: string;
  role: StaffRole;
  active: boolean;
  createdAt: Date;
}

const columns = 'u.id, u.login, u.name, u.role, u.active, u.created_at';

export async function insertStaff(db: Queryable, u: { id: string; login: string; name: string; role: StaffRole; passwordHash: string }): Promise<StaffUser> {
  return (await db.one<StaffUser>(
    `insert into hq_users as u (id, login, name, role, password_hash) values ($1, $2, $3, $4, $5) returning ${columns}`,
    [u.id, u.login, u.name, u.role, u.passwordHash],
  ))!;
}

export async function staffByLogin(db: Queryable, login: string): Promise<(StaffUser & { passwordHash: string }) | undefined> {
  return db.one(`select ${columns}, u.password_hash from hq_users u where u.login = $1`, [login]);
}

export async function listStaff(db: Queryable): Promise<StaffUser[]> {
  return db.rows<StaffUser>(`select ${columns} from hq_users u order by u.name collate french`);
}

export async function countStaff(db: Queryable): Promise<number> {
  return (await db.one<{ n: number }>('select count(*)::int as n from hq_users'))!.n;
}

export async function insertStaffSession(db: Queryable, s: { id: string; tokenHash: string; userId: string; expiresAt: Date; client: string }): Promise<void> {
  await db.exec('delete from hq_sessions where expires_at < now()');
  await db.exec('insert into hq_sessions (id, token_hash, user_id, expires_at, client) values ($1, $2, $3, $4, $5)', [s.id, s.tokenHash, s.userId, s.expiresAt, s.client]);
}

export async function staffOfSession(db: Queryable, tokenHash: string): Promise<StaffUser | undefined> {
  return db.one<StaffUser>(
    `select ${columns} from hq_sessions s join hq_users u on u.id = s.user_id where s.token_hash = $1 and s.expires_at > now() and u.active`,
    [tokenHash],
  );
}

export async function deleteStaffSession(db: Queryable, tokenHash: string): Promise<void> {
  await db.exec('delete from hq_sessions where token_hash = $1', [tokenHash]);
}

export async function staffByLoginForUpdate(db: Queryable, login: string): Promise<StaffUser | undefined> {
  return db.one<StaffUser>(`select ${columns} from hq_users u where u.login = $1 for update`, [login]);
}

/** Admins still active besides this one: head office is never left without one. */
export async function otherActiveAdmins(db: Queryable, exceptId: string): Promise<number> {
  return (await db.one<{ n: number }>(`select count(*)::int as n from hq_users where id <> $1 and active and role = 'admin'`, [exceptId]))!.n;
}

export async function setStaffActive(db: Queryable, id: string, active: boolean): Promise<StaffUser> {
  return (await db.one<StaffUser>(`update hq_users as u set active = $2 where id = $1 returning ${columns}`, [id, active]))!;
}

export async function setPasswordHash(db: Queryable, id: string, hash: string): Promise<void> {
  await db.exec('update hq_users set password_hash = $2 where id = $1', [id, hash]);
}

export async function deleteStaffSessionsOf(db: Queryable, userId: string): Promise<number> {
  return db.exec('delete from hq_sessions where user_id = $1', [userId]);
}

export async function deleteStaffSessionById(db: Queryable, id: string): Promise<{ userId: string } | undefined> {
  return db.one<{ userId: string }>('delete from hq_sessions where id = $1 returning user_id', [id]);
}

export interface StaffSessionRow {
  id: string;
  userId: string;
  login: string;
  name: string;
  client: string | null;
  createdAt: Date;
  expiresAt: Date;
}

export async function openStaffSessions(db: Queryable, now: Date): Promise<StaffSessionRow[]> {
  return db.rows<StaffSessionRow>(
    `select s.id, s.user_id, u.login, u.name, s.client, s.created_at, s.expires_at
     from hq_sessions s join hq_users u on u.id = s.user_id where s.expires_at > $1 order by s.created_at desc`,
    [now],
  );
}
