import type { Queryable } from '../db/pool.js';
import type { ReturnApproval } from '../domain/approvals.js';
import type { SaleMethod } from '../domain/tender.js';

export interface ReturnLine {
  saleItemId: string;
  batchId: string;
  productName: string;
  lotNumber: string;
  /** Packs of the sold line's pack brought back. */
  quantity: number;
  /** Base units that went back to the lot (returns made before packs: the quantity, sold by the unit). */
  units?: number;
  packName?: string | null;
  amount: number;
  destination: 'stock' | 'quarantine';
  reason: string | null;
}

export interface SaleReturn {
  id: string;
  shopId: string;
  saleId: string;
  number: string;
  sessionId: string | null;
  cashierId: string;
  cashierName: string;
  /** What the returned units were paid; the refund is amount + rounding. */
  amount: number;
  /** What went back on the customer's account (a sale bought on credit); the money refund is amount − accountCredit + rounding. */
  accountCredit: number;
  rounding: number;
  /** How the money part was refunded; 'credit' when all of it went back on the account. */
  refundMethod: SaleMethod;
  reason: string | null;
  lines: ReturnLine[];
  /** The manager whose PIN allowed the return, when it needed one, and why it did. */
  approvedBy: string | null;
  approvedByName: string | null;
  approval: ReturnApproval[];
  hlc: string;
  createdAt: Date;
}

const columns = `r.id, r.shop_id, r.sale_id, r.number, r.session_id, r.cashier_id, r.cashier_name, r.amount, r.account_credit, r.rounding,
  r.refund_method, r.reason, r.lines, r.approved_by, r.approved_by_name, r.approval, r.hlc, r.created_at`;

export async function insertReturn(db: Queryable, r: SaleReturn): Promise<SaleReturn> {
  return (await db.one<SaleReturn>(
    `insert into sale_returns as r (id, shop_id, sale_id, number, session_id, cashier_id, cashier_name, amount, rounding, refund_method,
       reason, lines, hlc, created_at, approved_by, approved_by_name, approval, account_credit)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) returning ${columns}`,
    [r.id, r.shopId, r.saleId, r.number, r.sessionId, r.cashierId, r.cashierName, r.amount, r.rounding, r.refundMethod, r.reason,
      JSON.stringify(r.lines), r.hlc, r.createdAt, r.approvedBy, r.approvedByName, r.approval, r.accountCredit],
  ))!;
}

/** Head office: the return as the shop made it, once. */
export async function insertReturnIfAbsent(db: Queryable, r: SaleReturn): Promise<boolean> {
  return (await db.exec(
    `insert into sale_returns (id, shop_id, sale_id, number, session_id, cashier_id, cashier_name, amount, rounding, refund_method,
       reason, lines, hlc, created_at, received_at, approved_by, approved_by_name, approval, account_credit)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, now(), $15, $16, $17, $18) on conflict (id) do nothing`,
    [r.id, r.shopId, r.saleId, r.number, r.sessionId, r.cashierId, r.cashierName, r.amount, r.rounding, r.refundMethod, r.reason,
      JSON.stringify(r.lines), r.hlc, r.createdAt, r.approvedBy, r.approvedByName, r.approval, r.accountCredit],
  )) > 0;
}

export async function returnsOfSale(db: Queryable, saleId: string): Promise<SaleReturn[]> {
  return db.rows<SaleReturn>(`select ${columns} from sale_returns r where r.sale_id = $1 order by r.created_at, r.id`, [saleId]);
}

export async function returnsOfSession(db: Queryable, sessionId: string): Promise<SaleReturn[]> {
  return db.rows<SaleReturn>(`select ${columns} from sale_returns r where r.session_id = $1 order by r.created_at, r.id`, [sessionId]);
}

export async function returnById(db: Queryable, shopId: string, id: string): Promise<SaleReturn | undefined> {
  return db.one<SaleReturn>(`select ${columns} from sale_returns r where r.shop_id = $1 and r.id = $2`, [shopId, id]);
}

export async function returnsByIds(db: Queryable, ids: readonly string[]): Promise<SaleReturn[]> {
  return db.rows<SaleReturn>(`select ${columns} from sale_returns r where r.id = any($1::uuid[])`, [ids]);
}

export async function hasReturns(db: Queryable, saleId: string): Promise<boolean> {
  return (await db.one('select 1 from sale_returns where sale_id = $1 limit 1', [saleId])) !== undefined;
}

