import type { Queryable, Tx } from '../db/pool.js';

export type OutboxEntity = 'product' | 'batch' | 'movement' | 'sale' | 'sale_item';

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
}

export async function outboxStats(db: Queryable): Promise<OutboxStats> {
  return (await db.one<OutboxStats>(
    'select count(*)::int as pending_changes, min(created_at) as oldest_pending_at from sync_outbox',
  ))!;
}

export interface SyncStateRow {
  lastPushAt: Date | null;
  lastPullAt: Date | null;
  lastPushAttemptAt: Date | null;
  lastPullAttemptAt: Date | null;
  lastError: string | null;
  lastErrorAt: Date | null;
  bytesSent: number;
  failures: number;
  nextAttemptAt: Date | null;
}

export async function syncState(db: Queryable): Promise<SyncStateRow | undefined> {
  return db.one(
    `select last_push_at, last_pull_at, last_push_attempt_at, last_pull_attempt_at, last_error, last_error_at, bytes_sent,
       failures, next_attempt_at
     from sync_state where singleton`,
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

export async function listConflicts(db: Queryable, q: { shopId?: string; limit: number }): Promise<(ConflictRow & { createdAt: Date })[]> {
  return db.rows(
    `select id, shop_id, entity, entity_id, field, local_value, remote_value, local_hlc, remote_hlc, local_node, remote_node,
       winner, reason, created_at
     from sync_conflicts where ($1::uuid is null or shop_id = $1) order by created_at desc, id desc limit $2`,
    [q.shopId ?? null, q.limit],
  );
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
    `select seq, entity, entity_id, op, payload, hlc, tx_id::text as tx_id from sync_outbox
     where tx_id in (select tx_id from (select tx_id from sync_outbox order by seq limit $1) w)
     order by seq`,
    [window],
  );
}

export async function deleteAcked(db: Queryable, seqs: readonly number[]): Promise<number> {
  return db.exec('delete from sync_outbox where seq = any($1::bigint[])', [seqs]);
}

export interface SyncAttemptState {
  failures: number;
  nextAttemptAt: Date | null;
  pullCursor: string | null;
}

export async function attemptState(db: Queryable): Promise<SyncAttemptState> {
  return (await db.one<SyncAttemptState>('select failures, next_attempt_at, pull_cursor from sync_state where singleton'))!;
}

export async function recordPushSuccess(db: Queryable, bytes: number): Promise<void> {
  await db.exec(
    `update sync_state set last_push_at = now(), last_push_attempt_at = now(), bytes_sent = bytes_sent + $1,
       failures = 0, next_attempt_at = null, last_error = null, last_error_kind = null where singleton`,
    [bytes],
  );
}

export async function recordPullSuccess(db: Queryable, cursor: string): Promise<void> {
  await db.exec(
    `update sync_state set pull_cursor = $1, last_pull_at = now(), last_pull_attempt_at = now(),
       failures = 0, next_attempt_at = null, last_error = null, last_error_kind = null where singleton`,
    [cursor],
  );
}

export async function recordSyncFailure(db: Queryable, f: { kind: string; message: string; retryInMs: number; phase: 'push' | 'pull' }): Promise<void> {
  await db.exec(
    `update sync_state set failures = failures + 1, next_attempt_at = now() + make_interval(secs => $3::double precision / 1000),
       last_error = $2, last_error_kind = $1, last_error_at = now(),
       last_push_attempt_at = case when $4 = 'push' then now() else last_push_attempt_at end,
       last_pull_attempt_at = case when $4 = 'pull' then now() else last_pull_attempt_at end
     where singleton`,
    [f.kind, f.message, f.retryInMs, f.phase],
  );
}
