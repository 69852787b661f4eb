import type { Queryable } from '../db/pool.js';
import type { Payment, SaleMethod } from '../domain/tender.js';
import { unitPackId } from '../ids.js';
import type { Movement } from '../stock/lots.js';

export type { PaymentMethod } from '../domain/tender.js';

export interface Sale {
  id: string;
  shopId: string;
  number: string;
  cashierId: string;
  cashierName: string;
  total: number;
  tendered: number;
  change: number;
  paymentMethod: SaleMethod | 'mixed';
  /** The cash session the sale belongs to (null for sales made before sessions existed). */
  sessionId: string | null;
  /** Before any discount: total = subtotal − discount; what was paid = total + rounding. */
  subtotal: number;
  discount: number;
  /** The ticket's own discount, as printed (line discounts are on their lines). */
  discountLabel: string | null;
  discountApprovedBy: string | null;
  rounding: number;
  payments: Payment[];
  status: 'completed' | 'voided';
  voidedAt: Date | null;
  voidedBy: string | null;
  createdAt: Date;
  updatedAt: Date;
  /** Head office: when the sale reached it (createdAt is the till's time). Null at the shop. */
  receivedAt: Date | null;
}

export interface SaleItem {
  id: string;
  saleId: string;
  lineNo: number;
  productId: string;
  batchId: string;
  productName: string;
  lotNumber: string;
  expirationDate: string;
  /** The pack sold; a line sold before packs answers its product's unit pack. */
  packId: string;
  /** The pack's name as sold (« Plaquette de 10 »; the base unit for the unit pack). */
  packName: string;
  /** Packs sold from this lot. */
  quantity: number;
  /** Base units they took from the lot (quantity × the pack's size): what its movement says. */
  units: number;
  /** The pack's price. */
  unitPrice: number;
  /** The line's own discount; lineTotal is after it. */
  discount: number;
  discountLabel: string | null;
  lineTotal: number;
  createdAt: Date;
}

const saleColumns = `s.id, s.shop_id, s.number, s.cashier_id, s.cashier_name, s.total, s.tendered, s.change,
  s.payment_method, s.session_id, s.subtotal, s.discount, s.discount_label, s.discount_approved_by, s.rounding, s.payments,
  s.status, s.voided_at, s.voided_by, s.created_at, s.updated_at, s.received_at`;
// sale_items.quantity is in base units (the ledger's, summed as such by digests and reports); a line answers packs and units.
const itemColumns = `i.id, i.sale_id, i.line_no, i.product_id, i.batch_id, i.product_name, i.lot_number,
  i.expiration_date, coalesce(i.pack_id, unit_pack_id(i.product_id)) as pack_id, coalesce(i.pack_name, 'unité') as pack_name,
  i.quantity / i.pack_units as quantity, i.quantity as units, i.unit_price, i.discount, i.discount_label, i.line_total, i.created_at`;

/** The next receipt number; the row stays locked until the sale commits or rolls back. */
export async function takeReceiptNumber(db: Queryable, shopId: string): Promise<number> {
  const row = await db.one<{ lastNumber: number }>(
    'update receipt_counters set last_number = last_number + 1 where shop_id = $1 returning last_number',
    [shopId],
  );
  if (!row) throw new Error(`no receipt counter for shop ${shopId}`);
  return row.lastNumber;
}

export async function saleById(db: Queryable, shopId: string, id: string, forUpdate = false): Promise<Sale | undefined> {
  return db.one<Sale>(
    `select ${saleColumns} from sales s where s.shop_id = $1 and s.id = $2${forUpdate ? ' for update' : ''}`,
    [shopId, id],
  );
}

export async function itemsOfSales(db: Queryable, saleIds: readonly string[]): Promise<SaleItem[]> {
  return db.rows<SaleItem>(`select ${itemColumns} from sale_items i where i.sale_id = any($1::uuid[]) order by i.sale_id, i.line_no`, [
    saleIds,
  ]);
}

