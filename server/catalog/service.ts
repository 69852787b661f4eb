import type { Actor, Deps } from '../context.js';
import type { Db, Tx } from '../db/pool.js';
import { uniqueViolation } from '../db/errors.js';
import { dateInZone } from '../domain/dates.js';
import { changedFields, editClocks, replacedClocks } from '../domain/merge.js';
import { isValidGtin } from '../domain/gtin.js';
import { likePattern, productSearchText, searchWords } from '../domain/search.js';
import { AppError, notFound } from '../errors.js';
import { newId } from '../ids.js';
import { stampTransaction } from '../outbox/clock.js';
import { appendFeed, appendOutbox } from '../outbox/queries.js';
import {
  insertProduct,
  lockProduct,
  productById,
  productWithStock,
  searchProducts,
  twinIds,
  updateProductFields,
  type Product,
  type ProductWithStock,
} from './queries.js';
import { supersedeProposals } from './proposal-queries.js';
import type { CreateProductInput, UpdateProductInput } from './schemas.js';

function duplicateProduct(err: unknown, input: { sku: string; gtin: string | null }): never {
  const constraint = uniqueViolation(err);
  if (constraint === 'products_sku_key') throw new AppError(409, 'sku_taken', 'product.sku_taken', { sku: input.sku });
  if (constraint === 'products_gtin_key') throw new AppError(409, 'gtin_taken', 'product.gtin_taken', { gtin: input.gtin ?? '' });
  throw err;
}

/**
 * A local edit of a product, at a shop or at head office: stamped above the
 * clocks of the values it replaces; returns the change to send (outbox or
 * feed), with each changed field's clock and the clock it replaced.
 */
async function editProduct(tx: Tx, id: string, input: UpdateProductInput, at: Date) {
  const current = await lockProduct(tx, id);
  if (!current) throw notFound('product.not_found');
  const changed = changedFields(current, input);
  const hlc = await stampTransaction(tx, at, replacedClocks(current, changed));
  const next = { ...current, ...input };
  const edit = editClocks(current, next, changed, hlc);
  // A field written here is no longer a bounded write of a shop: its writer clock goes.
  const fieldOrigins = Object.fromEntries(Object.entries(current.fieldOrigins ?? {}).filter(([f]) => !changed.includes(f as never)));
  const product = await updateProductFields(tx, id, {
    name: next.name, searchText: productSearchText(next), unitPrice: next.unitPrice, active: next.active, hlc, fieldClocks: edit.fieldClocks, fieldOrigins,
  });
  const change = changed.length > 0 ? { hlc, payload: { id, ...edit.fields, fieldClocks: edit.clocks, baseClocks: edit.baseClocks } } : undefined;
  return { product, change };
}

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
  return {
    async createProduct(input: CreateProductInput, _actor: Actor): Promise<Product> {
      if (input.gtin && !isValidGtin(input.gtin)) {
        throw new AppError(422, 'gtin_invalid', 'product.gtin_invalid', { gtin: input.gtin });
      }
      try {
        const created = await db.withTransaction(async (tx) => {
          const hlc = await stampTransaction(tx, now());
          const product = await insertProduct(tx, {
            id: newId(),
            sku: input.sku,
            gtin: input.gtin,
            name: input.name,
            searchText: productSearchText(input),
            unitPrice: input.unitPrice,
            active: true,
            originShopId: shop.id,
            hlc,
            fieldClocks: { name: hlc, unitPrice: hlc, active: hlc },
          });
          await appendOutbox(tx, [{ entity: 'product', entityId: product.id, op: 'insert', payload: product, hlc }]);
          return product;
        });
        bus?.committed('product');
        return created;
      } catch (err) {
        duplicateProduct(err, input);
      }
    },

    async updateProduct(id: string, input: UpdateProductInput, _actor: Actor): Promise<Product> {
      const updated = await db.withTransaction(async (tx) => {
        const { product, change } = await editProduct(tx, id, input, now());
        if (change) await appendOutbox(tx, [{ entity: 'product', entityId: id, op: 'update', payload: change.payload, hlc: change.hlc }]);
        return product;
      });
      bus?.committed('product');
      return updated;
    },

    async getProduct(id: string): Promise<Product> {
      const row = await productById(db, id);
      if (!row) throw notFound('product.not_found');
      const { searchText: _s, originShopId: _o, hlc: _h, fieldClocks: _f, ...product } = row;
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
}

export type CatalogService = ReturnType<typeof catalogService>;

/**
 * Head office's seat of the catalogue: it is the authority on the chain's
 * products; its edits are stamped above the values they replace and go down
 * to every shop through the feed.
 */
export function catalogAtHq({ db, now }: { db: Db; now: () => Date }) {
  return {
    async createProduct(input: CreateProductInput): Promise<Product> {
      if (input.gtin && !isValidGtin(input.gtin)) throw new AppError(422, 'gtin_invalid', 'product.gtin_invalid', { gtin: input.gtin });
      try {
        return await db.withTransaction(async (tx) => {
          const hlc = await stampTransaction(tx, now());
          const fieldClocks = { name: hlc, unitPrice: hlc, active: hlc };
          const product = await insertProduct(tx, {
            id: newId(), sku: input.sku, gtin: input.gtin, name: input.name, searchText: productSearchText(input),
            unitPrice: input.unitPrice, active: true, originShopId: null, hlc, fieldClocks,
          });
          await appendFeed(tx, [{ shopId: null, originShopId: null, entity: 'product', entityId: product.id, hlc, payload: { ...product, originShopId: null, fieldClocks } }]);
          return product;
        });
      } catch (err) {
        const c = uniqueViolation(err);
        if (c === 'products_sku_key') throw new AppError(409, 'sku_taken', 'product.sku_taken', { sku: input.sku });
        if (c === 'products_gtin_key') throw new AppError(409, 'gtin_taken', 'product.gtin_taken', { gtin: input.gtin ?? '' });
        throw err;
      }
    },

    async updateProduct(id: string, input: UpdateProductInput): Promise<Product> {
      return db.withTransaction((tx) => editAtHq(tx, id, input, now()));
    },

    async product(id: string): Promise<Product> {
      const row = await productById(db, id);
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
