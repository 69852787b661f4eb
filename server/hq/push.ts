import { productById, insertProduct, lockProduct, productClash, updateProductFields, type ProductRow } from '../catalog/queries.js';
import type { Tx } from '../db/pool.js';
import { decodeHlc } from '../domain/hlc.js';
import { ledgerQuantity } from '../domain/ledger.js';
import { FAR_FUTURE_MS, mergeInto, type Decision } from '../domain/merge.js';
import { productSearchText } from '../domain/search.js';
import { AppError } from '../errors.js';
import { newId } from '../ids.js';
import {
  insertSaleIfAbsent,
  insertSaleItemsIfAbsent,
  markVoided,
  saleIdByNumber,
  saleItemsByIds,
  salesByIds,
} from '../sales/queries.js';
import {
  insertBatch,
  insertMovementsIfAbsent,
  lockBatchesAnyShop,
  movementsByIds,
  movementsOfBatches,
  recallOf,
  setQuantities,
  updateBatchFields,
  type BatchRow,
} from '../stock/queries.js';
import type { ConflictRow } from '../sync/queries.js';
import { appendFeed, insertHeld, type FeedEntry, type HqShop } from './queries.js';
import type { Change } from './schemas.js';

type ConflictReason = Decision['reason'] | 'duplicate_differs' | 'sku_taken' | 'gtin_taken' | 'number_reused' | 'negative_stock';

interface ConflictNote {
  field: string | null;
  localValue: unknown;
  remoteValue: unknown;
  localClock: string | null;
  remoteClock: string | null;
  winner: Decision['winner'];
  reason: ConflictReason;
}

import { BATCH_FIELDS, PRODUCT_FIELDS, batchFields, pickFields } from '../sync/fields.js';

/** What one push request builds up while its changes are applied, in one transaction. */
export class PushApplication {
  readonly conflicts: ConflictRow[] = [];
  readonly feed: FeedEntry[] = [];
  private readonly touched = new Set<string>();
  private readonly batches = new Map<string, BatchRow>();
  private readonly saleShops = new Map<string, string>();

  constructor(
    private readonly tx: Tx,
    private readonly shop: HqShop,
    private readonly nowWall: number,
  ) {}

  private forbid(): never {
    throw new AppError(403, 'wrong_shop', 'sync.wrong_shop', { code: this.shop.code });
  }

  private unknown(entity: string, id: string): never {
    throw new AppError(422, 'unknown_entity', 'sync.unknown_entity', { entity, id });
  }

  private conflict(entity: string, entityId: string, d: ConflictNote): void {
    this.conflicts.push({
      id: newId(), shopId: this.shop.id, entity, entityId, field: d.field, localValue: d.localValue, remoteValue: d.remoteValue,
      localHlc: d.localClock, remoteHlc: d.remoteClock, localNode: 'HQ', remoteNode: this.shop.code, winner: d.winner, reason: d.reason,
    });
  }

  /** Batches are locked in id order before anything else is written, as on the shop. */
  async lockBatches(changes: readonly Change[]): Promise<void> {
    const ids = new Set<string>();
    for (const c of changes) {
      if (c.kind === 'batch:insert' || c.kind === 'batch:update') ids.add(c.data.id);
      if (c.kind === 'movement:insert') ids.add(c.data.batchId);
    }
    for (const b of await lockBatchesAnyShop(this.tx, [...ids].sort())) this.batches.set(b.id, b);
  }

  private ownBatch(id: string): BatchRow {
    const b = this.batches.get(id);
    if (!b) this.unknown('batch', id);
    if (b.shopId !== this.shop.id) this.forbid();
    return b;
  }

