import type { Queryable } from '../db/pool.js';

export interface RequisitionLine {
  productId: string;
  productName: string;
  quantity: number;
}

export interface Requisition {
  id: string;
  /** The shop that asks (B). */
  shopId: string;
  shopCode: string;
  number: string;
  /** The shop asked (A). */
  fromShopId: string;
  fromShopCode: string;
  status: 'open' | 'cancelled';
  lines: RequisitionLine[];
  note: string | null;
  createdBy: string | null;
  createdByName: string;
  cancelledAt: Date | null;
  hlc: string;
  createdAt: Date;
  updatedAt: Date;
}

/** A requisition with the transfer that answers it (the first one not cancelled), as far as this database knows it. */
export interface RequisitionRow extends Requisition {
  transferId: string | null;
  transferNumber: string | null;
  transferStatus: 'draft' | 'shipped' | 'cancelled' | null;
}

const columns = `r.id, r.shop_id, r.shop_code, r.number, r.from_shop_id, r.from_shop_code, r.status, r.lines, r.note, r.created_by, r.created_by_name,
  r.cancelled_at, r.hlc, r.created_at, r.updated_at`;
const answer = `left join lateral (select t.id as transfer_id, t.number as transfer_number, t.status as transfer_status from transfers t
  where t.requisition_id = r.id and t.status <> 'cancelled' order by t.created_at limit 1) a on true`;

export async function insertRequisitionIfAbsent(db: Queryable, r: Omit<Requisition, 'updatedAt'>): Promise<boolean> {
  return (await db.exec(
    `insert into requisitions (id, shop_id, shop_code, number, from_shop_id, from_shop_code, status, lines, note, created_by, created_by_name,
       cancelled_at, hlc, created_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) on conflict (id) do nothing`,
    [r.id, r.shopId, r.shopCode, r.number, r.fromShopId, r.fromShopCode, r.status, JSON.stringify(r.lines), r.note, r.createdBy, r.createdByName,
      r.cancelledAt, r.hlc, r.createdAt],
  )) > 0;
}

export async function requisitionById(db: Queryable, id: string, lock = false): Promise<RequisitionRow | undefined> {
  if (lock) await db.exec('select 1 from requisitions where id = $1 for update', [id]);
  return db.one<RequisitionRow>(`select ${columns}, a.* from requisitions r ${answer} where r.id = $1`, [id]);
}

/** A shop's requisitions: the ones it made (`out`) and the ones addressed to it (`in`), newest first. */
export async function requisitionsOf(db: Queryable, q: { shopId: string; direction: 'in' | 'out' | 'all'; limit: number }): Promise<RequisitionRow[]> {
  return db.rows<RequisitionRow>(
    `select ${columns}, a.* from requisitions r ${answer}
     where ($2 in ('out', 'all') and r.shop_id = $1) or ($2 in ('in', 'all') and r.from_shop_id = $1)
     order by r.created_at desc, r.id desc limit $3`,
    [q.shopId, q.direction, q.limit],
  );
}

export async function cancelRequisition(db: Queryable, id: string, at: Date, hlc: string): Promise<void> {
  await db.exec(`update requisitions set status = 'cancelled', cancelled_at = $2, hlc = $3 where id = $1`, [id, at, hlc]);
}

export async function nextRequisitionNumber(db: Queryable, shopId: string, shopCode: string): Promise<string> {
  await db.exec(`select pg_advisory_xact_lock(hashtextextended('requisition-number:' || $1, 7320034))`, [shopId]);
  const n = (await db.one<{ n: number }>(
    `select coalesce(max((regexp_match(number, '(\\d+)$'))[1]::int), 0) as n from requisitions where shop_id = $1`, [shopId]))!.n + 1;
  return `${shopCode}-RQ${String(n).padStart(5, '0')}`;
}

/** The products named, with their names, as this shop's catalogue holds them. */
export async function productNames(db: Queryable, ids: readonly string[]): Promise<Map<string, string>> {
  const rows = await db.rows<{ id: string; name: string }>('select id, name from products where id = any($1::uuid[])', [ids]);
  return new Map(rows.map((r) => [r.id, r.name]));
}

/**
 * This shop's lots of a product that can leave for another shop, first to
 * expire first (FEFO): active, with stock, not expired today.
 */
