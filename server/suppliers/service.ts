import { createHash } from 'node:crypto';
import type { Actor, Deps } from '../context.js';
import type { Db, Tx } from '../db/pool.js';
import { dateInZone } from '../domain/dates.js';
import { changedFields, editClocks, replacedClocks } from '../domain/merge.js';
import { AppError, notFound } from '../errors.js';
import { newId } from '../ids.js';
import { stampTransaction } from '../outbox/clock.js';
import { appendFeed, appendOutbox } from '../outbox/queries.js';
import { productById } from '../catalog/queries.js';
import {
  insertLink,
  insertSupplier,
  linksOfProducts,
  linksOfSupplier,
  linksPage,
  listSuppliers,
  suppliersPage,
  suppliersWithOrigin,
  lockLink,
  lockLinks,
  lockSupplier,
  supplierById,
  updateLink,
  updateLinkCosts,
  updateSupplier,
  type LinkRow,
  type ProductSupplier,
  type Supplier,
  type SupplierRow,
} from './queries.js';
import type { CreateSupplierInput, LinkInput, UpdateSupplierInput } from './schemas.js';

/** The supplier fields that merge last-writer-wins, field by field. */
export const SUPPLIER_FIELDS = ['name', 'phone', 'email', 'address', 'taxId', 'deliveryDays', 'leadTimeDays', 'paymentTerms', 'active'] as const;
/** The link fields that merge last-writer-wins; the pair (supplier, product) is fixed. */
export const LINK_FIELDS = ['supplierCode', 'packUnits', 'lastCost', 'lastCostDate', 'preferred'] as const;