export async function markVoided(db: Queryable, id: string, userId: string, hlc: string, at: Date): Promise<Sale> {
  return (await db.one<Sale>(
    `update sales s set status = 'voided', voided_at = $4, voided_by = $2, hlc = $3 where s.id = $1 returning ${saleColumns}`,
    [id, userId, hlc, at],
  ))!;
}

/** Sales of the shop's calendar days from..to (inclusive, in its time zone), newest first. */
export async function salesBetween(
  db: Queryable,
  q: { shopId: string; from: string; to: string; timezone: string; limit: number },
): Promise<Sale[]> {
  return db.rows<Sale>(
    `select ${saleColumns} from sales s
     where s.shop_id = $1
       and s.created_at >= ($2::date::timestamp at time zone $4)
       and s.created_at < (($3::date + 1)::timestamp at time zone $4)
     order by s.created_at desc, s.number desc limit $5`,
    [q.shopId, q.from, q.to, q.timezone, q.limit],
  );
}

/**
 * Sales as the shop made them, in one statement, each once; returns the ids
 * written (a copy already held is left as it is). `received`: head office
 * notes when they reached it; a shop rebuilt from head office does not.
 */
export async function insertSalesIfAbsent(db: Queryable, ss: readonly (SaleInsertRow & { hlc: string })[], received: boolean): Promise<string[]> {
  if (ss.length === 0) return [];
  const rows = await db.rows<{ id: string }>(
    `insert into sales (id, shop_id, number, cashier_id, cashier_name, total, tendered, change, payment_method, status, voided_at, voided_by,
       hlc, created_at, updated_at, session_id, subtotal, discount, discount_label, discount_approved_by, rounding, payments, received_at)
     select *, case when $22::boolean then now() end from unnest($1::uuid[], $2::uuid[], $3::text[], $4::uuid[], $5::text[], $6::bigint[],
       $7::bigint[], $8::bigint[], $9::text[], $10::text[], $11::timestamptz[], $12::uuid[], $13::text[], $14::timestamptz[], $23::timestamptz[],
       $15::uuid[], $16::bigint[], $17::bigint[], $18::text[], $19::uuid[], $20::bigint[], $21::jsonb[])
     on conflict (id) do nothing returning id`,
    [
      ss.map((s) => s.id), ss.map((s) => s.shopId), ss.map((s) => s.number), ss.map((s) => s.cashierId), ss.map((s) => s.cashierName),
      ss.map((s) => s.total), ss.map((s) => s.tendered), ss.map((s) => s.change), ss.map((s) => s.paymentMethod), ss.map((s) => s.status),
      ss.map((s) => s.voidedAt), ss.map((s) => s.voidedBy), ss.map((s) => s.hlc), ss.map((s) => s.createdAt), ss.map((s) => s.sessionId),
      ss.map((s) => s.subtotal ?? s.total), ss.map((s) => s.discount ?? 0), ss.map((s) => s.discountLabel ?? null),
      ss.map((s) => s.discountApprovedBy ?? null), ss.map((s) => s.rounding ?? 0),
      ss.map((s) => JSON.stringify(s.payments ?? [{ method: s.paymentMethod, amount: s.total }])), received, ss.map((s) => s.updatedAt ?? s.createdAt),
    ],
  );
  return rows.map((r) => r.id);
}

export type SaleInsertRow = Omit<Sale, 'updatedAt' | 'receivedAt'> & { updatedAt?: Date };

/** A line as it travels: a shop older than packs sends no pack (its lines are base units, sold by the unit). */
export type SaleItemRow = Omit<SaleItem, 'createdAt' | 'packId' | 'packName'> & { packId: string | null; packName: string | null };

/** The pack columns of lines: the pack named, its name, and its size (base units per pack). */
const packColumns = (items: readonly SaleItemRow[]) => [
  items.map((i) => i.packId), items.map((i) => i.packName), items.map((i) => (i.quantity > 0 ? i.units / i.quantity : 1)),
];

