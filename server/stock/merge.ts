import { adoptFromHq, boundShopClock, mergeShopWrite, mergedRow, pickFields, storedFields, type MergeResult } from '../domain/merge.js';
import { byLot } from '../domain/lot-order.js';
import { AppError } from '../errors.js';
import { newId } from '../ids.js';
import type { MergeRun } from '../outbox/merge-run.js';
import { conflictLogged, pendingFields } from '../outbox/queries.js';
import {
  batchIdByLot,
  insertBatch,
  insertMovementsIfAbsent,
  insertRecallIfAbsent,
  lockBatch,
  lockBatchByLot,
  lockBatchesAnyShop,
  lockBatchesOfLotIn,
  lockLot,
  lockLots,
  lockLotsOfPage,
  movementsByIds,
  ledgerQuantities,
  recallOf,
  recallsOfProducts,
  restoreBatches,
  setQuantities,
  updateBatchFields,
  type Batch,
  type BatchRow,
  type Movement,
  type Recall,
} from './queries.js';

/** The lot fields that merge last-writer-wins; quantity is the ledger's, never merged. */
export const BATCH_FIELDS = ['lotNumber', 'expirationDate', 'unitCost', 'status', 'statusReason'] as const;

export type BatchInsert = Pick<Batch, 'id' | 'shopId' | 'productId' | 'lotNumber' | 'expirationDate' | 'initialQty' | 'unitCost' | 'receivedDate' | 'status' | 'statusReason' | 'supplierId' | 'purchaseOrderId'>;

export interface BatchUpdate {
  id: string;
  shopId: string;
  fieldClocks: Record<string, string>;
  baseClocks?: Record<string, string> | undefined;
  [field: string]: unknown;
}

const target = (b: BatchRow) => ({ values: pickFields(b, BATCH_FIELDS), fieldClocks: b.fieldClocks, fieldOrigins: b.fieldOrigins, hlc: b.hlc });
const MOVEMENT_FIELDS = ['shopId', 'batchId', 'kind', 'delta', 'countedQty', 'reason', 'saleItemId', 'userId', 'hlc'] as const;

export const forbidden = (code: string) => new AppError(403, 'wrong_shop', 'sync.wrong_shop', { code });
export const unknownEntity = (entity: string, id: string) => new AppError(422, 'unknown_entity', 'sync.unknown_entity', { entity, id });

/**
 * How remote changes of lots, movements and recalls are applied, at head
 * office (a shop's push) and at a shop (head office's feed).
 */
export class StockMerge {
  private readonly batches = new Map<string, BatchRow>();
  private readonly touched = new Set<string>();
  /** Head office: each lot a new movement was written for, with the earliest such movement's time (its kept month ends start there). */
  private readonly moved = new Map<string, Date>();
  private readonly newMovements;

  constructor(private readonly run: MergeRun) {
    this.newMovements = run.stage<Movement>();
  }

  private get hq() {
    const seat = this.run.seat;
    if (seat.role !== 'hq') throw new Error('head office only');
    return seat;
  }

  private get shop() {
    const seat = this.run.seat;
    if (seat.role !== 'shop') throw new Error('shop only');
    return seat;
  }

  /** Head office: every lot a push names is locked in id order before anything is written, as on the shop. */
  async lockBatches(ids: Iterable<string>): Promise<void> {
    const sorted = [...new Set(ids)].sort();
    for (const b of await lockBatchesAnyShop(this.run.tx, sorted)) this.batches.set(b.id, b);
  }

  /** After a refused group was rolled back: what the cache says must be what the database says. */
  async reload(): Promise<void> {
    const ids = [...this.batches.keys()];
    this.batches.clear();
    await this.lockBatches(ids);
    for (const id of [...this.touched]) if (!this.batches.has(id)) this.touched.delete(id);
    for (const id of [...this.moved.keys()]) if (!this.batches.has(id)) this.moved.delete(id);
  }

  /** A lot of the pushing shop, or a refusal (403 for another shop's: that is no mistake but an attack). */
  ownBatch(id: string): BatchRow {
    const b = this.batches.get(id);
    if (!b) throw unknownEntity('batch', id);
    if (b.shopId !== this.hq.shopId) throw forbidden(this.hq.shopCode);
    return b;
  }

  /** Head office: the pushing shop's lot as held here, if it is held (403 for another shop's). */
  heldLot(id: string): BatchRow | undefined {
    const b = this.batches.get(id);
    if (b && b.shopId !== this.hq.shopId) throw forbidden(this.hq.shopCode);
    return b;
  }

