import type { Queryable, Tx } from '../db/pool.js';

export interface ThrottleRow {
  subject: string;
  level: number;
  updatedAt: Date;
  blockedUntil: Date | null;
  failures: number;
  burstSince: Date | null;
  alertedAt: Date | null;
}

/**
 * The subjects' rows, made if missing, then locked in subject order (every
 * attempt locks in the same order: parallel attempts wait, never deadlock).
 */
export async function lockThrottleRows(tx: Tx, subjects: readonly string[], create = true): Promise<Map<string, ThrottleRow>> {
  const sorted = [...new Set(subjects)].sort();
  if (create) {
    await tx.exec(
      `insert into auth_throttle (subject) select s from unnest($1::text[]) as s order by s on conflict (subject) do nothing`,
      [sorted],
    );
  }
  const rows = await tx.rows<ThrottleRow>(
    'select subject, level, updated_at, blocked_until, failures, burst_since, alerted_at from auth_throttle where subject = any($1) order by subject for update',
    [sorted],
  );
  return new Map(rows.map((r) => [r.subject, r]));
}

export async function blockedUntil(db: Queryable, subject: string): Promise<Date | null> {
  return (await db.one<{ blockedUntil: Date | null }>('select blocked_until from auth_throttle where subject = $1', [subject]))?.blockedUntil ?? null;
}

export async function saveThrottleRow(tx: Tx, r: ThrottleRow): Promise<void> {
  await tx.exec(
    `update auth_throttle set level = $2, updated_at = $3, blocked_until = $4, failures = $5, burst_since = $6, alerted_at = $7 where subject = $1`,
    [r.subject, r.level, r.updatedAt, r.blockedUntil, r.failures, r.burstSince, r.alertedAt],
  );
}

/** Counters untouched for two days have leaked to nothing (the slowest leak is one per ten minutes). */
export async function purgeStaleThrottle(db: Queryable, now: Date): Promise<void> {
  await db.exec(`delete from auth_throttle where updated_at < $1::timestamptz - interval '2 days' and (blocked_until is null or blocked_until < $1)`, [now]);
}

export type AlertKind = 'pin' | 'password' | 'token';
export type AlertScope = 'address' | 'shop' | 'account' | 'approval';

export interface SecurityAlert {
  id: string;
  shopId: string | null;
  kind: AlertKind;
  scope: AlertScope;
  subject: string;
  failures: number;
  since: Date;
  createdAt: Date;
  receivedAt: Date | null;
  hlc: string | null;
}

const alertColumns = 'a.id, a.shop_id, a.kind, a.scope, a.subject, a.failures, a.since, a.created_at, a.received_at, a.hlc';

export async function insertAlert(db: Queryable, a: SecurityAlert): Promise<boolean> {
  return (await db.exec(
    `insert into security_alerts (id, shop_id, kind, scope, subject, failures, since, created_at, received_at, hlc)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) on conflict (id) do nothing`,
    [a.id, a.shopId, a.kind, a.scope, a.subject, a.failures, a.since, a.createdAt, a.receivedAt, a.hlc],
  )) === 1;
}

export async function alertById(db: Queryable, id: string): Promise<SecurityAlert | undefined> {
  return db.one<SecurityAlert>(`select ${alertColumns} from security_alerts a where a.id = $1`, [id]);
}

/** The alerts of one shop, or head office's own (shopId null), newest first. */
export async function recentAlerts(db: Queryable, q: { shopId: string | null; since: Date; limit: number }): Promise<SecurityAlert[]> {
  return db.rows<SecurityAlert>(
    `select ${alertColumns} from security_alerts a
     where a.shop_id is not distinct from $1 and coalesce(a.received_at, a.created_at) >= $2
     order by a.created_at desc limit $3`,
    [q.shopId, q.since, q.limit],
  );
}

/** Head office: the chain's latest alerts, its own and every shop's, newest first. */
export async function latestAlerts(db: Queryable, since: Date, limit: number): Promise<SecurityAlert[]> {
  return db.rows<SecurityAlert>(
    `select ${alertColumns} from security_alerts a where coalesce(a.received_at, a.created_at) >= $1 order by a.created_at desc limit $2`,
    [since, limit],
  );
}

/** Head office: per shop, the alerts received since then. */
export async function alertCountsByShop(db: Queryable, since: Date): Promise<{ shopId: string; alerts: number; lastAt: Date }[]> {
  return db.rows(
    `select shop_id, count(*)::int as alerts, max(created_at) as last_at from security_alerts
     where shop_id is not null and coalesce(received_at, created_at) >= $1 group by shop_id`,
    [since],
  );
}

export interface AuditEntry {
  id: string;
  at: Date;
  actor: string;
  action: string;
  target: string;
  detail: Record<string, unknown>;
}

export async function insertAudit(db: Queryable, e: AuditEntry): Promise<void> {
  await db.exec('insert into access_audit (id, at, actor, action, target, detail) values ($1, $2, $3, $4, $5, $6)', [
    e.id, e.at, e.actor, e.action, e.target, JSON.stringify(e.detail),
  ]);
}

export async function auditLog(db: Queryable, limit: number): Promise<AuditEntry[]> {
  return db.rows<AuditEntry>('select id, at, actor, action, target, detail from access_audit order by at desc, id desc limit $1', [limit]);
}