export async function insertSaleItemsIfAbsent(db: Queryable, items: readonly SaleItemRow[]): Promise<string[]> {
  if (items.length === 0) return [];
  const rows = await db.rows<{ id: string }>(
    `insert into sale_items (id, sale_id, line_no, product_id, batch_id, product_name, lot_number, expiration_date,
       quantity, unit_price, line_total, discount, discount_label, pack_id, pack_name, pack_units)
     select * from unnest($1::uuid[], $2::uuid[], $3::int[], $4::uuid[], $5::uuid[], $6::text[], $7::text[], $8::date[],
       $9::int[], $10::bigint[], $11::bigint[], $12::bigint[], $13::text[], $14::uuid[], $15::text[], $16::int[])
     on conflict (id) do nothing returning id`,
    [
      items.map((i) => i.id), items.map((i) => i.saleId), items.map((i) => i.lineNo), items.map((i) => i.productId),
      items.map((i) => i.batchId), items.map((i) => i.productName), items.map((i) => i.lotNumber),
      items.map((i) => i.expirationDate), items.map((i) => i.units), items.map((i) => i.unitPrice), items.map((i) => i.lineTotal),
      items.map((i) => i.discount ?? 0), items.map((i) => i.discountLabel ?? null), ...packColumns(items),
    ],
  );
  return rows.map((r) => r.id);
}

export async function saleItemsByIds(db: Queryable, ids: readonly string[]): Promise<SaleItem[]> {
  return db.rows<SaleItem>(`select ${itemColumns} from sale_items i where i.id = any($1::uuid[])`, [ids]);
}

export async function salesByIds(db: Queryable, ids: readonly string[]): Promise<SaleRow[]> {
  return db.rows<SaleRow>(`select ${saleColumns}, s.hlc from sales s where s.id = any($1::uuid[])`, [ids]);
}

/** Takings of the shop's calendar days from..to: completed sales only. */
export async function takings(db: Queryable, q: { shopId: string; from: string; to: string; timezone: string }): Promise<{ total: number; count: number }> {
  return (await db.one<{ total: number; count: number }>(
    `select coalesce(sum(total), 0)::bigint as total, count(*)::int as count from sales s
     where s.shop_id = $1 and s.status = 'completed'
       and s.created_at >= ($2::date::timestamp at time zone $4) and s.created_at < (($3::date + 1)::timestamp at time zone $4)`,
    [q.shopId, q.from, q.to, q.timezone],
  ))!;
}

/** The shop's sales that hold any of these receipt numbers. */
export async function salesNumbered(db: Queryable, shopId: string, numbers: readonly string[]): Promise<{ id: string; number: string }[]> {
  if (numbers.length === 0) return [];
  return db.rows('select id, number from sales where shop_id = $1 and number = any($2::text[])', [shopId, numbers]);
}

/** Receipt numbers continue after `n` (head office holds sales up to it); returns the counter before. */
export async function raiseReceiptCounter(db: Queryable, shopId: string, n: number): Promise<number> {
  // Written only when behind: asked after every push and pull, it must not take the tills' counter lock for nothing.
  const row = await db.one<{ before: number }>(
    `with old as (select last_number from receipt_counters where shop_id = $1),
       raised as (update receipt_counters set last_number = $2 where shop_id = $1 and last_number < $2 returning 1)
     select (select last_number from old) as before, (select count(*) from raised) as raised`,
    [shopId, n],
  );
  return row?.before ?? 0;
}

export type SaleRow = Sale & { hlc: string };

/** Head office: a shop's sales in id order, a page at a time. */
export async function salesPage(db: Queryable, shopId: string, afterId: string, limit: number): Promise<SaleRow[]> {
  return db.rows<SaleRow>(`select ${saleColumns}, s.hlc from sales s where s.shop_id = $1 and s.id > $2 order by s.id limit $3`, [shopId, afterId, limit]);
}

