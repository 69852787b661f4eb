import type { Actor, Deps } from '../context.js';
import type { Db, Queryable, Tx } from '../db/pool.js';
import { uniqueViolation } from '../db/errors.js';
import { dateInZone } from '../domain/dates.js';
import { changedFields, editClocks, replacedClocks } from '../domain/merge.js';
import { likePattern, productSearchText, searchWords } from '../domain/search.js';
import { AppError, notFound } from '../errors.js';
import { newId, unitPackId } from '../ids.js';
import { stampTransaction } from '../outbox/clock.js';
import { appendFeed, appendOutbox, type FeedEntry, type OutboxEntry } from '../outbox/queries.js';
import { formatUnits } from '../domain/packs.js';
import { boxOf, productOfCode } from './lookup.js';
import { checkPackGtin, editPack, isUnitPack, lockPackOf, makePack } from './pack-edits.js';
import { packById, updatePackFields, type Pack, type PackRow } from './pack-queries.js';
import {
  insertProduct,
  lockProduct,
  productById,
  productsBelowMinimum,
  productsPage,
  productsWithPacks,
  productWithStock,
  searchProducts,
  setStockLimits,
  stockLimits,
  twinIds,
  updateProductFields,
  type Product,
  type ProductWithPacks,
  type ProductWithStock,
} from './queries.js';
import { supersedeProposals } from './proposal-queries.js';
import { type CreateProductInput, type PackInput, type UpdatePackInput, type UpdateProductInput } from './schemas.js';

function duplicateProduct(err: unknown, input: { sku: string; gtin?: string | null | undefined; packs?: readonly { gtin?: string | null | undefined }[] | undefined }): never {
  const constraint = uniqueViolation(err);
  if (constraint === 'products_sku_key') throw new AppError(409, 'sku_taken', 'product.sku_taken', { sku: input.sku });
  if (constraint === 'products_gtin_key' || constraint === 'product_packs_gtin_key') {
    const gtins = [input.gtin, ...(input.packs ?? []).map((k) => k.gtin)].filter(Boolean);
    throw new AppError(409, 'gtin_taken', 'product.gtin_taken', { gtin: gtins.join(', ') });
  }
  throw err;
}

/** What a product's creation sends: the product, then its packs (the unit pack only when not sold alone: it exists with its product). */
interface Created {
  product: ProductWithPacks;
  hlc: string;
  /** The product as it travels (a shop's thresholds stay at the shop). */
  payload: Record<string, unknown>;
  packs: PackRow[];
  unitPack?: { id: string; productId: string; sellable: boolean; fieldClocks: Record<string, string> } | undefined;
}

/**
 * A product with its unit pack (its base unit: the unit price and GTIN) and
 * its other packs, in one transaction stamped once. A pack of 1 in `packs`
 * describes the unit pack itself.
 */
async function createIn(tx: Tx, raw: CreateProductInput, at: Date, originShopId: string | null): Promise<Created> {
  // Validated at the edge (routes, pages); a caller in code gets the schema's defaults only.
  const input = { ...raw, gtin: raw.gtin || null, packs: (raw.packs ?? []).map((k) => ({ ...k, gtin: k.gtin || null, sellable: k.sellable ?? true })) };
  if (input.unitPrice === undefined && !input.packs.some((k) => k.units === 1)) throw new AppError(422, 'validation', 'validation.unit_price_required');
  const unit = input.packs.find((k) => k.units === 1);
  const unitPrice = input.unitPrice ?? unit!.unitPrice;
  if (unit && input.unitPrice !== undefined && unit.unitPrice !== input.unitPrice) throw new AppError(422, 'unit_price_conflict', 'pack.unit_price_conflict');
  const gtin = input.gtin ?? unit?.gtin ?? null;
  const id = input.id ?? newId();
  await checkPackGtin(tx, gtin, unitPackId(id));
  const hlc = await stampTransaction(tx, at);
  const baseUnit = input.baseUnit ?? unit?.name ?? 'unité';
  const fieldClocks = { name: hlc, unitPrice: hlc, active: hlc, baseUnit: hlc };
  const product = await insertProduct(tx, {
    id, sku: input.sku, gtin, name: input.name, searchText: productSearchText({ ...input, gtin }), unitPrice, active: true, baseUnit,
    originShopId, hlc, fieldClocks,
  });
  const packs: PackRow[] = [];
  for (const k of input.packs.filter((x) => x.units > 1)) packs.push(await makePack(tx, id, k, hlc, originShopId));
  let unitPack: Created['unitPack'];
  if (unit && !unit.sellable) {
    // The base unit that is not sold alone (a syrup's ml): the unit pack, made with its product, says so.
    unitPack = { id: unitPackId(id), productId: id, sellable: false, fieldClocks: { sellable: hlc } };
    await updatePackFields(tx, unitPack.id, { name: baseUnit, unitPrice, sellable: false, retired: false, hlc, fieldClocks: unitPack.fieldClocks });
  }
  const { minStock: _min, maxStock: _max, ...payload } = product;
  const withPacks = (await productsWithPacks(tx, [id]))[0]!;
  return { product: withPacks, hlc, payload, packs, unitPack };
}

