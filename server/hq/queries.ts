import { randomBytes } from 'node:crypto';
import type { Db, Queryable, Tx } from '../db/pool.js';
import type { Logger } from '../logger.js';

export interface HqShop {
  id: string;
  code: string;
  name: string;
  timezone: string;
}

export async function insertShop(db: Queryable, s: HqShop & { tokenHash: string }): Promise<void> {
  await db.exec('insert into shops (id, code, name, timezone, token_hash) values ($1, $2, $3, $4, $5)', [s.id, s.code, s.name, s.timezone, s.tokenHash]);
  await db.exec('insert into hq_shop_sync (shop_id) values ($1) on conflict do nothing', [s.id]);
}

export async function shopByTokenHash(db: Queryable, tokenHash: string): Promise<HqShop | undefined> {
  return db.one<HqShop>('select id, code, name, timezone from shops where token_hash = $1', [tokenHash]);
}

/** A new token for a shop: the old hash is gone in the same statement, so the old token is refused from this commit on. */
export async function setShopTokenHash(db: Queryable, shopId: string, tokenHash: string): Promise<void> {
  await db.exec('update shops set token_hash = $2 where id = $1', [shopId, tokenHash]);
}

export async function shopByCode(db: Queryable, code: string): Promise<HqShop | undefined> {
  return db.one<HqShop>('select id, code, name, timezone from shops where code = $1 and token_hash is not null', [code]);
}

/** Every registered shop (id, code, name, time zone), in code order. */
export async function allShops(db: Queryable): Promise<HqShop[]> {
  return db.rows<HqShop>('select id, code, name, timezone from shops where token_hash is not null order by code');
}

export async function shopChoices(db: Queryable): Promise<{ code: string; name: string }[]> {
  return db.rows('select code, name from shops where token_hash is not null order by code');
}

export interface ShopHealth extends HqShop {
  lastContactAt: Date | null;
  lastPushAt: Date | null;
  lastPullAt: Date | null;
  clockSkewMs: number | null;
  changesReceived: number;
  pendingChanges: number | null;
  oldestPendingAgeS: number | null;
  refusedChanges: number | null;
  appVersion: string | null;
  lastReceipt: number;
  refusalsAtHq: number;
  /** What the shop's last nightly run resent, per entity. */
  nightlyResent: Record<string, number>;
  lastBackupAt: Date | null;
  lastBackupStatus: string | null;
  lastBackupError: string | null;
  nightlyAt: Date | null;
  nightlyDaysChecked: number | null;
  nightlyRowsResent: number | null;
  nightlyMismatches: number | null;
  todaySales: number;
  todayTotal: number;
  /** What today's returns paid back: todayTotal − todayRefunds is the day's net, as the Z reports add up. */
  todayRefunds: number;
}

export async function shopsWithHealth(db: Queryable, code?: string): Promise<ShopHealth[]> {
  return db.rows<ShopHealth>(
    `select s.id, s.code, s.name, s.timezone, h.last_contact_at, h.last_push_at, h.last_pull_at, h.clock_skew_ms,
       coalesce(h.changes_received, 0) as changes_received, h.pending_changes, h.oldest_pending_age_s, h.refused_changes, h.app_version,
       coalesce(h.last_receipt, 0) as last_receipt, (select count(*)::int from hq_refusals r where r.shop_id = s.id) as refusals_at_hq,
       h.last_backup_at, h.last_backup_status, h.last_backup_error,
       h.nightly_at, h.nightly_days_checked, h.nightly_rows_resent, h.nightly_mismatches, coalesce(h.nightly_resent, '{}') as nightly_resent,
       coalesce(today.sales, 0)::int as today_sales, coalesce(today.total, 0)::float8 as today_total,
       coalesce(today.refunds, 0)::float8 as today_refunds
     from shops s left join hq_shop_sync h on h.shop_id = s.id
     left join lateral (select sum(t.sales) as sales, sum(t.total) as total, sum(t.refunds) as refunds from hq_daily_takings t
                        where t.shop_id = s.id and t.day = (now() at time zone s.timezone)::date) today on true
     where s.token_hash is not null and ($1::text is null or s.code = $1) order by s.code`,
    [code ?? null],
  );
}

