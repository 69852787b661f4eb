import type { Queryable } from '../db/pool.js';
import type { Delivery, DeliveryLine, OrderLine, PurchaseOrder, ReturnLine, SupplierReturn } from './queries.js';

/**
 * The purchase documents as head office holds them, the same SQL at both
 * ends: an order once sent (a draft, or a draft cancelled, never left the
 * shop), a delivery once validated, a supplier return once sent. Each comes
 * with its lines as one JSON array (keys camelCase already).
 */
export type OrderDoc = PurchaseOrder & { lines: Omit<OrderLine, 'orderId'>[] };
export type DeliveryDoc = Delivery & { lines: Omit<DeliveryLine, 'deliveryId'>[] };
export type ReturnDoc = SupplierReturn & { lines: Omit<ReturnLine, 'returnId'>[] };

interface DayRange {
  shopId: string;
  timezone: string;
  from: string;
  to: string;
}
type Digest = { day: string; count: number; sum: number; hash: string };

const inDays = (col: string) => `${col} >= ($3::date)::timestamp at time zone $2 and ${col} < ($4::date + 1)::timestamp at time zone $2`;
const dayOf = (col: string) => `to_char(${col} at time zone $2, 'YYYY-MM-DD')`;

const SENT_ORDER = `o.history @> '[{"status": "sent"}]'::jsonb`;
const orderDoc = `o.id, o.shop_id, o.number, o.supplier_id, o.status, o.note, o.history, o.created_by, o.created_by_name, o.hlc, o.created_at, o.updated_at,
  coalesce((select json_agg(json_build_object('id', l.id, 'lineNo', l.line_no, 'productId', l.product_id, 'quantity', l.quantity,
    'unitCost', l.unit_cost, 'receivedQty', l.received_qty) order by l.line_no) from purchase_order_lines l where l.order_id = o.id), '[]'::json) as lines`;

const deliveryDoc = `d.id, d.shop_id, d.number, d.supplier_id, d.purchase_order_id, d.delivery_note, d.invoice_number, d.invoice_total, d.status,
  d.received_date, d.created_by, d.validated_at, d.validated_by, d.validated_by_name, d.hlc, d.created_at, d.updated_at,
  coalesce((select json_agg(json_build_object('id', l.id, 'lineNo', l.line_no, 'productId', l.product_id, 'purchaseOrderLineId', l.purchase_order_line_id,
    'lotNumber', l.lot_number, 'expirationDate', l.expiration_date, 'quantity', l.quantity, 'freeQty', l.free_qty, 'unitCost', l.unit_cost,
    'invoicedQty', l.invoiced_qty, 'confirmShortDated', l.confirm_short_dated, 'batchId', l.batch_id, 'packId', l.pack_id, 'packQuantity', l.pack_quantity)
    order by l.line_no) from delivery_lines l where l.delivery_id = d.id), '[]'::json) as lines`;

const returnDoc = `r.id, r.shop_id, r.number, r.supplier_id, r.status, r.expected_credit, r.credit_note_number, r.credited_amount, r.dispute_note,
  r.created_by, r.validated_at, r.validated_by, r.validated_by_name, r.settled_at, r.settled_by, r.hlc, r.created_at, r.updated_at,
  coalesce((select json_agg(json_build_object('id', l.id, 'lineNo', l.line_no, 'batchId', l.batch_id, 'productId', l.product_id, 'lotNumber', l.lot_number,
    'expirationDate', l.expiration_date, 'quantity', l.quantity, 'unitCost', l.unit_cost, 'reason', l.reason, 'movementId', l.movement_id)
    order by l.line_no) from supplier_return_lines l where l.return_id = r.id), '[]'::json) as lines`;

// ---- digests: per day of the document's own date (created for an order, validated for a delivery or a return)

/** Sent orders by creation day: their ordered units; the hash follows each one's state and how many times it moved. */
export function ordersDigest(db: Queryable, q: DayRange): Promise<Digest[]> {
  return db.rows<Digest>(
    `select ${dayOf('o.created_at')} as day, count(*)::int as count,
       coalesce(sum((select sum(l.quantity) from purchase_order_lines l where l.order_id = o.id)), 0)::float8 as sum,
       md5(string_agg(o.id::text || ':' || o.status || ':' || jsonb_array_length(o.history), ',' order by o.id)) as hash
     from purchase_orders o where o.shop_id = $1 and ${SENT_ORDER} and ${inDays('o.created_at')} group by 1`,
    [q.shopId, q.timezone, q.from, q.to],
  );
}

