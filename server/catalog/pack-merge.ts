import { adoptFromHq, boundShopClock, mergeShopWrite, mergedRow, pickFields, storedFields, type MergeResult } from '../domain/merge.js';
import { AppError } from '../errors.js';
import { unitPackId } from '../ids.js';
import type { MergeRun } from '../outbox/merge-run.js';
import { pendingFields } from '../outbox/queries.js';
import { productById } from './queries.js';
import { gtinHeld, insertPack, lockPack, restorePacks, updatePackFields, type Pack, type PackRow } from './pack-queries.js';

/** The pack fields that merge last-writer-wins; its product, size and GTIN are fixed at creation. */
export const PACK_FIELDS = ['name', 'unitPrice', 'sellable', 'retired'] as const;
/** A unit pack's name and price are its product's base unit and unit price (merged as product fields): only these are its own. */
export const UNIT_PACK_FIELDS = ['sellable', 'retired'] as const;

export const packFieldsOf = (k: { id: string; productId: string }) => (k.id === unitPackId(k.productId) ? UNIT_PACK_FIELDS : PACK_FIELDS);

export type PackInsert = Pick<Pack, 'id' | 'productId' | 'name' | 'units' | 'unitPrice' | 'gtin' | 'sellable' | 'retired'>;

export interface PackUpdate {
  id: string;
  productId: string;
  name?: string | undefined;
  unitPrice?: number | undefined;
  sellable?: boolean | undefined;
  retired?: boolean | undefined;
  fieldClocks: Record<string, string>;
  baseClocks?: Record<string, string> | undefined;
}

const target = (k: PackRow) => ({ values: pickFields(k, PACK_FIELDS), fieldClocks: k.fieldClocks, fieldOrigins: k.fieldOrigins, hlc: k.hlc });
const clocksOf = (fields: readonly string[], clock: string) => Object.fromEntries(fields.map((f) => [f, clock]));

/**
 * Packs are catalogue rows, merged field by field like products: head
 * office applies a shop's push, a shop takes head office's feed. In the
 * feed a pack rides in its product's entry (`packs: […]`), which shops
 * older than packs read and ignore; in a push it is its own entity.
 */
export class PackMerge {
  constructor(private readonly run: MergeRun) {}

  private feedEntry(productId: string, hlc: string, pack: Record<string, unknown>, shopId: string | null = null) {
    const seat = this.run.seat;
    this.run.emit({
      shopId, originShopId: shopId ? null : seat.shopId, entity: 'product', entityId: productId, hlc, payload: { id: productId, packs: [pack] },
    });
  }

  /** Head office: a pack a shop created. */
  async inserted(d: PackInsert, hlc: string): Promise<void> {
    const seat = this.run.seat;
    if (seat.role !== 'hq') throw new Error('inserted() is head office’s');
    if (await lockPack(this.run.tx, d.id)) return; // a replay
    if (!(await productById(this.run.tx, d.productId))) throw new AppError(422, 'unknown_entity', 'sync.unknown_entity', { entity: 'product', id: d.productId });
    const { clock, far } = boundShopClock(hlc, { shopNode: seat.shopCode, receivedAt: seat.receivedAt, nowWall: seat.nowWall });
    if (far) this.run.log('product_pack', d.id, { field: null, localValue: null, remoteValue: null, localClock: clock, remoteClock: hlc, winner: 'held', reason: 'clock_far_ahead' });
    let gtin = d.gtin;
    if (gtin && (await gtinHeld(this.run.tx, gtin, d.id))) {
      // Another article's barcode: the pack is kept (its sales need it), without a GTIN here.
      this.run.log('product_pack', d.id, { field: 'gtin', localValue: d.gtin, remoteValue: d.gtin, localClock: null, remoteClock: hlc, winner: 'local', reason: 'gtin_taken' });
      gtin = null;
    }
    const fieldClocks = clocksOf(PACK_FIELDS, clock);
    const fieldOrigins = clock === hlc ? {} : clocksOf(PACK_FIELDS, hlc);
    const pack = await insertPack(this.run.tx, { ...d, gtin, originShopId: seat.shopId, hlc: clock, fieldClocks, fieldOrigins });
    this.feedEntry(d.productId, clock, { ...pack, originShopId: seat.shopId, fieldClocks });
  }