/** The next credit-note number of the shop, without gaps (the counter row stays locked until the return commits). */
export async function takeAvoirNumber(db: Queryable, shopId: string): Promise<number> {
  return (await db.one<{ lastNumber: number }>(
    `insert into shop_counters as c (shop_id, kind, last_number) values ($1, 'avoir', 1)
     on conflict (shop_id, kind) do update set last_number = c.last_number + 1 returning last_number`,
    [shopId],
  ))!.lastNumber;
}

/** A return as head office shows it: with its sale's receipt number and what it paid back (amount + rounding). */
export interface ReturnAtHq extends Omit<SaleReturn, 'hlc'> {
  saleNumber: string;
  refunded: number;
  receivedAt: Date | null;
}

const hqColumns = `r.id, r.shop_id, r.sale_id, s.number as sale_number, r.number, r.session_id, r.cashier_id, r.cashier_name, r.amount,
  r.account_credit, r.rounding, r.amount - r.account_credit + r.rounding as refunded, r.refund_method, r.reason, r.lines, r.created_at, r.received_at`;

/** Head office: a shop's returns made on its calendar days from..to (its time zone), newest first. */
export async function returnsBetween(
  db: Queryable,
  q: { shopId: string; from: string; to: string; timezone: string; limit: number },
): Promise<ReturnAtHq[]> {
  return db.rows<ReturnAtHq>(
    `select ${hqColumns} from sale_returns r join sales s on s.id = r.sale_id
     where r.shop_id = $1
       and r.created_at >= ($2::date::timestamp at time zone $4)
       and r.created_at < (($3::date + 1)::timestamp at time zone $4)
     order by r.created_at desc, r.number desc limit $5`,
    [q.shopId, q.from, q.to, q.timezone, q.limit],
  );
}

/** Head office: the returns of these sales, oldest first. */
export async function returnsOfSales(db: Queryable, saleIds: readonly string[]): Promise<ReturnAtHq[]> {
  if (saleIds.length === 0) return [];
  return db.rows<ReturnAtHq>(
    `select ${hqColumns} from sale_returns r join sales s on s.id = r.sale_id where r.sale_id = any($1::uuid[]) order by r.created_at, r.id`,
    [saleIds],
  );
}

// The nightly reconciliation and the rebuild (sales/reconcile.ts): the same SQL at both ends.

const dayRange = `created_at >= ($3::date)::timestamp at time zone $2 and created_at < ($4::date + 1)::timestamp at time zone $2`;

/** Per day: the returns made, what they paid back, their ids. */
export async function returnsDigest(db: Queryable, q: { shopId: string; timezone: string; from: string; to: string }) {
  return db.rows<{ day: string; count: number; sum: number; hash: string }>(
    `select to_char(created_at at time zone $2, 'YYYY-MM-DD') as day, count(*)::int as count, sum(amount + rounding)::float8 as sum,
       md5(string_agg(id::text, ',' order by id)) as hash
     from sale_returns where shop_id = $1 and ${dayRange} group by 1`,
    [q.shopId, q.timezone, q.from, q.to],
  );
}

export async function returnsOfDay(db: Queryable, q: { shopId: string; timezone: string; day: string }): Promise<SaleReturn[]> {
  return db.rows<SaleReturn>(
    `select ${columns} from sale_returns r where r.shop_id = $1 and ${dayRange.replaceAll('created_at', 'r.created_at')} order by r.created_at, r.id`,
    [q.shopId, q.timezone, q.day, q.day],
  );
}

export async function returnsPage(db: Queryable, shopId: string, afterId: string, limit: number): Promise<SaleReturn[]> {
  return db.rows<SaleReturn>(`select ${columns} from sale_returns r where r.shop_id = $1 and r.id > $2 order by r.id limit $3`, [shopId, afterId, limit]);
}

/** Credit-note numbers continue after `n`. */
export async function raiseAvoirCounter(db: Queryable, shopId: string, n: number): Promise<void> {
  await db.exec(
    `insert into shop_counters as c (shop_id, kind, last_number) values ($1, 'avoir', $2)
     on conflict (shop_id, kind) do update set last_number = greatest(c.last_number, excluded.last_number)`,
    [shopId, n],
  );
}

/** A rebuilt shop: its returns as head office holds them. */
export async function restoreReturnsRows(db: Queryable, rs: readonly SaleReturn[]): Promise<void> {
  for (const r of rs) await insertReturnIfAbsent(db, { ...r, createdAt: new Date(r.createdAt) });
}
