import type { Queryable } from '../db/pool.js';

export interface ZoneRow {
  zone: string;
  products: number;
}

/** Puts a product in a zone of this shop, or takes it out of any (`null`). */
export async function setProductZone(db: Queryable, productId: string, zone: string | null): Promise<void> {
  if (zone === null) {
    await db.exec('delete from product_zones where product_id = $1', [productId]);
    return;
  }
  await db.exec(
    `insert into product_zones (product_id, zone) values ($1, $2)
     on conflict (product_id) do update set zone = excluded.zone, updated_at = now()`,
    [productId, zone],
  );
}

export async function zoneOf(db: Queryable, productId: string): Promise<string | null> {
  return (await db.one<{ zone: string }>('select zone from product_zones where product_id = $1', [productId]))?.zone ?? null;
}

/** The shop's zones, each with how many products it holds, in French order. */
export async function zones(db: Queryable): Promise<ZoneRow[]> {
  return db.rows<ZoneRow>('select zone, count(*)::int as products from product_zones group by zone order by zone collate french');
}

/** The products shelved in a zone (the scope a stocktake of that zone freezes at opening). */
export async function productsInZone(db: Queryable, zone: string): Promise<string[]> {
  return (await db.rows<{ productId: string }>('select product_id from product_zones where zone = $1 order by product_id', [zone])).map((r) => r.productId);
}

export async function productExists(db: Queryable, productId: string): Promise<boolean> {
  return (await db.one('select 1 from products where id = $1', [productId])) !== undefined;
}
