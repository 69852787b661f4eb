import type { Queryable } from '../db/pool.js';

export type TransferStatus = 'draft' | 'shipped' | 'cancelled';

export interface TransferLine {
  id: string;
  transferId: string;
  lineNo: number;
  batchId: string;
  productId: string;
  productName: string;
  lotNumber: string;
  expirationDate: string;
  unitCost: number | null;
  quantity: number;
}

export interface Transfer {
  id: string;
  shopId: string;
  shopCode: string;
  number: string;
  toShopId: string;
  toShopCode: string;
  status: TransferStatus;
  reason: string | null;
  createdBy: string | null;
  createdByName: string;
  shippedAt: Date | null;
  cancelledAt: Date | null;
  cancelOverruledAt: Date | null;
  /** The requisition of the receiving shop this transfer answers, if any. */
  requisitionId?: string | null;
  hlc: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface ReceiptLine {
  lineId: string;
  receivedQty: number;
  note: string | null;
  batchId: string | null;
}

export interface TransferReceipt {
  id: string;
  transferId: string;
  shopId: string;
  receivedBy: string | null;
  receivedByName: string;
  lines: ReceiptLine[];
  shippedUnits: number;
  receivedUnits: number;
  hlc: string;
  createdAt: Date;
}

const columns = `t.id, t.shop_id, t.shop_code, t.number, t.to_shop_id, t.to_shop_code, t.status, t.reason, t.created_by, t.created_by_name,
  t.shipped_at, t.cancelled_at, t.cancel_overruled_at, t.requisition_id, t.hlc, t.created_at, t.updated_at`;
const lineColumns = `l.id, l.transfer_id, l.line_no, l.batch_id, l.product_id, l.product_name, l.lot_number,
  to_char(l.expiration_date, 'YYYY-MM-DD') as expiration_date, l.unit_cost, l.quantity`;
const receiptColumns = 'r.id, r.transfer_id, r.shop_id, r.received_by, r.received_by_name, r.lines, r.shipped_units, r.received_units, r.hlc, r.created_at';

/** A row as it arrives by sync: its times are the sender's. */
export async function insertTransferIfAbsent(db: Queryable, t: Omit<Transfer, 'updatedAt'>): Promise<boolean> {
  return (await db.exec(
    `insert into transfers (id, shop_id, number, to_shop_id, to_shop_code, status, reason, created_by, created_by_name, shipped_at,
       cancelled_at, cancel_overruled_at, hlc, created_at, shop_code, requisition_id)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) on conflict (id) do nothing`,
    [t.id, t.shopId, t.number, t.toShopId, t.toShopCode, t.status, t.reason, t.createdBy, t.createdByName, t.shippedAt, t.cancelledAt,
      t.cancelOverruledAt, t.hlc, t.createdAt, t.shopCode, t.requisitionId ?? null],
  )) > 0;
}

export async function insertLines(db: Queryable, lines: readonly TransferLine[]): Promise<void> {
  if (lines.length === 0) return;
  await db.exec(
    `insert into transfer_lines (id, transfer_id, line_no, batch_id, product_id, product_name, lot_number, expiration_date, unit_cost, quantity)
     select * from unnest($1::uuid[], $2::uuid[], $3::int[], $4::uuid[], $5::uuid[], $6::text[], $7::text[], $8::date[], $9::bigint[], $10::int[])
     on conflict (id) do nothing`,
    [
      lines.map((l) => l.id), lines.map((l) => l.transferId), lines.map((l) => l.lineNo), lines.map((l) => l.batchId), lines.map((l) => l.productId),
      lines.map((l) => l.productName), lines.map((l) => l.lotNumber), lines.map((l) => l.expirationDate), lines.map((l) => l.unitCost),
      lines.map((l) => l.quantity),
    ],
  );
}

export async function transferById(db: Queryable, id: string, lock = false): Promise<Transfer | undefined> {
  return db.one<Transfer>(`select ${columns} from transfers t where t.id = $1 ${lock ? 'for update' : ''}`, [id]);
}

export async function linesOf(db: Queryable, transferIds: readonly string[]): Promise<TransferLine[]> {
  return db.rows<TransferLine>(`select ${lineColumns} from transfer_lines l where l.transfer_id = any($1::uuid[]) order by l.transfer_id, l.line_no`, [
    transferIds,
  ]);
}

export async function receiptsOf(db: Queryable, transferIds: readonly string[]): Promise<TransferReceipt[]> {
  return db.rows<TransferReceipt>(`select ${receiptColumns} from transfer_receipts r where r.transfer_id = any($1::uuid[])`, [transferIds]);
}

export async function setStatus(
  db: Queryable,
  id: string,
  s: { status: TransferStatus; shippedAt?: Date | null; cancelledAt?: Date | null; cancelOverruledAt?: Date | null; hlc: string },
): Promise<Transfer> {
  return (await db.one<Transfer>(
    `update transfers t set status = $2, shipped_at = coalesce($3, t.shipped_at), cancelled_at = $4,
       cancel_overruled_at = coalesce($5, t.cancel_overruled_at), hlc = $6
     where t.id = $1 returning ${columns}`,
    [id, s.status, s.shippedAt ?? null, s.cancelledAt ?? null, s.cancelOverruledAt ?? null, s.hlc],
  ))!;
}

export async function insertReceiptIfAbsent(db: Queryable, r: TransferReceipt): Promise<boolean> {
  return (await db.exec(
    `insert into transfer_receipts (id, transfer_id, shop_id, received_by, received_by_name, lines, shipped_units, received_units, hlc, created_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) on conflict do nothing`,
    [r.id, r.transferId, r.shopId, r.receivedBy, r.receivedByName, JSON.stringify(r.lines), r.shippedUnits, r.receivedUnits, r.hlc, r.createdAt],
  )) > 0;
}

/** A shop's transfers: the ones it sends (`out`) or the ones addressed to it (`in`), newest first. */
export async function transfersOf(db: Queryable, q: { shopId: string; direction: 'in' | 'out' | 'all'; limit: number }): Promise<Transfer[]> {
  return db.rows<Transfer>(
    `select ${columns} from transfers t
     where ($2 in ('out', 'all') and t.shop_id = $1) or ($2 in ('in', 'all') and t.to_shop_id = $1 and t.status <> 'draft')
     order by t.created_at desc, t.id desc limit $3`,
    [q.shopId, q.direction, q.limit],
  );
}

/** Head office: every shop's shipped transfers, newest first, optionally one shop's (as sender or receiver). */
export async function chainTransfers(db: Queryable, q: { shopId?: string | undefined; limit: number }): Promise<Transfer[]> {
  return db.rows<Transfer>(
    `select ${columns} from transfers t where t.status <> 'draft' and ($1::uuid is null or t.shop_id = $1 or t.to_shop_id = $1)
     order by t.created_at desc, t.id desc limit $2`,
    [q.shopId ?? null, q.limit],
  );
}

export async function nextTransferNumber(db: Queryable, shopId: string, shopCode: string): Promise<string> {
  // One sender numbers its transfers one at a time; a gap would be harmless, a repeat is refused by the unique key.
  await db.exec(`select pg_advisory_xact_lock(hashtextextended('transfer-number:' || $1, 7320019))`, [shopId]);
  // After the highest held, not the count: a rebuilt shop holds no drafts, whose numbers were taken.
  const n = (await highestTransferNumber(db, shopId)) + 1;
  return `${shopCode}-TR${String(n).padStart(5, '0')}`;
}

export interface ChainShop {
  id: string;
  code: string;
  name: string;
}

export async function chainShopByCode(db: Queryable, code: string): Promise<ChainShop | undefined> {
  return db.one<ChainShop>('select id, code, name from chain_shops where code = $1', [code]);
}

export async function chainShops(db: Queryable): Promise<ChainShop[]> {
  return db.rows<ChainShop>('select id, code, name from chain_shops order by code');
}

export async function upsertChainShop(db: Queryable, s: ChainShop): Promise<void> {
  await db.exec(
    'insert into chain_shops (id, code, name) values ($1, $2, $3) on conflict (id) do update set code = excluded.code, name = excluded.name',
    [s.id, s.code, s.name],
  );
}

/** Head office: a registered shop by its id (a transfer names where it goes). */
export async function registeredShop(db: Queryable, id: string): Promise<{ id: string; code: string } | undefined> {
  return db.one('select id, code from shops where id = $1 and token_hash is not null', [id]);
}

// ---- coverage: the nightly digest, the resend and the rebuild (server/transfers/reconcile.ts) ----

type DayRange = { shopId: string; timezone: string; from: string; to: string };
const dayRange = (col: string) => `${col} >= ($3::date)::timestamp at time zone $2 and ${col} < ($4::date + 1)::timestamp at time zone $2`;

/**
 * The shipments a shop sent, by the day it shipped them (a date it sends):
 * count, units shipped, and each one's status (a cancel, or its overruling,
 * shows). Drafts never travel.
 */
export async function shipmentsDigest(db: Queryable, q: DayRange) {
  return db.rows<{ day: string; count: number; sum: number; hash: string }>(
    `select to_char(t.shipped_at at time zone $2, 'YYYY-MM-DD') as day, count(*)::int as count,
       coalesce(sum((select sum(l.quantity) from transfer_lines l where l.transfer_id = t.id)), 0)::float8 as sum,
       md5(string_agg(t.id::text || ':' || t.status, ',' order by t.id)) as hash
     from transfers t where t.shop_id = $1 and t.status <> 'draft' and ${dayRange('t.shipped_at')} group by 1`,
    [q.shopId, q.timezone, q.from, q.to],
  );
}

export async function shipmentsOfDay(db: Queryable, q: { shopId: string; timezone: string; day: string }): Promise<Transfer[]> {
  return db.rows<Transfer>(
    `select ${columns} from transfers t where t.shop_id = $1 and t.status <> 'draft' and ${dayRange('t.shipped_at')} order by t.shipped_at, t.id`,
    [q.shopId, q.timezone, q.day, q.day],
  );
}

export async function shipmentsByIds(db: Queryable, shopId: string, ids: readonly string[]): Promise<Transfer[]> {
  return db.rows<Transfer>(`select ${columns} from transfers t where t.shop_id = $1 and t.shipped_at is not null and t.id = any($2::uuid[]) order by t.shipped_at, t.id`, [
    shopId, ids,
  ]);
}

/** The receipts a shop made, by the day it made them: count, units received. */
export async function receiptsDigest(db: Queryable, q: DayRange) {
  return db.rows<{ day: string; count: number; sum: number; hash: string }>(
    `select to_char(r.created_at at time zone $2, 'YYYY-MM-DD') as day, count(*)::int as count, sum(r.received_units)::float8 as sum,
       md5(string_agg(r.id::text || ':' || r.transfer_id::text, ',' order by r.id)) as hash
     from transfer_receipts r where r.shop_id = $1 and ${dayRange('r.created_at')} group by 1`,
    [q.shopId, q.timezone, q.from, q.to],
  );
}

export async function receiptsOfDay(db: Queryable, q: { shopId: string; timezone: string; day: string }): Promise<TransferReceipt[]> {
  return db.rows<TransferReceipt>(
    `select ${receiptColumns} from transfer_receipts r where r.shop_id = $1 and ${dayRange('r.created_at')} order by r.created_at, r.id`,
    [q.shopId, q.timezone, q.day, q.day],
  );
}

/** A shop's part of the chain's transfers: the ones it sent and the ones addressed to it (never a draft), in id order. */
export async function transfersPage(db: Queryable, shopId: string, after: string, limit: number): Promise<Transfer[]> {
  return db.rows<Transfer>(
    `select ${columns} from transfers t where (t.shop_id = $1 or t.to_shop_id = $1) and t.status <> 'draft' and t.id > $2 order by t.id limit $3`,
    [shopId, after, limit],
  );
}

export async function transferLinesPage(db: Queryable, shopId: string, after: string, limit: number): Promise<TransferLine[]> {
  return db.rows<TransferLine>(
    `select ${lineColumns} from transfer_lines l join transfers t on t.id = l.transfer_id
     where (t.shop_id = $1 or t.to_shop_id = $1) and t.status <> 'draft' and l.id > $2 order by l.id limit $3`,
    [shopId, after, limit],
  );
}

/** The receipts of those transfers: the shop's own, and the other shop's of what it sent. */
export async function receiptsPage(db: Queryable, shopId: string, after: string, limit: number): Promise<TransferReceipt[]> {
  return db.rows<TransferReceipt>(
    `select ${receiptColumns} from transfer_receipts r join transfers t on t.id = r.transfer_id
     where (t.shop_id = $1 or t.to_shop_id = $1) and r.id > $2 order by r.id limit $3`,
    [shopId, after, limit],
  );
}

/** A rebuilt shop: transfers as head office holds them (status, cancel, overruling and clock included). */
export async function restoreTransfers(db: Queryable, rows: readonly Transfer[]): Promise<void> {
  for (const t of rows) {
    await insertTransferIfAbsent(db, { ...t, shippedAt: date(t.shippedAt), cancelledAt: date(t.cancelledAt), cancelOverruledAt: date(t.cancelOverruledAt), createdAt: date(t.createdAt)! });
  }
}

export async function restoreReceipts(db: Queryable, rows: readonly TransferReceipt[]): Promise<void> {
  for (const r of rows) await insertReceiptIfAbsent(db, { ...r, createdAt: date(r.createdAt)! });
}

/** A snapshot's rows arrive as JSON: their times are strings. */
const date = (v: Date | string | null | undefined) => (v ? new Date(v) : null);

/** The highest number a shop's transfers hold: after a rebuild (its drafts lost), numbering continues after it. */
export async function highestTransferNumber(db: Queryable, shopId: string): Promise<number> {
  return (await db.one<{ n: number }>(`select coalesce(max((regexp_match(number, '(\\d+)$'))[1]::int), 0) as n from transfers where shop_id = $1`, [shopId]))!.n;
}
