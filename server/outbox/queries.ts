import type { Queryable, Tx } from '../db/pool.js';
// A stocktake's rows name their slice of counts, read here as they travel (server/stocktakes/queries.ts).
import { stocktakeSliceSql } from '../stocktakes/queries.js';

export type OutboxEntity = 'product' | 'product_pack' | 'batch' | 'movement' | 'sale' | 'sale_item' | 'till_session' | 'cash_movement' | 'sale_return' | 'security_alert'
  | 'supplier' | 'product_supplier' | 'purchase_order' | 'delivery' | 'supplier_return' | 'transfer' | 'transfer_receipt' | 'requisition' | 'stocktake' | 'stocktake_counts'
  | 'customer' | 'account_entry' | 'expense' | 'staff';

export interface OutboxEntry {
  entity: OutboxEntity;
  entityId: string;
  op: 'insert' | 'update';
  payload: unknown;
  hlc: string;
}

export async function lockHlcState(tx: Tx): Promise<{ nodeId: string; last: string } | undefined> {
  return tx.one('select node_id, last from hlc_state where singleton for update');
}

export async function saveHlcState(tx: Tx, last: string): Promise<void> {
  await tx.exec('update hlc_state set last = $1 where singleton', [last]);
}

/** Writes `next` if the clock still holds `expected` (once a concurrent writer committed, its value is the one compared). */
export async function replaceHlcState(tx: Tx, q: { expected: string; nodeId: string; next: string }): Promise<boolean> {
  return (await tx.exec('update hlc_state set last = $3 where singleton and last = $1 and node_id = $2', [q.expected, q.nodeId, q.next])) === 1;
}

export async function initHlcState(db: Queryable, nodeId: string, last: string): Promise<void> {
  await db.exec(
    `insert into hlc_state (singleton, node_id, last) values (true, $1, $2)
     on conflict (singleton) do update set node_id = excluded.node_id`,
    [nodeId, last],
  );
  await db.exec('insert into sync_state (singleton) values (true) on conflict do nothing');
}

/** Entries go in as one statement, in the order given: parents before children. */
export async function appendOutbox(tx: Tx, entries: readonly OutboxEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await tx.exec(
    `insert into sync_outbox (entity, entity_id, op, payload, hlc)
     select entity, entity_id, op, payload, hlc
     from unnest($1::text[], $2::uuid[], $3::text[], $4::jsonb[], $5::text[]) with ordinality
       as e(entity, entity_id, op, payload, hlc, n)
     order by n`,
    [
      entries.map((e) => e.entity),
      entries.map((e) => e.entityId),
      entries.map((e) => e.op),
      entries.map((e) => JSON.stringify(e.payload)),
      entries.map((e) => e.hlc),
    ],
  );
}

export interface OutboxStats {
  pendingChanges: number;
  oldestPendingAt: Date | null;
  refusedChanges: number;
}

export async function outboxStats(db: Queryable): Promise<OutboxStats> {
  return (await db.one<OutboxStats>(
    `select count(*)::int as pending_changes, min(created_at) as oldest_pending_at,
       (select count(*)::int from sync_refused) as refused_changes
     from sync_outbox`,
  ))!;
}

export interface OutboxRow {
  seq: number;
  entity: OutboxEntity;
  entityId: string;
  op: 'insert' | 'update';
  payload: Record<string, unknown>;
  hlc: string;
  txId: string;
}

/** The oldest changes, with every row of each local transaction among them (never half of one). */
export async function outboxHead(db: Queryable, window: number): Promise<OutboxRow[]> {
  return db.rows<OutboxRow>(
    `select o.seq, o.entity, o.entity_id, o.op, ${stocktakeSliceSql('o')} as payload, o.hlc, o.tx_id::text as tx_id from sync_outbox o
     where o.tx_id in (select tx_id from (select tx_id from sync_outbox order by seq limit $1) w)
     order by o.seq`,
    [window],
  );
}

export async function deleteAcked(db: Queryable, seqs: readonly number[]): Promise<number> {
  return db.exec('delete from sync_outbox where seq = any($1::bigint[])', [seqs]);
}

