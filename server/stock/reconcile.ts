import type { Queryable } from '../db/pool.js';
import { newestOwnClock } from '../domain/hlc.js';
import { newId } from '../ids.js';
import type { Covered, ResendQuery, Unit } from '../outbox/coverage.js';
import { findingLogged, insertConflicts } from '../outbox/queries.js';
import { StockMerge } from './merge.js';
import {
  batchesPage, batchRowsByIds, insertMovementsIfAbsent, ledgerDrift, lotsDigest, lotsReceivedOn, movementsDayDigest, movementsOfDay, movementsPage,
  raiseExpiryAlerts, recallsPage, type BatchRow, type Movement, type Recall,
} from './queries.js';

/**
 * Each lot's cached quantity must be the sum of its movements. Drift is
 * logged in the conflict log (once per finding until reviewed) and shown,
 * never corrected here: someone must find out why.
 */
export async function ledgerCheck(db: Queryable, q: { shopId?: string | undefined; node: string }): Promise<{ drifted: number; logged: number }> {
  const drift = await ledgerDrift(db, q.shopId);
  const fresh = [];
  for (const d of drift) if (!(await findingLogged(db, d.batchId, 'ledger_drift', d.cached, d.ledger))) fresh.push(d);
  await insertConflicts(
    db,
    fresh.map((d) => ({
      id: newId(), shopId: d.shopId, entity: 'batch', entityId: d.batchId, field: 'quantity', localValue: d.cached, remoteValue: d.ledger,
      localHlc: null, remoteHlc: null, localNode: q.node, remoteNode: q.node, winner: 'local' as const, reason: 'ledger_drift',
    })),
  );
  return { drifted: drift.length, logged: fresh.length };
}

/** A rebuilt shop's lots whose quantity (head office's) is not the sum of their movements: reported, never fixed silently. */
export const driftedLots = async (db: Queryable, shopId: string) => (await ledgerDrift(db, shopId)).map((d) => d.batchId);

export const expiryScan = (db: Queryable, q: { shopId?: string | undefined; today: string }) => raiseExpiryAlerts(db, q);

const lotPayload = ({ hlc: _h, fieldClocks: _f, fieldOrigins: _o, ...lot }: BatchRow) => lot;

/**
 * A lot goes as the shop's own insert (a replay where head office holds it),
 * under the newest clock the shop itself wrote on it: a lot head office
 * recalled or corrected carries head office's clock, which is not the shop's
 * to send (`ownClock`, the shop's current clock, is the fallback).
 */
const lotUnit = (q: ResendQuery) => (b: BatchRow): Unit => ({
  entity: 'batch',
  id: b.id,
  entries: [{ entity: 'batch', entityId: b.id, op: 'insert', payload: lotPayload(b), hlc: newestOwnClock([b.hlc, ...Object.values(b.fieldClocks)], q.node) ?? q.ownClock }],
  needs: [{ entity: 'product', id: b.productId }],
});

/** Lots, by the day the shop received them (a date both ends hold alike). */
export const batchCoverage: Covered = {
  entity: 'batch',
  digest: (db, q) => lotsDigest(db, q),
  ofDay: async (db, q) => (await lotsReceivedOn(db, q.shopId, q.day)).map(lotUnit(q)),
  byIds: async (db, q, ids) => (await batchRowsByIds(db, q.shopId, ids)).map(lotUnit(q)),
  snapshot: [
    {
      part: 'batches',
      page: batchesPage,
      restore: (run, rows: BatchRow[]) => new StockMerge(run).restoreLots({ batches: rows, recalls: [] }),
      clocks: (b: BatchRow) => [b.hlc, ...Object.values(b.fieldClocks ?? {})],
    },
  ],
};

/** The ledger: every movement of the shop's lots; a sale's or a return's names its line (set aside with it). */
export const movementCoverage: Covered = {
  entity: 'movement',
  digest: movementsDayDigest,
  ofDay: async (db, q) =>
    (await movementsOfDay(db, q)).map((m): Unit => ({
      entity: 'movement', id: m.id, entries: [{ entity: 'movement', entityId: m.id, op: 'insert', payload: m, hlc: m.hlc }],
      needs: [{ entity: 'batch', id: m.batchId }, ...(m.saleItemId ? [{ entity: 'sale_item', id: m.saleItemId }] : [])],
    })),
  snapshot: [
    {
      part: 'movements',
      page: movementsPage,
      async restore(run, rows: Movement[]) {
        for (let i = 0; i < rows.length; i += 5000) await insertMovementsIfAbsent(run.tx, rows.slice(i, i + 5000).map((m) => ({ ...m, createdAt: new Date(m.createdAt) })));
      },
      clocks: (m: Movement) => [m.hlc],
    },
  ],
};

/** Recalls are head office's (every shop's): a rebuild brings them all back; never digested nor sent by a shop. */
export const recallCoverage: Covered = {
  entity: 'recall',
  snapshot: [
    {
      part: 'recalls',
      page: (db, _shopId, after, limit) => recallsPage(db, after, limit),
      restore: (run, rows: Recall[]) => new StockMerge(run).restoreLots({ batches: [], recalls: rows }),
    },
  ],
};
