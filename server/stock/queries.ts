import type { Queryable } from '../db/pool.js';
import type { BatchStatus } from '../domain/fefo.js';
import type { MovementKind } from '../domain/ledger.js';

export interface Batch {
  id: string;
  shopId: string;
  productId: string;
  lotNumber: string;
  expirationDate: string;
  initialQty: number;
  quantity: number;
  unitCost: number | null;
  receivedDate: string;
  status: BatchStatus;
  statusReason: string | null;
  /** Where a delivered lot came from (purchasing); null for a lot received by hand. */
  supplierId?: string | null;
  purchaseOrderId?: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface BatchRow extends Batch {
  hlc: string;
  fieldClocks: Record<string, string>;
  fieldOrigins?: Record<string, string>;
}

export interface Movement {
  id: string;
  shopId: string;
  batchId: string;
  kind: MovementKind;
  delta: number;
  countedQty: number | null;
  reason: string | null;
  saleItemId: string | null;
  userId: string | null;
  hlc: string;
  createdAt: Date;
}

export type NewMovement = Omit<Movement, 'createdAt'>;

const columns = `b.id, b.shop_id, b.product_id, b.lot_number, b.expiration_date, b.initial_qty, b.quantity,
  b.unit_cost, b.received_date, b.status, b.status_reason, b.supplier_id, b.purchase_order_id, b.created_at, b.updated_at`;
const rowColumns = `${columns}, b.hlc, b.field_clocks, b.field_origins`;

export async function insertBatch(db: Queryable, b: Omit<BatchRow, 'createdAt' | 'updatedAt'>): Promise<BatchRow> {
  return (await db.one<BatchRow>(
    `insert into product_batches as b (id, shop_id, product_id, lot_number, expiration_date, initial_qty, quantity,
       unit_cost, received_date, status, status_reason, hlc, field_clocks, field_origins, supplier_id, purchase_order_id)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
     returning ${rowColumns}`,
    [
      b.id, b.shopId, b.productId, b.lotNumber, b.expirationDate, b.initialQty, b.quantity,
      b.unitCost, b.receivedDate, b.status, b.statusReason, b.hlc, b.fieldClocks, b.fieldOrigins ?? {},
      b.supplierId ?? null, b.purchaseOrderId ?? null,
    ],
  ))!;
}

/** Many new lots in one statement (a delivery note's), returned in the order given. */
export async function insertBatches(db: Queryable, bs: readonly Omit<BatchRow, 'createdAt' | 'updatedAt'>[]): Promise<BatchRow[]> {
  if (bs.length === 0) return [];
  const rows = await db.rows<BatchRow>(
    `insert into product_batches as b (id, shop_id, product_id, lot_number, expiration_date, initial_qty, quantity,
       unit_cost, received_date, status, status_reason, hlc, field_clocks, field_origins, supplier_id, purchase_order_id)
     select id, shop_id, product_id, lot_number, expiration_date, initial_qty, quantity, unit_cost, received_date, status, status_reason,
       hlc, field_clocks, coalesce(field_origins, '{}'), supplier_id, purchase_order_id
     from jsonb_to_recordset($1::jsonb) as r(id uuid, shop_id uuid, product_id uuid, lot_number text, expiration_date date, initial_qty int,
       quantity int, unit_cost bigint, received_date date, status text, status_reason text, hlc text, field_clocks jsonb, field_origins jsonb,
       supplier_id uuid, purchase_order_id uuid)
     returning ${rowColumns}`,
    [JSON.stringify(bs.map((b) => ({
      id: b.id, shop_id: b.shopId, product_id: b.productId, lot_number: b.lotNumber, expiration_date: b.expirationDate, initial_qty: b.initialQty,
      quantity: b.quantity, unit_cost: b.unitCost, received_date: b.receivedDate, status: b.status, status_reason: b.statusReason, hlc: b.hlc,
      field_clocks: b.fieldClocks, field_origins: b.fieldOrigins ?? {}, supplier_id: b.supplierId ?? null, purchase_order_id: b.purchaseOrderId ?? null,
    })))],
  );
  const byId = new Map(rows.map((r) => [r.id, r]));
  return bs.map((b) => byId.get(b.id)!);
}

/** The lots a shop holds under these (product, lot number) pairs, locked in one fixed order. */
export async function lockBatchesByLots(db: Queryable, shopId: string, lots: readonly { productId: string; lotNumber: string }[], lock = true): Promise<BatchRow[]> {
  return db.rows<BatchRow>(
    `select ${rowColumns} from product_batches b
     join unnest($2::uuid[], $3::text[]) as u(product_id, lot_number) on b.product_id = u.product_id and b.lot_number = u.lot_number
     where b.shop_id = $1 order by b.product_id, b.lot_number ${lock ? 'for update of b' : ''}`,
    [shopId, lots.map((l) => l.productId), lots.map((l) => l.lotNumber)],
  );
}

export async function lockBatch(db: Queryable, shopId: string, id: string): Promise<BatchRow | undefined> {
  return db.one<BatchRow>(`select ${rowColumns} from product_batches b where b.shop_id = $1 and b.id = $2 for update`, [
    shopId,
    id,
  ]);
}

export async function lockBatchByLot(
  db: Queryable,
  shopId: string,
  productId: string,
  lotNumber: string,
): Promise<BatchRow | undefined> {
  return db.one<BatchRow>(
    `select ${rowColumns} from product_batches b
     where b.shop_id = $1 and b.product_id = $2 and b.lot_number = $3 for update`,
    [shopId, productId, lotNumber],
  );
}

/**
 * Every lot of this shop that a pulled page may write, locked before the page
 * writes anything and in id order, the order a sale locks its lots in: lots
 * named by the page's lot edits, the lots its recalls stop, and the lots of
 * the transfers whose receipts it brings (a cancel overruled takes units out).
 */
export async function lockLotsOfPage(
  db: Queryable,
  shopId: string,
  page: { batchIds: readonly string[]; recalled: readonly { productId: string; lotNumber: string }[]; transferIds: readonly string[] },
): Promise<void> {
  if (page.batchIds.length + page.recalled.length + page.transferIds.length === 0) return;
  await db.exec(
    `select 1 from product_batches b
     where b.shop_id = $1 and (b.id = any($2::uuid[])
       or (b.product_id, b.lot_number) in (select * from unnest($3::uuid[], $4::text[]))
       or b.id in (select l.batch_id from transfer_lines l where l.transfer_id = any($5::uuid[])))
     order by b.id for update`,
    [shopId, page.batchIds, page.recalled.map((r) => r.productId), page.recalled.map((r) => r.lotNumber), page.transferIds],
  );
}

export async function batchById(db: Queryable, shopId: string, id: string): Promise<Batch | undefined> {
  return db.one<Batch>(`select ${columns} from product_batches b where b.shop_id = $1 and b.id = $2`, [shopId, id]);
}

/** A product's batches in FEFO order. */
export async function batchesOfProduct(db: Queryable, shopId: string, productId: string): Promise<Batch[]> {
  return db.rows<Batch>(
    `select ${columns} from product_batches b where b.shop_id = $1 and b.product_id = $2
     order by b.expiration_date, b.received_date, b.id`,
    [shopId, productId],
  );
}

/** Several products' batches in one query, each product's in FEFO order. */
export async function batchesOfProducts(db: Queryable, shopId: string, productIds: readonly string[]): Promise<Batch[]> {
  if (productIds.length === 0) return [];
  return db.rows<Batch>(
    `select ${columns} from product_batches b where b.shop_id = $1 and b.product_id = any($2::uuid[])
     order by b.product_id, b.expiration_date, b.received_date, b.id`,
    [shopId, productIds],
  );
}

/**
 * Locks every batch with stock of these products, in id order: every writer
 * locks batches in this one order, so two tills never deadlock.
 */
export async function lockBatchesWithStock(db: Queryable, shopId: string, productIds: readonly string[]): Promise<Batch[]> {
  return db.rows<Batch>(
    `select ${columns} from product_batches b
     where b.shop_id = $1 and b.product_id = any($2::uuid[]) and b.quantity > 0
     order by b.id for update`,
    [shopId, productIds],
  );
}

export async function lockBatchesByIds(db: Queryable, shopId: string, ids: readonly string[]): Promise<Batch[]> {
  return db.rows<Batch>(
    `select ${columns} from product_batches b where b.shop_id = $1 and b.id = any($2::uuid[]) order by b.id for update`,
    [shopId, ids],
  );
}

/** Keeps the cached quantity equal to the ledger; the rows must already be locked. */
/** Summed per lot first: an UPDATE … FROM applies one matching row only, so two movements of one lot (a return set aside) must be one delta. */
export async function applyDeltas(db: Queryable, deltas: readonly { batchId: string; delta: number }[]): Promise<void> {
  await db.exec(
    `update product_batches b set quantity = b.quantity + d.delta
     from (select id, sum(delta)::int as delta from unnest($1::uuid[], $2::int[]) as u(id, delta) group by id) as d where b.id = d.id`,
    [deltas.map((d) => d.batchId), deltas.map((d) => d.delta)],
  );
}

export async function updateBatchFields(
  db: Queryable,
  id: string,
  f: {
    lotNumber?: string;
    expirationDate: string;
    unitCost: number | null;
    status: BatchStatus;
    statusReason: string | null;
    hlc: string;
    fieldClocks: Record<string, string>;
    fieldOrigins?: Record<string, string> | undefined;
  },
): Promise<BatchRow> {
  return (await db.one<BatchRow>(
    `update product_batches b set expiration_date = $2, unit_cost = $3, status = $4, status_reason = $5, hlc = $6,
       field_clocks = $7, lot_number = coalesce($8, b.lot_number), field_origins = coalesce($9, b.field_origins)
     where b.id = $1 returning ${rowColumns}`,
    [id, f.expirationDate, f.unitCost, f.status, f.statusReason, f.hlc, f.fieldClocks, f.lotNumber ?? null, f.fieldOrigins ?? null],
  ))!;
}

export async function insertMovements(db: Queryable, ms: readonly NewMovement[]): Promise<Movement[]> {
  return db.rows<Movement>(
    `insert into stock_movements (id, shop_id, batch_id, kind, delta, counted_qty, reason, sale_item_id, user_id, hlc)
     select * from unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::int[], $6::int[], $7::text[], $8::uuid[], $9::uuid[], $10::text[])
     returning id, shop_id, batch_id, kind, delta, counted_qty, reason, sale_item_id, user_id, hlc, created_at`,
    [
      ms.map((m) => m.id), ms.map((m) => m.shopId), ms.map((m) => m.batchId), ms.map((m) => m.kind),
      ms.map((m) => m.delta), ms.map((m) => m.countedQty), ms.map((m) => m.reason), ms.map((m) => m.saleItemId),
      ms.map((m) => m.userId), ms.map((m) => m.hlc),
    ],
  );
}

export async function movementsOfBatch(db: Queryable, batchId: string): Promise<Movement[]> {
  return db.rows<Movement>(
    `select id, shop_id, batch_id, kind, delta, counted_qty, reason, sale_item_id, user_id, hlc, created_at
     from stock_movements where batch_id = $1 order by hlc, id`,
    [batchId],
  );
}

/** Head office: movements as the shop made them; a copy already here is left alone. Returns the ids inserted. */
export async function insertMovementsIfAbsent(db: Queryable, ms: readonly Movement[]): Promise<string[]> {
  if (ms.length === 0) return [];
  const rows = await db.rows<{ id: string }>(
    `insert into stock_movements (id, shop_id, batch_id, kind, delta, counted_qty, reason, sale_item_id, user_id, hlc, created_at, received_at)
     select *, now() from unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::int[], $6::int[], $7::text[], $8::uuid[], $9::uuid[],
       $10::text[], $11::timestamptz[])
     on conflict (id) do nothing returning id`,
    [
      ms.map((m) => m.id), ms.map((m) => m.shopId), ms.map((m) => m.batchId), ms.map((m) => m.kind), ms.map((m) => m.delta),
      ms.map((m) => m.countedQty), ms.map((m) => m.reason), ms.map((m) => m.saleItemId), ms.map((m) => m.userId),
      ms.map((m) => m.hlc), ms.map((m) => m.createdAt),
    ],
  );
  return rows.map((r) => r.id);
}

export async function movementsByIds(db: Queryable, ids: readonly string[]): Promise<Movement[]> {
  return db.rows<Movement>(
    `select id, shop_id, batch_id, kind, delta, counted_qty, reason, sale_item_id, user_id, hlc, created_at
     from stock_movements where id = any($1::uuid[])`,
    [ids],
  );
}

/**
 * Each lot's quantity from its ledger, summed in the database (a lot's day
 * of sales is thousands of movements: shipping them to be replayed was most
 * of a push's cost). The rule of domain/ledger.ts `ledgerQuantity`: in clock
 * order (then id), the last count sets the quantity and every later movement
 * adds its delta. Clocks compare byte by byte, as in JavaScript.
 */
export async function ledgerQuantities(db: Queryable, batchIds: readonly string[]): Promise<{ batchId: string; quantity: number }[]> {
  return db.rows(
    `select b.id as batch_id, (coalesce(c.counted_qty, 0) + coalesce((
         select sum(m.delta) from stock_movements m
         where m.batch_id = b.id and m.kind <> 'count'
           and (c.id is null or m.hlc collate "C" > c.hlc collate "C" or (m.hlc = c.hlc and m.id > c.id))), 0))::int as quantity
     from unnest($1::uuid[]) as b(id)
     left join lateral (
       select hlc, id, counted_qty from stock_movements
       where batch_id = b.id and kind = 'count' order by hlc collate "C" desc, id desc limit 1) c on true`,
    [batchIds],
  );
}

export async function setQuantities(db: Queryable, qs: readonly { batchId: string; quantity: number }[]): Promise<void> {
  await db.exec(
    `update product_batches b set quantity = q.quantity from unnest($1::uuid[], $2::int[]) as q(id, quantity)
     where b.id = q.id and b.quantity <> q.quantity`,
    [qs.map((q) => q.batchId), qs.map((q) => q.quantity)],
  );
}

export async function lockBatchesAnyShop(db: Queryable, ids: readonly string[]): Promise<BatchRow[]> {
  return db.rows<BatchRow>(`select ${rowColumns} from product_batches b where b.id = any($1::uuid[]) order by b.id for update`, [ids]);
}

export async function batchesOfShop(db: Queryable, shopId: string): Promise<Batch[]> {
  return db.rows<Batch>(
    `select ${columns} from product_batches b where b.shop_id = $1 order by b.product_id, b.expiration_date, b.received_date, b.id`,
    [shopId],
  );
}

export interface Recall {
  id: string;
  productId: string;
  lotNumber: string;
  reason: string;
  hlc: string;
}

export async function insertRecallIfAbsent(db: Queryable, r: Recall): Promise<boolean> {
  return (await db.exec(
    `insert into recalls (id, product_id, lot_number, reason, hlc) values ($1, $2, $3, $4, $5)
     on conflict (product_id, lot_number) do nothing`,
    [r.id, r.productId, r.lotNumber, r.reason, r.hlc],
  )) > 0;
}

export async function recallOf(db: Queryable, productId: string, lotNumber: string): Promise<Recall | undefined> {
  return db.one<Recall>('select id, product_id, lot_number, reason, hlc from recalls where product_id = $1 and lot_number = $2', [
    productId,
    lotNumber,
  ]);
}

export interface LotListRow extends Batch {
  productName: string;
  sku: string;
}

/** Lots with stock, soonest expiry first, optionally only those expiring before a date. */
export async function lotsByExpiry(
  db: Queryable,
  q: { shopId: string; from?: string | undefined; before?: string | undefined; limit: number },
): Promise<LotListRow[]> {
  return db.rows<LotListRow>(
    `select ${columns}, p.name as product_name, p.sku from product_batches b join products p on p.id = b.product_id
     where b.shop_id = $1 and b.quantity > 0 and ($2::date is null or b.expiration_date < $2) and ($4::date is null or b.expiration_date >= $4)
     order by b.expiration_date, p.name collate french, b.id limit $3`,
    [q.shopId, q.before ?? null, q.limit, q.from ?? null],
  );
}

export async function lotRow(db: Queryable, shopId: string, id: string): Promise<LotListRow | undefined> {
  return db.one<LotListRow>(
    `select ${columns}, p.name as product_name, p.sku from product_batches b join products p on p.id = b.product_id
     where b.shop_id = $1 and b.id = $2`,
    [shopId, id],
  );
}

export async function lotRowsByIds(db: Queryable, shopId: string, ids: readonly string[]): Promise<LotListRow[]> {
  return db.rows<LotListRow>(
    `select ${columns}, p.name as product_name, p.sku from product_batches b join products p on p.id = b.product_id
     where b.shop_id = $1 and b.id = any($2::uuid[])`,
    [shopId, ids],
  );
}

/** The shop's lots holding stock (or below zero), all or of these products: what a stocktake snapshots. */
export async function lotQuantities(db: Queryable, shopId: string, productIds: readonly string[] | null): Promise<{ id: string; quantity: number }[]> {
  return db.rows(
    `select b.id, b.quantity from product_batches b where b.shop_id = $1 and ($2::uuid[] is null or b.product_id = any($2::uuid[])) and b.quantity <> 0
     order by b.id`,
    [shopId, productIds],
  );
}

export async function productIdByCode(db: Queryable, code: string): Promise<string | undefined> {
  return (await db.one<{ id: string }>(`select id from products where sku = $1 or lpad(gtin, 14, '0') = lpad($1, 14, '0') limit 1`, [code]))?.id;
}

export async function shopOfBatch(db: Queryable, id: string): Promise<string | undefined> {
  return (await db.one<{ shopId: string }>('select shop_id from product_batches where id = $1', [id]))?.shopId;
}

export async function batchIdByLot(db: Queryable, shopId: string, productId: string, lotNumber: string): Promise<string | undefined> {
  return (await db.one<{ id: string }>('select id from product_batches where shop_id = $1 and product_id = $2 and lot_number = $3', [shopId, productId, lotNumber]))?.id;
}

/**
 * Serialises everything that decides whether a lot of a product is recalled:
 * a recall and the arrival of that lot (a delivery, a push) take it first.
 */
export async function lockLot(db: Queryable, productId: string, lotNumber: string): Promise<void> {
  await db.exec(`select pg_advisory_xact_lock(hashtextextended($1 || ':' || $2, 7320003))`, [productId, lotNumber]);
}

/** lockLot for many, taken in the order given (the caller sorts them: two receipts never wait on each other in a cycle). */
export async function lockLots(db: Queryable, lots: readonly { productId: string; lotNumber: string }[]): Promise<void> {
  await db.exec(
    `select pg_advisory_xact_lock(hashtextextended(p::text || ':' || l, 7320003)) from unnest($1::uuid[], $2::text[]) with ordinality as u(p, l, n) order by n`,
    [lots.map((x) => x.productId), lots.map((x) => x.lotNumber)],
  );
}

export async function recallsOfLots(db: Queryable, lots: readonly { productId: string; lotNumber: string }[]): Promise<Recall[]> {
  return db.rows<Recall>(
    `select r.id, r.product_id, r.lot_number, r.reason, r.hlc from recalls r
     join unnest($1::uuid[], $2::text[]) as u(product_id, lot_number) on r.product_id = u.product_id and r.lot_number = u.lot_number`,
    [lots.map((x) => x.productId), lots.map((x) => x.lotNumber)],
  );
}

export async function lockBatchesOfLotIn(db: Queryable, productIds: readonly string[], lotNumber: string): Promise<BatchRow[]> {
  return db.rows<BatchRow>(
    `select ${rowColumns} from product_batches b where b.product_id = any($1::uuid[]) and b.lot_number = $2 order by b.id for update`,
    [productIds, lotNumber],
  );
}

export async function recallsOfProducts(db: Queryable, productIds: readonly string[]): Promise<Recall[]> {
  return db.rows<Recall>('select id, product_id, lot_number, reason, hlc from recalls where product_id = any($1::uuid[]) order by lot_number, id', [productIds]);
}

/** Head office: a shop's lots in id order, a page at a time, quantities as head office's ledger says. */
export async function batchesPage(db: Queryable, shopId: string, afterId: string, limit: number): Promise<BatchRow[]> {
  return db.rows<BatchRow>(`select ${rowColumns} from product_batches b where b.shop_id = $1 and b.id > $2 order by b.id limit $3`, [shopId, afterId, limit]);
}

export async function movementsPage(db: Queryable, shopId: string, afterId: string, limit: number): Promise<Movement[]> {
  return db.rows<Movement>(
    `select id, shop_id, batch_id, kind, delta, counted_qty, reason, sale_item_id, user_id, hlc, created_at
     from stock_movements where shop_id = $1 and id > $2 order by id limit $3`,
    [shopId, afterId, limit],
  );
}

export async function recallsPage(db: Queryable, afterId: string, limit: number): Promise<Recall[]> {
  return db.rows<Recall>('select id, product_id, lot_number, reason, hlc from recalls where id > $1 order by id limit $2', [afterId, limit]);
}

/** A rebuilt shop: its lots as head office holds them, creation times and quantities included. */
export async function restoreBatches(db: Queryable, bs: readonly BatchRow[]): Promise<void> {
  if (bs.length === 0) return;
  await db.exec(
    `insert into product_batches (id, shop_id, product_id, lot_number, expiration_date, initial_qty, quantity, unit_cost, received_date,
       status, status_reason, hlc, field_clocks, created_at, updated_at, supplier_id, purchase_order_id)
     select * from unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::date[], $6::int[], $7::int[], $8::bigint[], $9::date[],
       $10::text[], $11::text[], $12::text[], $13::jsonb[], $14::timestamptz[], $15::timestamptz[], $16::uuid[], $17::uuid[])
     on conflict (id) do nothing`,
    [
      bs.map((b) => b.id), bs.map((b) => b.shopId), bs.map((b) => b.productId), bs.map((b) => b.lotNumber), bs.map((b) => b.expirationDate),
      bs.map((b) => b.initialQty), bs.map((b) => b.quantity), bs.map((b) => b.unitCost), bs.map((b) => b.receivedDate), bs.map((b) => b.status),
      bs.map((b) => b.statusReason), bs.map((b) => b.hlc), bs.map((b) => JSON.stringify(b.fieldClocks)), bs.map((b) => b.createdAt), bs.map((b) => b.updatedAt),
      bs.map((b) => b.supplierId ?? null), bs.map((b) => b.purchaseOrderId ?? null),
    ],
  );
}

const movementColumns = 'id, shop_id, batch_id, kind, delta, counted_qty, reason, sale_item_id, user_id, hlc, created_at';
/** Local midnight of `from` ($3) to local midnight after `to` ($4), in the shop's zone ($2). */
const dayRange = `created_at >= ($3::date)::timestamp at time zone $2 and created_at < ($4::date + 1)::timestamp at time zone $2`;

/** The shop's movements of one calendar day, in the order they were made: what the nightly run sends again. */
export async function movementsOfDay(db: Queryable, q: { shopId: string; timezone: string; day: string }): Promise<Movement[]> {
  return db.rows<Movement>(
    `select ${movementColumns} from stock_movements where shop_id = $1 and ${dayRange} order by hlc, id`,
    [q.shopId, q.timezone, q.day, q.day],
  );
}

export async function batchRowsByIds(db: Queryable, shopId: string, ids: readonly string[]): Promise<BatchRow[]> {
  return db.rows<BatchRow>(`select ${rowColumns} from product_batches b where b.shop_id = $1 and b.id = any($2::uuid[]) order by b.id`, [shopId, ids]);
}

/** Lots whose cached quantity is not the sum of their movements: the ledger check's findings. */
export async function ledgerDrift(db: Queryable, shopId?: string): Promise<{ batchId: string; shopId: string; cached: number; ledger: number }[]> {
  return db.rows(
    `select b.id as batch_id, b.shop_id, b.quantity as cached, coalesce(m.total, 0)::int as ledger
     from product_batches b
     left join (select batch_id, sum(delta) as total from stock_movements group by batch_id) m on m.batch_id = b.id
     where ($1::uuid is null or b.shop_id = $1) and b.quantity <> coalesce(m.total, 0)
     order by b.shop_id, b.id`,
    [shopId ?? null],
  );
}

/** Raises each lot's alert levels not raised before (90, 60, 30 days, expired with stock); returns those just raised. */
export async function raiseExpiryAlerts(db: Queryable, q: { shopId?: string | undefined; today: string }) {
  return db.rows<{ batchId: string; shopId: string; level: string; expirationDate: string }>(
    `insert into expiry_alerts (batch_id, shop_id, level, expiration_date)
     select b.id, b.shop_id,
       case when b.expiration_date < $2::date then 'expired' when b.expiration_date <= $2::date + 30 then '30'
            when b.expiration_date <= $2::date + 60 then '60' else '90' end,
       b.expiration_date
     from product_batches b
     where b.quantity > 0 and b.expiration_date <= $2::date + 90 and ($1::uuid is null or b.shop_id = $1)
     on conflict (batch_id, level) do nothing
     returning batch_id, shop_id, level, to_char(expiration_date, 'YYYY-MM-DD') as expiration_date`,
    [q.shopId ?? null, q.today],
  );
}

export interface ExpiryAlertRow {
  batchId: string;
  shopId: string;
  shopCode: string;
  level: string;
  raisedAt: Date;
  productName: string;
  lotNumber: string;
  expirationDate: string;
  quantity: number;
}

/** Alerts raised since a moment, for lots still holding stock, newest first. */
export async function recentExpiryAlerts(db: Queryable, q: { shopId?: string | undefined; since: Date; limit: number }): Promise<ExpiryAlertRow[]> {
  return db.rows<ExpiryAlertRow>(
    `select a.batch_id, a.shop_id, s.code as shop_code, a.level, a.raised_at, p.name as product_name, b.lot_number, to_char(b.expiration_date, 'YYYY-MM-DD') as expiration_date, b.quantity
     from expiry_alerts a join product_batches b on b.id = a.batch_id join products p on p.id = b.product_id join shops s on s.id = a.shop_id
     where ($1::uuid is null or a.shop_id = $1) and a.raised_at >= $2 and b.quantity > 0
     order by a.raised_at desc, b.expiration_date limit $3`,
    [q.shopId ?? null, q.since, q.limit],
  );
}

export interface ExpiringLot {
  id: string;
  shopId: string;
  shopCode: string;
  shopName: string;
  productId: string;
  productName: string;
  sku: string;
  lotNumber: string;
  expirationDate: string;
  quantity: number;
  unitCost: number | null;
  value: number;
  status: BatchStatus;
}

/** Head office: lots with stock expiring before a date (or already expired) across shops, soonest first. */
export async function expiringLots(
  db: Queryable,
  q: { before: string; from?: string | undefined; shopId?: string | undefined; product?: string[] | undefined; limit: number },
): Promise<ExpiringLot[]> {
  return db.rows<ExpiringLot>(
    `select b.id, b.shop_id, s.code as shop_code, s.name as shop_name, b.product_id, p.name as product_name, p.sku, b.lot_number,
       to_char(b.expiration_date, 'YYYY-MM-DD') as expiration_date, b.quantity, b.unit_cost,
       (b.quantity * coalesce(b.unit_cost, 0))::float8 as value, b.status
     from product_batches b join products p on p.id = b.product_id join shops s on s.id = b.shop_id
     where b.quantity > 0 and b.expiration_date < $1::date and ($2::date is null or b.expiration_date >= $2::date)
       and ($3::uuid is null or b.shop_id = $3) and ($4::text[] is null or p.search_text like all($4::text[]))
     order by b.expiration_date, p.name collate french, s.code, b.id limit $5`,
    [q.before, q.from ?? null, q.shopId ?? null, q.product ?? null, q.limit],
  );
}

export interface RecallStatusRow {
  id: string;
  productId: string;
  productName: string;
  gtin: string | null;
  lotNumber: string;
  reason: string;
  createdAt: Date;
  shopId: string;
  shopCode: string;
  shopName: string;
  /** The shop's pull cursor is past the recall's entry in the feed: the recall is applied there. */
  applied: boolean;
  unitsHeld: number;
  lotsHeld: number;
}

/**
 * Head office: the newest recalls, each with every shop's state: applied
 * (its pull cursor is past the recall's entries in the feed), and the units
 * of that lot it still holds. The rows one recall wrote for twin products
 * (the same GTIN made by several shops, one transaction, one clock) are one recall.
 */
export async function recallsWithShopStatus(db: Queryable, q: { epoch: string; limit: number }): Promise<RecallStatusRow[]> {
  return db.rows<RecallStatusRow>(
    `with g as (
       select (array_agg(r.id order by r.id))[1] as id, array_agg(r.id) as ids, array_agg(r.product_id) as product_ids,
         (array_agg(p.name order by p.created_at, p.id))[1] as product_name, (array_agg(p.gtin) filter (where p.gtin is not null))[1] as gtin,
         r.lot_number, min(r.reason) as reason, min(r.created_at) as created_at
       from recalls r join products p on p.id = r.product_id
       group by r.hlc, r.lot_number order by min(r.created_at) desc, 1 limit $2)
     select g.id, g.product_ids[1] as product_id, g.product_name, g.gtin, g.lot_number, g.reason, g.created_at,
       s.id as shop_id, s.code as shop_code, s.name as shop_name,
       coalesce(h.pulled_epoch = $1 and f.id is not null and (h.pulled_xid, h.pulled_id) >= (f.xid, f.id), false) as applied,
       coalesce(held.units, 0)::int as units_held, coalesce(held.lots, 0)::int as lots_held
     from g cross join shops s
     left join hq_shop_sync h on h.shop_id = s.id
     left join lateral (select c.xid, c.id from change_feed c where c.entity = 'recall' and c.entity_id = any(g.ids)
                        order by c.xid desc, c.id desc limit 1) f on true
     left join lateral (select sum(b.quantity) as units, count(*) as lots from product_batches b
                        where b.shop_id = s.id and b.product_id = any(g.product_ids) and b.lot_number = g.lot_number) held on true
     where s.token_hash is not null
     order by g.created_at desc, g.id, s.code`,
    [q.epoch, q.limit],
  );
}

/** Per day a lot was received (the shop's own date, carried with the lot): how many, how many units, which. */
export async function lotsDigest(db: Queryable, q: { shopId: string; from: string; to: string }) {
  return db.rows<{ day: string; count: number; sum: number; hash: string }>(
    `select to_char(received_date, 'YYYY-MM-DD') as day, count(*)::int as count, sum(initial_qty)::float8 as sum,
       md5(string_agg(id::text, ',' order by id)) as hash
     from product_batches where shop_id = $1 and received_date between $2::date and $3::date group by 1`,
    [q.shopId, q.from, q.to],
  );
}

export async function lotsReceivedOn(db: Queryable, shopId: string, day: string): Promise<BatchRow[]> {
  return db.rows<BatchRow>(`select ${rowColumns} from product_batches b where b.shop_id = $1 and b.received_date = $2::date order by b.created_at, b.id`, [shopId, day]);
}

/** The per-day digest of movements, as one sum and one hash of ids with their deltas. */
export async function movementsDayDigest(db: Queryable, q: { shopId: string; timezone: string; from: string; to: string }) {
  return db.rows<{ day: string; count: number; sum: number; hash: string }>(
    `select to_char(created_at at time zone $2, 'YYYY-MM-DD') as day, count(*)::int as count, sum(delta)::float8 as sum,
       md5(string_agg(id::text || ':' || delta, ',' order by id)) as hash
     from stock_movements where shop_id = $1 and ${dayRange} group by 1`,
    [q.shopId, q.timezone, q.from, q.to],
  );
}

/** The units a lot has received (its `receipt` movements): the weight of its cost in the average of its receipts. */
export async function receivedUnits(db: Queryable, batchId: string): Promise<number> {
  return (await db.one<{ n: number }>(`select coalesce(sum(delta), 0)::int as n from stock_movements where batch_id = $1 and kind = 'receipt'`, [batchId]))!.n;
}

/** Sales of these products' lots in this shop since a moment, in base units (the order suggestion's window). */
export async function soldSince(db: Queryable, shopId: string, productIds: readonly string[] | null, since: Date): Promise<{ productId: string; sold: number }[]> {
  return db.rows(
    `select b.product_id, (-sum(m.delta))::int as sold from stock_movements m join product_batches b on b.id = m.batch_id
     where m.shop_id = $1 and m.kind in ('sale', 'return') and m.created_at >= $2 and ($3::uuid[] is null or b.product_id = any($3::uuid[]))
     group by b.product_id`,
    [shopId, since, productIds],
  );
}
