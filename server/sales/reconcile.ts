import type { Queryable } from '../db/pool.js';
import type { Covered, ResendQuery, Unit } from '../outbox/coverage.js';
import type { OutboxEntry } from '../outbox/queries.js';
import {
  itemsOfSales, itemsPage, raiseReceiptCounter, refreshTakings, restoreSaleItems, restoreSales, salesByIds, salesOfDay, salesPage,
  salesWithLinesDigest, type SaleItem, type SaleRow,
} from './queries.js';
import { raiseAvoirCounter, restoreReturnsRows, returnsDigest, returnsOfDay, returnsPage, type SaleReturn } from './return-queries.js';

/** A sale as it travels, with its lines and, voided, its void: one unit, naming its session and its lots. */
async function saleUnits(db: Queryable, sales: readonly SaleRow[]): Promise<Unit[]> {
  const items = await itemsOfSales(db, sales.map((s) => s.id));
  return sales.map((s) => {
    const { hlc, updatedAt: _u, receivedAt: _r, ...sale } = s;
    const lines = items.filter((i) => i.saleId === s.id);
    const voided: OutboxEntry[] = s.status === 'voided' && s.voidedAt && s.voidedBy
      ? [{ entity: 'sale', entityId: s.id, op: 'update', payload: { id: s.id, status: 'voided', voidedAt: s.voidedAt, voidedBy: s.voidedBy }, hlc }]
      : [];
    return {
      entity: 'sale',
      id: s.id,
      entries: [
        { entity: 'sale', entityId: s.id, op: 'insert', payload: sale, hlc },
        ...lines.map((l): OutboxEntry => ({ entity: 'sale_item', entityId: l.id, op: 'insert', payload: l, hlc })),
        // A void head office lost comes back as the void it was: an insert of a sale it holds changes nothing.
        ...voided,
      ],
      needs: [
        ...(s.sessionId ? [{ entity: 'till_session', id: s.sessionId }] : []),
        ...[...new Set(lines.map((l) => l.batchId))].map((id) => ({ entity: 'batch', id })),
      ],
    };
  });
}

const receiptOf = (number: string) => Number(/-(\d+)(\/|$)/.exec(number)?.[1] ?? 0);

/** Sales and their lines: one entity for the digest (a lost line shows on its sale's day), two parts for a rebuild. */
export const saleCoverage: Covered = {
  entity: 'sale',
  digest: salesWithLinesDigest,
  ofDay: async (db, q) => saleUnits(db, await salesOfDay(db, q)),
  byIds: async (db, q, ids) => saleUnits(db, (await salesByIds(db, ids)).filter((s) => s.shopId === q.shopId)),
  snapshot: [
    {
      part: 'sales',
      page: salesPage,
      async restore(run, rows: SaleRow[], head) {
        for (let i = 0; i < rows.length; i += 5000) await restoreSales(run.tx, rows.slice(i, i + 5000));
        // Receipt numbers continue after the last one head office holds.
        await raiseReceiptCounter(run.tx, head.shopId, rows.reduce((max, s) => Math.max(max, receiptOf(s.number)), head.lastReceipt));
      },
      clocks: (s: SaleRow) => [s.hlc],
    },
    {
      part: 'items',
      page: itemsPage,
      async restore(run, rows: SaleItem[]) {
        for (let i = 0; i < rows.length; i += 5000) await restoreSaleItems(run.tx, rows.slice(i, i + 5000));
      },
    },
  ],
};

const returnUnit = (r: SaleReturn): Unit => {
  const { hlc, ...credit } = r;
  return {
    entity: 'sale_return',
    id: r.id,
    entries: [{ entity: 'sale_return', entityId: r.id, op: 'insert', payload: credit, hlc }],
    needs: [{ entity: 'sale', id: r.saleId }, ...(r.sessionId ? [{ entity: 'till_session', id: r.sessionId }] : [])],
  };
};

/** Returns and their credit notes; the stock they brought back travels as movements. */
export const returnCoverage: Covered = {
  entity: 'sale_return',
  digest: returnsDigest,
  ofDay: async (db, q: ResendQuery) => (await returnsOfDay(db, q)).map(returnUnit),
  snapshot: [
    {
      part: 'returns',
      page: returnsPage,
      async restore(run, rows: SaleReturn[], head) {
        await restoreReturnsRows(run.tx, rows);
        // Credit-note numbers continue after head office's last.
        await raiseAvoirCounter(run.tx, head.shopId, rows.reduce((max, r) => Math.max(max, Number(/(\d+)$/.exec(r.number)?.[1] ?? 0)), 0));
      },
      clocks: (r: SaleReturn) => [r.hlc],
    },
  ],
};

/** Head office: the takings of these days (or of the days these sales and returns fall on) summed again from the sales and returns it holds. */
export const refreshDailyTakings = (db: Queryable, q: Parameters<typeof refreshTakings>[1]) => refreshTakings(db, q);
