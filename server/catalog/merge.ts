import { adoptFromHq, boundShopClock, mergeShopWrite, mergedRow, pickFields, storedFields, type MergeResult } from '../domain/merge.js';
import { productSearchText } from '../domain/search.js';
import { placeProposal } from '../domain/proposal.js';
import { AppError } from '../errors.js';
import { newId } from '../ids.js';
import type { MergeRun } from '../outbox/merge-run.js';
import { pendingFields } from '../outbox/queries.js';
import { PackMerge } from './pack-merge.js';
import { insertProposal, proposalsOfField, supersedeProposals } from './proposal-queries.js';
import { insertProduct, lockProduct, productById, productClash, restoreProducts, twinIds, updateProductFields, type Product, type ProductRow } from './queries.js';

/** The product fields that merge last-writer-wins; SKU and GTIN are fixed at creation, a shop's stock thresholds stay at the shop. */
export const PRODUCT_FIELDS = ['name', 'unitPrice', 'active', 'baseUnit'] as const;

/** A shop older than packs sends no base unit: its products are counted in units. */
export type ProductInsert = Pick<Product, 'id' | 'sku' | 'gtin' | 'name' | 'unitPrice' | 'active'> & { baseUnit?: string | undefined };

export interface ProductUpdate {
  id: string;
  name?: string | undefined;
  unitPrice?: number | undefined;
  active?: boolean | undefined;
  baseUnit?: string | undefined;
  fieldClocks: Record<string, string>;
  baseClocks?: Record<string, string> | undefined;
}

const target = (p: ProductRow) => ({ values: pickFields(p, PRODUCT_FIELDS), fieldClocks: p.fieldClocks, fieldOrigins: p.fieldOrigins, hlc: p.hlc });
const clocksOf = (fields: readonly string[], clock: string) => Object.fromEntries(fields.map((f) => [f, clock]));

/**
 * How a remote change of a product is applied, at head office (a shop's
 * push) and at a shop (head office's feed): one rule, two seats.
 */
export class CatalogMerge {
  readonly packs: PackMerge;

  constructor(private readonly run: MergeRun) {
    this.packs = new PackMerge(run);
  }

  /** Whether the product is here (a lot or a recall may only name a known product). */
  async known(id: string): Promise<boolean> {
    return !!(await productById(this.run.tx, id));
  }

  /** The products that are one article (same GTIN): a recall of one reaches them all. */
  twins(id: string): Promise<string[]> {
    return twinIds(this.run.tx, id);
  }

  /** Head office: a product a shop created. Returns true when it is a twin of one already here (same GTIN). */
  async inserted(d: ProductInsert, hlc: string): Promise<{ twin: boolean }> {
    const seat = this.run.seat;
    if (seat.role !== 'hq') throw new Error('inserted() is head office’s');
    if (await lockProduct(this.run.tx, d.id)) return { twin: false }; // a replay: the creation was merged already
    const { clock, far } = boundShopClock(hlc, { shopNode: seat.shopCode, receivedAt: seat.receivedAt, nowWall: seat.nowWall });
    if (far) this.run.log('product', d.id, { field: null, localValue: null, remoteValue: null, localClock: clock, remoteClock: hlc, winner: 'held', reason: 'clock_far_ahead' });
    let { sku, gtin } = d;
    const clash = await productClash(this.run.tx, d);
    if (clash.skuTaken) {
      sku = `${d.sku}-${seat.shopCode}`;
      this.run.log('product', d.id, { field: 'sku', localValue: d.sku, remoteValue: sku, localClock: null, remoteClock: hlc, winner: 'remote', reason: 'sku_taken' });
    }
    const twin = !!d.gtin && clash.gtinTaken;
    if (twin) {
      gtin = null;
      this.run.log('product', d.id, { field: 'gtin', localValue: d.gtin, remoteValue: d.gtin, localClock: null, remoteClock: hlc, winner: 'local', reason: 'gtin_taken' });
    }
    const fieldClocks = clocksOf(PRODUCT_FIELDS, clock);
    const fieldOrigins = clock === hlc ? {} : clocksOf(PRODUCT_FIELDS, hlc);
    const product = await insertProduct(this.run.tx, {
      id: d.id, sku, gtin, claimedGtin: twin ? d.gtin : null, name: d.name, searchText: productSearchText({ name: d.name, sku, gtin }),
      unitPrice: d.unitPrice, active: d.active, baseUnit: d.baseUnit, originShopId: seat.shopId, hlc: clock, fieldClocks, fieldOrigins,
    });
    // To every shop, its creator included: the creator learns the clocks head office keeps.
    this.run.emit({ shopId: null, originShopId: seat.shopId, entity: 'product', entityId: d.id, hlc: clock, payload: { ...product, originShopId: seat.shopId, fieldClocks } });
    return { twin };
  }