/** A link's id follows from its pair, so two shops linking one product to one supplier name one row (RFC 9562 v8 over SHA-256). */
export function linkIdFor(supplierId: string, productId: string): string {
  const h = createHash('sha256').update(`comptoir-product-supplier:${supplierId}:${productId}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x80;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export const publicSupplier = ({ hlc: _h, fieldClocks: _c, fieldOrigins: _o, ...s }: SupplierRow): Supplier => s;
export const publicLink = ({ hlc: _h, fieldClocks: _c, fieldOrigins: _o, ...l }: LinkRow): ProductSupplier => l;
const clocksOf = (fields: readonly string[], clock: string) => Object.fromEntries(fields.map((f) => [f, clock]));

/** Where a write of a chain-wide row goes: a shop's own rows travel upstream, its edits of head office's stay local. */
type Seat = { role: 'shop'; shopId: string } | { role: 'hq' };

/** Suppliers and their product links as one seat (a shop, or head office) writes them. */
function supplierWrites(db: Db, seat: Seat, now: () => Date) {
  const origin = seat.role === 'shop' ? seat.shopId : null;
  /** A shop sends its own rows in its outbox; head office feeds every shop. Others' rows edited at a shop stay there. */
  async function publish(tx: Tx, row: { id: string; originShopId: string | null }, entity: 'supplier' | 'product_supplier', op: 'insert' | 'update', payload: unknown, hlc: string) {
    if (seat.role === 'hq') {
      await appendFeed(tx, [{ shopId: null, originShopId: null, entity, entityId: row.id, hlc, payload }]);
      return;
    }
    if (row.originShopId === seat.shopId) await appendOutbox(tx, [{ entity, entityId: row.id, op, payload, hlc }]);
  }

  async function createIn(tx: Tx, input: CreateSupplierInput): Promise<{ supplier: Supplier; created: boolean }> {
    const id = input.id ?? newId();
    const hlc = await stampTransaction(tx, now());
    const values = {
      id, name: input.name, phone: input.phone ?? '', email: input.email ?? '', address: input.address ?? '', taxId: input.taxId ?? '',
      deliveryDays: input.deliveryDays ?? '', leadTimeDays: input.leadTimeDays ?? 1, paymentTerms: input.paymentTerms ?? '',
      active: input.active ?? true, originShopId: origin,
    };
    if (!(await insertSupplier(tx, { ...values, hlc, fieldClocks: clocksOf(SUPPLIER_FIELDS, hlc) }))) {
      const existing = (await supplierById(tx, id))!;
      return { supplier: publicSupplier(existing), created: false };
    }
    const row = (await supplierById(tx, id))!;
    await publish(tx, row, 'supplier', 'insert', { ...publicSupplier(row), fieldClocks: row.fieldClocks }, hlc);
    return { supplier: publicSupplier(row), created: true };
  }

  async function updateIn(tx: Tx, id: string, input: UpdateSupplierInput): Promise<Supplier> {
    const current = await lockSupplier(tx, id);
    if (!current) throw notFound('supplier.not_found');
    const changed = changedFields(current, input);
    if (changed.length === 0) return publicSupplier(current);
    const hlc = await stampTransaction(tx, now(), replacedClocks(current, changed));
    const next = { ...current, ...input };
    const edit = editClocks(current, next, changed, hlc);
    const fieldOrigins = Object.fromEntries(Object.entries(current.fieldOrigins).filter(([f]) => !changed.includes(f as never)));
    const row = await updateSupplier(tx, id, { ...next, hlc, fieldClocks: edit.fieldClocks, fieldOrigins });
    await publish(tx, row, 'supplier', 'update', { id, ...edit.fields, fieldClocks: edit.clocks, baseClocks: edit.baseClocks }, hlc);
    return publicSupplier(row);
  }

  /** Creates the link or edits it; `lastCost` given without a date is dated today. */
  async function putLinkIn(tx: Tx, supplierId: string, productId: string, input: LinkInput & { lastCostDate?: string | null }): Promise<ProductSupplier> {
    if (!(await supplierById(tx, supplierId))) throw notFound('supplier.not_found');
    if (!(await productById(tx, productId))) throw notFound('product.not_found');
    const id = linkIdFor(supplierId, productId);
    const current = await lockLink(tx, id);
    if (!current) {
      const hlc = await stampTransaction(tx, now());
      await insertLink(tx, {
        id, supplierId, productId, supplierCode: input.supplierCode ?? null, packUnits: input.packUnits ?? 1, lastCost: input.lastCost ?? null,
        lastCostDate: input.lastCost != null ? (input.lastCostDate ?? null) : null, preferred: input.preferred ?? false, originShopId: origin,
        hlc, fieldClocks: clocksOf(LINK_FIELDS, hlc),
      });
      const row = (await lockLink(tx, id))!;
      await publish(tx, row, 'product_supplier', 'insert', { ...publicLink(row), fieldClocks: row.fieldClocks }, hlc);
      return publicLink(row);
    }
    const wanted = input;
    const changed = changedFields(current, wanted);
    if (changed.length === 0) return publicLink(current);
    const hlc = await stampTransaction(tx, now(), replacedClocks(current, changed));
    const next = { ...current, ...wanted };
    const edit = editClocks(current, next, changed, hlc);
    const fieldOrigins = Object.fromEntries(Object.entries(current.fieldOrigins).filter(([f]) => !changed.includes(f as never)));
    const row = await updateLink(tx, id, { ...next, hlc, fieldClocks: edit.fieldClocks, fieldOrigins });
    await publish(tx, row, 'product_supplier', 'update', { id, ...edit.fields, fieldClocks: edit.clocks, baseClocks: edit.baseClocks }, hlc);
    return publicLink(row);
  }

  /**
   * A delivery's last costs, one per product (the note's last line wins, as
   * line by line): the links held are edited in one statement under one
   * clock; a product not yet linked to the supplier gets its link as putLinkIn makes it.
   */
  async function recordCostsIn(tx: Tx, supplierId: string, costs: readonly { productId: string; unitCost: number }[], date: string): Promise<void> {
    const last = new Map(costs.map((c) => [linkIdFor(supplierId, c.productId), c]));
    const held = new Map((await lockLinks(tx, [...last.keys()])).map((l) => [l.id, l]));
    const edits: { link: LinkRow; wanted: { lastCost: number; lastCostDate: string }; changed: ('lastCost' | 'lastCostDate')[] }[] = [];
    for (const [id, c] of last) {
      const link = held.get(id);
      const wanted = { lastCost: c.unitCost, lastCostDate: date };
      if (!link) await putLinkIn(tx, supplierId, c.productId, wanted);
      else {
        const changed = changedFields(link, wanted) as ('lastCost' | 'lastCostDate')[];
        if (changed.length > 0) edits.push({ link, wanted, changed });
      }
    }
    if (edits.length === 0) return;
    const hlc = await stampTransaction(tx, now(), edits.flatMap((e) => replacedClocks(e.link, e.changed)));
    const made = edits.map((e) => {
      const edit = editClocks(e.link, { ...e.link, ...e.wanted }, e.changed, hlc);
      const fieldOrigins = Object.fromEntries(Object.entries(e.link.fieldOrigins).filter(([f]) => !e.changed.includes(f as never)));
      return { row: { id: e.link.id, ...e.wanted, hlc, fieldClocks: edit.fieldClocks, fieldOrigins }, link: e.link, edit };
    });
    await updateLinkCosts(tx, made.map((m) => m.row));
    const changes = made.map((m) => ({ entity: 'product_supplier' as const, entityId: m.link.id, hlc, payload: { id: m.link.id, ...m.edit.fields, fieldClocks: m.edit.clocks, baseClocks: m.edit.baseClocks } }));
    if (seat.role === 'hq') await appendFeed(tx, changes.map((c) => ({ shopId: null, originShopId: null, ...c })));
    else await appendOutbox(tx, changes.filter((_, i) => made[i]!.link.originShopId === seat.shopId).map((c) => ({ ...c, op: 'update' as const })));
  }

  return { createIn, updateIn, putLinkIn, recordCostsIn };
}

/** The shop's suppliers: the chain's (head office's and other shops') and its own. */
export function suppliersService({ db, shop, now }: Deps) {
  const writes = supplierWrites(db, { role: 'shop', shopId: shop.id }, now);
  return {
    create: (input: CreateSupplierInput, _actor: Actor) => db.withTransaction((tx) => writes.createIn(tx, input)),
    update: (id: string, input: UpdateSupplierInput, _actor: Actor) => db.withTransaction((tx) => writes.updateIn(tx, id, input)),
    putLink: (supplierId: string, productId: string, input: LinkInput, _actor: Actor) =>
      db.withTransaction((tx) => writes.putLinkIn(tx, supplierId, productId, { ...input, ...(input.lastCost != null ? { lastCostDate: dateInZone(now(), shop.timezone) } : {}) })),
    list: async (q: { activeOnly?: boolean } = {}) => (await listSuppliers(db, { activeOnly: q.activeOnly ?? false })).map(publicSupplier),
    async get(id: string) {
      const s = await supplierById(db, id);
      if (!s) throw notFound('supplier.not_found');
      return { ...publicSupplier(s), products: (await linksOfSupplier(db, id)).map((l) => ({ ...publicLink(l), productName: l.productName, sku: l.sku })) };
    },

    /** For purchasing: a supplier that exists, in the caller's transaction. */
    async supplierIn(tx: Tx, id: string): Promise<Supplier> {
      const s = await supplierById(tx, id);
      if (!s) throw new AppError(404, 'not_found', 'supplier.not_found');
      return publicSupplier(s);
    },
    linksOfSupplier: async (id: string) => (await linksOfSupplier(db, id)).map(publicLink),
    linksOfProducts: async (ids: readonly string[]) => (await linksOfProducts(db, ids)).map(publicLink),
    /** A receipt updates its links' last costs (creating a link for a product not known of this supplier). */
    recordCostsIn: (tx: Tx, supplierId: string, costs: readonly { productId: string; unitCost: number }[], date: string) => writes.recordCostsIn(tx, supplierId, costs, date),
  };
}

/** Head office's seat: the chain's suppliers, fed to every shop. */
export function suppliersAtHq({ db, now }: { db: Db; now: () => Date }) {
  const writes = supplierWrites(db, { role: 'hq' }, now);
  return {
    create: (input: CreateSupplierInput) => db.withTransaction((tx) => writes.createIn(tx, input)),
    /** Head office edits its own suppliers; a shop's supplier is that shop's to edit (design §5). */
    update: (id: string, input: UpdateSupplierInput) => db.withTransaction(async (tx) => {
      const current = await supplierById(tx, id);
      if (!current) throw notFound('supplier.not_found');
      if (current.originShopId) throw new AppError(409, 'supplier_of_shop', 'supplier.of_shop', { name: current.name });
      return writes.updateIn(tx, id, input);
    }),
    putLink: (supplierId: string, productId: string, input: LinkInput) => db.withTransaction((tx) => writes.putLinkIn(tx, supplierId, productId, input)),
    list: async () => (await listSuppliers(db, { activeOnly: false })).map(publicSupplier),
    /** Every supplier with the shop that made it, for head office's page. */
    listWithOrigin: async () => (await suppliersWithOrigin(db)).map(({ originShopCode, ...row }) => ({ ...publicSupplier(row), originShopCode })),
    async get(id: string): Promise<Supplier> {
      const s = await supplierById(db, id);
      if (!s) throw notFound('supplier.not_found');
      return publicSupplier(s);
    },
  };
}

export type SuppliersAtHq = ReturnType<typeof suppliersAtHq>;

export type SuppliersService = ReturnType<typeof suppliersService>;
