import type { Queryable } from '../db/pool.js';
import type { UserRole } from '../domain/roles.js';

export interface User {
  id: string;
  shopId: string;
  name: string;
  role: UserRole;
  active: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export interface UserWithSecret extends User {
  pinHash: string;
  failedAttempts: number;
  lockedUntil: Date | null;
}

const columns = 'u.id, u.shop_id, u.name, u.role, u.active, u.created_at, u.updated_at';

export async function insertUser(db: Queryable, u: { id: string; shopId: string; name: string; role: UserRole; pinHash: string }): Promise<User> {
  return (await db.one<User>(
    `insert into users as u (id, shop_id, name, role, pin_hash) values ($1, $2, $3, $4, $5) returning ${columns}`,
    [u.id, u.shopId, u.name, u.role, u.pinHash],
  ))!;
}

export async function countUsers(db: Queryable, shopId: string): Promise<number> {
  return (await db.one<{ n: number }>('select count(*)::int as n from users where shop_id = $1', [shopId]))!.n;
}

export async function activeUsersWithSecrets(db: Queryable, shopId: string): Promise<UserWithSecret[]> {
  return db.rows<UserWithSecret>(
    `select ${columns}, u.pin_hash, u.failed_attempts, u.locked_until from users u
     where u.shop_id = $1 and u.active order by u.name collate french`,
    [shopId],
  );
}

export async function userWithSecret(db: Queryable, shopId: string, id: string): Promise<UserWithSecret | undefined> {
  return db.one<UserWithSecret>(
    `select ${columns}, u.pin_hash, u.failed_attempts, u.locked_until from users u where u.shop_id = $1 and u.id = $2`,
    [shopId, id],
  );
}

export async function listUsers(db: Queryable, shopId: string): Promise<User[]> {
  return db.rows<User>(`select ${columns} from users u where u.shop_id = $1 order by u.name collate french`, [shopId]);
}

export async function recordUserFailure(db: Queryable, id: string, maxFailures: number, lockMinutes: number): Promise<{ failedAttempts: number; lockedUntil: Date | null }> {
  return (await db.one(
    `update users set
       failed_attempts = case when failed_attempts + 1 >= $2 then 0 else failed_attempts + 1 end,
       locked_until = case when failed_attempts + 1 >= $2 then now() + make_interval(mins => $3) else locked_until end
     where id = $1 returning failed_attempts, locked_until`,
    [id, maxFailures, lockMinutes],
  ))!;
}

export async function clearUserFailures(db: Queryable, id: string): Promise<void> {
  await db.exec('update users set failed_attempts = 0, locked_until = null where id = $1 and (failed_attempts > 0 or locked_until is not null)', [id]);
}

export interface Throttle {
  failures: number;
  lockedUntil: Date | null;
}

export async function throttleOf(db: Queryable, subject: string): Promise<Throttle | undefined> {
  return db.one<Throttle>('select failures, locked_until from login_throttle where subject = $1', [subject]);
}

export async function recordThrottleFailure(db: Queryable, subject: string, maxFailures: number, lockMinutes: number): Promise<Throttle> {
  return (await db.one<Throttle>(
    `insert into login_throttle as t (subject, failures) values ($1, 1)
     on conflict (subject) do update set
       failures = case when t.failures + 1 >= $2 then 0 else t.failures + 1 end,
       locked_until = case when t.failures + 1 >= $2 then now() + make_interval(mins => $3) else t.locked_until end,
       updated_at = now()
     returning failures, locked_until`,
    [subject, maxFailures, lockMinutes],
  ))!;
}

export async function clearThrottle(db: Queryable, subject: string): Promise<void> {
  await db.exec('delete from login_throttle where subject = $1', [subject]);
}

export async function insertSession(db: Queryable, tokenHash: string, userId: string, expiresAt: Date): Promise<void> {
  await db.exec('insert into sessions (token_hash, user_id, expires_at) values ($1, $2, $3)', [tokenHash, userId, expiresAt]);
}

/** Expired sessions (and their carts) and old wrong-PIN counters go; done at each login, the rows are few. */
export async function purgeStaleLogins(db: Queryable): Promise<void> {
  await db.exec('delete from sessions where expires_at < now()');
  await db.exec(`delete from login_throttle where updated_at < now() - interval '1 day' and (locked_until is null or locked_until < now())`);
}

export async function userOfSession(db: Queryable, tokenHash: string): Promise<User | undefined> {
  return db.one<User>(
    `select ${columns} from sessions s join users u on u.id = s.user_id
     where s.token_hash = $1 and s.expires_at > now() and u.active`,
    [tokenHash],
  );
}

export async function deleteSession(db: Queryable, tokenHash: string): Promise<void> {
  await db.exec('delete from sessions where token_hash = $1 or expires_at < now()', [tokenHash]);
}

/** The shop's first manager: whom the demo and `seed-demo` act as. */
export async function firstManager(db: Queryable, shopId: string): Promise<User | undefined> {
  return db.one<User>(
    `select ${columns} from users u where u.shop_id = $1 and u.role in ('manager', 'admin') and u.active order by u.created_at limit 1`,
    [shopId],
  );
}
