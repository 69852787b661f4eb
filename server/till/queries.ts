import type { Queryable } from '../db/pool.js';

export interface CartLineRow {
  id: string;
  productId: string;
  batchId: string | null;
  quantity: number;
  productName: string;
  unitPrice: number;
  sku: string;
  discountKind: 'percent' | 'amount' | null;
  discountValue: number | null;
  discountReason: string | null;
}

export async function cartLines(db: Queryable, sessionHash: string): Promise<CartLineRow[]> {
  return db.rows<CartLineRow>(
    `select c.id, c.product_id, c.batch_id, c.quantity, p.name as product_name, p.unit_price, p.sku,
       c.discount_kind, c.discount_value, c.discount_reason
     from cart_lines c join products p on p.id = c.product_id where c.session_hash = $1 order by c.created_at, c.id`,
    [sessionHash],
  );
}

/** One line per product and lot: scanning the same box again adds one. */
export async function addToCart(db: Queryable, l: { id: string; sessionHash: string; productId: string; batchId: string | null; quantity: number }): Promise<string> {
  const existing = await db.one<{ id: string }>(
    `update cart_lines set quantity = quantity + $4
     where session_hash = $1 and product_id = $2 and batch_id is not distinct from $3 returning id`,
    [l.sessionHash, l.productId, l.batchId, l.quantity],
  );
  if (existing) return existing.id;
  await db.exec('insert into cart_lines (id, session_hash, product_id, batch_id, quantity) values ($1, $2, $3, $4, $5)', [
    l.id, l.sessionHash, l.productId, l.batchId, l.quantity,
  ]);
  return l.id;
}

export async function setCartQuantity(db: Queryable, sessionHash: string, lineId: string, quantity: number): Promise<void> {
  if (quantity <= 0) await db.exec('delete from cart_lines where session_hash = $1 and id = $2', [sessionHash, lineId]);
  else await db.exec('update cart_lines set quantity = $3 where session_hash = $1 and id = $2', [sessionHash, lineId, quantity]);
}

/** A line's discount until payment (none when `d` is null). */
export async function setCartDiscount(db: Queryable, sessionHash: string, lineId: string, d: { kind: 'percent' | 'amount'; value: number; reason: string } | null): Promise<void> {
  await db.exec('update cart_lines set discount_kind = $3, discount_value = $4, discount_reason = $5 where session_hash = $1 and id = $2', [
    sessionHash, lineId, d?.kind ?? null, d?.value ?? null, d?.reason ?? null,
  ]);
}

/** Raises the cart's version first thing in a change's transaction: its row lock puts the session's changes in one order. */
export async function bumpCartVersion(db: Queryable, sessionHash: string): Promise<void> {
  await db.exec(
    `insert into cart_versions as v (session_hash, version) values ($1, 1) on conflict (session_hash) do update set version = v.version + 1`,
    [sessionHash],
  );
}

export async function cartVersion(db: Queryable, sessionHash: string): Promise<number> {
  return Number((await db.one<{ version: string }>('select version from cart_versions where session_hash = $1', [sessionHash]))?.version ?? 0);
}

export async function clearCart(db: Queryable, sessionHash: string): Promise<void> {
  await db.exec('delete from cart_lines where session_hash = $1', [sessionHash]);
}

export async function productByGtin(db: Queryable, gtin14: string): Promise<{ id: string; name: string; active: boolean } | undefined> {
  return db.one('select id, name, active from products where lpad(gtin, 14, $2) = $1', [gtin14, '0']);
}