  async apply(c: Change): Promise<void> {
    switch (c.kind) {
      case 'product:insert':
        return this.productInsert(c.data, c.hlc);
      case 'product:update':
        return this.productUpdate(c.data, c.hlc);
      case 'batch:insert':
        return this.batchInsert(c.data, c.hlc);
      case 'batch:update':
        return this.batchUpdate(c.data, c.hlc);
      case 'movement:insert':
        return this.movementInsert(c.data);
      case 'sale:insert':
        return this.saleInsert(c.data, c.hlc);
      case 'sale:update':
        return this.saleUpdate(c.data, c.hlc);
      case 'sale_item:insert':
        return this.saleItemInsert(c.data);
    }
  }

  private async productInsert(d: Extract<Change, { kind: 'product:insert' }>['data'], hlc: string): Promise<void> {
    const existing = await lockProduct(this.tx, d.id);
    if (existing) return this.mergeProduct(existing, { name: d.name, unitPrice: d.unitPrice, active: d.active }, {}, undefined, hlc);
    let { sku, gtin } = d;
    const clash = await productClash(this.tx, d);
    if (clash.skuTaken) {
      sku = `${d.sku}-${this.shop.code}`;
      this.conflict('product', d.id, { field: 'sku', localValue: d.sku, remoteValue: d.sku, localClock: null, remoteClock: hlc, winner: 'local', reason: 'sku_taken' });
    }
    if (d.gtin && clash.gtinTaken) {
      gtin = null;
      this.conflict('product', d.id, { field: 'gtin', localValue: d.gtin, remoteValue: d.gtin, localClock: null, remoteClock: hlc, winner: 'local', reason: 'gtin_taken' });
    }
    const fieldClocks = { name: hlc, unitPrice: hlc, active: hlc };
    const product = await insertProduct(this.tx, {
      id: d.id, sku, gtin, name: d.name, searchText: productSearchText({ name: d.name, sku, gtin }), unitPrice: d.unitPrice,
      active: d.active, originShopId: this.shop.id, hlc, fieldClocks,
    });
    this.feed.push({ shopId: null, originShopId: this.shop.id, entity: 'product', entityId: d.id, hlc, payload: { ...product, originShopId: this.shop.id, fieldClocks } });
  }

  private async productUpdate(d: Extract<Change, { kind: 'product:update' }>['data'], hlc: string): Promise<void> {
    const existing = await lockProduct(this.tx, d.id);
    if (!existing) this.unknown('product', d.id);
    await this.mergeProduct(existing, pickFields(d, PRODUCT_FIELDS), d.fieldClocks, d.baseClocks, hlc);
  }

  private async mergeProduct(
    existing: ProductRow,
    values: Record<string, unknown>,
    clocks: Record<string, string>,
    baseClocks: Record<string, string> | undefined,
    hlc: string,
  ): Promise<void> {
    const m = mergeInto(
      { values: pickFields(existing, PRODUCT_FIELDS), fieldClocks: existing.fieldClocks, hlc: existing.hlc },
      PRODUCT_FIELDS, { values, clocks, baseClocks, hlc }, this.nowWall,
    );
    for (const d of m.decisions) this.conflict('product', existing.id, d);
    if (m.held) await this.hold('product', existing.id, m.incoming, hlc);
    if (!m.changed) return;
    const next = { name: m.values.name as string, unitPrice: m.values.unitPrice as number, active: m.values.active as boolean };
    await updateProductFields(this.tx, existing.id, {
      ...next, searchText: productSearchText({ ...next, sku: existing.sku, gtin: existing.gtin }), hlc: m.hlc, fieldClocks: m.fieldClocks,
    });
    const applied = Object.fromEntries(Object.entries(m.apply).map(([f, a]) => [f, a.value]));
    this.feed.push({ shopId: null, originShopId: this.shop.id, entity: 'product', entityId: existing.id, hlc, payload: { id: existing.id, ...applied, fieldClocks: m.fieldClocks } });
  }