export async function recordContact(
  db: Queryable,
  shopId: string,
  c: { kind: 'push' | 'pull'; skewMs: number | null; shopHlc: string | null; changes: number; report?: ShopReport | undefined; lastReceipt?: number },
): Promise<{ lastReceipt: number }> {
  const r = c.report ?? {};
  const row = await db.one<{ lastReceipt: number }>(
    `insert into hq_shop_sync as h (shop_id, last_contact_at, last_push_at, last_pull_at, clock_skew_ms, last_shop_hlc, changes_received,
       pending_changes, oldest_pending_age_s, refused_changes, app_version, last_receipt, last_backup_at, last_backup_status, last_backup_error)
     values ($1, now(), case when $2 = 'push' then now() end, case when $2 = 'pull' then now() end, $3, $4, $5, $6, $7, $8, $9, coalesce($10, 0),
       $11, $12, $13)
     on conflict (shop_id) do update set
       last_contact_at = now(),
       last_push_at = case when $2 = 'push' then now() else h.last_push_at end,
       last_pull_at = case when $2 = 'pull' then now() else h.last_pull_at end,
       clock_skew_ms = coalesce($3, h.clock_skew_ms),
       last_shop_hlc = coalesce($4, h.last_shop_hlc),
       changes_received = h.changes_received + $5,
       pending_changes = coalesce($6, h.pending_changes),
       oldest_pending_age_s = case when $6 is null then h.oldest_pending_age_s else $7 end,
       refused_changes = coalesce($8, h.refused_changes),
       app_version = coalesce($9, h.app_version),
       last_receipt = greatest(h.last_receipt, coalesce($10, 0)),
       last_backup_at = coalesce($11, h.last_backup_at),
       last_backup_status = coalesce($12, h.last_backup_status),
       last_backup_error = case when $12 is null then h.last_backup_error else $13 end
     returning last_receipt`,
    [shopId, c.kind, c.skewMs, c.shopHlc, c.changes, r.pendingChanges ?? null, r.oldestPendingAgeSeconds ?? null, r.refusedChanges ?? null,
      r.appVersion ?? null, c.lastReceipt ?? null, r.backup?.lastOkAt ?? null, r.backup?.lastStatus ?? null, r.backup?.lastError ?? null],
  );
  // The shop's high water of receipt numbers as this contact leaves it.
  return { lastReceipt: row!.lastReceipt };
}

export async function adminTokenHash(db: Queryable): Promise<string | undefined> {
  return (await db.one<{ tokenHash: string }>('select token_hash from hq_admin where singleton'))?.tokenHash;
}

export async function saveAdminTokenHash(db: Queryable, hash: string): Promise<void> {
  await db.exec('insert into hq_admin (singleton, token_hash) values (true, $1) on conflict (singleton) do update set token_hash = $1', [hash]);
}

export interface FeedRow {
  id: number;
  xid: string;
  entity: 'product' | 'batch' | 'recall' | 'supplier' | 'product_supplier' | 'transfer' | 'transfer_receipt' | 'requisition' | 'shop' | 'staff' | 'customer_limit';
  entityId: string;
  payload: Record<string, unknown>;
  hlc: string;
}

/**
 * The next changes for a shop after cursor (xid, id), only from transactions
 * older than every one still running: those below the snapshot's xmin are
 * all finished, so nothing can later appear behind the cursor. Ordered by the
 * xid8 column itself (its text would sort 100 before 99).
 */
export async function feedAfter(db: Queryable, q: { shopId: string; xid: string; id: number; limit: number }): Promise<FeedRow[]> {
  return db.rows<FeedRow>(
    `select f.id, f.xid::text as xid, f.entity, f.entity_id, f.payload, f.hlc from change_feed f
     where (f.shop_id = $1 or f.shop_id is null)
       and f.xid < pg_snapshot_xmin(pg_current_snapshot())
       and (f.xid, f.id) > ($2::xid8, $3::bigint)
     order by f.xid, f.id limit $4`,
    [q.shopId, q.xid, q.id, q.limit],
  );
}

/**
 * The feed's epoch. Restored into a new cluster, head office's transaction
 * ids start again below those its feed holds: every shop's cursor would then
 * be ahead of every new change. Seen here (a stored xid at or above the next
 * one to be assigned), the old rows are put first (xid 0, in id order) and a
 * new epoch tells shops to read the feed again from the start.
 */
/** One shop's pushes are applied one at a time, whichever head office process received them; other shops' run alongside. */
export async function lockShopPushes(tx: Tx, shopId: string): Promise<void> {
  await tx.exec(`select pg_advisory_xact_lock(hashtextextended('push:' || $1, 7320005))`, [shopId]);
}

export async function feedEpoch(db: Db, logger: Logger): Promise<string> {
  const state = await db.one<{ epoch: string; restored: boolean }>(
    `select (select epoch from hq_feed_state) as epoch,
       coalesce((select xid from change_feed order by xid desc limit 1) >= pg_snapshot_xmax(pg_current_snapshot()), false) as restored`,
  );
  if (state?.epoch && !state.restored) return state.epoch;
  return db.withTransaction(async (tx) => {
    await tx.exec('select pg_advisory_xact_lock(7320004)');
    const again = (await tx.one<{ epoch: string | null; restored: boolean }>(
      `select (select epoch from hq_feed_state) as epoch,
         coalesce((select xid from change_feed order by xid desc limit 1) >= pg_snapshot_xmax(pg_current_snapshot()), false) as restored`,
    ))!;
    if (again.epoch && !again.restored) return again.epoch;
    const epoch = randomBytes(6).toString('hex');
    if (again.restored) {
      const moved = await tx.exec(`update change_feed set xid = '0'::xid8 where xid >= pg_snapshot_xmin(pg_current_snapshot())`);
      logger.warn({ epoch, moved }, 'head office restored into a new cluster: new feed epoch, shops will read the feed again');
    }
    await tx.exec('insert into hq_feed_state (singleton, epoch) values (true, $1) on conflict (singleton) do update set epoch = $1', [epoch]);
    return epoch;
  });
}

