import type { Queryable } from '../db/pool.js';
import { newestOwnClock } from '../domain/hlc.js';
import { newId } from '../ids.js';
import { findingLogged, insertConflicts, type OutboxEntry } from '../outbox/queries.js';
import { batchRowsByIds, ledgerDrift, movementsDigest, movementsOfDay, raiseExpiryAlerts, type BatchRow, type Movement } from './queries.js';

/**
 * Stock's part of the nightly checks, the same at both ends: the day's
 * movements summed for the digest, the ledger check, the expiry scan.
 */
export const movementDigests = (db: Queryable, q: { shopId: string; timezone: string; from: string; to: string }) => movementsDigest(db, q);

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

export const expiryScan = (db: Queryable, q: { shopId?: string | undefined; today: string }) => raiseExpiryAlerts(db, q);

const lotPayload = ({ hlc: _h, fieldClocks: _f, fieldOrigins: _o, ...lot }: BatchRow) => lot;

/**
 * A day's movements as outbox entries, each preceded (once) by its lot: what
 * the shop sends again when head office's day differs. A lot goes as the
 * shop's own insert, under the newest clock the shop itself wrote on it: a
 * lot head office recalled or corrected carries head office's clock, which is
 * not the shop's to send (`ownClock`, the shop's current clock, is the
 * fallback for a lot with no clock of the shop's left).
 */
export async function movementsToResend(
  db: Queryable,
  q: { shopId: string; timezone: string; day: string; node: string; ownClock: string },
): Promise<{ movements: Movement[]; lots: Map<string, OutboxEntry> }> {
  const movements = await movementsOfDay(db, q);
  const lots = await batchRowsByIds(db, q.shopId, [...new Set(movements.map((m) => m.batchId))]);
  const clockOf = (b: BatchRow) => newestOwnClock([b.hlc, ...Object.values(b.fieldClocks)], q.node) ?? q.ownClock;
  return {
    movements,
    lots: new Map(lots.map((b) => [b.id, { entity: 'batch', entityId: b.id, op: 'insert', payload: lotPayload(b), hlc: clockOf(b) }])),
  };
}

export const movementEntry = (m: Movement): OutboxEntry => ({ entity: 'movement', entityId: m.id, op: 'insert', payload: m, hlc: m.hlc });
