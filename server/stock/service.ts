import type { Actor, Deps } from '../context.js';
import { boxOf, inBaseUnits, productOfCode, productsForSale, type ProductWithPacks } from '../catalog/lookup.js';
import { formatUnits } from '../domain/packs.js';
import { byLot, lotKey } from '../domain/lot-order.js';
import { uniqueViolation } from '../db/errors.js';
import { addDays, dateInZone } from '../domain/dates.js';
import type { Db, Tx } from '../db/pool.js';
import { correctedLot, expiresWithin, isSellable } from '../domain/fefo.js';
import { countDelta } from '../domain/ledger.js';
import { weightedCost } from '../domain/purchasing.js';
import { changedFields, editClocks, replacedClocks } from '../domain/merge.js';
import { AppError, notFound } from '../errors.js';
import { newId } from '../ids.js';
import { stampTransaction } from '../outbox/clock.js';
import { decodeHlc } from '../domain/hlc.js';
import { likePattern, searchWords } from '../domain/search.js';
import { MergeRun } from '../outbox/merge-run.js';
import { appendFeed, appendOutbox } from '../outbox/queries.js';
import { StockMerge } from './merge.js';
import {
  applyDeltas,
  batchById,
  batchesOfShop,
  batchesOfProduct,
  batchesOfProducts,
  insertBatch,
  insertBatches,
  lockBatchesByIds,
  lockBatchesByLots,
  lockLots,
  recallsOfLots,
  receivedUnits,
  soldSince,
  insertMovements,
  lockBatch,
  lockBatchByLot,
  lockLot,
  lotRow,
  lotsByExpiry,
  movementsOfBatch,
  productIdByCode,
  movementsPage,
  recallOf,
  shopOfBatch,
  updateBatchFields,
  type Batch,
  type BatchRow,
  type LotListRow,
  type Movement,
  expiringLots,
  recallsWithShopStatus,
  recentExpiryAlerts,
} from './queries.js';
import type { CorrectBatchInput, MovementInput, ReceiveBatchInput } from './schemas.js';

/** Where a delivered lot comes from. */
export interface LotOrigin {
  supplierId?: string | null;
  purchaseOrderId?: string | null;
}

export interface BatchView extends Batch {
  sellable: boolean;
  expired: boolean;
  expiringSoon: boolean;
}

function publicBatch({ hlc: _h, fieldClocks: _f, ...batch }: BatchRow): Batch {
  return batch;
}

/**
 * A local correction of a lot, at a shop or at head office: stamped above the
 * clocks of the values it replaces; returns the change to send (outbox or
 * feed) with each changed field's clock and the clock it replaced.
 */
async function editLot(tx: Tx, current: BatchRow, next: Pick<BatchRow, 'expirationDate' | 'unitCost' | 'status' | 'statusReason'>, at: Date) {
  const changed = changedFields(current, next);
  if (changed.length === 0) return { batch: current, change: undefined };
  const hlc = await stampTransaction(tx, at, replacedClocks(current, changed));
  const edit = editClocks(current, next, changed, hlc);
  // A field written here is no longer a bounded write of a shop: its writer clock goes.
  const fieldOrigins = Object.fromEntries(Object.entries(current.fieldOrigins ?? {}).filter(([f]) => !changed.includes(f as never)));
  const batch = await updateBatchFields(tx, current.id, { ...next, hlc, fieldClocks: edit.fieldClocks, fieldOrigins });
  return { batch, change: { hlc, payload: { id: current.id, ...edit.fields, fieldClocks: edit.clocks, baseClocks: edit.baseClocks } } };
}

/** A lot's quantity as people count it (« 2 boîtes + 7 comprimés »), and the box a count may be typed in. */
export interface InPacks {
  box: { id: string; name: string; units: number } | null;
  quantityLabel: string;
}

/** Rows of lots with their quantities said in packs: one catalogue read for all of them. */
async function inPacks<R extends { productId: string; quantity: number }>(db: Db, rows: readonly R[]): Promise<(R & InPacks)[]> {
  const products = new Map<string, ProductWithPacks>((await productsForSale(db, [...new Set(rows.map((r) => r.productId))])).map((p) => [p.id, p]));
  return rows.map((r) => {
    const p = products.get(r.productId);
    const box = p ? boxOf(p) : null;
    return {
      ...r, box: box && { id: box.id, name: box.name, units: box.units },
      quantityLabel: p && box ? formatUnits(r.quantity, { baseUnit: p.baseUnit, box }) : String(r.quantity),
    };
  });
}