export async function fefoLots(db: Queryable, shopId: string, productIds: readonly string[], today: string) {
  return db.rows<{ id: string; productId: string; quantity: number }>(
    `select b.id, b.product_id, b.quantity from product_batches b
     where b.shop_id = $1 and b.product_id = any($2::uuid[]) and b.status = 'active' and b.quantity > 0 and b.expiration_date >= $3::date
     order by b.product_id, b.expiration_date, b.received_date, b.id`,
    [shopId, productIds, today],
  );
}

type DayRange = { shopId: string; timezone: string; from: string; to: string };
const dayRange = (col: string) => `${col} >= ($3::date)::timestamp at time zone $2 and ${col} < ($4::date + 1)::timestamp at time zone $2`;

/** The requisitions a shop made, by the day it made them: count, units asked, and each one's status (a cancel shows). */
export async function requisitionsDigest(db: Queryable, q: DayRange) {
  return db.rows<{ day: string; count: number; sum: number; hash: string }>(
    `select to_char(r.created_at at time zone $2, 'YYYY-MM-DD') as day, count(*)::int as count,
       coalesce(sum((select sum((l->>'quantity')::int) from jsonb_array_elements(r.lines) l)), 0)::float8 as sum,
       md5(string_agg(r.id::text || ':' || r.status, ',' order by r.id)) as hash
     from requisitions r where r.shop_id = $1 and ${dayRange('r.created_at')} group by 1`,
    [q.shopId, q.timezone, q.from, q.to],
  );
}

export async function requisitionsOfDay(db: Queryable, q: { shopId: string; timezone: string; day: string }): Promise<Requisition[]> {
  return db.rows<Requisition>(
    `select ${columns} from requisitions r where r.shop_id = $1 and ${dayRange('r.created_at')} order by r.created_at, r.id`,
    [q.shopId, q.timezone, q.day, q.day],
  );
}

/** A shop's part of the chain's requisitions: the ones it made and the ones addressed to it, in id order. */
export async function requisitionsPage(db: Queryable, shopId: string, after: string, limit: number): Promise<Requisition[]> {
  return db.rows<Requisition>(
    `select ${columns} from requisitions r where (r.shop_id = $1 or r.from_shop_id = $1) and r.id > $2 order by r.id limit $3`,
    [shopId, after, limit],
  );
}

/** A rebuilt shop: requisitions as head office holds them (a snapshot's times are strings). */
export async function restoreRequisitions(db: Queryable, rows: readonly Requisition[]): Promise<void> {
  for (const r of rows) {
    await insertRequisitionIfAbsent(db, { ...r, cancelledAt: r.cancelledAt ? new Date(r.cancelledAt) : null, createdAt: new Date(r.createdAt) });
  }
}

/** Head office: every shop's requisitions, newest first, optionally one shop's (as asker or asked). */
export async function chainRequisitions(db: Queryable, q: { shopId?: string | undefined; limit: number }): Promise<RequisitionRow[]> {
  return db.rows<RequisitionRow>(
    `select ${columns}, a.* from requisitions r ${answer} where ($1::uuid is null or r.shop_id = $1 or r.from_shop_id = $1)
     order by r.created_at desc, r.id desc limit $2`,
    [q.shopId ?? null, q.limit],
  );
}

/** The state head office shows: cancelled stays cancelled; answered once a transfer (not cancelled) names it. */
const stateSql = `case when r.status = 'cancelled' then 'cancelled' when a.transfer_id is not null then 'answered' else 'open' end`;

/**
 * Head office's page: every shop's requisitions, newest first, filtered by a
 * shop (asking or asked) and a state; `total` is how many match, the page
 * shows the first `limit`.
 */
export async function chainRequisitionsPage(
  db: Queryable,
  q: { shopCode?: string | undefined; state?: 'open' | 'answered' | 'cancelled' | undefined; limit: number },
): Promise<(RequisitionRow & { state: 'open' | 'answered' | 'cancelled'; transferShippedAt: Date | null; total: number })[]> {
  return db.rows(
    `select ${columns}, a.*, ${stateSql} as state, (select t.shipped_at from transfers t where t.id = a.transfer_id) as transfer_shipped_at,
       count(*) over ()::int as total
     from requisitions r ${answer}
     where ($1::text is null or r.shop_code = $1 or r.from_shop_code = $1) and ($2::text is null or ${stateSql} = $2)
     order by r.created_at desc, r.id desc limit $3`,
    [q.shopCode ?? null, q.state ?? null, q.limit],
  );
}