/** Fields of this row changed here and not yet acknowledged by head office. */
export async function pendingFields(db: Queryable, entity: OutboxEntity, entityId: string): Promise<Set<string>> {
  const rows = await db.rows<{ key: string }>(
    `select distinct jsonb_object_keys(payload) as key from sync_outbox where entity = $1 and entity_id = $2`,
    [entity, entityId],
  );
  return new Set(rows.map((r) => r.key));
}

export interface RefusedChange extends OutboxRow {
  code: string;
  reason: string;
  createdAt: Date;
  refusedAt: Date;
}

/** Head office refused these: they leave the outbox, with the reason, for a person to retry or discard. */
export async function setAside(db: Queryable, refused: readonly { seq: number; code: string; reason: string }[]): Promise<number> {
  if (refused.length === 0) return 0;
  return db.exec(
    `with gone as (
       delete from sync_outbox o using unnest($1::bigint[], $2::text[], $3::text[]) as r(seq, code, reason)
       where o.seq = r.seq returning o.*, r.code, r.reason)
     insert into sync_refused (seq, entity, entity_id, op, payload, hlc, tx_id, code, reason, created_at)
     select seq, entity, entity_id, op, payload, hlc, tx_id, code, reason, created_at from gone
     on conflict (seq) do nothing`,
    [refused.map((r) => r.seq), refused.map((r) => r.code), refused.map((r) => r.reason)],
  );
}

export async function refusedChanges(db: Queryable): Promise<RefusedChange[]> {
  return db.rows<RefusedChange>(
    `select o.seq, o.entity, o.entity_id, o.op, ${stocktakeSliceSql('o')} as payload, o.hlc, o.tx_id::text as tx_id, o.code, o.reason,
       o.created_at, o.refused_at
     from sync_refused o order by o.seq`,
  );
}

/** Back into the outbox, behind what waits there, in their first order and with their transaction kept whole. */
export async function requeueRefused(db: Queryable, seqs: readonly number[] | 'all'): Promise<number> {
  return db.exec(
    `with back as (
       delete from sync_refused where $1::bigint[] is null or seq = any($1::bigint[]) returning *)
     insert into sync_outbox (entity, entity_id, op, payload, hlc, tx_id, created_at)
     select entity, entity_id, op, payload, hlc, tx_id, created_at from back order by seq`,
    [seqs === 'all' ? null : seqs],
  );
}

/** The rows head office refused and a person has not decided on yet: the nightly leaves them to that person. */
export async function refusedEntityIds(db: Queryable): Promise<Set<string>> {
  return new Set((await db.rows<{ entityId: string }>('select distinct entity_id from sync_refused')).map((r) => r.entityId));
}

export async function discardRefused(db: Queryable, seqs: readonly number[]): Promise<RefusedChange[]> {
  return db.rows<RefusedChange>(
    `delete from sync_refused where seq = any($1::bigint[])
     returning seq, entity, entity_id, op, payload, hlc, tx_id::text as tx_id, code, reason, created_at, refused_at`,
    [seqs],
  );
}

export interface ConflictRow {
  id: string;
  shopId: string | null;
  entity: string;
  entityId: string;
  field: string | null;
  localValue: unknown;
  remoteValue: unknown;
  localHlc: string | null;
  remoteHlc: string | null;
  localNode: string | null;
  remoteNode: string | null;
  winner: 'local' | 'remote' | 'held';
  reason: string;
}

export async function insertConflicts(db: Queryable, rows: readonly ConflictRow[]): Promise<void> {
  if (rows.length === 0) return;
  // jsonb: undefined (a field absent on one side) is stored as SQL null.
  const json = (v: unknown) => (v === undefined ? null : JSON.stringify(v));
  await db.exec(
    `insert into sync_conflicts (id, shop_id, entity, entity_id, field, local_value, remote_value, local_hlc, remote_hlc,
       local_node, remote_node, winner, reason)
     select * from unnest($1::uuid[], $2::uuid[], $3::text[], $4::uuid[], $5::text[], $6::jsonb[], $7::jsonb[], $8::text[],
       $9::text[], $10::text[], $11::text[], $12::text[], $13::text[])`,
    [
      rows.map((r) => r.id), rows.map((r) => r.shopId), rows.map((r) => r.entity), rows.map((r) => r.entityId),
      rows.map((r) => r.field), rows.map((r) => json(r.localValue)), rows.map((r) => json(r.remoteValue)),
      rows.map((r) => r.localHlc), rows.map((r) => r.remoteHlc), rows.map((r) => r.localNode), rows.map((r) => r.remoteNode),
      rows.map((r) => r.winner), rows.map((r) => r.reason),
    ],
  );
}

