import type { Queryable } from '../db/pool.js';
import type { OutboxEntry } from '../outbox/queries.js';
import { itemsOfSales, refreshTakings, saleItemsDigest, salesDigest, salesOfDay } from './queries.js';

/** Sales' part of the nightly digest, the same at both ends: the sales of each day and their lines. */
export async function saleDigests(db: Queryable, q: { shopId: string; timezone: string; from: string; to: string }) {
  return { sales: await salesDigest(db, q), items: await saleItemsDigest(db, q) };
}

/** A day's sales as outbox entries, each followed by its lines, oldest first: what the shop sends again. */
export async function salesToResend(db: Queryable, q: { shopId: string; timezone: string; day: string }) {
  const sales = await salesOfDay(db, q);
  const items = await itemsOfSales(db, sales.map((s) => s.id));
  return sales.map((s) => {
    const { hlc, updatedAt: _u, receivedAt: _r, ...sale } = s;
    const lines = items.filter((i) => i.saleId === s.id);
    return {
      itemIds: new Set(lines.map((l) => l.id)),
      entries: [
        { entity: 'sale', entityId: s.id, op: 'insert', payload: sale, hlc } satisfies OutboxEntry,
        ...lines.map((l): OutboxEntry => ({ entity: 'sale_item', entityId: l.id, op: 'insert', payload: l, hlc })),
      ],
    };
  });
}

/** Head office: the takings of these days (or of the days these sales and returns fall on) summed again from the sales and returns it holds. */
export const refreshDailyTakings = (db: Queryable, q: Parameters<typeof refreshTakings>[1]) => refreshTakings(db, q);