  /**
   * Head office: a shop's edit of a product. Only the shop that created it
   * writes it (last-writer-wins); any other shop's edit of the chain's product
   * is a proposal, whatever its clocks claim.
   */
  async updated(d: ProductUpdate): Promise<void> {
    const seat = this.run.seat;
    if (seat.role !== 'hq') throw new Error('updated() is head office’s');
    const existing = await lockProduct(this.run.tx, d.id);
    if (!existing) throw new AppError(422, 'unknown_entity', 'sync.unknown_entity', { entity: 'product', id: d.id });
    if (existing.originShopId !== seat.shopId) return this.proposed(existing, d);
    const values = pickFields(d, PRODUCT_FIELDS);
    const m = mergeShopWrite(storedFields(target(existing), PRODUCT_FIELDS), { values, clocks: d.fieldClocks, baseClocks: d.baseClocks }, {
      shopNode: seat.shopCode, receivedAt: seat.receivedAt, nowWall: seat.nowWall,
    });
    for (const decision of m.decisions) this.run.log('product', d.id, decision);
    if (Object.keys(m.held).length > 0) this.run.hold('product', d.id, { id: d.id, ...m.held, fieldClocks: d.fieldClocks }, seat.receivedClock);
    const next = await this.write(existing, m);
    const applied = Object.keys(m.apply);
    if (applied.length > 0) {
      this.run.emit({
        shopId: null, originShopId: seat.shopId, entity: 'product', entityId: d.id, hlc: next.hlc,
        payload: {
          id: d.id, ...pickFields(next.values, applied), fieldClocks: pickFields(next.fieldClocks, applied),
          baseClocks: Object.fromEntries(applied.map((f) => [f, existing.fieldClocks[f] ?? existing.hlc])),
        },
      });
    }
    // The writer's value lost or was held: it is told what head office keeps, so it does not keep its own for ever.
    const kept = m.decisions.filter((x) => x.winner !== 'remote').map((x) => x.field);
    if (kept.length > 0) {
      this.run.emit({
        shopId: seat.shopId, originShopId: null, entity: 'product', entityId: d.id, hlc: next.hlc,
        payload: { id: d.id, ...pickFields(next.values, kept), fieldClocks: Object.fromEntries(kept.map((f) => [f, next.fieldClocks[f] ?? next.hlc])) },
      });
    }
  }

  /**
   * Head office: a shop's edit of a product it did not create. Head office's
   * row is not touched and nothing enters the feed: each field becomes a
   * proposal (replacing that shop's open one), decided on the Catalogue page.
   * The shop keeps its own value meanwhile; it hears of the decision through
   * the feed (catalog/proposals.ts).
   */
  private async proposed(existing: ProductRow, d: ProductUpdate): Promise<void> {
    const { tx, seat } = this.run;
    if (!seat.shopId) throw new Error('a proposal comes from a shop');
    for (const field of PRODUCT_FIELDS) {
      const value = d[field];
      const clock = d.fieldClocks[field];
      if (value === undefined || !clock) continue; // a field without its clock is refused at the edge
      const known = await proposalsOfField(tx, { shopId: seat.shopId, productId: d.id, field, clock });
      const open = known.find((k) => k.status === 'pending');
      const placement = placeProposal({ value, clock }, {
        hqValue: existing[field], seen: known.some((k) => k.shopClock === clock), pending: open && { id: open.id, clock: open.shopClock },
      });
      if (placement.kind === 'replay') continue;
      if (placement.replaces) await supersedeProposals(tx, { ids: [placement.replaces] });
      await insertProposal(tx, {
        id: newId(), shopId: seat.shopId, productId: d.id, field, proposedValue: value, valueThen: existing[field], shopClock: clock, status: placement.status,
      });
    }
  }

