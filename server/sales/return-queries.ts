import type { Queryable } from '../db/pool.js';
import type { PaymentMethod } from '../domain/tender.js';

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
  rounding: number;
  refundMethod: PaymentMethod;
  reason: string | null;
  lines: ReturnLine[];
  hlc: string;
  createdAt: Date;
}

const columns = `r.id, r.shop_id, r.sale_id, r.number, r.session_id, r.cashier_id, r.cashier_name, r.amount, r.rounding,
  r.refund_method, r.reason, r.lines, r.hlc, r.created_at`;

export async function insertReturn(db: Queryable, r: SaleReturn): Promise<SaleReturn> {
  return (await db.one<SaleReturn>(
    `insert into sale_returns as r (id, shop_id, sale_id, number, session_id, cashier_id, cashier_name, amount, rounding, refund_method,
       reason, lines, hlc, created_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) returning ${columns}`,
    [r.id, r.shopId, r.saleId, r.number, r.sessionId, r.cashierId, r.cashierName, r.amount, r.rounding, r.refundMethod, r.reason,
      JSON.stringify(r.lines), r.hlc, r.createdAt],
  ))!;
}

/** Head office: the return as the shop made it, once. */
export async function insertReturnIfAbsent(db: Queryable, r: SaleReturn): Promise<boolean> {
  return (await db.exec(
    `insert into sale_returns (id, shop_id, sale_id, number, session_id, cashier_id, cashier_name, amount, rounding, refund_method,
       reason, lines, hlc, created_at, received_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, now()) on conflict (id) do nothing`,
    [r.id, r.shopId, r.saleId, r.number, r.sessionId, r.cashierId, r.cashierName, r.amount, r.rounding, r.refundMethod, r.reason,
      JSON.stringify(r.lines), r.hlc, r.createdAt],
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