export async function itemsPage(db: Queryable, shopId: string, afterId: string, limit: number): Promise<SaleItem[]> {
  return db.rows<SaleItem>(
    `select ${itemColumns} from sale_items i join sales s on s.id = i.sale_id where s.shop_id = $1 and i.id > $2 order by i.id limit $3`,
    [shopId, afterId, limit],
  );
}

/** A rebuilt shop: its sales and lines as head office holds them. */
export async function restoreSales(db: Queryable, ss: readonly SaleRow[]): Promise<void> {
  // Their sessions are restored before them (sync/coverage.ts's order).
  await insertSalesIfAbsent(db, ss, false);
}

export async function restoreSaleItems(db: Queryable, items: readonly SaleItem[]): Promise<void> {
  if (items.length === 0) return;
  await db.exec(
    `insert into sale_items (id, sale_id, line_no, product_id, batch_id, product_name, lot_number, expiration_date, quantity, unit_price,
       line_total, created_at, discount, discount_label, pack_id, pack_name, pack_units)
     select * from unnest($1::uuid[], $2::uuid[], $3::int[], $4::uuid[], $5::uuid[], $6::text[], $7::text[], $8::date[], $9::int[],
       $10::bigint[], $11::bigint[], $12::timestamptz[], $13::bigint[], $14::text[], $15::uuid[], $16::text[], $17::int[])
     on conflict (id) do nothing`,
    [
      items.map((i) => i.id), items.map((i) => i.saleId), items.map((i) => i.lineNo), items.map((i) => i.productId), items.map((i) => i.batchId),
      items.map((i) => i.productName), items.map((i) => i.lotNumber), items.map((i) => i.expirationDate), items.map((i) => i.units ?? i.quantity),
      items.map((i) => i.unitPrice), items.map((i) => i.lineTotal), items.map((i) => i.createdAt),
      items.map((i) => i.discount ?? 0), items.map((i) => i.discountLabel ?? null), ...packColumns(items.map((i) => ({ ...i, units: i.units ?? i.quantity }))),
    ],
  );
}

/** Local midnight of `from` ($3) to local midnight after `to` ($4), in the shop's zone ($2). */
const dayRange = (col: string) => `${col} >= ($3::date)::timestamp at time zone $2 and ${col} < ($4::date + 1)::timestamp at time zone $2`;

/** Per calendar day of the shop: its sales counted, summed and their ids hashed (the nightly digest). */
export async function salesDigest(db: Queryable, q: { shopId: string; timezone: string; from: string; to: string }) {
  return db.rows<{ day: string; count: number; total: number; voided: number; ids: string }>(
    `select to_char(created_at at time zone $2, 'YYYY-MM-DD') as day, count(*)::int as count, sum(total)::float8 as total,
       (count(*) filter (where status = 'voided'))::int as voided, md5(string_agg(id::text, ',' order by id)) as ids
     from sales where shop_id = $1 and ${dayRange('created_at')} group by 1`,
    [q.shopId, q.timezone, q.from, q.to],
  );
}

/** The lines of those days' sales, by the sale's day. */
export async function saleItemsDigest(db: Queryable, q: { shopId: string; timezone: string; from: string; to: string }) {
  return db.rows<{ day: string; count: number; quantity: number; total: number; ids: string }>(
    `select to_char(s.created_at at time zone $2, 'YYYY-MM-DD') as day, count(*)::int as count, sum(i.quantity)::float8 as quantity,
       sum(i.line_total)::float8 as total, md5(string_agg(i.id::text, ',' order by i.id)) as ids
     from sales s join sale_items i on i.sale_id = s.id
     where s.shop_id = $1 and ${dayRange('s.created_at')} group by 1`,
    [q.shopId, q.timezone, q.from, q.to],
  );
}

/**
 * Per calendar day: the sales with their lines, one digest (a sale and its
 * lines travel together): counted, totals summed, and each sale's id hashed
 * with its status and its lines' count and sum, so a lost void or a lost line
 * shows on its sale's day.
 */