  /**
   * A shop: a product as head office has it. Unknown here: created; known:
   * head office's values taken field by field. Its packs ride along (`packs`).
   */
  async pulled(d: Record<string, unknown>, hlc: string): Promise<void> {
    // A product not here after its fields (an edit of one this shop never had) has no packs here either.
    if (!(await this.pulledFields(d, hlc))) return;
    if (Array.isArray(d.packs)) for (const k of d.packs as Record<string, unknown>[]) await this.packs.pulled({ productId: d.id, ...k }, hlc, { productHere: true });
  }

  /** Whether the product is here once its fields are applied. */
  private async pulledFields(d: Record<string, unknown>, hlc: string): Promise<boolean> {
    const seat = this.run.seat;
    const id = String(d.id);
    const clocks = (d.fieldClocks ?? {}) as Record<string, string>;
    const existing = await lockProduct(this.run.tx, id);
    if (!existing) {
      if (typeof d.sku !== 'string') return false; // an edit of a product this shop never had: its creation comes in the feed
      let sku = d.sku;
      const gtinWanted = typeof d.gtin === 'string' ? d.gtin : null;
      const clash = await productClash(this.run.tx, { id, sku, gtin: gtinWanted });
      if (clash.skuTaken) sku = `${sku}-HQ`;
      const gtin = gtinWanted && !clash.gtinTaken ? gtinWanted : null;
      await insertProduct(this.run.tx, {
        id, sku, gtin, name: String(d.name), searchText: productSearchText({ name: String(d.name), sku, gtin }),
        unitPrice: Number(d.unitPrice), active: d.active !== false, baseUnit: typeof d.baseUnit === 'string' ? d.baseUnit : undefined,
        originShopId: (d.originShopId as string | null) ?? null, hlc,
        fieldClocks: Object.fromEntries(PRODUCT_FIELDS.map((f) => [f, clocks[f] ?? hlc])),
      });
      this.run.changed.add('product');
      return true;
    }
    // Head office refused this shop's value of these fields: taken back only where the shop still holds that value.
    const refused = (d.refusedClocks ?? {}) as Record<string, string>;
    const fields = PRODUCT_FIELDS.filter((f) => refused[f] === undefined || existing.fieldClocks[f] === refused[f]);
    const m = adoptFromHq(
      storedFields(target(existing), PRODUCT_FIELDS),
      { values: pickFields(d, fields), clocks: Object.fromEntries(PRODUCT_FIELDS.map((f) => [f, clocks[f] ?? hlc])), baseClocks: d.baseClocks as Record<string, string> | undefined },
      { selfNode: seat.shopCode, pending: await pendingFields(this.run.tx, 'product', id) },
    );
    for (const decision of m.decisions) this.run.log('product', id, decision);
    await this.write(existing, m);
    return true;
  }

  /** A shop rebuilt from head office: the catalogue as head office holds it. */
  async restore(rows: readonly ProductRow[]): Promise<void> {
    await restoreProducts(this.run.tx, rows.map((p) => ({ ...p, searchText: productSearchText(p) })));
    await this.packs.restore(rows.flatMap((p) => p.packs ?? []));
  }

  private async write(existing: ProductRow, m: MergeResult) {
    const next = mergedRow(target(existing), m);
    if (!next.changed) return next;
    const v = { name: next.values.name as string, unitPrice: next.values.unitPrice as number, active: next.values.active as boolean, baseUnit: next.values.baseUnit as string };
    await updateProductFields(this.run.tx, existing.id, {
      ...v, searchText: productSearchText({ ...v, sku: existing.sku, gtin: existing.gtin }), hlc: next.hlc, fieldClocks: next.fieldClocks, fieldOrigins: next.fieldOrigins,
    });
    this.run.changed.add('product');
    return next;
  }
}
