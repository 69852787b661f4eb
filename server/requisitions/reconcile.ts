import { newestOwnClock } from '../domain/hlc.js';
import type { Covered, ResendQuery, Unit } from '../outbox/coverage.js';
import type { OutboxEntry } from '../outbox/queries.js';
import type { RequisitionUpdateWire, RequisitionWire } from './merge.js';
import { requisitionsDigest, requisitionsOfDay, requisitionsPage, restoreRequisitions, type Requisition } from './queries.js';

/** A requisition as it travels: its insert, then, cancelled, its cancel (head office applies each once). */
const requisitionUnit = (q: ResendQuery) => (r: Requisition): Unit => {
  const hlc = newestOwnClock([r.hlc], q.node) ?? q.ownClock;
  const wire: RequisitionWire = {
    id: r.id, shopId: r.shopId, shopCode: r.shopCode, number: r.number, fromShopId: r.fromShopId, fromShopCode: r.fromShopCode, status: 'open',
    lines: r.lines, note: r.note, createdBy: r.createdBy, createdByName: r.createdByName, createdAt: r.createdAt.toISOString(),
  };
  const entries: OutboxEntry[] = [{ entity: 'requisition', entityId: r.id, op: 'insert', payload: wire, hlc }];
  if (r.status === 'cancelled') {
    const cancel: RequisitionUpdateWire = { id: r.id, shopId: r.shopId, status: 'cancelled', cancelledAt: (r.cancelledAt ?? r.createdAt).toISOString() };
    entries.push({ entity: 'requisition', entityId: r.id, op: 'update', payload: cancel, hlc });
  }
  // It names products only, which head office holds from the catalogue.
  return { entity: 'requisition', id: r.id, entries, needs: [] };
};

/** Requisitions, by the day the asking shop made them; a rebuilt shop gets back the ones it made and the ones addressed to it. */
export const requisitionCoverage: Covered = {
  entity: 'requisition',
  digest: requisitionsDigest,
  ofDay: async (db, q) => (await requisitionsOfDay(db, q)).map(requisitionUnit(q)),
  snapshot: [
    {
      part: 'requisitions',
      page: requisitionsPage,
      restore: (run, rows: Requisition[]) => restoreRequisitions(run.tx, rows),
      clocks: (r: Requisition) => [r.hlc],
    },
  ],
};
