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
  lastError: string | null;
  lastErrorAt: Date | null;
  bytesSent: number;
}

export async function syncState(db: Queryable): Promise<SyncStateRow | undefined> {
  return db.one('select last_push_at, last_pull_at, last_error, last_error_at, bytes_sent from sync_state where singleton');
}