  async batchInserted(d: BatchInsert, hlc: string, productKnown: boolean): Promise<void> {
    const seat = this.hq;
    if (d.shopId !== seat.shopId) throw forbidden(seat.shopCode);
    const existing = this.batches.get(d.id);
    if (existing) {
      if (existing.shopId !== seat.shopId) throw forbidden(seat.shopCode);
      return; // a replay: the lot was created already, its later edits came as edits
    }
    if (!productKnown) throw unknownEntity('product', d.productId);
    await lockLot(this.run.tx, d.productId, d.lotNumber);
    const twin = await lockBatchByLot(this.run.tx, d.shopId, d.productId, d.lotNumber);
    if (twin) throw new AppError(409, 'lot_exists', 'sync.lot_exists', { lotNumber: d.lotNumber });
    const recall = await recallOf(this.run.tx, d.productId, d.lotNumber);
    const { clock, far } = boundShopClock(hlc, { shopNode: seat.shopCode, receivedAt: seat.receivedAt, nowWall: seat.nowWall });
    if (far) this.run.log('batch', d.id, { field: null, localValue: null, remoteValue: null, localClock: clock, remoteClock: hlc, winner: 'held', reason: 'clock_far_ahead' });
    const fieldClocks: Record<string, string> = Object.fromEntries(BATCH_FIELDS.map((f) => [f, clock]));
    const fieldOrigins = clock === hlc ? {} : Object.fromEntries(BATCH_FIELDS.map((f) => [f, hlc]));
    if (recall) fieldClocks.status = fieldClocks.statusReason = recall.hlc > clock ? recall.hlc : clock;
    const batch = await insertBatch(this.run.tx, {
      id: d.id, shopId: d.shopId, productId: d.productId, lotNumber: d.lotNumber, expirationDate: d.expirationDate,
      initialQty: d.initialQty, quantity: 0, unitCost: d.unitCost, receivedDate: d.receivedDate,
      status: recall ? 'recalled' : d.status, statusReason: recall ? recall.reason : d.statusReason, hlc: clock, fieldClocks, fieldOrigins,
      supplierId: d.supplierId ?? null, purchaseOrderId: d.purchaseOrderId ?? null,
    });
    this.batches.set(batch.id, batch);
    // The shop learns the clocks head office keeps, and a recall it had not heard of.
    if (clock !== hlc || recall) this.emitLot(batch, [...BATCH_FIELDS]);
  }

  async batchUpdated(d: BatchUpdate): Promise<void> {
    const seat = this.hq;
    if (d.shopId !== seat.shopId) throw forbidden(seat.shopCode);
    const existing = this.ownBatch(d.id);
    const m = mergeShopWrite(storedFields(target(existing), BATCH_FIELDS), { values: pickFields(d, BATCH_FIELDS), clocks: d.fieldClocks, baseClocks: d.baseClocks }, {
      shopNode: seat.shopCode, receivedAt: seat.receivedAt, nowWall: seat.nowWall,
    });
    for (const decision of m.decisions) this.run.log('batch', d.id, decision);
    if (Object.keys(m.held).length > 0) this.run.hold('batch', d.id, { id: d.id, ...m.held, fieldClocks: d.fieldClocks }, seat.receivedClock);
    const updated = await this.write(existing, m);
    // Lots flow only to their shop: it learns head office's clocks for what was applied, and its values for what was not.
    const told = [...Object.keys(m.apply), ...m.decisions.filter((x) => x.winner !== 'remote').map((x) => x.field)];
    if (told.length > 0) this.emitLot(updated, told, Object.fromEntries(Object.keys(m.apply).map((f) => [f, existing.fieldClocks[f] ?? existing.hlc])));
  }

  private emitLot(b: BatchRow, fields: string[], baseClocks?: Record<string, string>): void {
    this.run.emit({
      shopId: b.shopId, originShopId: null, entity: 'batch', entityId: b.id, hlc: b.hlc,
      payload: {
        id: b.id, ...pickFields(b, fields), fieldClocks: Object.fromEntries(fields.map((f) => [f, b.fieldClocks[f] ?? b.hlc])),
        ...(baseClocks ? { baseClocks } : {}),
      },
    });
  }