/**
 * A local edit of a product, at a shop or at head office: stamped above the
 * clocks of the values it replaces; returns the change to send (outbox or
 * feed), with each changed field's clock and the clock it replaced. A shop's
 * stock thresholds are written too, with no clock: they never travel.
 */
async function editProduct(tx: Tx, id: string, input: UpdateProductInput, at: Date) {
  const { minStock, maxStock, ...given } = input;
  const fields = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)) as Omit<UpdateProductInput, 'minStock' | 'maxStock'>;
  const current = await lockProduct(tx, id);
  if (!current) throw notFound('product.not_found');
  if (minStock !== undefined || maxStock !== undefined) {
    const limits = { minStock: minStock !== undefined ? minStock : current.minStock, maxStock: maxStock !== undefined ? maxStock : current.maxStock };
    if (limits.minStock !== null && limits.maxStock !== null && limits.maxStock < limits.minStock) throw new AppError(422, 'stock_limits', 'product.stock_limits');
    await setStockLimits(tx, id, limits);
  }
  const changed = changedFields(current, fields);
  if (changed.length === 0) return { product: (await productById(tx, id))!, change: undefined };
  const hlc = await stampTransaction(tx, at, replacedClocks(current, changed));
  const next = { ...current, ...fields };
  const edit = editClocks(current, next, changed, hlc);
  // A field written here is no longer a bounded write of a shop: its writer clock goes.
  const fieldOrigins = Object.fromEntries(Object.entries(current.fieldOrigins ?? {}).filter(([f]) => !changed.includes(f as never)));
  const product = await updateProductFields(tx, id, {
    name: next.name, searchText: productSearchText(next), unitPrice: next.unitPrice, active: next.active, baseUnit: next.baseUnit,
    hlc, fieldClocks: edit.fieldClocks, fieldOrigins,
  });
  const change = { hlc, payload: { id, ...edit.fields, fieldClocks: edit.clocks, baseClocks: edit.baseClocks } };
  return { product, change };
}

/**
 * A pack edited through its own route. The unit pack's price and name are
 * its product's unit price and base unit (edited as product fields); it is
 * never retired. A pack's size never changes: a new size is a new pack.
 */
async function editAnyPack(tx: Tx, productId: string, packId: string, input: UpdatePackInput, at: Date) {
  const pack = await lockPackOf(tx, productId, packId);
  let product: { change?: { hlc: string; payload: Record<string, unknown> } | undefined } = {};
  if (isUnitPack(pack)) {
    if (input.retired) throw new AppError(422, 'unit_pack_retired', 'pack.unit_not_retired');
    if (input.unitPrice !== undefined || input.name !== undefined) {
      product = await editProduct(tx, productId, { unitPrice: input.unitPrice, baseUnit: input.name }, at);
    }
  }
  const { pack: edited, change } = await editPack(tx, (await lockPackOf(tx, productId, packId)), input, at);
  return { pack: (await packById(tx, edited.id))!, change, productChange: product.change };
}

const publicPack = ({ originShopId: _o, hlc: _h, fieldClocks: _f, fieldOrigins: _g, ...k }: PackRow): Pack => k;

