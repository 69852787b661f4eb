import type { Covered, Unit } from '../outbox/coverage.js';
import type { OutboxEntry } from '../outbox/queries.js';
import { insertDelivery, insertDeliveryLines, insertOrder, insertOrderLines, insertReturn, insertReturnLines, raiseCounters } from './queries.js';
import {
  deliveriesDigest, deliveriesOfDay, deliveriesPage, ordersByIds, ordersDigest, ordersOfDay, ordersPage, supplierReturnsDigest, supplierReturnsOfDay,
  supplierReturnsPage, type DeliveryDoc, type OrderDoc, type ReturnDoc,
} from './reconcile-queries.js';

/**
 * The shop's purchase documents at head office (issue 21): each is inserted
 * there once by id with its lines, and only its state moves afterwards. A
 * document goes again as its insert (as it is now: head office ignores it
 * when it holds it) followed by its latest state (ignored when head office
 * has it), so a lost insert and a lost change of state are both made good.
 * The clock is the document's own: head office never writes these rows.
 */

const date = (v: Date | string | null) => (v === null ? null : new Date(v));
const numberOf = (n: string | null) => Number(/-(\d+)$/.exec(n ?? '')?.[1] ?? 0);
const highest = (rows: readonly { number: string | null }[]) => rows.reduce((max, r) => Math.max(max, numberOf(r.number)), 0);
const products = (lines: readonly { productId: string }[]) => [...new Set(lines.map((l) => l.productId))].map((id) => ({ entity: 'product', id }));
const lots = (lines: readonly { batchId: string | null }[]) => [...new Set(lines.map((l) => l.batchId).filter((b): b is string => !!b))].map((id) => ({ entity: 'batch', id }));

function orderUnit(o: OrderDoc): Unit {
  const { hlc, updatedAt: _u, ...doc } = o;
  const entries: OutboxEntry[] = [{ entity: 'purchase_order', entityId: o.id, op: 'insert', payload: doc, hlc }];
  // Head office holding it at an earlier state takes the later one (its states only move forward).
  if (o.status !== 'sent') entries.push({ entity: 'purchase_order', entityId: o.id, op: 'update', payload: { id: o.id, shopId: o.shopId, status: o.status, history: o.history }, hlc });
  return { entity: 'purchase_order', id: o.id, entries, needs: [{ entity: 'supplier', id: o.supplierId }, ...products(o.lines)] };
}

/** A delivery goes after its order (whose received quantities it adds to), its supplier, its products and the lots it wrote. */
function deliveryUnit(d: DeliveryDoc): Unit {
  const { hlc, updatedAt: _u, ...doc } = d;
  return {
    entity: 'delivery', id: d.id,
    entries: [{ entity: 'delivery', entityId: d.id, op: 'insert', payload: doc, hlc }],
    needs: [{ entity: 'supplier', id: d.supplierId }, ...(d.purchaseOrderId ? [{ entity: 'purchase_order', id: d.purchaseOrderId }] : []), ...products(d.lines), ...lots(d.lines)],
  };
}

function returnUnit(r: ReturnDoc): Unit {
  const { hlc, updatedAt: _u, ...doc } = r;
  const entries: OutboxEntry[] = [{ entity: 'supplier_return', entityId: r.id, op: 'insert', payload: doc, hlc }];
  if (r.status !== 'sent') {
    entries.push({
      entity: 'supplier_return', entityId: r.id, op: 'update', hlc,
      payload: { id: r.id, shopId: r.shopId, status: r.status, creditNoteNumber: r.creditNoteNumber, creditedAmount: r.creditedAmount, disputeNote: r.disputeNote, settledAt: r.settledAt, settledBy: r.settledBy },
    });
  }
  return { entity: 'supplier_return', id: r.id, entries, needs: [{ entity: 'supplier', id: r.supplierId }, ...products(r.lines), ...lots(r.lines)] };
}

/** Purchase orders (with their lines), by the day they were made; a sent one only. BC numbers continue after a rebuild. */
export const purchaseOrderCoverage: Covered = {
  entity: 'purchase_order',
  digest: ordersDigest,
  ofDay: async (db, q) => (await ordersOfDay(db, q)).map(orderUnit),
  byIds: async (db, q, ids) => (await ordersByIds(db, q.shopId, ids)).map(orderUnit),
  snapshot: [
    {
      part: 'purchase-orders',
      page: ordersPage,
      async restore(run, rows: OrderDoc[], head) {
        for (const { lines, ...o } of rows) {
          await insertOrder(run.tx, { ...o, createdAt: new Date(o.createdAt) });
          await insertOrderLines(run.tx, o.id, lines);
        }
        await raiseCounters(run.tx, head.shopId, { order: highest(rows), delivery: 0, return: 0 });
      },
      clocks: (o: OrderDoc) => [o.hlc],
    },
  ],
};

/** Validated deliveries (with their lines), by the day they were validated; their lots and movements are the stock's. */
export const deliveryCoverage: Covered = {
  entity: 'delivery',
  digest: deliveriesDigest,
  ofDay: async (db, q) => (await deliveriesOfDay(db, q)).map(deliveryUnit),
  snapshot: [
    {
      part: 'deliveries',
      page: deliveriesPage,
      async restore(run, rows: DeliveryDoc[], head) {
        for (const { lines, ...d } of rows) {
          await insertDelivery(run.tx, { ...d, validatedAt: date(d.validatedAt), createdAt: new Date(d.createdAt) });
          await insertDeliveryLines(run.tx, d.id, lines);
        }
        await raiseCounters(run.tx, head.shopId, { order: 0, delivery: highest(rows), return: 0 });
      },
      clocks: (d: DeliveryDoc) => [d.hlc],
    },
  ],
};

/** Sent supplier returns (with their lines), by the day they were sent; the units they took out are movements. */
export const supplierReturnCoverage: Covered = {
  entity: 'supplier_return',
  digest: supplierReturnsDigest,
  ofDay: async (db, q) => (await supplierReturnsOfDay(db, q)).map(returnUnit),
  snapshot: [
    {
      part: 'supplier-returns',
      page: supplierReturnsPage,
      async restore(run, rows: ReturnDoc[], head) {
        for (const { lines, ...r } of rows) {
          await insertReturn(run.tx, { ...r, validatedAt: date(r.validatedAt), settledAt: date(r.settledAt), createdAt: new Date(r.createdAt) });
          await insertReturnLines(run.tx, r.id, lines);
        }
        await raiseCounters(run.tx, head.shopId, { order: 0, delivery: 0, return: highest(rows) });
      },
      clocks: (r: ReturnDoc) => [r.hlc],
    },
  ],
};