/** How far the feed lags: changes committed but not yet servable, held back by the oldest transaction still open. */
export async function feedLag(db: Queryable): Promise<{ waitingChanges: number; oldestWaitingSeconds: number; oldestTransactionSeconds: number }> {
  return (await db.one(
    `select count(*)::int as waiting_changes,
       coalesce(extract(epoch from now() - min(created_at)), 0)::int as oldest_waiting_seconds,
       coalesce((select extract(epoch from now() - min(xact_start)) from pg_stat_activity
                 where datname = current_database() and (backend_xid is not null or backend_xmin is not null) and pid <> pg_backend_pid()), 0)::int
         as oldest_transaction_seconds
     from change_feed where xid >= pg_snapshot_xmin(pg_current_snapshot())`,
  ))!;
}

export interface ShopReport {
  pendingChanges?: number | undefined;
  oldestPendingAgeSeconds?: number | null | undefined;
  refusedChanges?: number | undefined;
  appVersion?: string | undefined;
  backup?: { lastOkAt?: string | null | undefined; lastStatus?: string | null | undefined; lastError?: string | null | undefined } | undefined;
}

export async function recordRefusals(
  db: Queryable,
  shopId: string,
  refused: readonly { seq: number; code: string; message: string; change: { entity?: string; kind: string; id: string } }[],
): Promise<void> {
  if (refused.length === 0) return;
  await db.exec(
    `insert into hq_refusals (id, shop_id, seq, entity, entity_id, code, reason)
     select gen_random_uuid(), $1, * from unnest($2::bigint[], $3::text[], $4::uuid[], $5::text[], $6::text[])`,
    [shopId, refused.map((r) => r.seq), refused.map((r) => r.change.kind.split(':')[0]), refused.map((r) => r.change.id), refused.map((r) => r.code), refused.map((r) => r.message)],
  );
  await db.exec('update hq_shop_sync set last_refusal_at = now() where shop_id = $1', [shopId]);
}

/** The newest receipt number head office holds of this shop: a shop behind it was restored from an old backup. */
export async function shopHighWater(db: Queryable, shopId: string): Promise<{ lastReceipt: number }> {
  const row = await db.one<{ lastReceipt: number | null }>('select last_receipt from hq_shop_sync where shop_id = $1', [shopId]);
  return { lastReceipt: row?.lastReceipt ?? 0 };
}

/** The feed's last servable entry: a rebuilt shop pulls from here, having read everything before it in a snapshot. */
export async function feedHead(db: Queryable): Promise<{ xid: string; id: number }> {
  return (
    (await db.one<{ xid: string; id: number }>(
      `select xid::text as xid, id from change_feed where xid < pg_snapshot_xmin(pg_current_snapshot()) order by xid desc, id desc limit 1`,
    )) ?? { xid: '0', id: 0 }
  );
}

export async function refusalsOf(db: Queryable, shopId: string, limit: number) {
  return db.rows<{ id: string; seq: number; entity: string; entityId: string; code: string; reason: string; createdAt: Date }>(
    'select id, seq, entity, entity_id, code, reason, created_at from hq_refusals where shop_id = $1 order by created_at desc, seq desc limit $2',
    [shopId, limit],
  );
}

/**
 * The cursor a shop's pull starts from: everything before it is applied
 * there, but only as far as head office has actually served it (a request
 * claiming a cursor beyond what it was sent proves nothing).
 */
export async function recordPulled(db: Queryable, shopId: string, at: { epoch: string; xid: string; id: number }): Promise<void> {
  await db.exec(
    `update hq_shop_sync set pulled_epoch = $2, pulled_xid = $3::xid8, pulled_id = $4
     where shop_id = $1 and served_epoch = $2 and (served_xid, served_id) >= ($3::xid8, $4::bigint)`,
    [shopId, at.epoch, at.xid, at.id],
  );
}

/** The last feed entry head office sent this shop (it only grows within an epoch). */
export async function recordServed(db: Queryable, shopId: string, at: { epoch: string; xid: string; id: number }): Promise<void> {
  await db.exec(
    `update hq_shop_sync set served_epoch = $2, served_xid = $3::xid8, served_id = $4
     where shop_id = $1 and (served_epoch is distinct from $2 or (served_xid, served_id) < ($3::xid8, $4::bigint))`,
    [shopId, at.epoch, at.xid, at.id],
  );
}

export async function recordNightly(
  db: Queryable,
  shopId: string,
  r: { daysChecked: number; rowsResent: number; resent: Record<string, number>; mismatches: number },
): Promise<void> {
  await db.exec(
    `update hq_shop_sync set nightly_at = now(), nightly_days_checked = $2, nightly_rows_resent = $3, nightly_mismatches = $4, nightly_resent = $5
     where shop_id = $1`,
    [shopId, r.daysChecked, r.rowsResent, r.mismatches, JSON.stringify(r.resent)],
  );
}