  /** Head office: a movement is a fact, inserted once (by `flush`); a different copy under the same id is logged, never applied. */
  movementInserted(d: Omit<Movement, 'createdAt'> & { createdAt: string }): void {
    const seat = this.hq;
    if (d.shopId !== seat.shopId) throw forbidden(seat.shopCode);
    this.ownBatch(d.batchId);
    const movement = { ...d, createdAt: new Date(d.createdAt) };
    const twin = this.newMovements.get(d.id);
    if (twin) this.logIfMovementDiffers(twin, movement);
    else this.newMovements.add(movement);
  }

  /** Writes the movements checked since the last flush, in one statement. */
  async flush(): Promise<void> {
    const movements = this.newMovements.take();
    if (movements.length === 0) return;
    const written = new Set(await insertMovementsIfAbsent(this.run.tx, movements));
    const held = movements.filter((m) => !written.has(m.id));
    for (const m of movements) {
      if (!written.has(m.id)) continue;
      this.touched.add(m.batchId);
      const since = this.moved.get(m.batchId);
      if (!since || m.createdAt < since) this.moved.set(m.batchId, m.createdAt);
    }
    if (held.length === 0) return;
    const existing = new Map((await movementsByIds(this.run.tx, held.map((m) => m.id))).map((m) => [m.id, m]));
    for (const m of held) {
      const first = existing.get(m.id);
      if (!first) continue;
      if (first.shopId !== this.hq.shopId) throw forbidden(this.hq.shopCode);
      this.logIfMovementDiffers(first, m);
    }
  }

  private logIfMovementDiffers(first: Movement, d: Movement): void {
    const differs = MOVEMENT_FIELDS.filter((f) => (first[f] ?? null) !== (d[f] ?? null));
    if (differs.length > 0) {
      this.run.log('movement', d.id, { field: differs.join(','), localValue: pickFields(first, differs), remoteValue: pickFields(d, differs), localClock: first.hlc, remoteClock: d.hlc, winner: 'local', reason: 'duplicate_differs' });
    }
  }

  /** Head office: the lots this run wrote movements of, each with its earliest (a group rolled back may leave one: recomputing it is harmless). */
  movedSince(): ReadonlyMap<string, Date> {
    return this.moved;
  }

  /**
   * Head office's quantities are its ledger replayed in clock order. A sale
   * that drives a lot below zero here is kept (it happened) and flagged once,
   * when the lot goes below zero.
   */
  async settleQuantities(): Promise<void> {
    if (this.touched.size === 0) return;
    const quantities = await ledgerQuantities(this.run.tx, [...this.touched]);
    await setQuantities(this.run.tx, quantities);
    for (const q of quantities) {
      const before = this.batches.get(q.batchId)?.quantity ?? 0;
      if (q.quantity < 0 && (before >= 0 || !(await conflictLogged(this.run.tx, q.batchId, 'negative_stock')))) {
        this.run.log('batch', q.batchId, { field: 'quantity', localValue: q.quantity, remoteValue: before, localClock: null, remoteClock: null, winner: 'remote', reason: 'negative_stock' });
      }
    }
  }

  /**
   * A shop, before a pulled page writes anything: the recalls' lot locks in
   * lot order (as a delivery takes them), then every lot row the page may
   * write in id order (as a sale takes them). A page that took its lots one by
   * one in the feed's order met the tills' sales in deadlocks.
   */
  async lockForPage(page: { batchIds: readonly string[]; recalled: readonly { productId: string; lotNumber: string }[]; transferIds: readonly string[] }): Promise<void> {
    const seat = this.shop;
    if (page.recalled.length > 0) await lockLots(this.run.tx, [...page.recalled].sort(byLot));
    await lockLotsOfPage(this.run.tx, seat.shopId, page);
  }

  /** A shop: its lot as head office has it (an edit at head office, or head office's decision on ours). */
  async batchPulled(d: Record<string, unknown>, hlc: string): Promise<void> {
    const seat = this.shop;
    const existing = await lockBatch(this.run.tx, seat.shopId, String(d.id));
    if (!existing) return; // not one of ours
    const clocks = (d.fieldClocks ?? {}) as Record<string, string>;
    const values = pickFields(d, BATCH_FIELDS);
    const m = adoptFromHq(
      storedFields(target(existing), BATCH_FIELDS),
      { values, clocks: Object.fromEntries(Object.keys(values).map((f) => [f, clocks[f] ?? hlc])), baseClocks: d.baseClocks as Record<string, string> | undefined },
      { selfNode: seat.shopCode, pending: await pendingFields(this.run.tx, 'batch', existing.id) },
    );
    for (const decision of m.decisions) this.run.log('batch', existing.id, decision);
    await this.write(existing, m);
  }

