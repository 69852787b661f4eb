import type { Queryable } from '../db/pool.js';

/**
 * Wrong secrets counted per subject (a terminal, a client address), for
 * attempts that name no known account: each attempt takes its slot first,
 * atomically, so parallel guesses cannot outrun the count.
 */
export async function takeThrottleSlot(db: Queryable, subject: string): Promise<{ slot: number; lockedUntil: Date | null }> {
  return (await db.one(
    `insert into login_throttle as t (subject, failures) values ($1, 1)
     on conflict (subject) do update set
       failures = case when t.locked_until > now() then t.failures when t.locked_until is not null then 1 else t.failures + 1 end,
       locked_until = case when t.locked_until > now() then t.locked_until else null end,
       updated_at = now()
     returning failures as slot, locked_until`,
    [subject],
  ))!;
}

export async function lockThrottle(db: Queryable, subject: string, lockMinutes: number): Promise<Date> {
  return (await db.one<{ lockedUntil: Date }>(
    `update login_throttle set locked_until = greatest(locked_until, now() + make_interval(mins => $2)), updated_at = now()
     where subject = $1 returning locked_until`,
    [subject, lockMinutes],
  ))!.lockedUntil;
}

export async function forgiveThrottle(db: Queryable, subject: string, slot: number): Promise<void> {
  await db.exec('update login_throttle set failures = greatest(failures - $2, 0), updated_at = now() where subject = $1', [subject, slot]);
}