  private async batchInsert(d: Extract<Change, { kind: 'batch:insert' }>['data'], hlc: string): Promise<void> {
    if (d.shopId !== this.shop.id) this.forbid();
    const existing = this.batches.get(d.id);
    if (existing) {
      if (existing.shopId !== this.shop.id) this.forbid();
      return this.mergeBatch(existing, pickFields(d, BATCH_FIELDS), {}, undefined, hlc);
    }
    if (!(await productById(this.tx, d.productId))) this.unknown('product', d.productId);
    const recall = await recallOf(this.tx, d.productId, d.lotNumber);
    const fieldClocks = Object.fromEntries(BATCH_FIELDS.map((f) => [f, hlc]));
    if (recall) fieldClocks.status = maxClock(recall.hlc, hlc);
    const batch = await insertBatch(this.tx, {
      id: d.id, shopId: d.shopId, productId: d.productId, lotNumber: d.lotNumber, expirationDate: d.expirationDate,
      initialQty: d.initialQty, quantity: 0, unitCost: d.unitCost, receivedDate: d.receivedDate,
      status: recall ? 'recalled' : d.status, statusReason: recall ? recall.reason : d.statusReason, hlc, fieldClocks,
    });
    this.batches.set(batch.id, batch);
  }

  private async batchUpdate(d: Extract<Change, { kind: 'batch:update' }>['data'], hlc: string): Promise<void> {
    if (d.shopId !== this.shop.id) this.forbid();
    const existing = this.ownBatch(d.id);
    await this.mergeBatch(existing, pickFields(d, BATCH_FIELDS), d.fieldClocks, d.baseClocks, hlc);
  }

  private async mergeBatch(
    existing: BatchRow,
    values: Record<string, unknown>,
    clocks: Record<string, string>,
    baseClocks: Record<string, string> | undefined,
    hlc: string,
  ): Promise<void> {
    const m = mergeInto(
      { values: pickFields(existing, BATCH_FIELDS), fieldClocks: existing.fieldClocks, hlc: existing.hlc },
      BATCH_FIELDS, { values, clocks, baseClocks, hlc }, this.nowWall,
    );
    for (const d of m.decisions) this.conflict('batch', existing.id, d);
    if (m.held) await this.hold('batch', existing.id, m.incoming, hlc);
    if (!m.changed) return;
    const updated = await updateBatchFields(this.tx, existing.id, { ...batchFields(m.values), hlc: m.hlc, fieldClocks: m.fieldClocks });
    this.batches.set(updated.id, updated);
  }

  private async movementInsert(d: Extract<Change, { kind: 'movement:insert' }>['data']): Promise<void> {
    if (d.shopId !== this.shop.id) this.forbid();
    this.ownBatch(d.batchId);
    const movement = { ...d, createdAt: new Date(d.createdAt) };
    const inserted = await insertMovementsIfAbsent(this.tx, [movement]);
    if (inserted.length > 0) {
      this.touched.add(d.batchId);
      return;
    }
    const [first] = await movementsByIds(this.tx, [d.id]);
    if (first && (first.batchId !== d.batchId || first.kind !== d.kind || first.delta !== d.delta || first.shopId !== d.shopId)) {
      if (first.shopId !== this.shop.id) this.forbid();
      this.conflict('movement', d.id, { field: null, localValue: first, remoteValue: d, localClock: first.hlc, remoteClock: d.hlc, winner: 'local', reason: 'duplicate_differs' });
    }
  }

