import type { Actor, Deps } from '../context.js';
import type { Db, Tx } from '../db/pool.js';
import { productsByIds, type Product } from '../catalog/queries.js';
import { dateInZone } from '../domain/dates.js';
import { allocateFefo, type BlockedStock } from '../domain/fefo.js';
import { formatFcfa, lineTotal } from '../domain/money.js';
import { formatReceiptNumber } from '../domain/receipt-number.js';
import { AppError, notFound } from '../errors.js';
import { t } from '../i18n/fr.js';
import { newId } from '../ids.js';
import { applyDeltas, batchById, insertMovements, lockBatchesByIds, lockBatchesWithStock, type Batch } from '../stock/queries.js';
import { stampTransaction } from '../outbox/clock.js';
import { appendOutbox, type OutboxEntry } from '../outbox/queries.js';
import {
  insertSale,
  insertSaleItems,
  itemsOfSales,
  itemsPage,
  markVoided,
  saleById,
  salesBetween,
  salesPage,
  takeReceiptNumber,
  raiseReceiptCounter,
  takings,
  type Sale,
  type SaleItem,
  saleAnyShop,
  takingsByShopDay,
} from './queries.js';
import type { SaleInput } from './schemas.js';

export interface SaleWithItems extends Sale {
  items: SaleItem[];
}

interface Demand {
  productId: string;
  quantity: number;
  /** Units asked from a given lot (a scanned DataMatrix). */
  pinned: { batchId: string; quantity: number }[];
}

/** Several lines for one product are one demand: FEFO must see the whole of it. */
function mergeLines(lines: SaleInput['lines']): Demand[] {
  const merged = new Map<string, Demand>();
  for (const l of lines) {
    const d = merged.get(l.productId) ?? { productId: l.productId, quantity: 0, pinned: [] };
    d.quantity += l.quantity;
    if (l.batchId) d.pinned.push({ batchId: l.batchId, quantity: l.quantity });
    merged.set(l.productId, d);
  }
  return [...merged.values()];
}

/**
 * Why `requested` units of a product cannot be sold from these lots (expired,
 * recalled with the recall's reason, quarantined, or simply not enough), or
 * undefined when they can. The till says it at the scan, the sale at payment.
 */
export function unsellable(product: Pick<Product, 'id' | 'name'>, batches: readonly Batch[], day: string, requested = 1): AppError | undefined {
  const result = allocateFefo(batches.filter((b) => b.productId === product.id && b.quantity > 0), requested, day);
  if (result.ok || 'unsellableLot' in result) return undefined;
  const why = [...new Set(batches.filter((b) => b.status === 'recalled' && b.statusReason).map((b) => b.statusReason!))];
  return shortage(product, requested, result.available, result.blocked, why);
}

function shortage(product: Pick<Product, 'id' | 'name'>, requested: number, available: number, blocked: BlockedStock, recallReasons: string[]): AppError {
  const reasons = (['expired', 'recalled', 'quarantined'] as const)
    .filter((k) => blocked[k] > 0)
    .map((k) =>
      k === 'recalled' && recallReasons.length > 0
        ? t('sale.reason_recalled_why', { quantity: blocked[k], why: recallReasons.join(' ; ') })
        : t(`sale.reason_${k}`, { quantity: blocked[k] }),
    );
  if (available === 0 && reasons.length > 0) {
    return new AppError(422, 'no_sellable_lot', 'sale.no_sellable_lot', { name: product.name, reasons: reasons.join(', ') }, {
      productId: product.id,
      ...blocked,
    });
  }
  return new AppError(422, 'insufficient_stock', 'sale.insufficient_stock', { name: product.name, requested, available }, {
    productId: product.id,
    requested,
    available,
  });
}

