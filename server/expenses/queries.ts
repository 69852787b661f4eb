import type { Queryable } from '../db/pool.js';

export type PaidFrom = 'drawer' | 'bank' | 'mobile_money';

export interface Expense {
  id: string;
  shopId: string;
  /** A cancellation names the expense it cancels (its other fields repeat it). */
  cancels: string | null;
  category: string;
  amount: number;
  paidFrom: PaidFrom;
  payee: string | null;
  note: string | null;
  spentOn: string;
  sessionId: string | null;
  userId: string;
  userName: string;
  hlc: string;
  createdAt: Date;
}

/** An expense as a list shows it: cancelled or not, with or without its receipt's photo. */
export interface ExpenseListed extends Expense {
  cancelledBy: string | null;
  cancelReason: string | null;
  hasPhoto: boolean;
}

const columns = `e.id, e.shop_id, e.cancels, e.category, e.amount, e.paid_from, e.payee, e.note, e.spent_on, e.session_id, e.user_id,
  e.user_name, e.hlc, e.created_at`;

const insertSql = (received: boolean) => `insert into expenses (id, shop_id, cancels, category, amount, paid_from, payee, note, spent_on, session_id,
    user_id, user_name, hlc, created_at, received_at)
  values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, ${received ? 'now()' : 'null'}) on conflict (id) do nothing`;
const params = (e: Expense) => [e.id, e.shopId, e.cancels, e.category, e.amount, e.paidFrom, e.payee, e.note, e.spentOn, e.sessionId, e.userId, e.userName, e.hlc, e.createdAt];

export async function insertExpense(db: Queryable, e: Expense): Promise<void> {
  await db.exec(insertSql(false), params(e));
}

/** Head office: the expense as the shop made it, once; false when held already. */
export async function insertExpenseIfAbsent(db: Queryable, e: Expense): Promise<boolean> {
  return (await db.exec(insertSql(true), params(e))) > 0;
}

export async function expenseById(db: Queryable, shopId: string, id: string): Promise<Expense | undefined> {
  return db.one<Expense>(`select ${columns} from expenses e where e.shop_id = $1 and e.id = $2`, [shopId, id]);
}

export async function expensesByIds(db: Queryable, ids: readonly string[]): Promise<Expense[]> {
  return db.rows<Expense>(`select ${columns} from expenses e where e.id = any($1::uuid[])`, [ids]);
}

export async function cancellationOf(db: Queryable, id: string): Promise<Expense | undefined> {
  return db.one<Expense>(`select ${columns} from expenses e where e.cancels = $1`, [id]);
}

/** The shop's expenses spent on days from..to (cancellations not listed: they mark what they cancel), oldest first. */
export async function expensesBetween(db: Queryable, q: { shopId: string; from: string; to: string }): Promise<ExpenseListed[]> {
  return db.rows<ExpenseListed>(
    `select ${columns}, c.user_name as cancelled_by, c.note as cancel_reason, (p.expense_id is not null) as has_photo
     from expenses e left join expenses c on c.cancels = e.id left join expense_photos p on p.expense_id = e.id
     where e.shop_id = $1 and e.cancels is null and e.spent_on between $2::date and $3::date
     order by e.spent_on, e.created_at, e.id`,
    [q.shopId, q.from, q.to],
  );
}

/** The receipt's photo: a retake replaces it. */
export async function savePhoto(db: Queryable, p: { expenseId: string; contentType: string; bytes: Buffer }): Promise<void> {
  await db.exec(
    `insert into expense_photos (expense_id, content_type, bytes) values ($1, $2, $3)
     on conflict (expense_id) do update set content_type = excluded.content_type, bytes = excluded.bytes, created_at = now()`,
    [p.expenseId, p.contentType, p.bytes],
  );
}

export async function photoOf(db: Queryable, expenseId: string): Promise<{ contentType: string; bytes: Buffer } | undefined> {
  return db.one('select content_type, bytes from expense_photos where expense_id = $1', [expenseId]);
}

/** A rebuilt shop: its expenses as head office holds them. */
export async function restoreExpenses(db: Queryable, es: readonly Expense[]): Promise<void> {
  // Cancellations after what they cancel: the foreign key is checked row by row.
  for (const e of [...es].sort((a, b) => Number(a.cancels !== null) - Number(b.cancels !== null))) await db.exec(insertSql(false), params(e));
}

// ---- coverage: the nightly digest, the resend and the rebuild (server/expenses/reconcile.ts) ----

const dayRange = (col: string) => `${col} >= ($3::date)::timestamp at time zone $2 and ${col} < ($4::date + 1)::timestamp at time zone $2`;

