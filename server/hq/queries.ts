import type { Queryable } from '../db/pool.js';

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

export async function shopByCode(db: Queryable, code: string): Promise<HqShop | undefined> {
  return db.one<HqShop>('select id, code, name, timezone from shops where code = $1 and token_hash is not null', [code]);
}

export interface ShopHealth extends HqShop {
  lastContactAt: Date | null;
  lastPushAt: Date | null;
  lastPullAt: Date | null;
  clockSkewMs: number | null;
  changesReceived: number;
}

export async function shopsWithHealth(db: Queryable): Promise<ShopHealth[]> {
  return db.rows<ShopHealth>(
    `select s.id, s.code, s.name, s.timezone, h.last_contact_at, h.last_push_at, h.last_pull_at, h.clock_skew_ms,
       coalesce(h.changes_received, 0) as changes_received
     from shops s left join hq_shop_sync h on h.shop_id = s.id where s.token_hash is not null order by s.code`,
  );
}

export async function recordContact(
  db: Queryable,
  shopId: string,
  c: { kind: 'push' | 'pull'; skewMs: number | null; shopHlc: string | null; changes: number },
): Promise<void> {
  await db.exec(
    `insert into hq_shop_sync as h (shop_id, last_contact_at, last_push_at, last_pull_at, clock_skew_ms, last_shop_hlc, changes_received)
     values ($1, now(), case when $2 = 'push' then now() end, case when $2 = 'pull' then now() end, $3, $4, $5)
     on conflict (shop_id) do update set
       last_contact_at = now(),
       last_push_at = case when $2 = 'push' then now() else h.last_push_at end,
       last_pull_at = case when $2 = 'pull' then now() else h.last_pull_at end,
       clock_skew_ms = coalesce($3, h.clock_skew_ms),
       last_shop_hlc = coalesce($4, h.last_shop_hlc),
       changes_received = h.changes_received + $5`,
    [shopId, c.kind, c.skewMs, c.shopHlc, c.changes],
  );
}

export async function adminTokenHash(db: Queryable): Promise<string | undefined> {
  return (await db.one<{ tokenHash: string }>('select token_hash from hq_admin where singleton'))?.tokenHash;
}

export async function saveAdminTokenHash(db: Queryable, hash: string): Promise<void> {
  await db.exec('insert into hq_admin (singleton, token_hash) values (true, $1) on conflict (singleton) do update set token_hash = $1', [hash]);
}

export interface FeedEntry {
  shopId: string | null;
  originShopId: string | null;
  entity: 'product' | 'batch' | 'recall';
  entityId: string;
  payload: unknown;
  hlc: string;
}

export async function appendFeed(db: Queryable, entries: readonly FeedEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await db.exec(
    `insert into change_feed (shop_id, origin_shop_id, entity, entity_id, payload, hlc)
     select s, o, e, i, p, h from unnest($1::uuid[], $2::uuid[], $3::text[], $4::uuid[], $5::jsonb[], $6::text[]) with ordinality
       as x(s, o, e, i, p, h, n) order by n`,
    [
      entries.map((e) => e.shopId), entries.map((e) => e.originShopId), entries.map((e) => e.entity),
      entries.map((e) => e.entityId), entries.map((e) => JSON.stringify(e.payload)), entries.map((e) => e.hlc),
    ],
  );
}

export interface FeedRow {
  id: number;
  xid: string;
  entity: 'product' | 'batch' | 'recall';
  entityId: string;
  payload: Record<string, unknown>;
  hlc: string;
}

/**
 * The next changes for a shop after cursor (xid, id), only from transactions
 * older than every one still running: those below the snapshot's xmin are
 * all finished, so nothing can later appear behind the cursor.
 */
export async function feedAfter(db: Queryable, q: { shopId: string; xid: string; id: number; limit: number }): Promise<FeedRow[]> {
  return db.rows<FeedRow>(
    `select id, xid::text as xid, entity, entity_id, payload, hlc from change_feed
     where (shop_id = $1 or shop_id is null) and origin_shop_id is distinct from $1
       and xid < pg_snapshot_xmin(pg_current_snapshot())
       and (xid, id) > ($2::xid8, $3::bigint)
     order by xid, id limit $4`,
    [q.shopId, q.xid, q.id, q.limit],
  );
}

export async function insertHeld(db: Queryable, h: { id: string; shopId: string; entity: string; entityId: string; payload: unknown; hlc: string }): Promise<void> {
  await db.exec('insert into sync_held (id, shop_id, entity, entity_id, payload, hlc) values ($1, $2, $3, $4, $5, $6)', [
    h.id, h.shopId, h.entity, h.entityId, JSON.stringify(h.payload), h.hlc,
  ]);
}