  /** Head office: a shop's edit of a pack. */
  async updated(d: PackUpdate): Promise<void> {
    const seat = this.run.seat;
    if (seat.role !== 'hq') throw new Error('updated() is head office’s');
    const existing = await lockPack(this.run.tx, d.id);
    if (!existing || existing.productId !== d.productId) throw new AppError(422, 'unknown_entity', 'sync.unknown_entity', { entity: 'product_pack', id: d.id });
    const fields = packFieldsOf(existing);
    if (existing.originShopId !== seat.shopId) return this.keptLocal(existing, d, fields);
    const m = mergeShopWrite(storedFields(target(existing), fields), { values: pickFields(d, fields), clocks: d.fieldClocks, baseClocks: d.baseClocks }, {
      shopNode: seat.shopCode, receivedAt: seat.receivedAt, nowWall: seat.nowWall,
    });
    for (const decision of m.decisions) this.run.log('product_pack', d.id, decision);
    if (Object.keys(m.held).length > 0) this.run.hold('product_pack', d.id, { id: d.id, productId: d.productId, ...m.held, fieldClocks: d.fieldClocks }, seat.receivedClock);
    const next = await this.write(existing, m);
    const applied = Object.keys(m.apply);
    if (applied.length > 0) {
      this.feedEntry(d.productId, next.hlc, {
        id: d.id, productId: d.productId, ...pickFields(next.values, applied), fieldClocks: pickFields(next.fieldClocks, applied),
        baseClocks: Object.fromEntries(applied.map((f) => [f, existing.fieldClocks[f] ?? existing.hlc])),
      });
    }
    const kept = m.decisions.filter((x) => x.winner !== 'remote').map((x) => x.field);
    if (kept.length > 0 && seat.shopId) {
      this.feedEntry(d.productId, next.hlc, {
        id: d.id, productId: d.productId, ...pickFields(next.values, kept), fieldClocks: Object.fromEntries(kept.map((f) => [f, next.fieldClocks[f] ?? next.hlc])),
      }, seat.shopId);
    }
  }

  /**
   * Head office: a shop's edit of a pack it did not create (the chain's
   * catalogue is head office's). It stays at that shop: head office's row and
   * the feed are untouched, and each changed field is on the record; the shop
   * takes head office's value again at head office's next edit of that field.
   */
  private keptLocal(existing: PackRow, d: PackUpdate, fields: readonly string[]): void {
    for (const field of fields) {
      const value = d[field as keyof PackUpdate];
      if (value === undefined || JSON.stringify(value) === JSON.stringify(existing[field as keyof PackRow])) continue;
      this.run.log('product_pack', d.id, {
        field, localValue: existing[field as keyof PackRow], remoteValue: value, localClock: existing.fieldClocks[field] ?? existing.hlc,
        remoteClock: d.fieldClocks[field] ?? null, winner: 'local', reason: 'chain_product_edit',
      });
    }
  }

  /** A shop: a pack as head office has it (from its product's feed entry). */
  async pulled(d: Record<string, unknown>, hlc: string, opts: { productHere?: boolean } = {}): Promise<void> {
    const seat = this.run.seat;
    const id = String(d.id);
    const clocks = (d.fieldClocks ?? {}) as Record<string, string>;
    const existing = await lockPack(this.run.tx, id);
    if (!existing) {
      // An edit of a pack this shop never had: its creation is in the feed, or the product is not here yet.
      // Its product just applied (productHere) is not read again: a first pull's every pack is new.
      if (typeof d.units !== 'number' || !(opts.productHere || (await productById(this.run.tx, String(d.productId))))) return;
      const gtin = typeof d.gtin === 'string' && !(await gtinHeld(this.run.tx, d.gtin, id)) ? d.gtin : null;
      await insertPack(this.run.tx, {
        id, productId: String(d.productId), name: String(d.name), units: d.units, unitPrice: Number(d.unitPrice), gtin,
        sellable: d.sellable !== false, retired: d.retired === true, originShopId: (d.originShopId as string | null) ?? null, hlc,
        fieldClocks: Object.fromEntries(PACK_FIELDS.map((f) => [f, clocks[f] ?? hlc])),
      });
      this.run.changed.add('product');
      return;
    }
    const fields = packFieldsOf(existing);
    const m = adoptFromHq(
      storedFields(target(existing), fields),
      { values: pickFields(d, fields), clocks: Object.fromEntries(fields.map((f) => [f, clocks[f] ?? hlc])), baseClocks: d.baseClocks as Record<string, string> | undefined },
      { selfNode: seat.shopCode, pending: await pendingFields(this.run.tx, 'product_pack', id) },
    );
    for (const decision of m.decisions) this.run.log('product_pack', id, decision);
    await this.write(existing, m);
  }

  /** A shop rebuilt from head office: the packs as head office holds them. */
  async restore(rows: readonly PackRow[]): Promise<void> {
    await restorePacks(this.run.tx, rows);
  }

  private async write(existing: PackRow, m: MergeResult) {
    const next = mergedRow(target(existing), m);
    if (!next.changed) return next;
    await updatePackFields(this.run.tx, existing.id, {
      name: next.values.name as string, unitPrice: next.values.unitPrice as number, sellable: next.values.sellable as boolean,
      retired: next.values.retired as boolean, hlc: next.hlc, fieldClocks: next.fieldClocks, fieldOrigins: next.fieldOrigins,
    });
    this.run.changed.add('product');
    return next;
  }
}
