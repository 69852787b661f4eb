import type { Queryable } from '../db/pool.js';

export interface Shop {
  id: string;
  code: string;
  name: string;
  timezone: string;
  address: string;
  phone: string;
  taxId: string;
  receiptFooter: string;
  receiptWidthMm: 58 | 80;
  printerKind: 'none' | 'escpos' | 'cups';
  printerTarget: string;
  /** The smallest coin: cash totals are rounded to it. */
  cashRounding: number;
  sessionPolicy: 'auto' | 'ask';
  discountLimitPct: number;
  varianceCommentOver: number;
  /** A return refunding more than this on one sale needs a manager's PIN. */
  returnApprovalOver: number;
  /** A return of a sale older than this many days needs a manager's PIN. */
  returnApprovalAfterDays: number;
  /** Cash taken out of a session beyond this needs a manager's PIN. */
  cashOutApprovalOver: number;
  /** Purchasing: the weeks of sales an order suggestion reads, the days of cover it orders for, the months that make a lot short-dated. */
  orderWeeks: number;
  coverDays: number;
  shortDatedMonths: number;
  /** A payment on account may go beyond what the customer owes (an advance). */
  allowAdvance: boolean;
  /** Expense categories offered (Paramètres). */
  expenseCategories: string[];
  createdAt: Date;
  updatedAt: Date;
}

const columns = `id, code, name, timezone, address, phone, tax_id, receipt_footer, receipt_width_mm, printer_kind,
  printer_target, cash_rounding, session_policy, discount_limit_pct, variance_comment_over, return_approval_over,
  return_approval_after_days, cash_out_approval_over, order_weeks, cover_days, short_dated_months, allow_advance, expense_categories, created_at, updated_at`;

export async function shopByCode(db: Queryable, code: string): Promise<Shop | undefined> {
  return db.one<Shop>(`select ${columns} from shops where code = $1`, [code]);
}

/** The codes of the shop rows this database holds other than `code` (a shop's database holds its own row only). */
export async function otherShopCodes(db: Queryable, code: string): Promise<string[]> {
  return (await db.rows<{ code: string }>('select code from shops where code <> $1 order by created_at', [code])).map((r) => r.code);
}

export async function insertShopIfAbsent(
  db: Queryable,
  shop: { id: string; code: string; name: string; timezone: string },
): Promise<void> {
  await db.exec(
    `insert into shops (id, code, name, timezone) values ($1, $2, $3, $4) on conflict (code) do nothing`,
    [shop.id, shop.code, shop.name, shop.timezone],
  );
  await db.exec(
    `insert into receipt_counters (shop_id) select id from shops where code = $1 on conflict do nothing`,
    [shop.code],
  );
}

export async function setShopTimezone(db: Queryable, id: string, timezone: string): Promise<void> {
  await db.exec('update shops set timezone = $2 where id = $1 and timezone <> $2', [id, timezone]);
}

export async function shopById(db: Queryable, id: string): Promise<Shop | undefined> {
  return db.one<Shop>(`select ${columns} from shops where id = $1`, [id]);
}

export type ShopSettings = Pick<
  Shop,
  | 'name' | 'address' | 'phone' | 'taxId' | 'receiptFooter' | 'receiptWidthMm' | 'printerKind' | 'printerTarget'
  | 'cashRounding' | 'sessionPolicy' | 'discountLimitPct' | 'varianceCommentOver'
  | 'returnApprovalOver' | 'returnApprovalAfterDays' | 'cashOutApprovalOver'
  | 'orderWeeks' | 'coverDays' | 'shortDatedMonths'
  | 'allowAdvance' | 'expenseCategories'
>;

export async function updateShopSettings(db: Queryable, id: string, s: ShopSettings): Promise<Shop> {
  return (await db.one<Shop>(
    `update shops set name = $2, address = $3, phone = $4, tax_id = $5, receipt_footer = $6, receipt_width_mm = $7,
       printer_kind = $8, printer_target = $9, cash_rounding = $10, session_policy = $11, discount_limit_pct = $12,
       variance_comment_over = $13, return_approval_over = $14, return_approval_after_days = $15, cash_out_approval_over = $16,
       order_weeks = $17, cover_days = $18, short_dated_months = $19, allow_advance = $20, expense_categories = $21
     where id = $1 returning ${columns}`,
    [id, s.name, s.address, s.phone, s.taxId, s.receiptFooter, s.receiptWidthMm, s.printerKind, s.printerTarget,
      s.cashRounding, s.sessionPolicy, s.discountLimitPct, s.varianceCommentOver, s.returnApprovalOver, s.returnApprovalAfterDays,
      s.cashOutApprovalOver, s.orderWeeks, s.coverDays, s.shortDatedMonths, s.allowAdvance, s.expenseCategories],
  ))!;
}