export function stockService({ db, shop, now, bus }: Deps) {
  const today = () => dateInZone(now(), shop.timezone);
  const view = (b: Batch, day: string): BatchView => ({
    ...b,
    sellable: isSellable(b, day),
    expired: b.expirationDate < day,
    expiringSoon: expiresWithin(b.expirationDate, day),
  });

  /**
   * A delivery: a new lot is written with its `receipt` movement; the same
   * lot delivered again (same expiry) gets one more `receipt` movement.
   */
  async function receiveIn(tx: Tx, given: ReceiveBatchInput & LotOrigin, actor: Actor): Promise<BatchView> {
    const day = today();
    const [product] = await productsForSale(tx, [given.productId]);
    if (!product) throw notFound('product.not_found');
    // Typed in packs (a box's barcode, a pack named) and loose units: the lot counts base units.
    const input = { ...given, quantity: inBaseUnits(product, given.packId, given.quantity, given.looseUnits) };
    // Taken before the recall check: a recall pulled at the same moment waits, or is seen.
    await lockLot(tx, input.productId, input.lotNumber);
    const existing = await lockBatchByLot(tx, shop.id, input.productId, input.lotNumber);
    if (existing && existing.expirationDate !== input.expirationDate) {
      throw new AppError(409, 'lot_taken', 'batch.lot_taken', { lotNumber: input.lotNumber });
    }
    // A lot head office has recalled is received as recalled, whenever it arrives.
    const recall = existing ? undefined : await recallOf(tx, input.productId, input.lotNumber);
    const hlc = await stampTransaction(tx, now());
    let batch: BatchRow;
    try {
      batch =
        existing ??
        (await insertBatch(tx, {
          id: newId(),
          shopId: shop.id,
          productId: input.productId,
          lotNumber: input.lotNumber,
          expirationDate: input.expirationDate,
          initialQty: input.quantity,
          quantity: 0,
          unitCost: input.unitCost,
          receivedDate: input.receivedDate ?? day,
          status: recall ? 'recalled' : 'active',
          statusReason: recall?.reason ?? null,
          supplierId: input.supplierId ?? null,
          purchaseOrderId: input.purchaseOrderId ?? null,
          hlc,
          fieldClocks: { lotNumber: hlc, expirationDate: hlc, unitCost: hlc, status: hlc, statusReason: hlc },
        }));
    } catch (err) {
      if (uniqueViolation(err) === 'product_batches_shop_id_product_id_lot_number_key') {
        throw new AppError(409, 'lot_taken', 'batch.lot_taken', { lotNumber: input.lotNumber });
      }
      throw err;
    }
    const [movement] = await insertMovements(tx, [
      {
        id: newId(), shopId: shop.id, batchId: batch.id, kind: 'receipt', delta: input.quantity,
        countedQty: null, reason: null, saleItemId: null, userId: actor.id, hlc,
      },
    ]);
    await applyDeltas(tx, [{ batchId: batch.id, delta: input.quantity }]);
    await appendOutbox(tx, [
      ...(existing ? [] : [{ entity: 'batch' as const, entityId: batch.id, op: 'insert' as const, payload: publicBatch(batch), hlc }]),
      { entity: 'movement', entityId: movement!.id, op: 'insert', payload: movement, hlc },
    ]);
    // A lot received again costs the average of its receipts, weighted by their units (margins and valuation read it).
    if (existing && input.unitCost !== null) {
      const unitCost = weightedCost({ units: await receivedUnits(tx, existing.id) - input.quantity, unitCost: existing.unitCost }, { units: input.quantity, unitCost: input.unitCost });
      const { batch: costed, change } = await editLot(tx, existing, { expirationDate: existing.expirationDate, unitCost, status: existing.status, statusReason: existing.statusReason }, now());
      if (change) await appendOutbox(tx, [{ entity: 'batch', entityId: existing.id, op: 'update', payload: { shopId: shop.id, ...change.payload }, hlc: change.hlc }]);
      // updateBatchFields answers the quantity with this receipt in it; the view adds it once.
      batch = { ...costed, quantity: existing.quantity };
    }
    return view({ ...publicBatch(batch), quantity: batch.quantity + input.quantity }, day);
  }

  /**
   * A delivery note's lots in a few statements instead of ~11 round trips a
   * line: what receiveIn does for one lot, for all of them at once, under one
   * clock. Results come in the order given. A note naming the same lot twice
   * goes line by line.
   */
  async function receiveManyIn(tx: Tx, given: readonly (ReceiveBatchInput & LotOrigin)[], actor: Actor): Promise<BatchView[]> {
    const oneByOne = async () => {
      const out: BatchView[] = [];
      for (const g of given) out.push(await receiveIn(tx, g, actor));
      return out;
    };
    if (new Set(given.map(lotKey)).size !== given.length) return oneByOne();
    const day = today();
    const products = new Map((await productsForSale(tx, [...new Set(given.map((g) => g.productId))])).map((p) => [p.id, p]));
    const inputs = given.map((g) => {
      const product = products.get(g.productId);
      if (!product) throw notFound('product.not_found');
      return { ...g, quantity: inBaseUnits(product, g.packId, g.quantity, g.looseUnits) };
    });
    const sorted = [...inputs].sort(byLot);
    await lockLots(tx, sorted);
    const held = new Map((await lockBatchesByLots(tx, shop.id, sorted)).map((b) => [lotKey(b), b]));
    for (const input of inputs) {
      const existing = held.get(lotKey(input));
      if (existing && existing.expirationDate !== input.expirationDate) throw new AppError(409, 'lot_taken', 'batch.lot_taken', { lotNumber: input.lotNumber });
    }
    const recalls = new Map((await recallsOfLots(tx, sorted.filter((i) => !held.has(lotKey(i))))).map((r) => [lotKey(r), r]));
    const hlc = await stampTransaction(tx, now());
    const fresh = await insertBatches(tx, sorted.filter((i) => !held.has(lotKey(i))).map((input) => {
      const recall = recalls.get(lotKey(input));
      return {
        id: newId(), shopId: shop.id, productId: input.productId, lotNumber: input.lotNumber, expirationDate: input.expirationDate,
        initialQty: input.quantity, quantity: 0, unitCost: input.unitCost, receivedDate: input.receivedDate ?? day,
        status: recall ? 'recalled' as const : 'active' as const, statusReason: recall?.reason ?? null,
        supplierId: input.supplierId ?? null, purchaseOrderId: input.purchaseOrderId ?? null, hlc,
        fieldClocks: { lotNumber: hlc, expirationDate: hlc, unitCost: hlc, status: hlc, statusReason: hlc },
      };
    }));
    const lotOf = new Map([...held.values(), ...fresh].map((b) => [lotKey(b), b]));
    const movements = await insertMovements(tx, sorted.map((input) => ({
      id: newId(), shopId: shop.id, batchId: lotOf.get(lotKey(input))!.id, kind: 'receipt' as const, delta: input.quantity,
      countedQty: null, reason: null, saleItemId: null, userId: actor.id, hlc,
    })));
    await applyDeltas(tx, movements.map((m) => ({ batchId: m.batchId, delta: m.delta })));
    // Parents first: every new lot, then every movement.
    await appendOutbox(tx, [
      ...fresh.map((b) => ({ entity: 'batch' as const, entityId: b.id, op: 'insert' as const, payload: publicBatch(b), hlc })),
      ...movements.map((m) => ({ entity: 'movement' as const, entityId: m.id, op: 'insert' as const, payload: m, hlc })),
    ]);
    // A lot received again costs the average of its receipts, as in receiveIn (a few lots of a note at most).
    for (const input of sorted) {
      const existing = held.get(lotKey(input));
      if (!existing || input.unitCost === null) continue;
      const unitCost = weightedCost({ units: await receivedUnits(tx, existing.id) - input.quantity, unitCost: existing.unitCost }, { units: input.quantity, unitCost: input.unitCost });
      const { batch: costed, change } = await editLot(tx, existing, { expirationDate: existing.expirationDate, unitCost, status: existing.status, statusReason: existing.statusReason }, now());
      if (change) await appendOutbox(tx, [{ entity: 'batch', entityId: existing.id, op: 'update', payload: { shopId: shop.id, ...change.payload }, hlc: change.hlc }]);
      // Its quantity as before this receipt, as the others': the view adds the units received.
      lotOf.set(lotKey(input), { ...costed, quantity: existing.quantity });
    }
    return inputs.map((input) => {
      const b = lotOf.get(lotKey(input))!;
      return view({ ...publicBatch(b), quantity: b.quantity + input.quantity }, day);
    });
  }

  /** Units sent back to their supplier leave the lot by a `supplier_return` movement; never more than it holds. */
  async function supplierReturnIn(tx: Tx, line: { batchId: string; quantity: number; reason: string }, actor: Actor): Promise<Movement> {
    const batch = await lockBatch(tx, shop.id, line.batchId);
    if (!batch) throw notFound('batch.not_found');
    if (line.quantity > batch.quantity) {
      throw new AppError(422, 'stock_negative', 'batch.stock_negative', { lotNumber: batch.lotNumber, quantity: batch.quantity });
    }
    const hlc = await stampTransaction(tx, now());
    const [movement] = await insertMovements(tx, [
      {
        id: newId(), shopId: shop.id, batchId: batch.id, kind: 'supplier_return', delta: -line.quantity,
        countedQty: null, reason: line.reason, saleItemId: null, userId: actor.id, hlc,
      },
    ]);
    await applyDeltas(tx, [{ batchId: batch.id, delta: -line.quantity }]);
    await appendOutbox(tx, [{ entity: 'movement', entityId: movement!.id, op: 'insert', payload: movement, hlc }]);
    return movement!;
  }

  return {
    /** For purchasing's receipts: a lot in the caller's transaction (validating a delivery writes all its lines or none). */
    receiveIn,
    receiveManyIn,
    /** For purchasing's supplier returns, in the caller's transaction. */
    supplierReturnIn,
    /** A lot held under this product and lot number (its expiry may differ from a delivery line's). */
    heldLot: (tx: Tx, productId: string, lotNumber: string) => lockBatchByLot(tx, shop.id, productId, lotNumber).then((b) => b && publicBatch(b)),
    /** The lots held under these (product, lot number) pairs, in one read, not locked (receiveManyIn locks them, after their lot locks). */
    heldLots: async (tx: Tx, lots: readonly { productId: string; lotNumber: string }[]) => (await lockBatchesByLots(tx, shop.id, lots, false)).map(publicBatch),
    /** Lots as the order suggestion and the return picker read them. */
    lotsOfProducts: (productIds: readonly string[]) => batchesOfProducts(db, shop.id, productIds),
    lockLots: (tx: Tx, ids: readonly string[]) => lockBatchesByIds(tx, shop.id, ids),
    soldSince: (productIds: readonly string[] | null, since: Date) => soldSince(db, shop.id, productIds, since),

    async receiveBatch(input: ReceiveBatchInput, actor: Actor): Promise<BatchView> {
      const received = await db.withTransaction((tx) => receiveIn(tx, input, actor));
      bus?.committed('batch');
      return received;
    },

    /** A manager's correction of expiry, cost or status; never of quantity. */
    async correctBatch(id: string, input: CorrectBatchInput, _actor: Actor): Promise<BatchView> {
      const corrected = await db.withTransaction(async (tx) => {
        const current = await lockBatch(tx, shop.id, id);
        if (!current) throw notFound('batch.not_found');
        const { unrecall, next: corrected } = correctedLot(current, input);
        if (unrecall) throw new AppError(409, 'recalled_final', 'batch.recalled_final', { lotNumber: current.lotNumber });
        const next = { ...corrected, statusReason: input.statusReason !== undefined ? input.statusReason || null : current.statusReason };
        const { batch, change } = await editLot(tx, current, next, now());
        if (change) await appendOutbox(tx, [{ entity: 'batch', entityId: id, op: 'update', payload: { shopId: shop.id, ...change.payload }, hlc: change.hlc }]);
        return view(publicBatch(batch), today());
      });
      bus?.committed('batch');
      return corrected;
    },

    /** An adjustment (± delta) or a physical count, with its reason. */
    async recordMovement(batchId: string, input: MovementInput, actor: Actor): Promise<{ movement: Movement; batch: BatchView }> {
      const recorded = await db.withTransaction(async (tx) => {
        const batch = await lockBatch(tx, shop.id, batchId);
        if (!batch) throw notFound('batch.not_found');
        // A count or an adjustment typed in packs (and loose units) is in base units from here on.
        const [product] = input.packId || (input.kind === 'count' && input.looseUnits) ? await productsForSale(tx, [batch.productId]) : [];
        const counted = input.kind === 'count' ? (product ? inBaseUnits(product, input.packId, input.countedQty, input.looseUnits) : input.countedQty) : 0;
        const delta = input.kind === 'count' ? countDelta(batch.quantity, counted) : product ? inBaseUnits(product, input.packId, input.delta) : input.delta;
        if (batch.quantity + delta < 0) {
          throw new AppError(422, 'stock_negative', 'batch.stock_negative', {
            lotNumber: batch.lotNumber,
            quantity: batch.quantity,
          });
        }
        const hlc = await stampTransaction(tx, now());
        const [movement] = await insertMovements(tx, [
          {
            id: newId(), shopId: shop.id, batchId, kind: input.kind, delta,
            countedQty: input.kind === 'count' ? counted : null,
            reason: input.reason, saleItemId: null, userId: actor.id, hlc,
          },
        ]);
        await applyDeltas(tx, [{ batchId, delta }]);
        await appendOutbox(tx, [{ entity: 'movement', entityId: movement!.id, op: 'insert', payload: movement, hlc }]);
        return { movement: movement!, batch: view({ ...publicBatch(batch), quantity: batch.quantity + delta }, today()) };
      });
      bus?.committed('batch');
      return recorded;
    },

    /** Lots with stock by expiry: all, expired, or expiring within `days`. */
    async lotsByExpiry(filter: 'all' | 'expired' | 30 | 60 | 90): Promise<(LotListRow & BatchView & InPacks)[]> {
      const day = today();
      const before = filter === 'all' ? undefined : filter === 'expired' ? day : addDays(day, filter + 1);
      const from = typeof filter === 'number' ? day : undefined; // "< 30 jours": still sellable, expiring soon
      const rows = await lotsByExpiry(db, { shopId: shop.id, before, from, limit: 1000 });
      return inPacks(db, rows.map((r) => ({ ...r, ...view(r, day) })));
    },

    /** One lot as the Stock page lists it. */
    async lot(id: string): Promise<LotListRow & BatchView & InPacks> {
      const row = await lotRow(db, shop.id, id);
      if (!row) throw notFound('batch.not_found');
      return (await inPacks(db, [{ ...row, ...view(row, today()) }]))[0]!;
    },

    /** Expiry alerts: lots with stock expired, or expiring within 30, 60 and 90 days. */
    async expiryAlerts() {
      const day = today();
      const rows = await lotsByExpiry(db, { shopId: shop.id, before: addDays(day, 91), limit: 5000 });
      const within = (n: number) => rows.filter((r) => r.expirationDate >= day && r.expirationDate <= addDays(day, n));
      return {
        expired: await inPacks(db, rows.filter((r) => r.expirationDate < day).map((r) => ({ ...r, ...view(r, day) }))),
        d30: within(30).length,
        d60: within(60).length,
        d90: within(90).length,
        soon: await inPacks(db, within(30).map((r) => ({ ...r, ...view(r, day) }))),
      };
    },

    /** Alerts the daily expiry scan raised this week, for lots that still hold stock. */
    recentExpiryAlerts: () => recentExpiryAlerts(db, { shopId: shop.id, since: new Date(now().getTime() - 7 * 86_400_000), limit: 50 }),

    /** A delivery of several lots, all or none, products named by GTIN or SKU. */
    async receiveDelivery(rows: (Omit<ReceiveBatchInput, 'productId'> & { product: string })[], actor: Actor): Promise<BatchView[]> {
      const resolved: ReceiveBatchInput[] = [];
      for (const [i, r] of rows.entries()) {
        // A box's barcode receives boxes: the row's quantity counts that pack.
        const found = await productOfCode(db, r.product);
        if (!found) throw new AppError(404, 'product_not_found', 'stock.unknown_product', { code: r.product, row: i + 1 }, { row: i });
        const { product: _p, ...rest } = r;
        resolved.push({ ...rest, productId: found.product.id, packId: rest.packId ?? (found.pack.units > 1 ? found.pack.id : undefined) });
      }
      const received = await db.withTransaction(async (tx) => {
        const out: BatchView[] = [];
        for (const input of resolved) out.push(await receiveIn(tx, input, actor));
        return out;
      });
      bus?.committed('batch');
      return received;
    },

    async batchesOfProduct(productId: string): Promise<BatchView[]> {
      if ((await productsForSale(db, [productId])).length === 0) throw notFound('product.not_found');
      const day = today();
      return (await batchesOfProduct(db, shop.id, productId)).map((b) => view(b, day));
    },

    async getBatch(id: string): Promise<BatchView & { movements: Movement[] }> {
      const batch = await batchById(db, shop.id, id);
      if (!batch) throw notFound('batch.not_found');
      return { ...view(batch, today()), movements: await movementsOfBatch(db, id) };
    },
  };
}