  private async saleInsert(d: Extract<Change, { kind: 'sale:insert' }>['data'], hlc: string): Promise<void> {
    if (d.shopId !== this.shop.id) this.forbid();
    const [existing] = await salesByIds(this.tx, [d.id]);
    if (existing) {
      if (existing.shopId !== this.shop.id) this.forbid();
      if (existing.number.split('/')[0] !== d.number || existing.total !== d.total) {
        this.conflict('sale', d.id, { field: null, localValue: { number: existing.number, total: existing.total }, remoteValue: { number: d.number, total: d.total }, localClock: null, remoteClock: hlc, winner: 'local', reason: 'duplicate_differs' });
      }
      this.saleShops.set(d.id, existing.shopId);
      return;
    }
    // A number already used by another sale (a shop restored from an old backup): the sale happened, keep it.
    let number = d.number;
    const reused = await saleIdByNumber(this.tx, d.shopId, d.number);
    if (reused) {
      number = `${d.number}/${d.id.slice(-4)}`;
      this.conflict('sale', d.id, { field: 'number', localValue: d.number, remoteValue: number, localClock: null, remoteClock: hlc, winner: 'remote', reason: 'number_reused' });
    }
    await insertSaleIfAbsent(this.tx, {
      ...d, number, hlc, createdAt: new Date(d.createdAt), voidedAt: d.voidedAt ? new Date(d.voidedAt) : null,
    });
    this.saleShops.set(d.id, d.shopId);
  }

  private async saleShop(saleId: string): Promise<string | undefined> {
    if (!this.saleShops.has(saleId)) {
      const [s] = await salesByIds(this.tx, [saleId]);
      if (s) this.saleShops.set(saleId, s.shopId);
    }
    return this.saleShops.get(saleId);
  }

  private async saleUpdate(d: Extract<Change, { kind: 'sale:update' }>['data'], hlc: string): Promise<void> {
    const owner = await this.saleShop(d.id);
    if (!owner) this.unknown('sale', d.id);
    if (owner !== this.shop.id) this.forbid();
    const [sale] = await salesByIds(this.tx, [d.id]);
    if (sale!.status !== 'voided') await markVoided(this.tx, d.id, d.voidedBy, hlc, new Date(d.voidedAt));
  }

  private async saleItemInsert(d: Extract<Change, { kind: 'sale_item:insert' }>['data']): Promise<void> {
    const owner = await this.saleShop(d.saleId);
    if (!owner) this.unknown('sale', d.saleId);
    if (owner !== this.shop.id) this.forbid();
    this.ownBatch(d.batchId);
    const inserted = await insertSaleItemsIfAbsent(this.tx, [d]);
    if (inserted.length > 0) return;
    const [first] = await saleItemsByIds(this.tx, [d.id]);
    if (first && (first.saleId !== d.saleId || first.batchId !== d.batchId || first.quantity !== d.quantity || first.lineTotal !== d.lineTotal)) {
      this.conflict('sale_item', d.id, { field: null, localValue: first, remoteValue: d, localClock: null, remoteClock: null, winner: 'local', reason: 'duplicate_differs' });
    }
  }

  private async hold(entity: string, entityId: string, payload: unknown, hlc: string): Promise<void> {
    await insertHeld(this.tx, { id: newId(), shopId: this.shop.id, entity, entityId, payload, hlc });
  }

  /**
   * Head office's quantities are its ledger replayed in clock order. A sale
   * that drives a lot below zero here is kept (it happened) and flagged.
   */
  async settleQuantities(): Promise<void> {
    if (this.touched.size === 0) return;
    const ids = [...this.touched];
    const movements = await movementsOfBatches(this.tx, ids);
    const quantities = ids.map((batchId) => ({ batchId, quantity: ledgerQuantity(movements.filter((m) => m.batchId === batchId)) }));
    await setQuantities(this.tx, quantities);
    for (const q of quantities) {
      if (q.quantity < 0) {
        this.conflict('batch', q.batchId, { field: 'quantity', localValue: q.quantity, remoteValue: null, localClock: null, remoteClock: null, winner: 'remote', reason: 'negative_stock' });
      }
    }
  }

  async finish(): Promise<void> {
    await this.settleQuantities();
    await appendFeed(this.tx, this.feed);
  }
}

function maxClock(a: string, b: string): string {
  return a > b ? a : b;
}

export function isFarAhead(hlc: string, nowWall: number): boolean {
  return decodeHlc(hlc).wall > nowWall + FAR_FUTURE_MS;
}
