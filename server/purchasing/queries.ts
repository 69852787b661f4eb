import type { Queryable } from '../db/pool.js';
import type { OrderStatus } from '../domain/purchasing.js';

export interface StatusChange {
  status: string;
  at: string;
  userId: string | null;
  userName: string | null;
}

export interface PurchaseOrder {
  id: string;
  shopId: string;
  number: string;
  supplierId: string;
  status: OrderStatus;
  note: string | null;
  history: StatusChange[];
  createdBy: string | null;
  createdByName: string | null;
  hlc: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface OrderLine {
  id: string;
  orderId: string;
  lineNo: number;
  productId: string;
  quantity: number;
  unitCost: number | null;
  receivedQty: number;
}

export interface Delivery {
  id: string;
  shopId: string;
  number: string | null;
  supplierId: string;
  purchaseOrderId: string | null;
  deliveryNote: string | null;
  invoiceNumber: string | null;
  invoiceTotal: number | null;
  status: 'draft' | 'validated';
  receivedDate: string | null;
  createdBy: string | null;
  validatedAt: Date | null;
  validatedBy: string | null;
  validatedByName: string | null;
  hlc: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface DeliveryLine {
  id: string;
  deliveryId: string;
  lineNo: number;
  productId: string;
  purchaseOrderLineId: string | null;
  lotNumber: string;
  expirationDate: string;
  quantity: number;
  freeQty: number;
  unitCost: number;
  invoicedQty: number | null;
  confirmShortDated: boolean;
  batchId: string | null;
  /** The pack the line was typed in and how many of it (`quantity` is always base units); null when typed in units. */
  packId?: string | null;
  packQuantity?: number | null;
}

export type ReturnStatus = 'draft' | 'sent' | 'credited' | 'disputed';
export type ReturnReason = 'expired' | 'damaged' | 'recalled' | 'wrong_delivery' | 'other';

export interface SupplierReturn {
  id: string;
  shopId: string;
  number: string | null;
  supplierId: string;
  status: ReturnStatus;
  expectedCredit: number;
  creditNoteNumber: string | null;
  creditedAmount: number | null;
  disputeNote: string | null;
  createdBy: string | null;
  validatedAt: Date | null;
  validatedBy: string | null;
  validatedByName: string | null;
  settledAt: Date | null;
  settledBy: string | null;
  hlc: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface ReturnLine {
  id: string;
  returnId: string;
  lineNo: number;
  batchId: string;
  productId: string;
  lotNumber: string;
  expirationDate: string;
  quantity: number;
  unitCost: number | null;
  reason: ReturnReason;
  movementId: string | null;
}

/** The next number of a purchase document, without gaps (the counter row stays locked until the caller commits). */
export async function nextNumber(db: Queryable, shopId: string, kind: 'order' | 'delivery' | 'return'): Promise<number> {
  return (await db.one<{ lastNumber: number }>(
    `insert into purchase_counters as c (shop_id, kind, last_number) values ($1, $2, 1)
     on conflict (shop_id, kind) do update set last_number = c.last_number + 1 returning last_number`,
    [shopId, kind],
  ))!.lastNumber;
}

// ---- orders

const orderColumns = 'id, shop_id, number, supplier_id, status, note, history, created_by, created_by_name, hlc, created_at, updated_at';

export async function insertOrder(db: Queryable, o: Omit<PurchaseOrder, 'createdAt' | 'updatedAt'> & { createdAt?: Date }): Promise<boolean> {
  return (await db.exec(
    `insert into purchase_orders (id, shop_id, number, supplier_id, status, note, history, created_by, created_by_name, hlc, created_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, coalesce($11, now())) on conflict (id) do nothing`,
    [o.id, o.shopId, o.number, o.supplierId, o.status, o.note, JSON.stringify(o.history), o.createdBy, o.createdByName, o.hlc, o.createdAt ?? null],
  )) > 0;
}

export async function orderById(db: Queryable, id: string, lock = false): Promise<PurchaseOrder | undefined> {
  return db.one<PurchaseOrder>(`select ${orderColumns} from purchase_orders where id = $1${lock ? ' for update' : ''}`, [id]);
}

export async function setOrderStatus(db: Queryable, id: string, s: { status: OrderStatus; history: StatusChange[]; hlc: string }): Promise<void> {
  await db.exec('update purchase_orders set status = $2, history = $3, hlc = $4 where id = $1', [id, s.status, JSON.stringify(s.history), s.hlc]);
}

export async function replaceOrderLines(db: Queryable, orderId: string, lines: readonly Omit<OrderLine, 'orderId' | 'receivedQty'>[]): Promise<void> {
  await db.exec('delete from purchase_order_lines where order_id = $1', [orderId]);
  await insertOrderLines(db, orderId, lines.map((l) => ({ ...l, receivedQty: 0 })));
}

export async function insertOrderLines(db: Queryable, orderId: string, lines: readonly Omit<OrderLine, 'orderId'>[]): Promise<void> {
  if (lines.length === 0) return;
  await db.exec(
    `insert into purchase_order_lines (id, order_id, line_no, product_id, quantity, unit_cost, received_qty)
     select id, $1, n, p, q, c, r from unnest($2::uuid[], $3::int[], $4::uuid[], $5::int[], $6::bigint[], $7::int[]) as u(id, n, p, q, c, r)
     on conflict (id) do nothing`,
    [orderId, lines.map((l) => l.id), lines.map((l) => l.lineNo), lines.map((l) => l.productId), lines.map((l) => l.quantity),
      lines.map((l) => l.unitCost), lines.map((l) => l.receivedQty)],
  );
}

export async function orderLines(db: Queryable, orderId: string): Promise<(OrderLine & { productName: string; sku: string; gtin: string | null })[]> {
  return db.rows(
    `select l.id, l.order_id, l.line_no, l.product_id, l.quantity, l.unit_cost, l.received_qty, p.name as product_name, p.sku, p.gtin
     from purchase_order_lines l join products p on p.id = l.product_id where l.order_id = $1 order by l.line_no`,
    [orderId],
  );
}

export async function addReceived(db: Queryable, received: readonly { lineId: string; quantity: number }[]): Promise<void> {
  if (received.length === 0) return;
  await db.exec(
    `update purchase_order_lines l set received_qty = l.received_qty + r.q
     from (select id, sum(q)::int as q from unnest($1::uuid[], $2::int[]) as u(id, q) group by id) r where l.id = r.id`,
    [received.map((r) => r.lineId), received.map((r) => r.quantity)],
  );
}

export async function listOrders(db: Queryable, q: { shopId: string | null; status?: string | undefined; supplierId?: string | undefined; limit: number }) {
  return db.rows<PurchaseOrder & { supplierName: string; lineCount: number }>(
    `select o.id, o.shop_id, o.number, o.supplier_id, o.status, o.note, o.history, o.created_by, o.created_by_name, o.hlc, o.created_at,
       o.updated_at, s.name as supplier_name, (select count(*)::int from purchase_order_lines l where l.order_id = o.id) as line_count
     from purchase_orders o join suppliers s on s.id = o.supplier_id
     where ($1::uuid is null or o.shop_id = $1) and ($2::text is null or o.status = $2) and ($3::uuid is null or o.supplier_id = $3)
     order by o.created_at desc, o.id desc limit $4`,
    [q.shopId, q.status ?? null, q.supplierId ?? null, q.limit],
  );
}

/** What sent orders still expect, per product (drafts and cancelled orders never count). */
export async function openOnOrder(db: Queryable, shopId: string, productIds: readonly string[] | null): Promise<{ productId: string; quantity: number }[]> {
  return db.rows(
    `select l.product_id, sum(greatest(l.quantity - l.received_qty, 0))::int as quantity
     from purchase_order_lines l join purchase_orders o on o.id = l.order_id
     where o.shop_id = $1 and o.status in ('sent', 'partially_received') and ($2::uuid[] is null or l.product_id = any($2::uuid[]))
     group by l.product_id`,
    [shopId, productIds],
  );
}

// ---- deliveries

const deliveryColumns = `id, shop_id, number, supplier_id, purchase_order_id, delivery_note, invoice_number, invoice_total, status,
  received_date, created_by, validated_at, validated_by, validated_by_name, hlc, created_at, updated_at`;

export async function insertDelivery(db: Queryable, d: Omit<Delivery, 'createdAt' | 'updatedAt'> & { createdAt?: Date }): Promise<boolean> {
  return (await db.exec(
    `insert into deliveries (id, shop_id, number, supplier_id, purchase_order_id, delivery_note, invoice_number, invoice_total, status,
       received_date, created_by, validated_at, validated_by, validated_by_name, hlc, created_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, coalesce($16, now())) on conflict (id) do nothing`,
    [d.id, d.shopId, d.number, d.supplierId, d.purchaseOrderId, d.deliveryNote, d.invoiceNumber, d.invoiceTotal, d.status, d.receivedDate,
      d.createdBy, d.validatedAt, d.validatedBy, d.validatedByName, d.hlc, d.createdAt ?? null],
  )) > 0;
}

export async function deliveryById(db: Queryable, id: string, lock = false): Promise<Delivery | undefined> {
  return db.one<Delivery>(`select ${deliveryColumns} from deliveries where id = $1${lock ? ' for update' : ''}`, [id]);
}

export async function updateDeliveryHeader(db: Queryable, id: string, h: Pick<Delivery, 'deliveryNote' | 'invoiceNumber' | 'invoiceTotal' | 'receivedDate'>): Promise<void> {
  await db.exec('update deliveries set delivery_note = $2, invoice_number = $3, invoice_total = $4, received_date = $5 where id = $1', [
    id, h.deliveryNote, h.invoiceNumber, h.invoiceTotal, h.receivedDate,
  ]);
}

export async function markDeliveryValidated(db: Queryable, id: string, v: Pick<Delivery, 'number' | 'receivedDate' | 'validatedAt' | 'validatedBy' | 'validatedByName' | 'hlc'>): Promise<void> {
  await db.exec(
    `update deliveries set status = 'validated', number = $2, received_date = $3, validated_at = $4, validated_by = $5, validated_by_name = $6, hlc = $7
     where id = $1`,
    [id, v.number, v.receivedDate, v.validatedAt, v.validatedBy, v.validatedByName, v.hlc],
  );
}

export async function insertDeliveryLines(db: Queryable, deliveryId: string, lines: readonly Omit<DeliveryLine, 'deliveryId'>[]): Promise<void> {
  if (lines.length === 0) return;
  await db.exec(
    `insert into delivery_lines (id, delivery_id, line_no, product_id, purchase_order_line_id, lot_number, expiration_date, quantity, free_qty,
       unit_cost, invoiced_qty, confirm_short_dated, batch_id, pack_id, pack_quantity)
     select id, $1, n, p, ol, lot, exp, q, f, c, iq, cs, b, k, kq
     from unnest($2::uuid[], $3::int[], $4::uuid[], $5::uuid[], $6::text[], $7::date[], $8::int[], $9::int[], $10::bigint[], $11::int[], $12::bool[], $13::uuid[],
       $14::uuid[], $15::int[])
       as u(id, n, p, ol, lot, exp, q, f, c, iq, cs, b, k, kq)
     on conflict (id) do nothing`,
    [deliveryId, lines.map((l) => l.id), lines.map((l) => l.lineNo), lines.map((l) => l.productId), lines.map((l) => l.purchaseOrderLineId),
      lines.map((l) => l.lotNumber), lines.map((l) => l.expirationDate), lines.map((l) => l.quantity), lines.map((l) => l.freeQty),
      lines.map((l) => l.unitCost), lines.map((l) => l.invoicedQty), lines.map((l) => l.confirmShortDated), lines.map((l) => l.batchId),
      // A shop older than packs on delivery lines sends neither.
      lines.map((l) => l.packId ?? null), lines.map((l) => l.packQuantity ?? null)],
  );
}

export async function deleteDeliveryLines(db: Queryable, deliveryId: string, ids?: readonly string[]): Promise<number> {
  return db.exec('delete from delivery_lines where delivery_id = $1 and ($2::uuid[] is null or id = any($2::uuid[]))', [deliveryId, ids ?? null]);
}

export async function setLineLots(db: Queryable, lots: readonly { lineId: string; batchId: string; confirmShortDated: boolean }[]): Promise<void> {
  await db.exec(
    `update delivery_lines l set batch_id = u.b, confirm_short_dated = u.c from unnest($1::uuid[], $2::uuid[], $3::bool[]) as u(id, b, c) where l.id = u.id`,
    [lots.map((l) => l.lineId), lots.map((l) => l.batchId), lots.map((l) => l.confirmShortDated)],
  );
}

export async function deliveryLines(db: Queryable, deliveryId: string): Promise<(DeliveryLine & { productName: string; sku: string; packName: string | null; packUnits: number | null })[]> {
  return db.rows(
    `select l.id, l.delivery_id, l.line_no, l.product_id, l.purchase_order_line_id, l.lot_number, l.expiration_date, l.quantity, l.free_qty,
       l.unit_cost, l.invoiced_qty, l.confirm_short_dated, l.batch_id, l.pack_id, l.pack_quantity, p.name as product_name, p.sku,
       k.name as pack_name, k.units as pack_units
     from delivery_lines l join products p on p.id = l.product_id left join product_packs k on k.id = l.pack_id
     where l.delivery_id = $1 order by l.line_no`,
    [deliveryId],
  );
}

export async function listDeliveries(db: Queryable, q: { shopId: string | null; status?: string | undefined; limit: number }) {
  return db.rows<Delivery & { supplierName: string; lineCount: number }>(
    `select d.id, d.shop_id, d.number, d.supplier_id, d.purchase_order_id, d.delivery_note, d.invoice_number, d.invoice_total, d.status,
       d.received_date, d.created_by, d.validated_at, d.validated_by, d.validated_by_name, d.hlc, d.created_at, d.updated_at,
       s.name as supplier_name, (select count(*)::int from delivery_lines l where l.delivery_id = d.id) as line_count
     from deliveries d join suppliers s on s.id = d.supplier_id
     where ($1::uuid is null or d.shop_id = $1) and ($2::text is null or d.status = $2)
     order by d.created_at desc, d.id desc limit $3`,
    [q.shopId, q.status ?? null, q.limit],
  );
}

// ---- supplier returns

const returnColumns = `id, shop_id, number, supplier_id, status, expected_credit, credit_note_number, credited_amount, dispute_note, created_by,
  validated_at, validated_by, validated_by_name, settled_at, settled_by, hlc, created_at, updated_at`;

export async function insertReturn(db: Queryable, r: Omit<SupplierReturn, 'createdAt' | 'updatedAt'> & { createdAt?: Date }): Promise<boolean> {
  return (await db.exec(
    `insert into supplier_returns (id, shop_id, number, supplier_id, status, expected_credit, credit_note_number, credited_amount, dispute_note,
       created_by, validated_at, validated_by, validated_by_name, settled_at, settled_by, hlc, created_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, coalesce($17, now())) on conflict (id) do nothing`,
    [r.id, r.shopId, r.number, r.supplierId, r.status, r.expectedCredit, r.creditNoteNumber, r.creditedAmount, r.disputeNote, r.createdBy,
      r.validatedAt, r.validatedBy, r.validatedByName, r.settledAt, r.settledBy, r.hlc, r.createdAt ?? null],
  )) > 0;
}

export async function returnById(db: Queryable, id: string, lock = false): Promise<SupplierReturn | undefined> {
  return db.one<SupplierReturn>(`select ${returnColumns} from supplier_returns where id = $1${lock ? ' for update' : ''}`, [id]);
}

export async function markReturnSent(db: Queryable, id: string, v: Pick<SupplierReturn, 'number' | 'expectedCredit' | 'validatedAt' | 'validatedBy' | 'validatedByName' | 'hlc'>): Promise<void> {
  await db.exec(
    `update supplier_returns set status = 'sent', number = $2, expected_credit = $3, validated_at = $4, validated_by = $5, validated_by_name = $6, hlc = $7
     where id = $1`,
    [id, v.number, v.expectedCredit, v.validatedAt, v.validatedBy, v.validatedByName, v.hlc],
  );
}

export async function settleReturn(db: Queryable, id: string, s: Pick<SupplierReturn, 'status' | 'creditNoteNumber' | 'creditedAmount' | 'disputeNote' | 'settledAt' | 'settledBy' | 'hlc'>): Promise<void> {
  await db.exec(
    `update supplier_returns set status = $2, credit_note_number = $3, credited_amount = $4, dispute_note = $5, settled_at = $6, settled_by = $7, hlc = $8
     where id = $1`,
    [id, s.status, s.creditNoteNumber, s.creditedAmount, s.disputeNote, s.settledAt, s.settledBy, s.hlc],
  );
}

export async function insertReturnLines(db: Queryable, returnId: string, lines: readonly Omit<ReturnLine, 'returnId'>[]): Promise<void> {
  if (lines.length === 0) return;
  await db.exec(
    `insert into supplier_return_lines (id, return_id, line_no, batch_id, product_id, lot_number, expiration_date, quantity, unit_cost, reason, movement_id)
     select id, $1, n, b, p, lot, exp, q, c, r, m
     from unnest($2::uuid[], $3::int[], $4::uuid[], $5::uuid[], $6::text[], $7::date[], $8::int[], $9::bigint[], $10::text[], $11::uuid[])
       as u(id, n, b, p, lot, exp, q, c, r, m)
     on conflict (id) do nothing`,
    [returnId, lines.map((l) => l.id), lines.map((l) => l.lineNo), lines.map((l) => l.batchId), lines.map((l) => l.productId),
      lines.map((l) => l.lotNumber), lines.map((l) => l.expirationDate), lines.map((l) => l.quantity), lines.map((l) => l.unitCost),
      lines.map((l) => l.reason), lines.map((l) => l.movementId)],
  );
}

export async function setReturnMovements(db: Queryable, ms: readonly { lineId: string; movementId: string; unitCost: number | null }[]): Promise<void> {
  await db.exec(
    'update supplier_return_lines l set movement_id = u.m, unit_cost = u.c from unnest($1::uuid[], $2::uuid[], $3::bigint[]) as u(id, m, c) where l.id = u.id',
    [ms.map((m) => m.lineId), ms.map((m) => m.movementId), ms.map((m) => m.unitCost)],
  );
}

export async function returnLines(db: Queryable, returnId: string): Promise<(ReturnLine & { productName: string })[]> {
  return db.rows(
    `select l.id, l.return_id, l.line_no, l.batch_id, l.product_id, l.lot_number, l.expiration_date, l.quantity, l.unit_cost, l.reason, l.movement_id,
       p.name as product_name
     from supplier_return_lines l join products p on p.id = l.product_id where l.return_id = $1 order by l.line_no`,
    [returnId],
  );
}

export async function listReturns(db: Queryable, q: { shopId: string; limit: number }) {
  return db.rows<SupplierReturn & { supplierName: string; lineCount: number }>(
    `select r.id, r.shop_id, r.number, r.supplier_id, r.status, r.expected_credit, r.credit_note_number, r.credited_amount, r.dispute_note, r.created_by,
       r.validated_at, r.validated_by, r.validated_by_name, r.settled_at, r.settled_by, r.hlc, r.created_at, r.updated_at,
       s.name as supplier_name, (select count(*)::int from supplier_return_lines l where l.return_id = r.id) as line_count
     from supplier_returns r join suppliers s on s.id = r.supplier_id
     where r.shop_id = $1 order by r.created_at desc, r.id desc limit $2`,
    [q.shopId, q.limit],
  );
}

// ---- document counters

export type CounterKind = 'order' | 'delivery' | 'return';
export type DocumentNumbers = Record<CounterKind, number>;

/** The highest number of each document kind held for a shop (at head office: the copies it received), read from the number's digits. */
export async function highestNumbers(db: Queryable, shopId: string): Promise<DocumentNumbers> {
  const digits = `coalesce(max(substring(number from '-(\\d+)$')::int), 0)`;
  return (await db.one<DocumentNumbers>(
    `select (select ${digits} from purchase_orders where shop_id = $1) as "order",
       (select ${digits} from deliveries where shop_id = $1) as delivery,
       (select ${digits} from supplier_returns where shop_id = $1) as "return"`,
    [shopId],
  ))!;
}

/** Counters only go up: a rebuilt shop's next numbers come after the highest ever given, here or at head office. */
export async function raiseCounters(db: Queryable, shopId: string, n: DocumentNumbers): Promise<void> {
  await db.exec(
    `insert into purchase_counters as c (shop_id, kind, last_number)
     select $1, kind, last_number from unnest($2::text[], $3::int[]) as x(kind, last_number)
     on conflict (shop_id, kind) do update set last_number = greatest(c.last_number, excluded.last_number)`,
    [shopId, ['order', 'delivery', 'return'], [n.order, n.delivery, n.return]],
  );
}
