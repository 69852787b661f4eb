import type { Queryable } from '../db/pool.js';
import type { UserRole } from '../domain/roles.js';

export interface User {
  id: string;
  shopId: string;
  name: string;
  role: UserRole;
  active: boolean;
  /** False for a person head office made until a manager here sets their PIN. */
  pinSet: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export interface UserWithSecret extends User {
  pinHash: string;
}

const columns = 'u.id, u.shop_id, u.name, u.role, u.active, u.pin_set, u.created_at, u.updated_at';

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
    `select ${columns}, u.pin_hash from users u
     where u.shop_id = $1 and u.active order by u.name collate french`,
    [shopId],
  );
}

export async function userWithSecret(db: Queryable, shopId: string, id: string): Promise<UserWithSecret | undefined> {
  return db.one<UserWithSecret>(
    `select ${columns}, u.pin_hash from users u where u.shop_id = $1 and u.id = $2`,
    [shopId, id],
  );
}

export async function listUsers(db: Queryable, shopId: string): Promise<User[]> {
  return db.rows<User>(`select ${columns} from users u where u.shop_id = $1 order by u.name collate french`, [shopId]);
}

export async function insertSession(db: Queryable, s: { id: string; tokenHash: string; userId: string; expiresAt: Date; client: string }): Promise<void> {
  await db.exec('insert into sessions (id, token_hash, user_id, expires_at, client) values ($1, $2, $3, $4, $5)', [s.id, s.tokenHash, s.userId, s.expiresAt, s.client]);
}