export function salesService({ db, shop, now, bus }: Deps) {
  return {
    /**
     * One transaction: FEFO allocation under row locks (batches in id order,
     * then the receipt counter, then the clock), the sale, one item and one
     * `sale` movement per batch used, and their outbox rows.
     */
    async recordSale(input: SaleInput, actor: Actor, opts: { alsoInTransaction?: (tx: Tx, sale: Sale) => Promise<void> } = {}): Promise<SaleWithItems> {
      const demand = mergeLines(input.lines);
      const day = dateInZone(now(), shop.timezone);
      const recorded = await db.withTransaction(async (tx) => {
        const products = new Map((await productsByIds(tx, demand.map((d) => d.productId))).map((p) => [p.id, p]));
        for (const d of demand) {
          const p = products.get(d.productId);
          if (!p) throw new AppError(404, 'product_not_found', 'product.not_found', {}, { productId: d.productId });
          if (!p.active) throw new AppError(422, 'product_inactive', 'product.inactive', { name: p.name }, { productId: p.id });
        }
        // A line may name its lot (a scanned DataMatrix): it must be a lot of that product in this shop.
        for (const d of demand) {
          for (const pin of d.pinned) {
            const lot = await batchById(tx, shop.id, pin.batchId);
            if (!lot || lot.productId !== d.productId) {
              throw new AppError(422, 'lot_not_sellable', 'sale.lot_unknown', { name: products.get(d.productId)!.name }, { productId: d.productId, batchId: pin.batchId });
            }
          }
        }
        const locked = await lockBatchesWithStock(tx, shop.id, demand.map((d) => d.productId));
        const batches = new Map(locked.map((b) => [b.id, b]));

        const lines: { product: Product; batch: Batch; quantity: number }[] = [];
        for (const d of demand) {
          const product = products.get(d.productId)!;
          const mine = locked.filter((b) => b.productId === d.productId);
          const result = allocateFefo(mine, d.quantity, day, d.pinned);
          if (!result.ok && 'unsellableLot' in result) {
            const lot = result.unsellableLot;
            const why = lot.status === 'recalled' ? t('lot.recalled') : lot.status === 'quarantined' ? t('lot.quarantined') : lot.quantity <= 0 ? t('lot.empty') : t('lot.expired');
            throw new AppError(422, 'lot_not_sellable', 'sale.lot_not_sellable', { lotNumber: lot.lotNumber, name: product.name, why }, { productId: product.id, batchId: lot.id });
          }
          if (!result.ok) {
            const why = [...new Set(mine.filter((b) => b.status === 'recalled' && b.statusReason).map((b) => b.statusReason!))];
            throw shortage(product, d.quantity, result.available, result.blocked, why);
          }
          for (const a of result.allocations) lines.push({ product, batch: batches.get(a.batchId)!, quantity: a.quantity });
        }

        const total = lines.reduce((sum, l) => sum + lineTotal(l.product.unitPrice, l.quantity), 0);
        const tendered = input.payment.method === 'cash' ? (input.payment.tendered ?? total) : total;
        if (tendered < total) {
          throw new AppError(422, 'tendered_too_low', 'sale.tendered_too_low', {
            tendered: formatFcfa(tendered),
            total: formatFcfa(total),
          });
        }

        const number = formatReceiptNumber(shop.code, await takeReceiptNumber(tx, shop.id));
        const hlc = await stampTransaction(tx, now());
        const sale = await insertSale(tx, {
          id: newId(), shopId: shop.id, number, cashierId: actor.id, cashierName: actor.name,
          total, tendered, change: tendered - total, paymentMethod: input.payment.method, hlc, createdAt: now(),
        });
        const items = await insertSaleItems(
          tx,
          lines.map((l, i) => ({
            id: newId(), saleId: sale.id, lineNo: i + 1, productId: l.product.id, batchId: l.batch.id,
            productName: l.product.name, lotNumber: l.batch.lotNumber, expirationDate: l.batch.expirationDate,
            quantity: l.quantity, unitPrice: l.product.unitPrice, lineTotal: lineTotal(l.product.unitPrice, l.quantity),
          })),
        );
        const movements = await insertMovements(
          tx,
          items.map((item) => ({
            id: newId(), shopId: shop.id, batchId: item.batchId, kind: 'sale' as const, delta: -item.quantity,
            countedQty: null, reason: null, saleItemId: item.id, userId: actor.id, hlc,
          })),
        );
        await applyDeltas(tx, movements.map((m) => ({ batchId: m.batchId, delta: m.delta })));
        await appendOutbox(tx, [
          { entity: 'sale', entityId: sale.id, op: 'insert', payload: sale, hlc },
          ...items.map((i): OutboxEntry => ({ entity: 'sale_item', entityId: i.id, op: 'insert', payload: i, hlc })),
          ...movements.map((m): OutboxEntry => ({ entity: 'movement', entityId: m.id, op: 'insert', payload: m, hlc })),
        ]);
        // The till empties its cart in the same transaction: a sale is never left in a cart to be sold twice.
        await opts.alsoInTransaction?.(tx, sale);
        return { ...sale, items };
      });
      bus?.committed('sale');
      return recorded;
    },

    /** A manager cancels a sale: every unit goes back to the lot it came from. */
    async voidSale(id: string, actor: Actor): Promise<SaleWithItems> {
      const voidedSale = await db.withTransaction(async (tx) => {
        const sale = await saleById(tx, shop.id, id, true);
        if (!sale) throw notFound('sale.not_found');
        if (sale.status === 'voided') throw new AppError(409, 'already_voided', 'sale.already_voided', { number: sale.number });
        const items = await itemsOfSales(tx, [id]);
        await lockBatchesByIds(tx, shop.id, [...new Set(items.map((i) => i.batchId))]);
        const hlc = await stampTransaction(tx, now());
        const voided = await markVoided(tx, id, actor.id, hlc, now());
        const movements = await insertMovements(
          tx,
          items.map((item) => ({
            id: newId(), shopId: shop.id, batchId: item.batchId, kind: 'return' as const, delta: item.quantity,
            countedQty: null, reason: `annulation ${sale.number}`, saleItemId: item.id, userId: actor.id, hlc,
          })),
        );
        await applyDeltas(tx, movements.map((m) => ({ batchId: m.batchId, delta: m.delta })));
        await appendOutbox(tx, [
          {
            entity: 'sale', entityId: id, op: 'update',
            payload: { id, status: voided.status, voidedAt: voided.voidedAt, voidedBy: voided.voidedBy }, hlc,
          },
          ...movements.map((m): OutboxEntry => ({ entity: 'movement', entityId: m.id, op: 'insert', payload: m, hlc })),
        ]);
        return { ...voided, items };
      });
      bus?.committed('sale');
      return voidedSale;
    },

    /** After head office said it holds receipts up to `n`: numbering continues past them. Returns the number this shop was at. */
    async continueReceiptNumbersAfter(n: number): Promise<number> {
      return raiseReceiptCounter(db, shop.id, n);
    },

    async getSale(id: string): Promise<SaleWithItems> {
      const sale = await saleById(db, shop.id, id);
      if (!sale) throw notFound('sale.not_found');
      return { ...sale, items: await itemsOfSales(db, [id]) };
    },

    /** Completed sales of the shop's days from..to (today by default). */
    async takings(from?: string, to?: string): Promise<{ total: number; count: number }> {
      const day = dateInZone(now(), shop.timezone);
      return takings(db, { shopId: shop.id, from: from ?? day, to: to ?? from ?? day, timezone: shop.timezone });
    },

    async listSales(q: { from?: string; to?: string; limit: number }): Promise<SaleWithItems[]> {
      const today = dateInZone(now(), shop.timezone);
      const sales = await salesBetween(db, {
        shopId: shop.id, from: q.from ?? today, to: q.to ?? q.from ?? today, timezone: shop.timezone, limit: q.limit,
      });
      const items = await itemsOfSales(db, sales.map((s) => s.id));
      const bySale = new Map<string, SaleItem[]>();
      for (const i of items) bySale.set(i.saleId, [...(bySale.get(i.saleId) ?? []), i]);
      return sales.map((s) => ({ ...s, items: bySale.get(s.id) ?? [] }));
    },
  };
}