/**
 * Head office's edit of a product, in the caller's transaction: stamped above
 * what it replaces, fed to every shop, and it closes the shops' open
 * proposals of the fields it changed (head office has decided them).
 */
export async function editAtHq(tx: Tx, id: string, input: UpdateProductInput, at: Date, keep?: string): Promise<Product> {
  const { product, change } = await editProduct(tx, id, input, at);
  if (change) {
    await appendFeed(tx, [{ shopId: null, originShopId: null, entity: 'product', entityId: id, hlc: change.hlc, payload: change.payload }]);
    await supersedeProposals(tx, { productId: id, fields: Object.keys(change.payload.fieldClocks), exceptId: keep });
  }
  return product;
}

export function catalogService({ db, shop, now, bus }: Deps) {
  const sendPack = (tx: Tx, change: { hlc: string; payload: Record<string, unknown> } | undefined, op: 'insert' | 'update' = 'update') =>
    change ? appendOutbox(tx, [{ entity: 'product_pack', entityId: String(change.payload.id), op, payload: change.payload, hlc: change.hlc }]) : undefined;

  const service = {
    /** A product made at this shop (a new item on a delivery), with its packs; the same `id` sent again answers the product made the first time. */
    async createProductOnce(input: CreateProductInput, _actor: Actor): Promise<{ product: ProductWithPacks; created: boolean }> {
      if (input.id) {
        const [held] = await productsWithPacks(db, [input.id]);
        if (held) return { product: sameProduct(held, input), created: false };
      }
      try {
        const created = await db.withTransaction(async (tx) => {
          const c = await createIn(tx, input, now(), shop.id);
          await appendOutbox(tx, [
            { entity: 'product', entityId: c.product.id, op: 'insert', payload: c.payload, hlc: c.hlc },
            ...c.packs.map((k): OutboxEntry => ({ entity: 'product_pack', entityId: k.id, op: 'insert', payload: publicPack(k), hlc: c.hlc })),
            ...(c.unitPack ? [{ entity: 'product_pack' as const, entityId: c.unitPack.id, op: 'update' as const, payload: c.unitPack, hlc: c.hlc }] : []),
          ]);
          return c.product;
        });
        bus?.committed('product');
        return { product: created, created: true };
      } catch (err) {
        // The same id sent twice at once: the second finds the first.
        if (input.id && uniqueViolation(err) === 'products_pkey') {
          const [held] = await productsWithPacks(db, [input.id]);
          if (held) return { product: sameProduct(held, input), created: false };
        }
        duplicateProduct(err, input);
      }
    },

    async createProduct(input: CreateProductInput, actor: Actor): Promise<ProductWithPacks> {
      return (await service.createProductOnce(input, actor)).product;
    },

    async updateProduct(id: string, input: UpdateProductInput, _actor: Actor): Promise<ProductWithPacks> {
      await db.withTransaction(async (tx) => {
        const { change } = await editProduct(tx, id, input, now());
        if (change) await appendOutbox(tx, [{ entity: 'product', entityId: id, op: 'update', payload: change.payload, hlc: change.hlc }]);
      });
      bus?.committed('product');
      return service.getProduct(id);
    },

    /** A new pack of a product (« Boîte de 30 »); the same `id` sent again answers the pack made the first time. */
    async addPack(productId: string, input: PackInput, _actor: Actor): Promise<{ pack: Pack; created: boolean }> {
      if (input.id) {
        const held = await packById(db, input.id);
        if (held) return { pack: samePack(held, productId, input), created: false };
      }
      try {
        const pack = await db.withTransaction(async (tx) => {
          if (!(await lockProduct(tx, productId))) throw notFound('product.not_found');
          const hlc = await stampTransaction(tx, now());
          const k = await makePack(tx, productId, input, hlc, shop.id);
          await sendPack(tx, { hlc, payload: { ...publicPack(k) } }, 'insert');
          return publicPack(k);
        });
        bus?.committed('product');
        return { pack, created: true };
      } catch (err) {
        if (input.id && uniqueViolation(err) === 'product_packs_pkey') {
          const held = await packById(db, input.id);
          if (held) return { pack: samePack(held, productId, input), created: false };
        }
        duplicateProduct(err, { sku: '', packs: [input] });
      }
    },

    /** A pack's price, whether it is sold, retired; never its size. */
    async updatePack(productId: string, packId: string, input: UpdatePackInput, _actor: Actor): Promise<Pack> {
      const pack = await db.withTransaction(async (tx) => {
        const { pack: k, change, productChange } = await editAnyPack(tx, productId, packId, input, now());
        if (productChange) await appendOutbox(tx, [{ entity: 'product', entityId: productId, op: 'update', payload: productChange.payload, hlc: productChange.hlc }]);
        await sendPack(tx, change);
        return publicPack(k);
      });
      bus?.committed('product');
      return pack;
    },

    async getProduct(id: string): Promise<ProductWithPacks> {
      const [product] = await productsWithPacks(db, [id]);
      if (!product) throw notFound('product.not_found');
      return product;
    },

    /** Whether the product is the chain's (made at head office or another shop): this shop's edits of it stay here and are proposals. */
    async isChainProduct(id: string): Promise<boolean> {
      const row = await productById(db, id);
      if (!row) throw notFound('product.not_found');
      return row.originShopId !== shop.id;
    },

    async productWithStock(id: string): Promise<ProductWithStock> {
      const product = await productWithStock(db, { id, shopId: shop.id, today: dateInZone(now(), shop.timezone) });
      if (!product) throw notFound('product.not_found');
      return product;
    },

    /** Products below this shop's minimum stock, each with its sellable units said in packs. */
    async lowStock(limit = 200) {
      const rows = await productsBelowMinimum(db, { shopId: shop.id, today: dateInZone(now(), shop.timezone), limit });
      return rows.map((p) => {
        const box = boxOf(p);
        const say = (n: number) => formatUnits(n, { baseUnit: p.baseUnit, box });
        return { ...p, sellableLabel: say(p.sellableQuantity), minLabel: say(p.minStock ?? 0) };
      });
    },

    /** The product and pack a barcode or SKU names (a carton's GTIN names the carton). */
    productOfCode: (code: string) => productOfCode(db, code),

    /** A pack of the product, or undefined (a delivery line typed in packs converts through it). */
    async packOf(q: Queryable, productId: string, packId: string): Promise<Pick<Pack, 'id' | 'name' | 'units'> | undefined> {
      const k = await packById(q, packId);
      return k && k.productId === productId ? { id: k.id, name: k.name, units: k.units } : undefined;
    },

    /** This shop's min/max stock of the given products, or of every product that has one (order suggestions read them). */
    stockLimits: (productIds: readonly string[] | null) => stockLimits(db, productIds),

    async searchProducts(query: string, limit: number, includeInactive = false): Promise<ProductWithStock[]> {
      const words = searchWords(query);
      return searchProducts(db, {
        patterns: words.map(likePattern),
        exact: query.trim(),
        shopId: shop.id,
        today: dateInZone(now(), shop.timezone),
        limit,
        includeInactive,
      });
    },
  };
  return service;
}