export type StockService = ReturnType<typeof stockService>;

/**
 * Head office's seat of stock: it corrects a shop's lot (expiry, cost,
 * status) and recalls lots; each change goes down to the shops through the
 * feed and merges field by field there.
 */
export function stockAtHq({ db, now }: { db: Db; now: () => Date }) {
  return {
    lotsOfShop: (shopId: string) => batchesOfShop(db, shopId),

    /** A lot as head office holds it, with its movements. */
    async lot(id: string) {
      const shopId = await shopOfBatch(db, id);
      if (!shopId) throw notFound('batch.not_found');
      const batch = (await batchById(db, shopId, id))!;
      return { ...batch, movements: await movementsOfBatch(db, id) };
    },

    /** Head office corrects a shop's lot; the change flows down on the shop's next pull. */
    async correctLot(id: string, input: { expirationDate?: string | undefined; unitCost?: number | null | undefined; status?: 'active' | 'quarantined' | 'recalled' | undefined }) {
      return db.withTransaction(async (tx) => {
        const shopId = await shopOfBatch(tx, id);
        if (!shopId) throw notFound('batch.not_found');
        const current = (await lockBatch(tx, shopId, id))!;
        const { unrecall, next } = correctedLot(current, input);
        if (unrecall) throw new AppError(409, 'recalled_final', 'batch.recalled_final', { lotNumber: current.lotNumber });
        const { batch: updated, change } = await editLot(tx, current, { ...next, statusReason: current.statusReason }, now());
        if (change) await appendFeed(tx, [{ shopId, originShopId: null, entity: 'batch', entityId: id, hlc: change.hlc, payload: change.payload }]);
        return publicBatch(updated);
      });
    },

    /**
     * A recall is one-way and reaches every shop, including lots received
     * after it, and every twin of the product (the same GTIN created by
     * several shops).
     */
    async recall(input: { productId: string; productIds: string[]; lotNumber: string; reason: string }) {
      const { productIds, ...asked } = input;
      return db.withTransaction(async (tx) => {
        const hlc = await stampTransaction(tx, now());
        const run = new MergeRun(tx, { role: 'hq', shopId: null, shopCode: 'HQ', receivedAt: decodeHlc(hlc), receivedClock: hlc, nowWall: now().getTime() });
        const { recalls, lots } = await new StockMerge(run).recall({ productIds, lotNumber: input.lotNumber, reason: input.reason }, hlc);
        await run.finish();
        const mine = recalls.find((r) => r.productId === input.productId) ?? { id: null, ...asked, hlc };
        return { ...mine, products: productIds, batchesRecalled: lots };
      });
    },

    /** Lots with stock across shops: expired (`expired`) or expiring within `horizon` days, with their value at cost. */
    async expiringLots(q: { horizon: 30 | 60 | 90 | 'expired'; today: string; shopId?: string | undefined; product?: string | undefined; limit: number }) {
      const words = q.product ? searchWords(q.product).map(likePattern) : [];
      // Counted in base units (the CSV says so); shown in packs.
      return inPacks(db, await expiringLots(db, {
        before: q.horizon === 'expired' ? q.today : addDays(q.today, q.horizon + 1),
        from: q.horizon === 'expired' ? undefined : q.today,
        shopId: q.shopId,
        product: words.length > 0 ? words : undefined,
        limit: q.limit,
      }));
    },

    recallsWithShopStatus: (epoch: string, limit: number) => recallsWithShopStatus(db, { epoch, limit }),

    /** Alerts raised this week in every shop (or one), for lots that still hold stock. */
    recentExpiryAlerts: (shopId?: string) => recentExpiryAlerts(db, { shopId, since: new Date(now().getTime() - 7 * 86_400_000), limit: 200 }),
  };
}