export type SalesService = ReturnType<typeof salesService>;

/** Head office's seat of sales: it reads what the shops sold, never sells. */
export function salesAtHq({ db }: { db: Db }) {
  return {
    /** Sales of the shop's calendar days from..to, newest first, each with its lines. */
    async salesOfShop(shop: { id: string; timezone: string }, q: { from: string; to: string; limit: number }): Promise<SaleWithItems[]> {
      const sales = await salesBetween(db, { shopId: shop.id, from: q.from, to: q.to, timezone: shop.timezone, limit: q.limit });
      const items = await itemsOfSales(db, sales.map((s) => s.id));
      const bySale = new Map<string, SaleItem[]>();
      for (const i of items) bySale.set(i.saleId, [...(bySale.get(i.saleId) ?? []), i]);
      return sales.map((s) => ({ ...s, items: bySale.get(s.id) ?? [] }));
    },

    /** Takings per shop and day over a period, from head office's per-day sums. */
    takings: (q: { from: string; to: string; shopId?: string | undefined }) => takingsByShopDay(db, q),

    /** One sale of any shop with its lines (lot and expiry as sold). */
    async sale(id: string) {
      const sale = await saleAnyShop(db, id);
      if (!sale) throw notFound('sale.not_found');
      return { ...sale, items: await itemsOfSales(db, [id]) };
    },

    snapshot: (shopId: string, part: 'sales' | 'items', after: string, limit: number): Promise<{ id: string }[]> =>
      part === 'sales' ? salesPage(db, shopId, after, limit) : itemsPage(db, shopId, after, limit),
  };
}
