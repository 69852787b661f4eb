import type { Queryable } from '../db/pool.js';

/** What a product is sold as: its unit pack (1 base unit) or a pack of several. */
export interface Pack {
  id: string;
  productId: string;
  name: string;
  /** Base units the pack holds; fixed once the pack exists. */
  units: number;
  unitPrice: number;
  gtin: string | null;
  sellable: boolean;
  retired: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export interface PackRow extends Pack {
  originShopId: string | null;
  hlc: string;
  fieldClocks: Record<string, string>;
  fieldOrigins?: Record<string, string>;
}

const columns = 'k.id, k.product_id, k.name, k.units, k.unit_price, k.gtin, k.sellable, k.retired, k.created_at, k.updated_at';
const rowColumns = `${columns}, k.origin_shop_id, k.hlc, k.field_clocks, k.field_origins`;

/**
 * A product's packs with the merge's clocks as one JSON array, for head
 * office's snapshot of the catalogue. The till's reads take the copy each
 * product keeps (`products.packs_json`, migration 0036): the same array
 * without the clocks, unit pack first, then by size.
 */
export const packRowsJson = (product: string) => `coalesce((select json_agg(json_build_object(
    'id', k.id, 'productId', k.product_id, 'name', k.name, 'units', k.units, 'unitPrice', k.unit_price, 'gtin', k.gtin,
    'sellable', k.sellable, 'retired', k.retired, 'createdAt', k.created_at, 'updatedAt', k.updated_at,
    'originShopId', k.origin_shop_id, 'hlc', k.hlc, 'fieldClocks', k.field_clocks) order by k.units, k.created_at, k.id)
  from product_packs k where k.product_id = ${product}), '[]'::json)`;

export async function insertPack(db: Queryable, k: Omit<PackRow, 'createdAt' | 'updatedAt'>): Promise<Pack> {
  return (await db.one<Pack>(
    `insert into product_packs as k (id, product_id, name, units, unit_price, gtin, sellable, retired, origin_shop_id, hlc, field_clocks, field_origins)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) returning ${columns}`,
    [k.id, k.productId, k.name, k.units, k.unitPrice, k.gtin, k.sellable, k.retired, k.originShopId, k.hlc, k.fieldClocks, k.fieldOrigins ?? {}],
  ))!;
}

export async function packById(db: Queryable, id: string): Promise<PackRow | undefined> {
  return db.one<PackRow>(`select ${rowColumns} from product_packs k where k.id = $1`, [id]);
}

/** For no key update, as lockProduct: a sale's line naming the pack does not wait on its edit. */
export async function lockPack(db: Queryable, id: string): Promise<PackRow | undefined> {
  return db.one<PackRow>(`select ${rowColumns} from product_packs k where k.id = $1 for no key update`, [id]);
}

export async function packsOfProducts(db: Queryable, productIds: readonly string[]): Promise<Pack[]> {
  return db.rows<Pack>(`select ${columns} from product_packs k where k.product_id = any($1::uuid[]) order by k.product_id, k.units, k.created_at, k.id`, [productIds]);
}

export async function updatePackFields(
  db: Queryable,
  id: string,
  f: { name: string; unitPrice: number; sellable: boolean; retired: boolean; hlc: string; fieldClocks: Record<string, string>; fieldOrigins?: Record<string, string> | undefined },
): Promise<Pack> {
  return (await db.one<Pack>(
    `update product_packs k set name = $2, unit_price = $3, sellable = $4, retired = $5, hlc = $6, field_clocks = $7,
       field_origins = coalesce($8, k.field_origins)
     where k.id = $1 returning ${columns}`,
    [id, f.name, f.unitPrice, f.sellable, f.retired, f.hlc, f.fieldClocks, f.fieldOrigins ?? null],
  ))!;
}

/** Whether another pack (of any product, unit packs included: they carry the products' GTINs) holds this GTIN. */
export async function gtinHeld(db: Queryable, gtin: string, exceptPackId: string): Promise<boolean> {
  return !!(await db.one(`select 1 from product_packs where lpad(gtin, 14, '0') = lpad($1, 14, '0') and id <> $2 limit 1`, [gtin, exceptPackId]));
}

/** A rebuilt shop: head office's packs as they are (unit packs, made with their products, take head office's state). */
export async function restorePacks(db: Queryable, ks: readonly PackRow[]): Promise<void> {
  if (ks.length === 0) return;
  await db.exec(
    `insert into product_packs (id, product_id, name, units, unit_price, gtin, sellable, retired, origin_shop_id, hlc, field_clocks, created_at, updated_at)
     select * from unnest($1::uuid[], $2::uuid[], $3::text[], $4::int[], $5::bigint[], $6::text[], $7::bool[], $8::bool[], $9::uuid[], $10::text[],
       $11::jsonb[], $12::timestamptz[], $13::timestamptz[])
     on conflict (id) do update set sellable = excluded.sellable, retired = excluded.retired, hlc = excluded.hlc, field_clocks = excluded.field_clocks`,
    [
      ks.map((k) => k.id), ks.map((k) => k.productId), ks.map((k) => k.name), ks.map((k) => k.units), ks.map((k) => k.unitPrice), ks.map((k) => k.gtin),
      ks.map((k) => k.sellable), ks.map((k) => k.retired), ks.map((k) => k.originShopId), ks.map((k) => k.hlc),
      ks.map((k) => JSON.stringify(k.fieldClocks ?? {})), ks.map((k) => k.createdAt), ks.map((k) => k.updatedAt),
    ],
  );
}
