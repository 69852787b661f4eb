import type { Queryable } from '../db/pool.js';
import { newestOwnClock } from '../domain/hlc.js';
import type { Covered, ResendQuery, Unit } from '../outbox/coverage.js';
import type { OutboxEntry } from '../outbox/queries.js';
import { shipmentWire, type ReceiptWire, type ShipmentUpdateWire } from './merge.js';
import {
  linesOf, receiptsDigest, receiptsOfDay, receiptsPage, restoreReceipts, restoreTransfers, shipmentsByIds, shipmentsDigest, shipmentsOfDay,
  transferLinesPage, transfersPage, insertLines, type Transfer, type TransferLine, type TransferReceipt,
} from './queries.js';

const clockOf = (hlc: string, q: ResendQuery) => newestOwnClock([hlc], q.node) ?? q.ownClock;

/**
 * A shipment as it travels: its insert (the shipped document with its
 * lines), then, cancelled, its cancel; head office applies the cancel only
 * if it holds no receipt, as when it was first pushed. It names the lots
 * its lines left, which go before it.
 */
async function shipmentUnits(db: Queryable, q: ResendQuery, rows: readonly Transfer[]): Promise<Unit[]> {
  const lines = await linesOf(db, rows.map((t) => t.id));
  return rows.map((t) => {
    const own = lines.filter((l) => l.transferId === t.id);
    const hlc = clockOf(t.hlc, q);
    const cancel: ShipmentUpdateWire = { id: t.id, shopId: t.shopId, status: 'cancelled', cancelledAt: t.cancelledAt?.toISOString() ?? null, cancelOverruledAt: null };
    const entries: OutboxEntry[] = [
      { entity: 'transfer', entityId: t.id, op: 'insert', payload: shipmentWire(t, own), hlc },
      ...(t.status === 'cancelled' ? [{ entity: 'transfer', entityId: t.id, op: 'update', payload: cancel, hlc } satisfies OutboxEntry] : []),
    ];
    return { entity: 'transfer', id: t.id, entries, needs: [...new Set(own.map((l) => l.batchId))].map((id) => ({ entity: 'batch', id })) };
  });
}

/** Shipments, by the day they were shipped; a rebuilt shop gets back the ones it sent and the ones addressed to it. */
export const transferCoverage: Covered = {
  entity: 'transfer',
  digest: shipmentsDigest,
  ofDay: async (db, q) => shipmentUnits(db, q, await shipmentsOfDay(db, q)),
  byIds: async (db, q, ids) => shipmentUnits(db, q, await shipmentsByIds(db, q.shopId, ids)),
  snapshot: [
    {
      part: 'transfers',
      page: transfersPage,
      restore: (run, rows: Transfer[]) => restoreTransfers(run.tx, rows),
      clocks: (t: Transfer) => [t.hlc],
    },
    {
      part: 'transfer-lines',
      page: transferLinesPage,
      async restore(run, rows: TransferLine[]) {
        for (let i = 0; i < rows.length; i += 5000) await insertLines(run.tx, rows.slice(i, i + 5000));
      },
    },
  ],
};

const receiptUnit = (q: ResendQuery) => (r: TransferReceipt): Unit => {
  const wire: ReceiptWire = {
    id: r.id, shopId: r.shopId, transferId: r.transferId, receivedBy: r.receivedBy, receivedByName: r.receivedByName, lines: r.lines,
    shippedUnits: r.shippedUnits, receivedUnits: r.receivedUnits, createdAt: r.createdAt.toISOString(),
  };
  return {
    entity: 'transfer_receipt',
    id: r.id,
    entries: [{ entity: 'transfer_receipt', entityId: r.id, op: 'insert', payload: wire, hlc: clockOf(r.hlc, q) }],
    // The shipment is the sender's (never sent from here); the lots it filled are this shop's.
    needs: [{ entity: 'transfer', id: r.transferId }, ...[...new Set(r.lines.flatMap((l) => (l.batchId ? [l.batchId] : [])))].map((id) => ({ entity: 'batch', id }))],
  };
};

/** Receipts, by the day the receiving shop made them; a rebuilt sender gets back the receipts of what it sent, read-only. */
export const transferReceiptCoverage: Covered = {
  entity: 'transfer_receipt',
  digest: receiptsDigest,
  ofDay: async (db, q) => (await receiptsOfDay(db, q)).map(receiptUnit(q)),
  snapshot: [
    {
      part: 'transfer-receipts',
      page: receiptsPage,
      restore: (run, rows: TransferReceipt[]) => restoreReceipts(run.tx, rows),
      clocks: (r: TransferReceipt) => [r.hlc],
    },
  ],
};
