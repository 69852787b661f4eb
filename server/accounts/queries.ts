import type { Queryable } from '../db/pool.js';
import type { Allocation, EntryKind } from '../domain/account.js';
import type { MobileOperator, PaymentMethod } from '../domain/tender.js';

export interface Customer {
  id: string;
  shopId: string;
  name: string;
  phone: string | null;
  employer: string | null;
  insurer: string | null;
  memberNumber: string | null;
  creditLimit: number;
  /** Head office set the limit: a shop's push does not raise it. */
  limitByHq: boolean;
  blocked: boolean;
  notes: string;
  hlc: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface CustomerWithBalance extends Customer {
  balance: number;
}

export interface AccountEntry {
  id: string;
  shopId: string;
  customerId: string;
  kind: EntryKind;
  amount: number;
  saleId: string | null;
  returnId: string | null;
  sessionId: string | null;
  method: PaymentMethod | null;
  operator: MobileOperator | null;
  reference: string | null;
  number: string | null;
  allocations: Allocation[];
  reason: string | null;
  balanceAfter: number;
  userId: string;
  userName: string;
  approvedBy: string | null;
  approvedByName: string | null;
  hlc: string;
  createdAt: Date;
}

/** An entry as a statement or a page lists it: with its sale's or credit note's number. */
export interface EntryWithDocument extends AccountEntry {
  saleNumber: string | null;
  returnNumber: string | null;
}

const customerColumns = `c.id, c.shop_id, c.name, c.phone, c.employer, c.insurer, c.member_number, c.credit_limit, c.limit_by_hq, c.blocked,
  c.notes, c.hlc, c.created_at, c.updated_at`;
const entryColumns = `e.id, e.shop_id, e.customer_id, e.kind, e.amount, e.sale_id, e.return_id, e.session_id, e.method, e.operator, e.reference,
  e.number, e.allocations, e.reason, e.balance_after, e.user_id, e.user_name, e.approved_by, e.approved_by_name, e.hlc, e.created_at`;
const balance = `coalesce((select sum(case when x.kind = 'sale' then x.amount else -x.amount end) from account_entries x where x.customer_id = c.id), 0)::bigint`;

type Lock = '' | ' for update';

export type CustomerRow = Omit<Customer, 'createdAt' | 'updatedAt' | 'limitByHq'> & { searchText: string; createdAt: Date };

/** A new customer; undefined when the id is taken already (a replay: the caller reads what is there). */
export async function insertCustomer(db: Queryable, c: CustomerRow): Promise<Customer | undefined> {
  return db.one<Customer>(
    `insert into customers as c (id, shop_id, name, phone, employer, insurer, member_number, credit_limit, blocked, notes, search_text, hlc, created_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) on conflict (id) do nothing returning ${customerColumns}`,
    [c.id, c.shopId, c.name, c.phone, c.employer, c.insurer, c.memberNumber, c.creditLimit, c.blocked, c.notes, c.searchText, c.hlc, c.createdAt],
  );
}

export async function customerById(db: Queryable, shopId: string, id: string, lock: Lock = ''): Promise<Customer | undefined> {
  return db.one<Customer>(`select ${customerColumns} from customers c where c.shop_id = $1 and c.id = $2${lock}`, [shopId, id]);
}

export async function customerByPhone(db: Queryable, shopId: string, phone: string): Promise<Customer | undefined> {
  return db.one<Customer>(`select ${customerColumns} from customers c where c.shop_id = $1 and c.phone = $2`, [shopId, phone]);
}

/** Customers whose name or phone hold every word (folded), with their balances, in French order. */
export async function searchCustomers(db: Queryable, shopId: string, patterns: readonly string[], limit: number): Promise<CustomerWithBalance[]> {
  return db.rows<CustomerWithBalance>(
    `select ${customerColumns}, ${balance} as balance from customers c
     where c.shop_id = $1 and c.search_text like all ($2::text[])
     order by c.name collate french, c.id limit $3`,
    [shopId, patterns, limit],
  );
}

export async function customersOfShop(db: Queryable, shopId: string): Promise<CustomerWithBalance[]> {
  return db.rows<CustomerWithBalance>(
    `select ${customerColumns}, ${balance} as balance from customers c where c.shop_id = $1 order by c.name collate french, c.id`,
    [shopId],
  );
}

export async function updateCustomer(
  db: Queryable,
  id: string,
  c: Pick<Customer, 'name' | 'phone' | 'employer' | 'insurer' | 'memberNumber' | 'creditLimit' | 'blocked' | 'notes' | 'hlc'> & { searchText: string },
): Promise<Customer> {
  return (await db.one<Customer>(
    `update customers c set name = $2, phone = $3, employer = $4, insurer = $5, member_number = $6, credit_limit = $7, blocked = $8, notes = $9,
       search_text = $10, hlc = $11
     where c.id = $1 returning ${customerColumns}`,
    [id, c.name, c.phone, c.employer, c.insurer, c.memberNumber, c.creditLimit, c.blocked, c.notes, c.searchText, c.hlc],
  ))!;
}

/** Every entry of a customer, in the order they were written. */
export async function entriesOfCustomer(db: Queryable, customerId: string): Promise<EntryWithDocument[]> {
  return db.rows<EntryWithDocument>(
    `select ${entryColumns}, s.number as sale_number, r.number as return_number
     from account_entries e left join sales s on s.id = e.sale_id left join sale_returns r on r.id = e.return_id
     where e.customer_id = $1 order by e.created_at, e.id`,
    [customerId],
  );
}

/** Every entry of a shop's customers (ageing across them), in the order they were written. */
export async function entriesOfShop(db: Queryable, shopId: string): Promise<AccountEntry[]> {
  return db.rows<AccountEntry>(`select ${entryColumns} from account_entries e where e.shop_id = $1 order by e.created_at, e.id`, [shopId]);
}

export async function entryById(db: Queryable, shopId: string, id: string): Promise<AccountEntry | undefined> {
  return db.one<AccountEntry>(`select ${entryColumns} from account_entries e where e.shop_id = $1 and e.id = $2`, [shopId, id]);
}

export async function entriesByIds(db: Queryable, ids: readonly string[]): Promise<AccountEntry[]> {
  return db.rows<AccountEntry>(`select ${entryColumns} from account_entries e where e.id = any($1::uuid[])`, [ids]);
}

export async function entriesOfSale(db: Queryable, saleId: string): Promise<AccountEntry[]> {
  return db.rows<AccountEntry>(`select ${entryColumns} from account_entries e where e.sale_id = $1 order by e.created_at, e.id`, [saleId]);
}

export type EntryRow = Omit<AccountEntry, 'createdAt'> & { createdAt: Date };

const insertEntrySql = (received: boolean) => `insert into account_entries (id, shop_id, customer_id, kind, amount, sale_id, return_id, session_id, method, operator,
    reference, number, allocations, reason, balance_after, user_id, user_name, approved_by, approved_by_name, hlc, created_at, received_at)
  values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, ${received ? 'now()' : 'null'})
  on conflict (id) do nothing`;
const entryParams = (e: EntryRow) => [
  e.id, e.shopId, e.customerId, e.kind, e.amount, e.saleId, e.returnId, e.sessionId, e.method, e.operator, e.reference, e.number,
  JSON.stringify(e.allocations), e.reason, e.balanceAfter, e.userId, e.userName, e.approvedBy, e.approvedByName, e.hlc, e.createdAt,
];

export async function insertEntry(db: Queryable, e: EntryRow): Promise<void> {
  await db.exec(insertEntrySql(false), entryParams(e));
}

/** Head office: the entry as the shop made it, once; false when it was held already. */
export async function insertEntryIfAbsent(db: Queryable, e: EntryRow): Promise<boolean> {
  return (await db.exec(insertEntrySql(true), entryParams(e))) > 0;
}

/** The next payment-receipt number of the shop, without gaps (the counter row stays locked until the payment commits). */
export async function takeReglementNumber(db: Queryable, shopId: string): Promise<number> {
  return (await db.one<{ lastNumber: number }>(
    `insert into shop_counters as c (shop_id, kind, last_number) values ($1, 'reglement', 1)
     on conflict (shop_id, kind) do update set last_number = c.last_number + 1 returning last_number`,
    [shopId],
  ))!.lastNumber;
}

/** The payments on account taken in a session, for its X and Z reports. */
export async function paymentsOfSession(db: Queryable, sessionId: string): Promise<{ method: PaymentMethod; amount: number }[]> {
  return db.rows(`select e.method, e.amount from account_entries e where e.session_id = $1 and e.kind = 'payment' order by e.created_at, e.id`, [sessionId]);
}

/** A credit a manager's PIN allowed (over the limit, or to a blocked customer), as the session's X and Z list it. */
export interface CreditApproval {
  number: string;
  customerName: string;
  amount: number;
  cashierName: string;
  approvedByName: string;
}

/** The credit sales of a session (not voided) that a manager allowed, in the order they were made. */
export async function creditApprovalsOfSession(db: Queryable, sessionId: string): Promise<CreditApproval[]> {
  return db.rows<CreditApproval>(
    `select s.number, c.name as customer_name, e.amount, e.user_name as cashier_name, e.approved_by_name
     from account_entries e join sales s on s.id = e.sale_id join customers c on c.id = e.customer_id
     where s.session_id = $1 and s.status = 'completed' and e.kind = 'sale' and e.approved_by is not null
     order by e.created_at, e.id`,
    [sessionId],
  );
}

// Head office: each row as the shop made it.

export async function insertCustomerIfAbsent(db: Queryable, c: CustomerRow): Promise<boolean> {
  return (await db.exec(
    `insert into customers (id, shop_id, name, phone, employer, insurer, member_number, credit_limit, blocked, notes, search_text, hlc, created_at, received_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, now()) on conflict (id) do nothing`,
    [c.id, c.shopId, c.name, c.phone, c.employer, c.insurer, c.memberNumber, c.creditLimit, c.blocked, c.notes, c.searchText, c.hlc, c.createdAt],
  )) > 0;
}

export async function customerAnyShop(db: Queryable, id: string, lock: Lock = ''): Promise<Customer | undefined> {
  return db.one<Customer>(`select ${customerColumns} from customers c where c.id = $1${lock}`, [id]);
}

/** Head office's own limit: a shop's push does not raise it afterwards. */
export async function setLimitAtHq(db: Queryable, id: string, creditLimit: number, hlc: string): Promise<Customer> {
  return (await db.one<Customer>(
    `update customers c set credit_limit = $2, limit_by_hq = true, hlc = $3 where c.id = $1 returning ${customerColumns}`,
    [id, creditLimit, hlc],
  ))!;
}

/** A rebuilt shop: its customers and entries as head office holds them (no outbox row: head office has them). */
export async function restoreCustomers(db: Queryable, cs: readonly (Customer & { searchText?: string })[]): Promise<void> {
  for (const c of cs) {
    await db.exec(
      `insert into customers (id, shop_id, name, phone, employer, insurer, member_number, credit_limit, limit_by_hq, blocked, notes, search_text, hlc, created_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) on conflict (id) do nothing`,
      [c.id, c.shopId, c.name, c.phone, c.employer, c.insurer, c.memberNumber, c.creditLimit, c.limitByHq, c.blocked, c.notes, c.searchText ?? '', c.hlc, c.createdAt],
    );
  }
}

export async function restoreEntries(db: Queryable, es: readonly EntryRow[]): Promise<void> {
  for (const e of es) await db.exec(insertEntrySql(false), entryParams(e));
}

// ---- coverage: the nightly digest, the resend and the rebuild (server/accounts/reconcile.ts) ----

type DayRange = { shopId: string; timezone: string; from: string; to: string };
type Day = { shopId: string; timezone: string; day: string };
const dayRange = (col: string) => `${col} >= ($3::date)::timestamp at time zone $2 and ${col} < ($4::date + 1)::timestamp at time zone $2`;

/**
 * Customers by the day they were opened: count, and each one's id with what
 * a shop edits of it (a lost edit shows). The credit limit is left out: head
 * office may hold its own until the feed brings it down.
 */
export async function customersDigest(db: Queryable, q: DayRange) {
  return db.rows<{ day: string; count: number; sum: number; hash: string }>(
    `select to_char(c.created_at at time zone $2, 'YYYY-MM-DD') as day, count(*)::int as count, 0::float8 as sum,
       md5(string_agg(c.id::text || ':' || c.name || ':' || coalesce(c.phone, '') || ':' || c.blocked::text, ',' order by c.id)) as hash
     from customers c where c.shop_id = $1 and ${dayRange('c.created_at')} group by 1`,
    [q.shopId, q.timezone, q.from, q.to],
  );
}

export async function customersOfDay(db: Queryable, q: Day): Promise<Customer[]> {
  return db.rows<Customer>(`select ${customerColumns} from customers c where c.shop_id = $1 and ${dayRange('c.created_at')} order by c.created_at, c.id`, [
    q.shopId, q.timezone, q.day, q.day,
  ]);
}

export async function customersByIds(db: Queryable, shopId: string, ids: readonly string[]): Promise<Customer[]> {
  return db.rows<Customer>(`select ${customerColumns} from customers c where c.shop_id = $1 and c.id = any($2::uuid[]) order by c.created_at, c.id`, [shopId, ids]);
}

/** Entries by the day they were written: count, the balance they moved, and each one's id and kind. */
export async function entriesDigest(db: Queryable, q: DayRange) {
  return db.rows<{ day: string; count: number; sum: number; hash: string }>(
    `select to_char(e.created_at at time zone $2, 'YYYY-MM-DD') as day, count(*)::int as count,
       sum(case when e.kind = 'sale' then e.amount else -e.amount end)::float8 as sum,
       md5(string_agg(e.id::text || ':' || e.kind, ',' order by e.id)) as hash
     from account_entries e where e.shop_id = $1 and ${dayRange('e.created_at')} group by 1`,
    [q.shopId, q.timezone, q.from, q.to],
  );
}

export async function entriesOfDay(db: Queryable, q: Day): Promise<AccountEntry[]> {
  return db.rows<AccountEntry>(`select ${entryColumns} from account_entries e where e.shop_id = $1 and ${dayRange('e.created_at')} order by e.created_at, e.id`, [
    q.shopId, q.timezone, q.day, q.day,
  ]);
}

/** Head office: a shop's customers in id order, a page at a time (a rebuild's snapshot). */
export async function customersPage(db: Queryable, shopId: string, after: string, limit: number): Promise<Customer[]> {
  return db.rows<Customer>(`select ${customerColumns} from customers c where c.shop_id = $1 and c.id > $2 order by c.id limit $3`, [shopId, after, limit]);
}

export async function entriesPage(db: Queryable, shopId: string, after: string, limit: number): Promise<AccountEntry[]> {
  return db.rows<AccountEntry>(`select ${entryColumns} from account_entries e where e.shop_id = $1 and e.id > $2 order by e.id limit $3`, [shopId, after, limit]);
}

/** Payment-receipt numbers continue after `n` (never back: a number is never given twice). */
export async function raiseReglementCounter(db: Queryable, shopId: string, n: number): Promise<void> {
  await db.exec(
    `insert into shop_counters as c (shop_id, kind, last_number) values ($1, 'reglement', $2)
     on conflict (shop_id, kind) do update set last_number = greatest(c.last_number, excluded.last_number)`,
    [shopId, n],
  );
}

/** The shop: the limit of the newest change of this customer not yet acknowledged by head office, if any. */
export async function pendingLimitOf(db: Queryable, customerId: string): Promise<number | undefined> {
  const row = await db.one<{ creditLimit: number | null }>(
    `select (payload->>'creditLimit')::bigint as credit_limit from sync_outbox where entity = 'customer' and entity_id = $1 order by seq desc limit 1`,
    [customerId],
  );
  return row?.creditLimit ?? undefined;
}

/** The shop: head office's limit, taken (its clock kept if newer than the row's). */
export async function takeLimitFromHq(db: Queryable, id: string, creditLimit: number, hlc: string): Promise<void> {
  await db.exec('update customers set credit_limit = $2, limit_by_hq = true, hlc = greatest(hlc, $3) where id = $1', [id, creditLimit, hlc]);
}