/** Expired sessions (and their carts) go; done at each login, the rows are few. */
export async function purgeStaleLogins(db: Queryable): Promise<void> {
  await db.exec('delete from sessions where expires_at < now()');
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

export async function userById(db: Queryable, shopId: string, id: string, lock = false): Promise<User | undefined> {
  return db.one<User>(`select ${columns} from users u where u.shop_id = $1 and u.id = $2${lock ? ' for update' : ''}`, [shopId, id]);
}

/** Managers (and admins) still active besides this one: a shop is never left without one. */
export async function otherActiveManagers(db: Queryable, shopId: string, exceptId: string): Promise<number> {
  return (await db.one<{ n: number }>(
    `select count(*)::int as n from users where shop_id = $1 and id <> $2 and active and role in ('manager', 'admin')`,
    [shopId, exceptId],
  ))!.n;
}

export async function setUserActive(db: Queryable, id: string, active: boolean): Promise<User> {
  return (await db.one<User>(`update users as u set active = $2 where id = $1 returning ${columns}`, [id, active]))!;
}

export async function setPinHash(db: Queryable, id: string, pinHash: string): Promise<void> {
  await db.exec('update users set pin_hash = $2, pin_set = true where id = $1', [id, pinHash]);
}

/** Ends every session of a user (their carts go with them); how many there were. */
export async function deleteSessionsOf(db: Queryable, userId: string): Promise<number> {
  return db.exec('delete from sessions where user_id = $1', [userId]);
}

export async function deleteSessionById(db: Queryable, id: string): Promise<{ userId: string } | undefined> {
  return db.one<{ userId: string }>('delete from sessions where id = $1 returning user_id', [id]);
}

export interface SessionRow {
  id: string;
  userId: string;
  userName: string;
  role: UserRole;
  client: string | null;
  createdAt: Date;
  expiresAt: Date;
}

/** Sessions still open, newest first. */
export async function openSessions(db: Queryable, shopId: string, now: Date): Promise<SessionRow[]> {
  return db.rows<SessionRow>(
    `select s.id, s.user_id, u.name as user_name, u.role, s.client, s.created_at, s.expires_at
     from sessions s join users u on u.id = s.user_id
     where u.shop_id = $1 and s.expires_at > $2 order by s.created_at desc`,
    [shopId, now],
  );
}

/**
 * A person as head office sends them: made here without a PIN (a dummy hash
 * no PIN matches, `pin_set` false) or brought to head office's name, role and
 * active. Returns whether they were active before (undefined: new here).
 */
export async function upsertUserFromHq(
  db: Queryable,
  u: {
    id: string; shopId: string; name: string; role: UserRole; active: boolean; dummyHash: string;
    firstPinCode?: { hash: string; expiresAt: string } | undefined;
    /** Head office says this shop made them (absent from an older head office: a new person is taken as head office's). */
    madeHere?: boolean | undefined;
  },
): Promise<{ wasActive: boolean | undefined }> {
  const result = await upsertPerson(db, u);
  // A one-time code head office handed out: kept (its hash) until used or replaced, for a person still without a PIN.
  if (u.firstPinCode) {
    await db.exec('update users set first_pin_code_hash = $2, first_pin_code_expires_at = $3 where id = $1 and not pin_set', [u.id, u.firstPinCode.hash, u.firstPinCode.expiresAt]);
  }
  return result;
}

async function upsertPerson(
  db: Queryable, u: { id: string; shopId: string; name: string; role: UserRole; active: boolean; dummyHash: string; madeHere?: boolean | undefined },
): Promise<{ wasActive: boolean | undefined }> {
  const before = await db.one<{ active: boolean }>('select active from users where id = $1 for update', [u.id]);
  if (!before) {
    await db.exec(
      'insert into users (id, shop_id, name, role, active, pin_hash, pin_set, made_here) values ($1, $2, $3, $4, $5, $6, false, $7)',
      [u.id, u.shopId, u.name, u.role, u.active, u.dummyHash, u.madeHere ?? false],
    );
    return { wasActive: undefined };
  }
  // Head office's word on who made them corrects a guess (migration 0032): the nightly digest compares only this shop's own.
  await db.exec('update users set name = $2, role = $3, active = $4, made_here = coalesce($5, made_here) where id = $1', [u.id, u.name, u.role, u.active, u.madeHere ?? null]);
  return { wasActive: before.active };
}

/** The person a first-PIN code is for: active, still without a PIN, the code not expired. */
export async function userOfFirstPinCode(db: Queryable, shopId: string, codeHash: string): Promise<User | undefined> {
  return db.one<User>(
    `select ${columns} from users u where u.shop_id = $1 and u.first_pin_code_hash = $2 and u.first_pin_code_expires_at > now()
     and u.active and not u.pin_set`,
    [shopId, codeHash],
  );
}

/** The first PIN, set with the code it used up: false when the code was used meanwhile (one use, whoever came first). */
export async function useFirstPinCode(db: Queryable, id: string, codeHash: string, pinHash: string): Promise<boolean> {
  return (await db.exec(
    `update users set pin_hash = $3, pin_set = true, first_pin_code_hash = null, first_pin_code_expires_at = null
     where id = $1 and first_pin_code_hash = $2 and not pin_set`,
    [id, codeHash, pinHash],
  )) === 1;
}

/** After a rebuild: the shop's first active manager, one with a PIN first (then nothing needs setting). */
export async function managerForRebuild(db: Queryable, shopId: string): Promise<User | undefined> {
  return db.one<User>(
    `select ${columns} from users u where u.shop_id = $1 and u.active and u.role in ('manager', 'admin')
     order by u.pin_set desc, u.created_at, u.id limit 1`,
    [shopId],
  );
}

/** Whether the shop has an active manager who can sign in (a PIN set here). */
export async function hasSignableManager(db: Queryable, shopId: string): Promise<boolean> {
  return !!(await db.one(`select 1 from users where shop_id = $1 and active and pin_set and role in ('manager', 'admin') limit 1`, [shopId]));
}

// ---- coverage: the nightly digest and the resend of the people this shop made (server/hq/staff-reconcile.ts) ----

const madeHereRange = 'u.shop_id = $1 and u.made_here and u.created_at >= ($3::date)::timestamp at time zone $2 and u.created_at < ($4::date + 1)::timestamp at time zone $2';

/** By the day they were made here: count, how many are active, each one's id, role and active (head office's `staffOriginDigest`). */
export async function staffMadeHereDigest(db: Queryable, q: { shopId: string; timezone: string; from: string; to: string }) {
  return db.rows<{ day: string; count: number; sum: number; hash: string }>(
    `select to_char(u.created_at at time zone $2, 'YYYY-MM-DD') as day, count(*)::int as count, count(*) filter (where u.active)::float8 as sum,
       md5(string_agg(u.id::text || ':' || u.role || ':' || u.active::text, ',' order by u.id)) as hash
     from users u where ${madeHereRange} group by 1`,
    [q.shopId, q.timezone, q.from, q.to],
  );
}

/** The people made here on a day, oldest first, as they travel: never a PIN nor its hash. */
export async function staffMadeHereOfDay(db: Queryable, q: { shopId: string; timezone: string; day: string }): Promise<User[]> {
  return db.rows<User>(`select ${columns} from users u where ${madeHereRange} order by u.created_at, u.id`, [q.shopId, q.timezone, q.day, q.day]);
}