export async function salesWithLinesDigest(db: Queryable, q: { shopId: string; timezone: string; from: string; to: string }) {
  return db.rows<{ day: string; count: number; sum: number; hash: string }>(
    `select to_char(s.created_at at time zone $2, 'YYYY-MM-DD') as day, count(*)::int as count, sum(s.total)::float8 as sum,
       md5(string_agg(s.id::text || ':' || s.status || ':' || coalesce(l.n, 0) || ':' || coalesce(l.q, 0) || ':' || coalesce(l.t, 0), ',' order by s.id)) as hash
     from sales s
     left join lateral (select count(*) as n, sum(i.quantity) as q, sum(i.line_total) as t from sale_items i where i.sale_id = s.id) l on true
     where s.shop_id = $1 and ${dayRange('s.created_at')} group by 1`,
    [q.shopId, q.timezone, q.from, q.to],
  );
}

/** The shop's sales of one calendar day with their clocks, oldest first: what the nightly run sends again. */
export async function salesOfDay(db: Queryable, q: { shopId: string; timezone: string; day: string }): Promise<(Sale & { hlc: string })[]> {
  return db.rows(
    `select ${saleColumns}, s.hlc from sales s where s.shop_id = $1 and ${dayRange('s.created_at')} order by s.created_at, s.id`,
    [q.shopId, q.timezone, q.day, q.day],
  );
}

/**
 * Head office's takings of the days these sales and returns fall on, summed
 * again from the sales and returns of each day. Each (shop, day) is locked
 * first, so two pushes of the same day cannot each write a sum that misses
 * the other's rows.
 *
 * The definitions are the Z report's (domain/cash-report.ts): a method's
 * takings are the payments of completed sales by that method (cash rounded to
 * the coin, change given back); a voided sale took nothing and is counted
 * apart; a return pays back amount + rounding by its refund method, on the
 * day it was made (the drawer it came out of), whatever its sale's day.
 */
export async function refreshTakings(
  db: Queryable,
  q: { shopId: string; timezone: string; saleIds?: readonly string[]; returnIds?: readonly string[]; days?: readonly string[] },
): Promise<void> {
  const days = q.days ?? (await db.rows<{ day: string }>(
    `select to_char(created_at at time zone $3, 'YYYY-MM-DD') as day from sales where id = any($1::uuid[])
     union select to_char(created_at at time zone $3, 'YYYY-MM-DD') from sale_returns where id = any($2::uuid[]) order by 1`,
    [q.saleIds ?? [], q.returnIds ?? [], q.timezone],
  )).map((d) => d.day);
  for (const day of [...days].sort()) {
    await db.exec(`select pg_advisory_xact_lock(hashtextextended('takings:' || $1 || ':' || $2, 0))`, [q.shopId, day]);
    await db.exec(
      `with pays as (
         select s.status, p.ord, p.value->>'method' as method, (p.value->>'amount')::bigint as amount
         from sales s cross join lateral jsonb_array_elements(s.payments) with ordinality as p(value, ord)
         where s.shop_id = $1 and ${dayRange('s.created_at')}),
       -- A split sale's money goes to each method it was paid by; the sale is counted once, on its first payment.
       fresh as (
         select method as payment_method, (count(*) filter (where status = 'completed' and ord = 1))::int as sales,
           coalesce(sum(amount) filter (where status = 'completed'), 0) as total,
           (count(*) filter (where status = 'voided' and ord = 1))::int as voided, coalesce(sum(amount) filter (where status = 'voided'), 0) as voided_total
         from pays group by method),
       -- A return of a credit sale gives back on the account first (« credit »), the rest in money by its refund method.
       refunded as (
         select payment_method, (count(*) filter (where counted))::int as returns, sum(refund) as refunds from (
           select r.refund_method as payment_method, true as counted, r.amount - r.account_credit + r.rounding as refund
           from sale_returns r where r.shop_id = $1 and ${dayRange('r.created_at')} and r.refund_method <> 'credit'
           union all
           select 'credit', r.refund_method = 'credit', r.account_credit
           from sale_returns r where r.shop_id = $1 and ${dayRange('r.created_at')} and r.account_credit > 0) x
         group by 1),
       -- A method may have refunds and no sales that day (a card sale of yesterday returned today).
       takings as (
         select coalesce(f.payment_method, r.payment_method) as payment_method, coalesce(f.sales, 0) as sales, coalesce(f.total, 0) as total,
           coalesce(f.voided, 0) as voided, coalesce(f.voided_total, 0) as voided_total, coalesce(r.returns, 0) as returns, coalesce(r.refunds, 0) as refunds
         from fresh f full join refunded r on r.payment_method = f.payment_method),
       gone as (delete from hq_daily_takings t where t.shop_id = $1 and t.day = $3::date
                  and t.payment_method not in (select payment_method from takings))
       insert into hq_daily_takings (day, shop_id, payment_method, sales, total, voided, voided_total, returns, refunds)
       select $3::date, $1, payment_method, sales, total, voided, voided_total, returns, refunds from takings
       on conflict (day, shop_id, payment_method) do update set sales = excluded.sales, total = excluded.total,
         voided = excluded.voided, voided_total = excluded.voided_total, returns = excluded.returns, refunds = excluded.refunds`,
      [q.shopId, q.timezone, day, day],
    );
  }
}