  /** A shop: a recall, kept for lots still to come and applied at once to the lot if the shop holds it. */
  async recallPulled(d: Recall, productKnown: boolean): Promise<void> {
    if (!productKnown) return;
    const seat = this.shop;
    await lockLot(this.run.tx, d.productId, d.lotNumber);
    await insertRecallIfAbsent(this.run.tx, d);
    const batchId = await batchIdByLot(this.run.tx, seat.shopId, d.productId, d.lotNumber);
    if (!batchId) return;
    await this.recallLot((await lockBatch(this.run.tx, seat.shopId, batchId))!, d.reason, d.hlc);
  }

  /**
   * Head office: a recall of a lot of every twin of a product (same GTIN), now
   * and for lots that arrive later. Returns how many lots it stopped.
   */
  async recall(input: { productIds: string[]; lotNumber: string; reason: string }, hlc: string): Promise<{ recalls: Recall[]; lots: number }> {
    const recalls: Recall[] = [];
    // A lot recalled before stays recalled for its first reason: a recall is final, not edited.
    const reasonOf = new Map<string, string>();
    for (const productId of [...input.productIds].sort()) {
      await lockLot(this.run.tx, productId, input.lotNumber);
      const recall = { id: newId(), productId, lotNumber: input.lotNumber, reason: input.reason, hlc };
      if (await insertRecallIfAbsent(this.run.tx, recall)) {
        recalls.push(recall);
        this.run.emit({ shopId: null, originShopId: null, entity: 'recall', entityId: recall.id, hlc, payload: recall });
        reasonOf.set(productId, input.reason);
      } else {
        reasonOf.set(productId, (await recallOf(this.run.tx, productId, input.lotNumber))!.reason);
      }
    }
    let lots = 0;
    for (const b of await lockBatchesOfLotIn(this.run.tx, input.productIds, input.lotNumber)) {
      if (await this.recallLot(b, reasonOf.get(b.productId)!, hlc)) lots += 1;
    }
    return { recalls, lots };
  }

  /** Head office: a product that arrives as the twin of recalled ones inherits their recalls. */
  async inheritRecalls(productId: string, twinIds: readonly string[]): Promise<void> {
    const others = twinIds.filter((id) => id !== productId);
    if (others.length === 0) return;
    const seen = new Set<string>();
    for (const r of await recallsOfProducts(this.run.tx, others)) {
      if (seen.has(r.lotNumber)) continue;
      seen.add(r.lotNumber);
      await this.recall({ productIds: [productId], lotNumber: r.lotNumber, reason: r.reason }, r.hlc);
    }
  }

  /** A shop rebuilt from head office: its lots with head office's quantities, and every recall. */
  async restoreLots(part: { batches: readonly BatchRow[]; recalls: readonly Recall[] }): Promise<void> {
    for (const r of part.recalls) await insertRecallIfAbsent(this.run.tx, r);
    await restoreBatches(this.run.tx, part.batches);
  }

  /** A recall is one-way and absolute: no clock comparison, its reason comes with it. */
  private async recallLot(b: BatchRow, reason: string, hlc: string): Promise<boolean> {
    if (b.status === 'recalled' && b.statusReason === reason) return false;
    const clock = b.hlc > hlc ? b.hlc : hlc;
    const updated = await updateBatchFields(this.run.tx, b.id, {
      expirationDate: b.expirationDate, unitCost: b.unitCost, status: 'recalled', statusReason: reason, hlc: clock,
      fieldClocks: { ...b.fieldClocks, status: clock, statusReason: clock },
    });
    if (this.batches.has(b.id)) this.batches.set(b.id, updated);
    this.run.changed.add('batch');
    return b.status !== 'recalled';
  }

  private async write(existing: BatchRow, m: MergeResult): Promise<BatchRow> {
    const next = mergedRow(target(existing), m);
    if (!next.changed) return existing;
    const v = next.values;
    const updated = await updateBatchFields(this.run.tx, existing.id, {
      lotNumber: v.lotNumber as string, expirationDate: v.expirationDate as string, unitCost: (v.unitCost ?? null) as number | null,
      status: v.status as BatchRow['status'], statusReason: (v.statusReason ?? null) as string | null,
      hlc: next.hlc, fieldClocks: next.fieldClocks, fieldOrigins: next.fieldOrigins,
    });
    if (this.batches.has(existing.id)) this.batches.set(existing.id, updated);
    this.run.changed.add('batch');
    return updated;
  }
}
