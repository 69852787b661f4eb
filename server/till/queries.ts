import type { Queryable } from '../db/pool.js';

/** A line of a till's cart: packs of its pack (none named: the product's unit pack), maybe from a named lot. */
export interface CartLineRow {
  id: string;
  productId: string;
  packId: string | null;
  batchId: string | null;
  quantity: number;
  discountKind: 'percent' | 'amount' | null;
  discountValue: number | null;
  discountReason: string | null;
}

/**
 * The cart's version and lines in one statement (one snapshot: never newer
 * lines under an older version). Names and prices are the catalogue's, read
 * through what it exports.
 */
export async function cartWithVersion(db: Queryable, sessionHash: string): Promise<{ version: number; lines: CartLineRow[] }> {
  const rows = await db.rows<CartLineRow & { version: string | null }>(
    `select v.version, c.id, c.product_id, c.pack_id, c.batch_id, c.quantity, c.discount_kind, c.discount_value, c.discount_reason
     from (select $1::text as h) s
     left join cart_versions v on v.session_hash = s.h
     left join cart_lines c on c.session_hash = s.h
     order by c.created_at, c.id`,
    [sessionHash],
  );
  return { version: Number(rows[0]?.version ?? 0), lines: rows.filter((r) => r.id !== null).map(({ version: _v, ...l }) => l) };
}

export async function cartLine(db: Queryable, sessionHash: string, lineId: string): Promise<CartLineRow | undefined> {
  return db.one<CartLineRow>(
    `select id, product_id, pack_id, batch_id, quantity, discount_kind, discount_value, discount_reason from cart_lines where session_hash = $1 and id = $2`,
    [sessionHash, lineId],
  );
}

/** One line per product, pack and lot: scanning the same box again adds one. */
export async function addToCart(
  db: Queryable,
  l: { id: string; sessionHash: string; productId: string; packId: string | null; batchId: string | null; quantity: number },
): Promise<string> {
  const existing = await db.one<{ id: string }>(
    `update cart_lines set quantity = quantity + $5
     where session_hash = $1 and product_id = $2 and pack_id is not distinct from $3 and batch_id is not distinct from $4 returning id`,
    [l.sessionHash, l.productId, l.packId, l.batchId, l.quantity],
  );
  if (existing) return existing.id;
  await db.exec('insert into cart_lines (id, session_hash, product_id, pack_id, batch_id, quantity) values ($1, $2, $3, $4, $5, $6)', [
    l.id, l.sessionHash, l.productId, l.packId, l.batchId, l.quantity,
  ]);
  return l.id;
}

/** A line switched to another pack (its count kept); joined to a line already holding that pack and lot. */
export async function setCartPack(db: Queryable, sessionHash: string, lineId: string, packId: string | null): Promise<void> {
  const twin = await db.one<{ id: string }>(
    `update cart_lines t set quantity = t.quantity + c.quantity
     from cart_lines c
     where c.session_hash = $1 and c.id = $2 and t.session_hash = $1 and t.id <> c.id and t.product_id = c.product_id
       and t.pack_id is not distinct from $3 and t.batch_id is not distinct from c.batch_id
     returning t.id`,
    [sessionHash, lineId, packId],
  );
  if (twin) await db.exec('delete from cart_lines where session_hash = $1 and id = $2', [sessionHash, lineId]);
  else await db.exec('update cart_lines set pack_id = $3 where session_hash = $1 and id = $2', [sessionHash, lineId, packId]);
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

export async function clearCart(db: Queryable, sessionHash: string): Promise<void> {
  await db.exec('delete from cart_lines where session_hash = $1', [sessionHash]);
}