export interface DailyTakings {
  day: string;
  shopId: string;
  shopCode: string;
  shopName: string;
  sales: number;
  /** What the day's completed sales took in (before refunds), in all and per method. */
  total: number;
  voided: number;
  voidedTotal: number;
  cash: number;
  mobileMoney: number;
  card: number;
  /** Sold on customers' accounts (« Crédit client »): in the sales' total, in no drawer. */
  credit: number;
  /** The day's returns and what they paid back, in all and per refund method. */
  returns: number;
  refunds: number;
  cashRefunds: number;
  mobileMoneyRefunds: number;
  cardRefunds: number;
  /** What the day's returns put back on customers' accounts. */
  creditRefunds: number;
}

/** Head office: takings per shop and calendar day, from the per-day sums (never from millions of sales rows). */
export async function takingsByShopDay(db: Queryable, q: { from: string; to: string; shopId?: string | undefined }): Promise<DailyTakings[]> {
  const method = (col: string, m: string) => `coalesce(sum(${col}) filter (where payment_method = '${m}'), 0)::float8`;
  // Summed per shop and day first, then named: the shops' names are joined to 6 200 sums, not to 18 600 rows.
  return db.rows<DailyTakings>(
    `select to_char(t.day, 'YYYY-MM-DD') as day, t.shop_id, s.code as shop_code, s.name as shop_name, t.sales, t.total, t.voided, t.voided_total,
       t.cash, t.mobile_money, t.card, t.credit, t.returns, t.refunds, t.cash_refunds, t.mobile_money_refunds, t.card_refunds, t.credit_refunds
     from (
       select day, shop_id, sum(sales)::int as sales, sum(total)::float8 as total, sum(voided)::int as voided, sum(voided_total)::float8 as voided_total,
         ${method('total', 'cash')} as cash, ${method('total', 'mobile_money')} as mobile_money, ${method('total', 'card')} as card, ${method('total', 'credit')} as credit,
         sum(returns)::int as returns, sum(refunds)::float8 as refunds,
         ${method('refunds', 'cash')} as cash_refunds, ${method('refunds', 'mobile_money')} as mobile_money_refunds, ${method('refunds', 'card')} as card_refunds,
         ${method('refunds', 'credit')} as credit_refunds
       from hq_daily_takings
       where day between $1::date and $2::date and ($3::uuid is null or shop_id = $3)
       group by day, shop_id) t
     join shops s on s.id = t.shop_id
     order by t.day desc, s.code`,
    [q.from, q.to, q.shopId ?? null],
  );
}