export type LoggedConflict = ConflictRow & { shopCode: string | null; createdAt: Date; reviewedAt: Date | null };

export interface ConflictFilter {
  shopId?: string | undefined;
  entity?: string | undefined;
  field?: string | undefined;
  reason?: string | undefined;
  /** Calendar days, inclusive, read in `timezone`. */
  from?: string | undefined;
  to?: string | undefined;
  timezone?: string | undefined;
  unreviewed?: boolean | undefined;
  limit: number;
  offset?: number | undefined;
}

export async function listConflicts(db: Queryable, q: ConflictFilter): Promise<LoggedConflict[]> {
  return db.rows(
    `select c.id, c.shop_id, s.code as shop_code, c.entity, c.entity_id, c.field, c.local_value, c.remote_value, c.local_hlc, c.remote_hlc,
       c.local_node, c.remote_node, c.winner, c.reason, c.created_at, c.reviewed_at
     from sync_conflicts c left join shops s on s.id = c.shop_id
     where ($1::uuid is null or c.shop_id = $1) and ($2::text is null or c.entity = $2) and ($3::text is null or c.field like '%' || $3 || '%')
       and ($4::text is null or c.reason = $4)
       and ($5::date is null or c.created_at >= $5::timestamp at time zone $7)
       and ($6::date is null or c.created_at < ($6::date + 1)::timestamp at time zone $7)
       and (not $8 or c.reviewed_at is null)
     order by c.created_at desc, c.id desc limit $9 offset $10`,
    [q.shopId ?? null, q.entity ?? null, q.field ?? null, q.reason ?? null, q.from ?? null, q.to ?? null, q.timezone ?? 'UTC',
      q.unreviewed ?? false, q.limit, q.offset ?? 0],
  );
}

/** A person has read these conflicts; returns how many were newly marked. */
export async function markConflictsReviewed(db: Queryable, ids: readonly string[], shopId?: string): Promise<number> {
  return db.exec('update sync_conflicts set reviewed_at = now() where id = any($1::uuid[]) and reviewed_at is null and ($2::uuid is null or shop_id = $2)', [
    ids, shopId ?? null,
  ]);
}

/** Whether exactly this finding is already logged and not yet reviewed: a state seen every night is logged once. */
export async function findingLogged(db: Queryable, entityId: string, reason: string, localValue: unknown, remoteValue: unknown): Promise<boolean> {
  return !!(await db.one(
    `select 1 from sync_conflicts where entity_id = $1 and reason = $2 and local_value = $3::jsonb and remote_value = $4::jsonb
       and reviewed_at is null limit 1`,
    [entityId, reason, JSON.stringify(localValue), JSON.stringify(remoteValue)],
  ));
}

/** Whether this entity already has a conflict of this reason logged (a state that is logged once, not on every push). */
export async function conflictLogged(db: Queryable, entityId: string, reason: string): Promise<boolean> {
  return !!(await db.one('select 1 from sync_conflicts where entity_id = $1 and reason = $2 limit 1', [entityId, reason]));
}

export interface FeedEntry {
  /** The shop the entry is for; null: every shop. */
  shopId: string | null;
  originShopId: string | null;
  entity: 'product' | 'batch' | 'recall' | 'supplier' | 'product_supplier' | 'transfer' | 'transfer_receipt' | 'requisition' | 'shop' | 'staff' | 'customer_limit';
  entityId: string;
  payload: unknown;
  hlc: string;
}

/** Head office's change log for the shops: what they pull. */
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

export async function insertHeld(db: Queryable, h: { id: string; shopId: string | null; entity: string; entityId: string; payload: unknown; hlc: string }): Promise<void> {
  await db.exec('insert into sync_held (id, shop_id, entity, entity_id, payload, hlc) values ($1, $2, $3, $4, $5, $6)', [
    h.id, h.shopId, h.entity, h.entityId, JSON.stringify(h.payload), h.hlc,
  ]);
}