export type CatalogService = ReturnType<typeof catalogService>;

/** The product an id already names: the same article sent again, or a refusal when the id is another's. */
function sameProduct(held: ProductWithPacks, input: CreateProductInput): ProductWithPacks {
  if (held.sku !== input.sku.trim()) throw new AppError(409, 'id_taken', 'product.id_taken', { sku: held.sku });
  return held;
}

function samePack(held: PackRow, productId: string, input: PackInput): Pack {
  if (held.productId !== productId || held.units !== input.units) throw new AppError(409, 'id_taken', 'pack.id_taken', { name: held.name });
  return publicPack(held);
}

/**
 * Head office's seat of the catalogue: it is the authority on the chain's
 * products and packs; its edits are stamped above the values they replace
 * and go down to every shop through the feed (packs inside their product's
 * entry, which shops older than packs read and ignore).
 */
export function catalogAtHq({ db, now }: { db: Db; now: () => Date }) {
  const feed = (tx: Tx, entries: FeedEntry[]) => appendFeed(tx, entries);
  const packEntry = (productId: string, hlc: string, packs: Record<string, unknown>[]): FeedEntry =>
    ({ shopId: null, originShopId: null, entity: 'product', entityId: productId, hlc, payload: { id: productId, packs } });

  return {
    async createProduct(input: CreateProductInput): Promise<ProductWithPacks> {
      try {
        return await db.withTransaction(async (tx) => {
          const c = await createIn(tx, input, now(), null);
          const fieldClocks = { name: c.hlc, unitPrice: c.hlc, active: c.hlc, baseUnit: c.hlc };
          const packs = [...c.packs.map((k) => ({ ...publicPack(k), originShopId: null, fieldClocks: k.fieldClocks })), ...(c.unitPack ? [c.unitPack] : [])];
          await feed(tx, [{ shopId: null, originShopId: null, entity: 'product', entityId: c.product.id, hlc: c.hlc, payload: { ...c.payload, originShopId: null, fieldClocks, packs } }]);
          return c.product;
        });
      } catch (err) {
        duplicateProduct(err, input);
      }
    },

    async updateProduct(id: string, input: UpdateProductInput): Promise<ProductWithPacks> {
      await db.withTransaction((tx) => editAtHq(tx, id, input, now()));
      return (await productsWithPacks(db, [id]))[0]!;
    },

    async addPack(productId: string, input: PackInput): Promise<Pack> {
      try {
        return await db.withTransaction(async (tx) => {
          if (!(await lockProduct(tx, productId))) throw notFound('product.not_found');
          const hlc = await stampTransaction(tx, now());
          const k = await makePack(tx, productId, input, hlc, null);
          await feed(tx, [packEntry(productId, hlc, [{ ...publicPack(k), originShopId: null, fieldClocks: k.fieldClocks }])]);
          return publicPack(k);
        });
      } catch (err) {
        duplicateProduct(err, { sku: '', packs: [input] });
      }
    },

    async updatePack(productId: string, packId: string, input: UpdatePackInput): Promise<Pack> {
      return db.withTransaction(async (tx) => {
        const { pack, change, productChange } = await editAnyPack(tx, productId, packId, input, now());
        if (productChange) {
          // The unit pack's price is the product's: fed as such, and it closes the shops' proposals of it.
          await feed(tx, [{ shopId: null, originShopId: null, entity: 'product', entityId: productId, hlc: productChange.hlc, payload: productChange.payload }]);
          await supersedeProposals(tx, { productId, fields: Object.keys(productChange.payload.fieldClocks as object) });
        }
        if (change) await feed(tx, [packEntry(productId, change.hlc, [change.payload])]);
        return publicPack(pack);
      });
    },

    async product(id: string): Promise<Product> {
      const row = await productById(db, id);
      if (!row) throw notFound('product.not_found');
      return row;
    },

    async productWithPacks(id: string): Promise<ProductWithPacks> {
      const [row] = await productsWithPacks(db, [id]);
      if (!row) throw notFound('product.not_found');
      return row;
    },

    /** The products that are one article (same GTIN, created by several shops): a recall reaches them all. */
    async twinsOf(productId: string): Promise<string[]> {
      if (!(await productById(db, productId))) throw notFound('product.not_found');
      return twinIds(db, productId);
    },

    /** The chain's catalogue, searched as at the till (every word, accents ignored), inactive products included. */
    async search(query: string, limit: number) {
      const words = searchWords(query);
      // Head office holds no stock of its own: the sellable column is 0 here, the stock pages say where the units are.
      return searchProducts(db, { patterns: words.map(likePattern), exact: query.trim(), shopId: NO_SHOP, today: '2000-01-01', limit, includeInactive: true });
    },

    /** A product named by a person: its GTIN or SKU exactly, else the one product a search finds. */
    async resolve(code: string): Promise<Product> {
      const found = await this.search(code, 2);
      const exact = found.find((p) => p.sku === code.trim() || (p.gtin !== null && p.gtin.padStart(14, '0') === code.trim().padStart(14, '0')));
      if (exact) return exact;
      if (found.length === 1) return found[0]!;
      if (found.length === 0) throw new AppError(404, 'product_not_found', 'product.not_found_named', { code });
      throw new AppError(422, 'product_ambiguous', 'product.ambiguous', { code });
    },

  };
}

const NO_SHOP = '00000000-0000-0000-0000-000000000000';