/** What the chain (or one shop) took in per calendar day, every shop summed: a day's row, not one per shop (a chart's days). */
export type DayTakings = Pick<DailyTakings, 'day' | 'total' | 'refunds' | 'cash' | 'mobileMoney' | 'card' | 'cashRefunds' | 'mobileMoneyRefunds' | 'cardRefunds'>;

/**
 * Head office: takings per calendar day, every shop summed (or one shop's).
 * The Tableau de bord of the chain needs the days, not the 6 200 shop-days
 * of a month with their shops' names.
 */
export async function takingsByDay(db: Queryable, q: { from: string; to: string; shopId?: string | undefined }): Promise<DayTakings[]> {
  const method = (col: string, m: string) => `coalesce(sum(${col}) filter (where payment_method = '${m}'), 0)::float8`;
  return db.rows<DayTakings>(
    `select to_char(day, 'YYYY-MM-DD') as day, sum(total)::float8 as total, sum(refunds)::float8 as refunds,
       ${method('total', 'cash')} as cash, ${method('total', 'mobile_money')} as mobile_money, ${method('total', 'card')} as card,
       ${method('refunds', 'cash')} as cash_refunds, ${method('refunds', 'mobile_money')} as mobile_money_refunds, ${method('refunds', 'card')} as card_refunds
     from hq_daily_takings
     where day between $1::date and $2::date and ($3::uuid is null or shop_id = $3)
     group by day order by day`,
    [q.from, q.to, q.shopId ?? null],
  );
}

/** Head office: one sale of any shop, with the shop it belongs to. */
export async function saleAnyShop(db: Queryable, id: string): Promise<(Sale & { shopCode: string; shopName: string; timezone: string }) | undefined> {
  return db.one(
    `select ${saleColumns}, sh.code as shop_code, sh.name as shop_name, sh.timezone from sales s join shops sh on sh.id = s.shop_id where s.id = $1`,
    [id],
  );
}

/** The sales of a cash session, as its X and Z reports count them. */
export async function salesOfSession(db: Queryable, sessionId: string): Promise<Sale[]> {
  return db.rows<Sale>(`select ${saleColumns} from sales s where s.session_id = $1 order by s.created_at, s.id`, [sessionId]);
}

/** What a session's completed sales took, per product and pack as sold (packs counted), in French order. */
export async function articlesOfSession(db: Queryable, sessionId: string): Promise<{ productName: string; packName: string; packUnits: number; packs: number }[]> {
  return db.rows(
    `select i.product_name, coalesce(i.pack_name, 'unité') as pack_name, i.pack_units, sum(i.quantity / i.pack_units)::int as packs
     from sales s join sale_items i on i.sale_id = s.id
     where s.session_id = $1 and s.status = 'completed'
     group by 1, 2, 3 order by i.product_name collate french, i.pack_units desc`,
    [sessionId],
  );
}

/** A sale by its receipt number (what a receipt's QR holds). */
export async function saleByNumber(db: Queryable, shopId: string, number: string): Promise<Sale | undefined> {
  return db.one<Sale>(`select ${saleColumns} from sales s where s.shop_id = $1 and s.number = $2`, [shopId, number]);
}

/**
 * A sale's every row in one statement (one round trip while its lots are
 * locked): the sale, its lines, their `sale` movements, the lots' cached
 * quantities and the outbox entries, in the order given (parents first).
 * The rows are built by the service; foreign keys between them are checked
 * at the statement's end, when all exist.
 */