/** Expenses (and cancellations) by the day they were recorded: count, amount, and each one's id with what it cancels. */
export async function expensesDigest(db: Queryable, q: { shopId: string; timezone: string; from: string; to: string }) {
  return db.rows<{ day: string; count: number; sum: number; hash: string }>(
    `select to_char(e.created_at at time zone $2, 'YYYY-MM-DD') as day, count(*)::int as count, sum(e.amount)::float8 as sum,
       md5(string_agg(e.id::text || ':' || coalesce(e.cancels::text, ''), ',' order by e.id)) as hash
     from expenses e where e.shop_id = $1 and ${dayRange('e.created_at')} group by 1`,
    [q.shopId, q.timezone, q.from, q.to],
  );
}

export async function expensesOfDay(db: Queryable, q: { shopId: string; timezone: string; day: string }): Promise<Expense[]> {
  return db.rows<Expense>(`select ${columns} from expenses e where e.shop_id = $1 and ${dayRange('e.created_at')} order by e.created_at, e.id`, [
    q.shopId, q.timezone, q.day, q.day,
  ]);
}

export async function expensesOfShopByIds(db: Queryable, shopId: string, ids: readonly string[]): Promise<Expense[]> {
  return db.rows<Expense>(`select ${columns} from expenses e where e.shop_id = $1 and e.id = any($2::uuid[]) order by e.created_at, e.id`, [shopId, ids]);
}

/** Head office: a shop's expenses in id order, a page at a time (a rebuild's snapshot). */
export async function expensesPage(db: Queryable, shopId: string, after: string, limit: number): Promise<Expense[]> {
  return db.rows<Expense>(`select ${columns} from expenses e where e.shop_id = $1 and e.id > $2 order by e.id limit $3`, [shopId, after, limit]);
}

// ---- head office's « Dépenses »: every shop's expenses ----

export interface HqExpenseFilter {
  shopCode?: string | undefined;
  category?: string | undefined;
  from: string;
  to: string;
}

export interface HqExpense extends ExpenseListed {
  shopCode: string;
  shopName: string;
}

const hqWhere = `e.cancels is null and e.spent_on between $1::date and $2::date and ($3::text is null or s.code = $3) and ($4::text is null or e.category = $4)`;
const hqParams = (f: HqExpenseFilter) => [f.from, f.to, f.shopCode ?? null, f.category ?? null];

/** Every expense spent on days from..to (cancellations mark what they cancel), by shop then day; at most `limit`. */
export async function hqExpenses(db: Queryable, f: HqExpenseFilter & { limit: number }): Promise<HqExpense[]> {
  return db.rows<HqExpense>(
    `select ${columns}, s.code as shop_code, s.name as shop_name, c.user_name as cancelled_by, c.note as cancel_reason, false as has_photo
     from expenses e join shops s on s.id = e.shop_id left join expenses c on c.cancels = e.id
     where ${hqWhere} order by s.code, e.spent_on, e.created_at, e.id limit $5`,
    [...hqParams(f), f.limit],
  );
}

export interface HqExpenseTotal {
  shopCode: string;
  shopName: string;
  category: string;
  month: string;
  count: number;
  amount: number;
  /** Of it, paid from a drawer. */
  drawer: number;
  cancelledCount: number;
}

/** Per shop, category and month: what was spent (cancelled expenses counted apart, not in the amount). */
export async function hqExpenseTotals(db: Queryable, f: HqExpenseFilter): Promise<HqExpenseTotal[]> {
  return db.rows<HqExpenseTotal>(
    `select s.code as shop_code, s.name as shop_name, e.category, to_char(e.spent_on, 'YYYY-MM') as month,
       count(*) filter (where c.id is null)::int as count,
       coalesce(sum(e.amount) filter (where c.id is null), 0)::bigint as amount,
       coalesce(sum(e.amount) filter (where c.id is null and e.paid_from = 'drawer'), 0)::bigint as drawer,
       count(c.id)::int as cancelled_count
     from expenses e join shops s on s.id = e.shop_id left join expenses c on c.cancels = e.id
     where ${hqWhere} group by 1, 2, 3, 4 order by to_char(e.spent_on, 'YYYY-MM'), s.code, e.category collate french`,
    hqParams(f),
  );
}

/** The categories any shop has used, for the filter. */
export async function hqExpenseCategories(db: Queryable): Promise<string[]> {
  return (await db.rows<{ category: string }>('select category from expenses where cancels is null group by category order by category collate french')).map((r) => r.category);
}
