import type { Queryable } from '../db/pool.js';
import type { StaffRole } from '../domain/roles.js';

export interface StaffUser {
  id: string;
  login: string;
  name: string;
  role: StaffRole;
  active: boolean;
  lockedUntil: Date | null;
  createdAt: Date;
}

const columns = 'u.id, u.login, u.name, u.role, u.active, u.locked_until, u.created_at';

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

/** One attempt slot taken before the password is checked (see users/queries.ts takeUserAttempt). */
export async function takeStaffAttempt(db: Queryable, id: string): Promise<{ slot: number; lockedUntil: Date | null }> {
  return (await db.one(
    `update hq_users set
       failed_attempts = case when locked_until > now() then failed_attempts when locked_until is not null then 1 else failed_attempts + 1 end,
       locked_until = case when locked_until > now() then locked_until else null end
     where id = $1 returning failed_attempts as slot, locked_until`,
    [id],
  ))!;
}

export async function lockStaff(db: Queryable, id: string, minutes: number): Promise<Date> {
  return (await db.one<{ lockedUntil: Date }>(
    `update hq_users set locked_until = greatest(locked_until, now() + make_interval(mins => $2)) where id = $1 returning locked_until`,
    [id, minutes],
  ))!.lockedUntil;
}

export async function forgiveStaffAttempts(db: Queryable, id: string, slot: number): Promise<void> {
  await db.exec('update hq_users set failed_attempts = greatest(failed_attempts - $2, 0) where id = $1 and failed_attempts > 0', [id, slot]);
}

export async function insertStaffSession(db: Queryable, tokenHash: string, userId: string, expiresAt: Date): Promise<void> {
  await db.exec('delete from hq_sessions where expires_at < now()');
  await db.exec('insert into hq_sessions (token_hash, user_id, expires_at) values ($1, $2, $3)', [tokenHash, userId, expiresAt]);
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