/** Validated deliveries by validation day: their received units; the hash names each with its number and line count. */
export function deliveriesDigest(db: Queryable, q: DayRange): Promise<Digest[]> {
  return db.rows<Digest>(
    `select ${dayOf('d.validated_at')} as day, count(*)::int as count,
       coalesce(sum((select sum(l.quantity) from delivery_lines l where l.delivery_id = d.id)), 0)::float8 as sum,
       md5(string_agg(d.id::text || ':' || d.number || ':' || (select count(*) from delivery_lines l where l.delivery_id = d.id), ',' order by d.id)) as hash
     from deliveries d where d.shop_id = $1 and d.status = 'validated' and ${inDays('d.validated_at')} group by 1`,
    [q.shopId, q.timezone, q.from, q.to],
  );
}

/** Sent supplier returns by validation day: the credit expected; the hash follows each one's settlement. */
export function supplierReturnsDigest(db: Queryable, q: DayRange): Promise<Digest[]> {
  return db.rows<Digest>(
    `select ${dayOf('r.validated_at')} as day, count(*)::int as count, coalesce(sum(r.expected_credit), 0)::float8 as sum,
       md5(string_agg(r.id::text || ':' || r.status || ':' || coalesce(r.credited_amount::text, ''), ',' order by r.id)) as hash
     from supplier_returns r where r.shop_id = $1 and r.status <> 'draft' and ${inDays('r.validated_at')} group by 1`,
    [q.shopId, q.timezone, q.from, q.to],
  );
}

// ---- one day's documents, or these ones, to send again

type Day = { shopId: string; timezone: string; day: string };

export const ordersOfDay = (db: Queryable, q: Day) =>
  db.rows<OrderDoc>(`select ${orderDoc} from purchase_orders o where o.shop_id = $1 and ${SENT_ORDER} and ${inDays('o.created_at')} order by o.created_at, o.id`,
    [q.shopId, q.timezone, q.day, q.day]);

export const ordersByIds = (db: Queryable, shopId: string, ids: readonly string[]) =>
  db.rows<OrderDoc>(`select ${orderDoc} from purchase_orders o where o.shop_id = $1 and ${SENT_ORDER} and o.id = any($2::uuid[]) order by o.id`, [shopId, ids]);

export const deliveriesOfDay = (db: Queryable, q: Day) =>
  db.rows<DeliveryDoc>(
    `select ${deliveryDoc} from deliveries d where d.shop_id = $1 and d.status = 'validated' and ${inDays('d.validated_at')} order by d.validated_at, d.id`,
    [q.shopId, q.timezone, q.day, q.day]);

export const supplierReturnsOfDay = (db: Queryable, q: Day) =>
  db.rows<ReturnDoc>(
    `select ${returnDoc} from supplier_returns r where r.shop_id = $1 and r.status <> 'draft' and ${inDays('r.validated_at')} order by r.validated_at, r.id`,
    [q.shopId, q.timezone, q.day, q.day]);

// ---- head office's pages of a shop's documents, for its rebuild (in id order)

export const ordersPage = (db: Queryable, shopId: string, after: string, limit: number) =>
  db.rows<OrderDoc>(`select ${orderDoc} from purchase_orders o where o.shop_id = $1 and o.id > $2 order by o.id limit $3`, [shopId, after, limit]);

export const deliveriesPage = (db: Queryable, shopId: string, after: string, limit: number) =>
  db.rows<DeliveryDoc>(`select ${deliveryDoc} from deliveries d where d.shop_id = $1 and d.id > $2 order by d.id limit $3`, [shopId, after, limit]);

export const supplierReturnsPage = (db: Queryable, shopId: string, after: string, limit: number) =>
  db.rows<ReturnDoc>(`select ${returnDoc} from supplier_returns r where r.shop_id = $1 and r.id > $2 order by r.id limit $3`, [shopId, after, limit]);
