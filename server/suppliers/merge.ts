import { boundShopClock, mergeShopWrite, mergedRow, pickFields, storedFields, type MergeResult } from '../domain/merge.js';
import type { MergeRun } from '../outbox/merge-run.js';
import { unknownEntity } from '../stock/merge.js';
import { insertLink, insertSupplier, lockLink, lockSupplier, updateLink, updateSupplier, type LinkRow, type SupplierRow } from './queries.js';
import { LINK_FIELDS, SUPPLIER_FIELDS } from './service.js';

type Entity = 'supplier' | 'product_supplier';
type Row = SupplierRow | LinkRow;
const FIELDS = { supplier: SUPPLIER_FIELDS, product_supplier: LINK_FIELDS } as const;

export interface ChainRowUpdate {
  id: string;
  fieldClocks: Record<string, string>;
  baseClocks?: Record<string, string> | undefined;
  [field: string]: unknown;
}

const target = (entity: Entity, r: Row) => ({ values: pickFields(r, FIELDS[entity]), fieldClocks: r.fieldClocks, fieldOrigins: r.fieldOrigins, hlc: r.hlc });

/**
 * Suppliers and their product links are chain-wide, like products: head
 * office takes a shop's creation and feeds it to every shop; it takes a
 * shop's edit only of a row that shop created (last-writer-wins, field by
 * field). A shop's edit of another's row never reaches head office's row nor
 * the other shops: it is logged and stays at that shop.
 */
export class SupplierMerge {
  constructor(private readonly run: MergeRun) {}

  private lock(entity: Entity, id: string): Promise<Row | undefined> {
    return entity === 'supplier' ? lockSupplier(this.run.tx, id) : lockLink(this.run.tx, id);
  }

  /** Head office: a supplier or link a shop created. A replay, or a link another seat made first, changes nothing. */
  async inserted(entity: Entity, d: Record<string, unknown> & { id: string }, hlc: string): Promise<void> {
    const seat = this.run.seat;
    if (seat.role !== 'hq' || !seat.shopId) throw new Error('inserted() is head office’s, for one shop');
    if (await this.lock(entity, d.id)) return;
    const { clock, far } = boundShopClock(hlc, { shopNode: seat.shopCode, receivedAt: seat.receivedAt, nowWall: seat.nowWall });
    if (far) this.run.log(entity, d.id, { field: null, localValue: null, remoteValue: null, localClock: clock, remoteClock: hlc, winner: 'held', reason: 'clock_far_ahead' });
    const fields = FIELDS[entity];
    const fieldClocks = Object.fromEntries(fields.map((f) => [f, clock]));
    const fieldOrigins = clock === hlc ? {} : Object.fromEntries(fields.map((f) => [f, hlc]));
    if (entity === 'supplier') {
      await insertSupplier(this.run.tx, { ...(d as unknown as SupplierRow), originShopId: seat.shopId, hlc: clock, fieldClocks, fieldOrigins });
    } else {
      if (!(await this.run.tx.one('select 1 from suppliers where id = $1', [d.supplierId]))) throw unknownEntity('supplier', String(d.supplierId));
      if (!(await this.run.tx.one('select 1 from products where id = $1', [d.productId]))) throw unknownEntity('product', String(d.productId));
      await insertLink(this.run.tx, { ...(d as unknown as LinkRow), originShopId: seat.shopId, hlc: clock, fieldClocks, fieldOrigins });
    }
    const row = (await this.lock(entity, d.id))!;
    const { hlc: _h, fieldOrigins: _o, ...payload } = row;
    this.run.emit({ shopId: null, originShopId: seat.shopId, entity, entityId: d.id, hlc: clock, payload });
  }

  /** Head office: a shop's edit of a row it created merges field by field and goes to every shop; any other is logged, not applied. */
  async updated(entity: Entity, d: ChainRowUpdate): Promise<void> {
    const seat = this.run.seat;
    if (seat.role !== 'hq' || !seat.shopId) throw new Error('updated() is head office’s, for one shop');
    const existing = await this.lock(entity, d.id);
    if (!existing) throw unknownEntity(entity, d.id);
    const fields = FIELDS[entity];
    if (existing.originShopId !== seat.shopId) {
      const values = pickFields(d, fields);
      this.run.log(entity, d.id, { field: Object.keys(values).join(','), localValue: pickFields(existing, Object.keys(values)), remoteValue: values, localClock: existing.hlc, remoteClock: null, winner: 'local', reason: 'not_owner' });
      return;
    }
    const m = mergeShopWrite(storedFields(target(entity, existing), fields), { values: pickFields(d, fields), clocks: d.fieldClocks, baseClocks: d.baseClocks }, {
      shopNode: seat.shopCode, receivedAt: seat.receivedAt, nowWall: seat.nowWall,
    });
    for (const decision of m.decisions) this.run.log(entity, d.id, decision);
    if (Object.keys(m.held).length > 0) this.run.hold(entity, d.id, { id: d.id, ...m.held, fieldClocks: d.fieldClocks }, seat.receivedClock);
    const next = await this.write(entity, existing, m);
    const applied = Object.keys(m.apply);
    if (applied.length > 0) {
      this.run.emit({
        shopId: null, originShopId: seat.shopId, entity, entityId: d.id, hlc: next.hlc,
        payload: { id: d.id, ...pickFields(next.values, applied), fieldClocks: pickFields(next.fieldClocks, applied) },
      });
    }
  }

  /**
   * A shop: head office's row. Unknown here: created as it is; known: each
   * field whose clock is later than ours is taken (a shop's own edit of a
   * head-office row stands until head office writes that field again).
   */
  async pulled(entity: Entity, d: Record<string, unknown>, hlc: string): Promise<void> {
    const id = String(d.id);
    const clocks = (d.fieldClocks ?? {}) as Record<string, string>;
    const fields = FIELDS[entity];
    const existing = await this.lock(entity, id);
    if (!existing) {
      if (d.createdAt === undefined) return; // an edit of a row whose creation comes in the feed
      const fieldClocks = Object.fromEntries(fields.map((f) => [f, clocks[f] ?? hlc]));
      const row = { ...d, originShopId: (d.originShopId as string | null) ?? null, hlc, fieldClocks };
      if (entity === 'supplier') await insertSupplier(this.run.tx, row as unknown as SupplierRow);
      else await insertLink(this.run.tx, row as unknown as LinkRow);
      return;
    }
    const apply: MergeResult['apply'] = {};
    for (const f of fields) {
      if (d[f] === undefined) continue;
      const clock = clocks[f] ?? hlc;
      const mine = existing.fieldClocks[f] ?? existing.hlc;
      if (clock > mine) apply[f] = { value: d[f], clock, origin: null };
    }
    await this.write(entity, existing, { apply, decisions: [], held: {} });
  }

  /** A rebuilt shop: the chain's suppliers and links as head office holds them, clocks included. */
  async restore(part: { suppliers: readonly SupplierRow[]; links: readonly LinkRow[] }): Promise<void> {
    for (const s of part.suppliers) await insertSupplier(this.run.tx, s);
    for (const l of part.links) await insertLink(this.run.tx, l);
  }

  private async write(entity: Entity, existing: Row, m: MergeResult) {
    const next = mergedRow(target(entity, existing), m);
    if (!next.changed) return next;
    const written = { ...existing, ...next.values, hlc: next.hlc, fieldClocks: next.fieldClocks, fieldOrigins: next.fieldOrigins };
    if (entity === 'supplier') await updateSupplier(this.run.tx, existing.id, written as SupplierRow);
    else await updateLink(this.run.tx, existing.id, written as LinkRow);
    return next;
  }
}
