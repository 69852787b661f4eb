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

/**
 * Takes one attempt slot for this user before the PIN is checked, atomically:
 * parallel guesses each get their own number, so the lockout holds whatever
 * the concurrency. A lock that has run out starts the count again.
 */
export async function takeUserAttempt(db: Queryable, id: string): Promise<{ slot: number; lockedUntil: Date | null }> {
  return (await db.one(
    `update users set
       failed_attempts = case when locked_until > now() then failed_attempts when locked_until is not null then 1 else failed_attempts + 1 end,
       locked_until = case when locked_until > now() then locked_until else null end
     where id = $1 returning failed_attempts as slot, locked_until`,
    [id],
  ))!;
}

export async function lockUser(db: Queryable, id: string, lockMinutes: number): Promise<Date> {
  return (await db.one<{ lockedUntil: Date }>(
    `update users set locked_until = greatest(locked_until, now() + make_interval(mins => $2)) where id = $1 returning locked_until`,
    [id, lockMinutes],
  ))!.lockedUntil;
}

/**
 * A success forgives the attempts up to its own, not those made since: a
 * burst of guesses racing a right PIN stays counted (and a lock it set stays).
 */
export async function forgiveUserAttempts(db: Queryable, id: string, slot: number): Promise<void> {
  await db.exec('update users set failed_attempts = greatest(failed_attempts - $2, 0) where id = $1 and failed_attempts > 0', [id, slot]);
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
