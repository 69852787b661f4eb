import type { Queryable } from '../db/pool.js';

export type HeldStatus = 'held' | 'released' | 'discarded';

export interface HeldSaleGroup {
  id: string;
  shopId: string;
  saleIds: string[];
  numbers: string[];
  total: number;
  lastReceipt: number;
  soldAt: Date;
  status: HeldStatus;
  receivedAt: Date;
  decidedAt: Date | null;
  decidedBy: string | null;
}

/** Of these sales, those already kept aside (held, or discarded by a person): a sale sent again stays where it is. */
export async function heldOrDiscarded(db: Queryable, shopId: string, saleIds: readonly string[]): Promise<Set<string>> {
  if (saleIds.length === 0) return new Set();
  const rows = await db.rows<{ id: string }>(
    `select distinct unnest(sale_ids)::text as id from hq_held_sales
     where shop_id = $1 and status in ('held', 'discarded') and sale_ids && $2::uuid[]`,
    [shopId, saleIds],
  );
  return new Set(rows.map((r) => r.id));
}

export async function insertHeldSales(
  db: Queryable,
  h: { id: string; shopId: string; saleIds: string[]; numbers: string[]; total: number; lastReceipt: number; soldAt: Date; changes: unknown },
): Promise<void> {
  await db.exec(
    `insert into hq_held_sales (id, shop_id, sale_ids, numbers, total, last_receipt, sold_at, changes)
     values ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [h.id, h.shopId, h.saleIds, h.numbers, h.total, h.lastReceipt, h.soldAt, JSON.stringify(h.changes)],
  );
}

const COLUMNS = `id, shop_id, sale_ids, numbers, total::float8 as total, last_receipt::float8 as last_receipt, sold_at, status, received_at, decided_at, decided_by`;

/** A shop's groups still waiting for a decision, newest first (`all`: decided ones too). */
export async function heldSalesOf(db: Queryable, shopId: string, q: { all?: boolean; limit: number }): Promise<HeldSaleGroup[]> {
  return db.rows<HeldSaleGroup>(
    `select ${COLUMNS} from hq_held_sales where shop_id = $1 and ($2 or status = 'held') order by received_at desc, id limit $3`,
    [shopId, q.all ?? false, q.limit],
  );
}

/** The shop a held group belongs to (read before the shop's push lock is taken, as a push takes it). */
export async function shopOfHeldSales(db: Queryable, id: string): Promise<{ id: string; code: string; name: string; timezone: string } | undefined> {
  return db.one('select s.id, s.code, s.name, s.timezone from hq_held_sales h join shops s on s.id = h.shop_id where h.id = $1', [id]);
}

/** Released: the shop's sequence moves on to its numbers, as if they had come in order. */
export async function raiseLastReceipt(db: Queryable, shopId: string, lastReceipt: number): Promise<void> {
  await db.exec('update hq_shop_sync set last_receipt = greatest(last_receipt, $2) where shop_id = $1', [shopId, lastReceipt]);
}

/** One group under lock, with what it carried: the decision is taken once. */
export async function lockHeldSales(db: Queryable, id: string): Promise<(HeldSaleGroup & { changes: unknown[] }) | undefined> {
  return db.one(`select ${COLUMNS}, changes from hq_held_sales where id = $1 for update`, [id]);
}

export async function decideHeldSales(db: Queryable, id: string, d: { status: 'released' | 'discarded'; by: string }): Promise<void> {
  await db.exec(`update hq_held_sales set status = $2, decided_at = now(), decided_by = $3 where id = $1 and status = 'held'`, [id, d.status, d.by]);
}

/** How many groups of each shop wait for a decision. */
export async function heldCount(db: Queryable, shopId: string): Promise<number> {
  return (await db.one<{ n: number }>(`select count(*)::int as n from hq_held_sales where shop_id = $1 and status = 'held'`, [shopId]))!.n;
}

/** A value held for a far-future clock (migration 0003, decided since 0031). */
export interface HeldValueRow {
  id: string;
  shopId: string;
  shopCode: string;
  shopName: string;
  timezone: string;
  entity: string;
  entityId: string;
  payload: Record<string, unknown> & { id: string; fieldClocks: Record<string, string> };
  hlc: string;
  status: 'held' | 'applied' | 'discarded';
  receivedAt: Date;
  decidedAt: Date | null;
  decidedBy: string | null;
}

const HELD_VALUE_COLUMNS = `h.id, h.shop_id, s.code as shop_code, s.name as shop_name, s.timezone, h.entity, h.entity_id, h.payload, h.hlc, h.status,
  h.received_at, h.decided_at, h.decided_by`;

/** Values still waiting (or all of them, decided ones too), oldest first; one shop's or every shop's. */
export async function heldValues(db: Queryable, q: { shopId?: string | undefined; all?: boolean; limit: number }): Promise<HeldValueRow[]> {
  return db.rows<HeldValueRow>(
    `select ${HELD_VALUE_COLUMNS} from sync_held h join shops s on s.id = h.shop_id
     where ($1::uuid is null or h.shop_id = $1) and ($2 or h.status = 'held') order by h.received_at, h.id limit $3`,
    [q.shopId ?? null, q.all ?? false, q.limit],
  );
}

/** One held value under lock: decided once. */
export async function lockHeldValue(db: Queryable, id: string): Promise<HeldValueRow | undefined> {
  return db.one<HeldValueRow>(`select ${HELD_VALUE_COLUMNS} from sync_held h join shops s on s.id = h.shop_id where h.id = $1 for update of h`, [id]);
}

export async function decideHeldValue(db: Queryable, id: string, d: { status: 'applied' | 'discarded'; by: string }): Promise<void> {
  await db.exec(`update sync_held set status = $2, decided_at = now(), decided_by = $3 where id = $1 and status = 'held'`, [id, d.status, d.by]);
}
