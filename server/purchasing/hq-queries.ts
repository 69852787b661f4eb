import type { Queryable } from '../db/pool.js';

/**
 * Head office's view of every shop's purchase documents (the copies the
 * shops pushed). A period is the shops' own calendar days: an order by the
 * day it was made, a delivery by the day it was received, a return by the
 * day it was sent, each in its shop's time zone.
 */
export interface HqPurchaseFilter {
  shopCode?: string | undefined;
  supplierId?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  status?: string | undefined;
  limit: number;
}

export interface HqOrderRow {
  id: string;
  shopCode: string;
  shopName: string;
  number: string;
  supplierName: string;
  status: string;
  day: string;
  lineCount: number;
  orderedQty: number;
  receivedQty: number;
  orderedValue: number;
  receivedValue: number;
}

export interface HqDeliveryRow {
  id: string;
  shopCode: string;
  shopName: string;
  number: string;
  supplierName: string;
  orderNumber: string | null;
  deliveryNote: string | null;
  invoiceNumber: string | null;
  day: string;
  lineCount: number;
  receivedQty: number;
  receivedValue: number;
  invoiceTotal: number | null;
  invoiceGap: number | null;
}

export interface HqCreditRow {
  id: string;
  shopCode: string;
  shopName: string;
  number: string;
  supplierName: string;
  status: string;
  day: string;
  expectedCredit: number;
  ageDays: number;
  disputeNote: string | null;
}

const params = (f: HqPurchaseFilter) => [f.shopCode ?? null, f.supplierId ?? null, f.from ?? null, f.to ?? null, f.status ?? null, f.limit];
const where = (day: string) => `($1::text is null or sh.code = $1) and ($2::uuid is null or x.supplier_id = $2)
  and ($3::date is null or ${day} >= $3::date) and ($4::date is null or ${day} <= $4::date) and ($5::text is null or x.status = $5)`;

/** Orders as sent (drafts never leave a shop), newest first, with what they asked and what came, in units and at their expected cost. */
export function hqOrders(db: Queryable, f: HqPurchaseFilter): Promise<HqOrderRow[]> {
  const day = '(x.created_at at time zone sh.timezone)::date';
  return db.rows<HqOrderRow>(
    `select x.id, sh.code as shop_code, sh.name as shop_name, x.number, su.name as supplier_name, x.status, to_char(${day}, 'YYYY-MM-DD') as day,
       count(l.id)::int as line_count, coalesce(sum(l.quantity), 0)::int as ordered_qty, coalesce(sum(l.received_qty), 0)::int as received_qty,
       coalesce(sum(l.quantity * coalesce(l.unit_cost, 0)), 0)::float8 as ordered_value,
       coalesce(sum(least(l.received_qty, l.quantity) * coalesce(l.unit_cost, 0)), 0)::float8 as received_value
     from purchase_orders x join shops sh on sh.id = x.shop_id join suppliers su on su.id = x.supplier_id
       left join purchase_order_lines l on l.order_id = x.id
     where ${where(day)}
     group by x.id, sh.code, sh.name, su.name, sh.timezone
     order by x.created_at desc, x.id desc limit $6`,
    params(f),
  );
}

/** Validated deliveries, newest first: units received, their value as paid (free units at 0), the invoice and its gap. */
export function hqDeliveries(db: Queryable, f: HqPurchaseFilter): Promise<HqDeliveryRow[]> {
  const day = 'x.received_date';
  return db.rows<HqDeliveryRow>(
    `select x.id, sh.code as shop_code, sh.name as shop_name, x.number, su.name as supplier_name, o.number as order_number, x.delivery_note,
       x.invoice_number, to_char(${day}, 'YYYY-MM-DD') as day, count(l.id)::int as line_count, coalesce(sum(l.quantity), 0)::int as received_qty,
       coalesce(sum((l.quantity - l.free_qty) * l.unit_cost), 0)::float8 as received_value, x.invoice_total::float8 as invoice_total,
       (x.invoice_total - coalesce(sum((l.quantity - l.free_qty) * l.unit_cost), 0))::float8 as invoice_gap
     from deliveries x join shops sh on sh.id = x.shop_id join suppliers su on su.id = x.supplier_id
       left join purchase_orders o on o.id = x.purchase_order_id left join delivery_lines l on l.delivery_id = x.id
     where x.status = 'validated' and ${where(day)}
     group by x.id, sh.code, sh.name, su.name, o.number
     order by x.received_date desc, x.number desc limit $6`,
    params(f),
  );
}

/** Supplier returns sent and not credited yet (sent or disputed), oldest first: the credit each shop still waits for. */
export function hqPendingCredits(db: Queryable, f: Omit<HqPurchaseFilter, 'status'> & { today: string }): Promise<HqCreditRow[]> {
  const day = '(x.validated_at at time zone sh.timezone)::date';
  return db.rows<HqCreditRow>(
    `select x.id, sh.code as shop_code, sh.name as shop_name, x.number, su.name as supplier_name, x.status, to_char(${day}, 'YYYY-MM-DD') as day,
       x.expected_credit::float8 as expected_credit, ($7::date - ${day})::int as age_days, x.dispute_note
     from supplier_returns x join shops sh on sh.id = x.shop_id join suppliers su on su.id = x.supplier_id
     where x.status in ('sent', 'disputed') and ${where(day)}
     order by x.validated_at, x.id limit $6`,
    [...params({ ...f, status: undefined }), f.today],
  );
}

export interface HqSupplierMonthRow {
  supplierName: string;
  month: string;
  deliveryCount: number;
  shopCount: number;
  receivedQty: number;
  receivedValue: number;
}

/** What the chain bought of each supplier, month by month (validated deliveries, as paid: free units at 0), newest month first. */
export function hqPurchasesBySupplierMonth(db: Queryable, f: Omit<HqPurchaseFilter, 'status'>): Promise<HqSupplierMonthRow[]> {
  const day = 'x.received_date';
  return db.rows<HqSupplierMonthRow>(
    `select su.name as supplier_name, to_char(date_trunc('month', ${day}), 'YYYY-MM') as month, count(distinct x.id)::int as delivery_count,
       count(distinct x.shop_id)::int as shop_count, coalesce(sum(l.quantity), 0)::int as received_qty,
       coalesce(sum((l.quantity - l.free_qty) * l.unit_cost), 0)::float8 as received_value
     from deliveries x join shops sh on sh.id = x.shop_id join suppliers su on su.id = x.supplier_id
       left join delivery_lines l on l.delivery_id = x.id
     where x.status = 'validated' and ${where(day)}
     group by su.id, su.name, 2
     order by 2 desc, su.name collate french, su.id limit $6`,
    params({ ...f, status: undefined }),
  );
}

/** The suppliers named by some shop's purchase document: the page's filter. */
export function hqPurchaseSuppliers(db: Queryable): Promise<{ id: string; name: string }[]> {
  return db.rows(
    `select s.id, s.name from suppliers s
     where exists (select 1 from purchase_orders o where o.supplier_id = s.id) or exists (select 1 from deliveries d where d.supplier_id = s.id)
       or exists (select 1 from supplier_returns r where r.supplier_id = s.id)
     order by s.name collate french, s.id`,
  );
}
