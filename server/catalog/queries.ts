import type { Queryable } from '../db/pool.js';
import { packRowsJson, type Pack, type PackRow } from './pack-queries.js';

export interface Product {
  id: string;
  sku: string;
  gtin: string | null;
  name: string;
  /** The base unit's price (its unit pack's). */
  unitPrice: number;
  active: boolean;
  /** What the product is counted in: comprimé, ml, sachet… (every quantity of its lots). */
  baseUnit: string;
  /** This shop's own thresholds, in base units (never sent: each shop has its own). */
  minStock: number | null;
  maxStock: number | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface ProductWithPacks extends Product {
  /** The unit pack first, then by size; retired and unsellable ones included. */
  packs: Pack[];
}

export interface ProductWithStock extends ProductWithPacks {
  sellableQuantity: number;
}

export interface ProductRow extends Product {
  searchText: string;
  originShopId: string | null;
  hlc: string;
  fieldClocks: Record<string, string>;
  fieldOrigins?: Record<string, string>;
  claimedGtin?: string | null;
  /** Head office's snapshot: the product's packs with their clocks. */
  packs?: PackRow[];
}

const columns = 'p.id, p.sku, p.gtin, p.name, p.unit_price, p.active, p.base_unit, p.min_stock, p.max_stock, p.created_at, p.updated_at';

export type ProductInsertRow = Omit<ProductRow, 'createdAt' | 'updatedAt' | 'baseUnit' | 'minStock' | 'maxStock'> & { baseUnit?: string | undefined };

/** A product; its unit pack is made with it (migration 0016's trigger), with its base unit, price and GTIN. */
export async function insertProduct(db: Queryable, p: ProductInsertRow): Promise<Product> {
  return (await db.one<Product>(
    `insert into products as p (id, sku, gtin, name, search_text, unit_price, active, origin_shop_id, hlc, field_clocks, field_origins, claimed_gtin, base_unit)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, coalesce($13, 'unité'))
     returning ${columns}`,
    [p.id, p.sku, p.gtin, p.name, p.searchText, p.unitPrice, p.active, p.originShopId, p.hlc, p.fieldClocks, p.fieldOrigins ?? {}, p.claimedGtin ?? null, p.baseUnit ?? null],
  ))!;
}

export async function productById(db: Queryable, id: string): Promise<ProductRow | undefined> {
  return db.one<ProductRow>(
    `select ${columns}, p.search_text, p.origin_shop_id, p.hlc, p.field_clocks from products p where p.id = $1`,
    [id],
  );
}

/**
 * For no key update: its writers change name, price, activity, never its id,
 * so a sale or a cart line naming the product (their foreign key's key share)
 * need not wait for an edit or a pulled page, nor meet one in a deadlock.
 */
export async function lockProduct(db: Queryable, id: string): Promise<ProductRow | undefined> {
  return db.one<ProductRow>(
    `select ${columns}, p.search_text, p.origin_shop_id, p.hlc, p.field_clocks, p.field_origins, p.claimed_gtin
     from products p where p.id = $1 for no key update`,
    [id],
  );
}

/** The product (with its packs) one of whose packs a scanned GTIN names, compared on 14 digits, and that pack. */
export async function productOfPackGtin(db: Queryable, gtin14: string): Promise<(ProductWithPacks & { scannedPackId: string }) | undefined> {
  return db.one(
    `select ${columns}, p.packs_json as packs, k.id as scanned_pack_id
     from product_packs k join products p on p.id = k.product_id
     where k.gtin is not null and lpad(k.gtin, 14, '0') = $1`,
    [gtin14],
  );
}

export async function productIdBySku(db: Queryable, sku: string): Promise<string | undefined> {
  return (await db.one<{ id: string }>('select id from products where sku = $1', [sku]))?.id;
}

/** Products with their packs, in one query (a sale's, a cart's). */
export async function productsWithPacks(db: Queryable, ids: readonly string[]): Promise<ProductWithPacks[]> {
  return db.rows<ProductWithPacks>(`select ${columns}, p.packs_json as packs from products p where p.id = any($1::uuid[])`, [ids]);
}

export async function updateProductFields(
  db: Queryable,
  id: string,
  f: {
    name: string; searchText: string; unitPrice: number; active: boolean; baseUnit: string; hlc: string; fieldClocks: Record<string, string>;
    fieldOrigins?: Record<string, string> | undefined;
  },
): Promise<Product> {
  return (await db.one<Product>(
    `update products p set name = $2, search_text = $3, unit_price = $4, active = $5, hlc = $6, field_clocks = $7,
       field_origins = coalesce($8, p.field_origins), base_unit = $9
     where p.id = $1 returning ${columns}`,
    [id, f.name, f.searchText, f.unitPrice, f.active, f.hlc, f.fieldClocks, f.fieldOrigins ?? null, f.baseUnit],
  ))!;
}

/** This shop's stock thresholds for the product: local values, no clock, never sent. */
export async function setStockLimits(db: Queryable, id: string, f: { minStock: number | null; maxStock: number | null }): Promise<Product> {
  return (await db.one<Product>(`update products p set min_stock = $2, max_stock = $3 where p.id = $1 returning ${columns}`, [id, f.minStock, f.maxStock]))!;
}

/** This shop's stock thresholds: of the given products, or (null) of every active product that has one. */
export async function stockLimits(db: Queryable, productIds: readonly string[] | null): Promise<{ productId: string; minStock: number | null; maxStock: number | null }[]> {
  return productIds === null
    ? db.rows('select id as product_id, min_stock, max_stock from products where active and (min_stock is not null or max_stock is not null)')
    : db.rows('select id as product_id, min_stock, max_stock from products where id = any($1::uuid[])', [productIds]);
}

const sellable = `coalesce((select sum(b.quantity) from product_batches b
  where b.product_id = p.id and b.shop_id = $1 and b.status = 'active' and b.expiration_date >= $2 and b.quantity > 0), 0)::int`;

export async function productWithStock(db: Queryable, q: { id: string; shopId: string; today: string }): Promise<ProductWithStock | undefined> {
  return db.one<ProductWithStock>(
    `select ${columns}, ${sellable} as sellable_quantity, p.packs_json as packs from products p where p.id = $3`,
    [q.shopId, q.today, q.id],
  );
}

/** Products this shop sells below its minimum stock (sellable units), the emptiest first. */
export async function productsBelowMinimum(db: Queryable, q: { shopId: string; today: string; limit: number }): Promise<ProductWithStock[]> {
  return db.rows<ProductWithStock>(
    `select * from (select ${columns}, ${sellable} as sellable_quantity, p.packs_json as packs
       from products p where p.active and p.min_stock is not null) x
     where x.sellable_quantity < x.min_stock
     order by x.sellable_quantity::float8 / greatest(x.min_stock, 1), x.name collate french limit $3`,
    [q.shopId, q.today, q.limit],
  );
}

/**
 * Every word must appear in the folded name/SKU/GTIN. An exact GTIN or SKU
 * comes first (a scan), then French alphabetical order.
 */
export async function searchProducts(
  db: Queryable,
  q: { patterns: string[]; exact: string; shopId: string; today: string; limit: number; includeInactive: boolean },
): Promise<ProductWithStock[]> {
  return db.rows<ProductWithStock>(
    `select ${columns}, ${sellable} as sellable_quantity, p.packs_json as packs
     from products p
     where p.search_text like all($3::text[]) and ($6 or p.active)
     order by (p.sku = $4 or coalesce(p.gtin = $4, false)) desc, p.name collate french, p.sku
     limit $5`,
    [q.shopId, q.today, q.patterns, q.exact, q.limit, q.includeInactive],
  );
}

/**
 * Whether other products already hold this SKU, this GTIN (they may be two
 * different products). A GTIN is held by a pack of another product (unit
 * packs carry their products' GTINs): a box's barcode names the box.
 */
export async function productClash(db: Queryable, p: { id: string; sku: string; gtin: string | null }): Promise<{ skuTaken: boolean; gtinTaken: boolean }> {
  return (await db.one<{ skuTaken: boolean; gtinTaken: boolean }>(
    `select exists (select 1 from products where id <> $1 and sku = $2) as sku_taken,
       exists (select 1 from product_packs where product_id <> $1 and gtin = $3) as gtin_taken`,
    [p.id, p.sku, p.gtin],
  ))!;
}

/** Products that are one article under several ids (two shops created it): same GTIN, held or claimed. */
export async function twinIds(db: Queryable, productId: string): Promise<string[]> {
  const rows = await db.rows<{ id: string }>(
    `with me as (select coalesce(gtin, claimed_gtin) as g from products where id = $1)
     select p.id from products p, me
     where p.id = $1 or (me.g is not null and (p.gtin = me.g or p.claimed_gtin = me.g)) order by p.id`,
    [productId],
  );
  return rows.map((r) => r.id);
}

/** Head office: the catalogue in id order, a page at a time, as a rebuilt shop needs it. */
export async function productsPage(db: Queryable, afterId: string, limit: number): Promise<ProductRow[]> {
  return db.rows<ProductRow>(
    `select ${columns}, p.origin_shop_id, p.hlc, p.field_clocks, ${packRowsJson('p.id')} as packs from products p where p.id > $1 order by p.id limit $2`,
    [afterId, limit],
  );
}

/** A rebuilt shop: head office's products as they are, creation times included. */
export async function restoreProducts(db: Queryable, ps: readonly ProductRow[]): Promise<void> {
  if (ps.length === 0) return;
  await db.exec(
    `insert into products (id, sku, gtin, name, search_text, unit_price, active, origin_shop_id, hlc, field_clocks, created_at, updated_at, base_unit)
     select * from unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::bool[], $8::uuid[], $9::text[],
       $10::jsonb[], $11::timestamptz[], $12::timestamptz[], $13::text[])
     on conflict (id) do nothing`,
    [
      ps.map((p) => p.id), ps.map((p) => p.sku), ps.map((p) => p.gtin), ps.map((p) => p.name), ps.map((p) => p.searchText),
      ps.map((p) => p.unitPrice), ps.map((p) => p.active), ps.map((p) => p.originShopId), ps.map((p) => p.hlc),
      ps.map((p) => JSON.stringify(p.fieldClocks)), ps.map((p) => p.createdAt), ps.map((p) => p.updatedAt), ps.map((p) => p.baseUnit ?? 'unité'),
    ],
  );
}

/** Of these products, the ones this shop created: what it may send again (the chain's are head office's). */
export async function productsMadeBy(db: Queryable, shopId: string, ids: readonly string[]): Promise<ProductRow[]> {
  return db.rows<ProductRow>(
    `select ${columns}, p.origin_shop_id, p.hlc, p.field_clocks from products p where p.origin_shop_id = $1 and p.id = any($2::uuid[]) order by p.created_at, p.id`,
    [shopId, ids],
  );
}