export async function writeSale(
  db: Queryable,
  w: {
    sale: Sale & { hlc: string };
    items: readonly SaleItem[];
    movements: readonly (Movement & { hlc: string })[];
    outbox: readonly { entity: string; entityId: string; op: 'insert'; payload: unknown; hlc: string }[];
  },
): Promise<void> {
  const { sale: s, items, movements: ms, outbox } = w;
  // A line of the unit pack keeps no pack_id (migration 0016's « no pack: the unit pack », read back as its id):
  // every product has its unit pack by a trigger, so the line's product key proves it, and the line does not also
  // take a key lock on the pack's row (a fifth of what packs had added to a 5-line sale). What travels names it.

  await db.exec(
    `with sale as (
       insert into sales (id, shop_id, number, cashier_id, cashier_name, total, tendered, change, payment_method, hlc, created_at, updated_at,
         session_id, subtotal, discount, discount_label, discount_approved_by, rounding, payments)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, $12, $13, $14, $15, $16, $17, $18)),
     lines as (
       insert into sale_items (id, sale_id, line_no, product_id, batch_id, product_name, lot_number, expiration_date, quantity, unit_price,
         line_total, discount, discount_label, pack_id, pack_name, pack_units, created_at)
       select *, $11::timestamptz from unnest($19::uuid[], $20::uuid[], $21::int[], $22::uuid[], $23::uuid[], $24::text[], $25::text[],
         $26::date[], $27::int[], $28::bigint[], $29::bigint[], $30::bigint[], $31::text[], $41::uuid[], $42::text[], $43::int[])),
     moves as (
       insert into stock_movements (id, shop_id, batch_id, kind, delta, counted_qty, reason, sale_item_id, user_id, hlc, created_at)
       select id, $2, batch_id, 'sale', delta, null, null, sale_item_id, $4, $10, $11::timestamptz
       from unnest($32::uuid[], $33::uuid[], $34::int[], $35::uuid[]) as m(id, batch_id, delta, sale_item_id)),
     lots as (
       update product_batches b set quantity = b.quantity + d.delta
       from (select batch_id, sum(delta)::int as delta from unnest($33::uuid[], $34::int[]) as u(batch_id, delta) group by batch_id) as d
       where b.id = d.batch_id)
     insert into sync_outbox (entity, entity_id, op, payload, hlc)
     select entity, entity_id, op, payload, hlc
     from unnest($36::text[], $37::uuid[], $38::text[], $39::jsonb[], $40::text[]) with ordinality as e(entity, entity_id, op, payload, hlc, n)
     order by n`,
    [
      s.id, s.shopId, s.number, s.cashierId, s.cashierName, s.total, s.tendered, s.change, s.paymentMethod, s.hlc, s.createdAt,
      s.sessionId, s.subtotal, s.discount, s.discountLabel, s.discountApprovedBy, s.rounding, JSON.stringify(s.payments),
      items.map((i) => i.id), items.map((i) => i.saleId), items.map((i) => i.lineNo), items.map((i) => i.productId), items.map((i) => i.batchId),
      items.map((i) => i.productName), items.map((i) => i.lotNumber), items.map((i) => i.expirationDate), items.map((i) => i.units),
      items.map((i) => i.unitPrice), items.map((i) => i.lineTotal), items.map((i) => i.discount), items.map((i) => i.discountLabel),
      ms.map((m) => m.id), ms.map((m) => m.batchId), ms.map((m) => m.delta), ms.map((m) => m.saleItemId),
      outbox.map((e) => e.entity), outbox.map((e) => e.entityId), outbox.map((e) => e.op), outbox.map((e) => JSON.stringify(e.payload)),
      outbox.map((e) => e.hlc), ...packColumns(items.map((i) => (i.packId === unitPackId(i.productId) ? { ...i, packId: null } : i))),
    ],
  );
}

/** Head office: units of these products each shop sold (completed sales) since a moment: the pace transfer suggestions read. */
export async function unitsSoldByShop(db: Queryable, q: { productIds: readonly string[]; since: Date }): Promise<{ shopId: string; shopCode: string; productId: string; units: number }[]> {
  if (q.productIds.length === 0) return [];
  return db.rows(
    `select s.shop_id, sh.code as shop_code, i.product_id, sum(i.quantity)::int as units
     from sale_items i join sales s on s.id = i.sale_id join shops sh on sh.id = s.shop_id
     where i.product_id = any($1::uuid[]) and s.created_at >= $2 and s.status = 'completed'
     group by 1, 2, 3`,
    [q.productIds, q.since],
  );
}
