/**
 * The owner's numbers: a read model over the ledger tables (sales, their
 * lines, returns, lots, movements) that no other feature writes through
 * here; what it writes are its own per-day tables (migration 0020).
 */
import type { Queryable } from '../db/pool.js';
import type { MarginReturnLine, MarginSale, LotCost, ProductMargin } from '../domain/margins.js';

/** A shop's calendar day $3..$4 in its time zone $2, as the takings refresh reads it. */
const dayRange = (col: string) => `${col} >= ($3::date)::timestamp at time zone $2 and ${col} < ($4::date + 1)::timestamp at time zone $2`;

/** The shop's days these sales and returns fall on. */
export async function daysOf(db: Queryable, q: { timezone: string; saleIds: readonly string[]; returnIds: readonly string[] }): Promise<string[]> {
  return (await db.rows<{ day: string }>(
    `select to_char(created_at at time zone $3, 'YYYY-MM-DD') as day from sales where id = any($1::uuid[])
     union select to_char(created_at at time zone $3, 'YYYY-MM-DD') from sale_returns where id = any($2::uuid[]) order by 1`,
    [q.saleIds, q.returnIds, q.timezone],
  )).map((d) => d.day);
}

/** The days whose margins a lot's cost enters: those its lines were sold on, and those they were returned on. */
export async function daysOfLots(db: Queryable, q: { shopId: string; timezone: string; batchIds: readonly string[] }): Promise<string[]> {
  return (await db.rows<{ day: string }>(
    `with sold as (select distinct i.sale_id from sale_items i where i.batch_id = any($2::uuid[]))
     select to_char(s.created_at at time zone $3, 'YYYY-MM-DD') as day from sales s join sold on sold.sale_id = s.id where s.shop_id = $1
     union select to_char(r.created_at at time zone $3, 'YYYY-MM-DD') from sale_returns r join sold on sold.sale_id = r.sale_id where r.shop_id = $1
     order by 1`,
    [q.shopId, q.batchIds, q.timezone],
  )).map((d) => d.day);
}

/** Takes the (shop, day) for this transaction: two pushes of one day cannot each write sums that miss the other's rows. */
export async function lockDay(db: Queryable, shopId: string, day: string): Promise<void> {
  await db.exec(`select pg_advisory_xact_lock(hashtextextended('margins:' || $1 || ':' || $2, 0))`, [shopId, day]);
}

/** The day's completed sales with their lines in line order, and the hour each was made (the shop's clock). */
export async function daySales(db: Queryable, q: { shopId: string; timezone: string; day: string }): Promise<(MarginSale & { hour: number; total: number })[]> {
  const rows = await db.rows<{ id: string; discount: number; total: number; hour: number; lines: MarginSale['lines'] }>(
    `select s.id, s.discount::float8 as discount, s.total::float8 as total, extract(hour from s.created_at at time zone $2)::int as hour,
       coalesce((select jsonb_agg(jsonb_build_object('productId', i.product_id, 'batchId', i.batch_id, 'quantity', i.quantity,
                   'discount', i.discount, 'lineTotal', i.line_total) order by i.line_no)
                 from sale_items i where i.sale_id = s.id), '[]') as lines
     from sales s where s.shop_id = $1 and s.status = 'completed' and ${dayRange('s.created_at')}`,
    [q.shopId, q.timezone, q.day, q.day],
  );
  return rows;
}

/** The return lines of the day (what each refunded, of which lot). */
export async function dayReturnLines(db: Queryable, q: { shopId: string; timezone: string; day: string }): Promise<MarginReturnLine[]> {
  return db.rows<MarginReturnLine>(
    `select (l->>'batchId')::uuid as batch_id, (l->>'quantity')::int as quantity, (l->>'amount')::float8 as amount
     from sale_returns r cross join lateral jsonb_array_elements(r.lines) l
     where r.shop_id = $1 and ${dayRange('r.created_at')}`,
    [q.shopId, q.timezone, q.day, q.day],
  );
}

export async function lotCosts(db: Queryable, batchIds: readonly string[]): Promise<Map<string, LotCost>> {
  const rows = await db.rows<{ id: string; productId: string; unitCost: number | null }>(
    'select id, product_id, unit_cost::float8 as unit_cost from product_batches where id = any($1::uuid[])',
    [batchIds],
  );
  return new Map(rows.map((r) => [r.id, { productId: r.productId, unitCost: r.unitCost }]));
}

export async function replaceDay(
  db: Queryable,
  q: { shopId: string; day: string; margins: readonly ProductMargin[]; hours: readonly { hour: number; sales: number; total: number }[] },
): Promise<void> {
  const before = await db.rows<ProductMargin>(
    `delete from hq_daily_margins where shop_id = $1 and day = $2::date
     returning product_id, quantity, takings::float8 as takings, cost::float8 as cost, known_takings::float8 as known_takings, unknown_cost_qty`,
    [q.shopId, q.day],
  );
  await db.exec('delete from hq_hourly_takings where shop_id = $1 and day = $2::date', [q.shopId, q.day]);
  const m = q.margins;
  await db.exec(
    `insert into hq_daily_margins (shop_id, day, product_id, quantity, takings, cost, known_takings, unknown_cost_qty)
     select $1, $2::date, * from unnest($3::uuid[], $4::int[], $5::bigint[], $6::bigint[], $7::bigint[], $8::int[])`,
    [q.shopId, q.day, m.map((r) => r.productId), m.map((r) => r.quantity), m.map((r) => r.takings), m.map((r) => r.cost),
      m.map((r) => r.knownTakings), m.map((r) => r.unknownCostQty)],
  );
  await db.exec(
    `insert into hq_hourly_takings (shop_id, day, hour, sales, total)
     select $1, $2::date, * from unnest($3::smallint[], $4::int[], $5::bigint[])`,
    [q.shopId, q.day, q.hours.map((h) => h.hour), q.hours.map((h) => h.sales), q.hours.map((h) => h.total)],
  );
  // Only the products whose units of the day changed (or that came or went) move their kept last sale and 56-day sums.
  const was = new Map(before.map((r) => [r.productId, r.quantity]));
  const changed = new Set(m.filter((r) => was.get(r.productId) !== r.quantity).map((r) => r.productId));
  const now = new Set(m.map((r) => r.productId));
  for (const r of before) if (!now.has(r.productId)) changed.add(r.productId);
  if (changed.size > 0) await keepProductSales(db, q.shopId, [...changed]);
  await addToChainDay(db, q.day, before, m);
}

/**
 * The chain's per-day sums (migration 0033) take what this shop-day changed:
 * new less old, per product, in product order (two shops' pushes lock the
 * same rows in the same order, never in a cycle). Last in the push's work
 * on a day, so those rows are held only until its commit.
 */
async function addToChainDay(db: Queryable, day: string, before: readonly ProductMargin[], after: readonly ProductMargin[]): Promise<void> {
  const delta = new Map<string, ProductMargin>();
  const add = (r: ProductMargin, sign: 1 | -1) => {
    const d = delta.get(r.productId) ?? { productId: r.productId, quantity: 0, takings: 0, cost: 0, knownTakings: 0, unknownCostQty: 0 };
    d.quantity += sign * r.quantity; d.takings += sign * r.takings; d.cost += sign * r.cost;
    d.knownTakings += sign * r.knownTakings; d.unknownCostQty += sign * r.unknownCostQty;
    delta.set(r.productId, d);
  };
  for (const r of before) add(r, -1);
  for (const r of after) add(r, 1);
  const rows = [...delta.values()]
    .filter((d) => d.quantity !== 0 || d.takings !== 0 || d.cost !== 0 || d.knownTakings !== 0 || d.unknownCostQty !== 0)
    .sort((a, b) => (a.productId < b.productId ? -1 : 1));
  if (rows.length === 0) return;
  await db.exec(
    `insert into hq_chain_daily_margins as c (day, product_id, quantity, takings, cost, known_takings, unknown_cost_qty)
     select $1::date, * from unnest($2::uuid[], $3::int[], $4::bigint[], $5::bigint[], $6::bigint[], $7::int[]) order by 1, 2
     on conflict (day, product_id) do update set quantity = c.quantity + excluded.quantity, takings = c.takings + excluded.takings,
       cost = c.cost + excluded.cost, known_takings = c.known_takings + excluded.known_takings, unknown_cost_qty = c.unknown_cost_qty + excluded.unknown_cost_qty`,
    [day, rows.map((r) => r.productId), rows.map((r) => r.quantity), rows.map((r) => r.takings), rows.map((r) => r.cost),
      rows.map((r) => r.knownTakings), rows.map((r) => r.unknownCostQty)],
  );
}

/** The kept last sale and 56-day sums of these products of a shop, recomputed from the per-day margins (migration 0033). */
export async function keepProductSales(db: Queryable, shopId: string, productIds: readonly string[]): Promise<void> {
  await db.exec('select hq_keep_product_sales($1, $2::uuid[])', [shopId, productIds]);
}

/**
 * The kept month-end quantities of these lots, from the month of each one's
 * earliest new movement onward (migration 0033): the push's movements
 * change the end of their month and of every month after it.
 */
export async function keepMonthEnds(db: Queryable, moved: ReadonlyMap<string, Date>): Promise<void> {
  if (moved.size === 0) return;
  const ids = [...moved.keys()].sort();
  await db.exec('select hq_keep_month_ends($1::uuid[], $2::timestamptz[])', [ids, ids.map((id) => moved.get(id)!)]);
}

/** The kept stock of the shops' products these lots are of, recomputed from their lots (migration 0038). */
export async function keepProductStock(db: Queryable, batchIds: readonly string[]): Promise<void> {
  if (batchIds.length === 0) return;
  await db.exec('select hq_keep_product_stock($1::uuid[])', [[...batchIds].sort()]);
}

/** The days the kept 56-day sums cover: the risk page's rate (DEFAULT_RISK.rateDays) must be it. */
export const KEPT_SOLD_DAYS = 56;

export interface MarginRow {
  day: string;
  shopCode: string;
  productId: string;
  productName: string;
  sku: string;
  quantity: number;
  takings: number;
  cost: number;
  knownTakings: number;
  unknownCostQty: number;
}

/** Margins per shop, product and day over a period, from the per-day table. */
export async function marginsBetween(db: Queryable, q: { from: string; to: string; shopId?: string | undefined; limit: number }): Promise<MarginRow[]> {
  return db.rows<MarginRow>(
    `select to_char(m.day, 'YYYY-MM-DD') as day, s.code as shop_code, m.product_id, p.name as product_name, p.sku, m.quantity,
       m.takings::float8 as takings, m.cost::float8 as cost, m.known_takings::float8 as known_takings, m.unknown_cost_qty
     from hq_daily_margins m join shops s on s.id = m.shop_id join products p on p.id = m.product_id
     where m.day between $1::date and $2::date and ($3::uuid is null or m.shop_id = $3)
     order by m.day desc, s.code, p.name collate french limit $4`,
    [q.from, q.to, q.shopId ?? null, q.limit],
  );
}

export interface ProductTotal {
  productId: string;
  productName: string;
  quantity: number;
  takings: number;
  cost: number;
  knownTakings: number;
  unknownCostQty: number;
}

/**
 * Per product over a period (every shop, or one), summed in SQL: what the
 * top-20 chart and the margins page read. The whole chain's from its own
 * per-day sums (a month is ~12 000 rows, not 1.2 M).
 */
export async function productTotals(db: Queryable, q: { from: string; to: string; shopId?: string | undefined }): Promise<ProductTotal[]> {
  if (!q.shopId) {
    return db.rows<ProductTotal>(
      `select t.product_id, p.name as product_name, t.quantity, t.takings, t.cost, t.known_takings, t.unknown_cost_qty
       from (select product_id, sum(quantity)::int as quantity, sum(takings)::float8 as takings, sum(cost)::float8 as cost,
               sum(known_takings)::float8 as known_takings, sum(unknown_cost_qty)::int as unknown_cost_qty
             from hq_chain_daily_margins where day between $1::date and $2::date group by product_id) t
       join products p on p.id = t.product_id
       -- A product whose chain sums came back to zero (its sales voided) is no line.
       where t.quantity <> 0 or t.takings <> 0 or t.cost <> 0 or t.known_takings <> 0 or t.unknown_cost_qty <> 0
       order by t.takings desc`,
      [q.from, q.to],
    );
  }
  return db.rows<ProductTotal>(
    `select t.product_id, p.name as product_name, t.quantity, t.takings, t.cost, t.known_takings, t.unknown_cost_qty
     from (select product_id, sum(quantity)::int as quantity, sum(takings)::float8 as takings, sum(cost)::float8 as cost,
             sum(known_takings)::float8 as known_takings, sum(unknown_cost_qty)::int as unknown_cost_qty
           from hq_daily_margins where day between $1::date and $2::date and shop_id = $3
           group by product_id) t
     join products p on p.id = t.product_id
     order by t.takings desc`,
    [q.from, q.to, q.shopId ?? null],
  );
}

/** Completed sales per hour of the day over a period. */
export async function takingsByHour(db: Queryable, q: { from: string; to: string; shopId?: string | undefined }): Promise<{ hour: number; sales: number; total: number }[]> {
  return db.rows(
    `select hour, sum(sales)::int as sales, sum(total)::float8 as total from hq_hourly_takings
     where day between $1::date and $2::date and ($3::uuid is null or shop_id = $3) group by hour order by hour`,
    [q.from, q.to, q.shopId ?? null],
  );
}

export interface ValuationLine {
  batchId: string;
  productId: string;
  productName: string;
  sku: string;
  lotNumber: string;
  expirationDate: string;
  status: 'active' | 'quarantined' | 'recalled';
  quantity: number;
  unitCost: number | null;
}

/**
 * Each lot's quantity as of an instant, from its ledger (design.md
 * principle 4, the rule ledgerQuantities applies today): the movements made
 * before it, in clock order; the last count sets the quantity and every
 * later movement adds its delta. Lots at zero are left out. The instant is
 * the end of the shop's calendar day, by each movement's own time (the
 * till's clock, as every day of the shop is counted).
 */
export async function lotsAsOf(db: Queryable, q: { shopId: string; date: string; timezone: string }): Promise<ValuationLine[]> {
  return db.rows<ValuationLine>(
    `with m as (
       select id, batch_id, kind, delta, counted_qty, hlc from stock_movements
       where shop_id = $1 and created_at < ($2::date + 1)::timestamp at time zone $3),
     last_count as (
       select distinct on (batch_id) batch_id, id, hlc, counted_qty from m where kind = 'count' order by batch_id, hlc collate "C" desc, id desc),
     q as (
       select m.batch_id, (coalesce(max(c.counted_qty), 0) + coalesce(sum(m.delta) filter (
           where m.kind <> 'count' and (c.id is null or m.hlc collate "C" > c.hlc collate "C" or (m.hlc = c.hlc and m.id > c.id))), 0))::int as quantity
       from m left join last_count c on c.batch_id = m.batch_id group by m.batch_id)
     select b.id as batch_id, b.product_id, p.name as product_name, p.sku, b.lot_number, to_char(b.expiration_date, 'YYYY-MM-DD') as expiration_date,
       b.status, q.quantity, b.unit_cost::float8 as unit_cost
     from q join product_batches b on b.id = q.batch_id join products p on p.id = b.product_id
     where q.quantity <> 0
     order by p.name collate french, b.expiration_date, b.lot_number`,
    [q.shopId, q.date, q.timezone],
  );
}

/** Today's lots as their cached quantities say (what the valuation of today must equal). */
export async function lotsNow(db: Queryable, shopId: string): Promise<ValuationLine[]> {
  return db.rows<ValuationLine>(
    `select b.id as batch_id, b.product_id, p.name as product_name, p.sku, b.lot_number, to_char(b.expiration_date, 'YYYY-MM-DD') as expiration_date,
       b.status, b.quantity, b.unit_cost::float8 as unit_cost
     from product_batches b join products p on p.id = b.product_id
     where b.shop_id = $1 and b.quantity <> 0
     order by p.name collate french, b.expiration_date, b.lot_number`,
    [shopId],
  );
}

/** The value at cost of the stock expiring in each month from..to, per shop (lots with no cost counted apart in units). */
export async function expiringByMonth(db: Queryable, q: { from: string; to: string; shopId?: string | undefined }) {
  return db.rows<{ month: string; shopCode: string; value: number; units: number; unknownCostQty: number }>(
    // Summed per month and shop id first, then named and sorted: grouping the chain's 27 000 lots by text keys sorted them all.
    `select to_char(x.month, 'YYYY-MM') as month, s.code as shop_code, x.value, x.units, x.unknown_cost_qty
     from (select date_trunc('month', b.expiration_date) as month, b.shop_id,
             coalesce(sum(b.quantity * b.unit_cost), 0)::float8 as value, sum(b.quantity)::int as units,
             coalesce(sum(b.quantity) filter (where b.unit_cost is null), 0)::int as unknown_cost_qty
           from product_batches b
           where b.quantity > 0 and b.expiration_date between $1::date and $2::date and ($3::uuid is null or b.shop_id = $3)
           group by 1, 2) x
     join shops s on s.id = x.shop_id
     order by 1, 2`,
    [q.from, q.to, q.shopId ?? null],
  );
}

/** The shop a lot belongs to, with its time zone. */
export async function shopOfLot(db: Queryable, batchId: string): Promise<{ shopId: string; timezone: string } | undefined> {
  return db.one('select b.shop_id, s.timezone from product_batches b join shops s on s.id = b.shop_id where b.id = $1', [batchId]);
}

/** Shop-days head office holds sales or returns of but no margins for (sales received before migration 0020), newest first. */
export async function daysWithoutReports(db: Queryable, limit: number): Promise<{ shopId: string; timezone: string; day: string }[]> {
  return db.rows(
    `select t.shop_id, s.timezone, to_char(t.day, 'YYYY-MM-DD') as day
     from (select distinct shop_id, day from hq_daily_takings where sales > 0 or returns > 0) t join shops s on s.id = t.shop_id
     where not exists (select 1 from hq_daily_margins m where m.shop_id = t.shop_id and m.day = t.day)
     order by t.day desc, t.shop_id limit $1`,
    [limit],
  );
}

export interface StockAtRisk {
  shopCode: string;
  productId: string;
  productName: string;
  quantity: number;
  value: number;
  unknownCostQty: number;
  lastSold: string | null;
  /** Units sold (net of returns) over the last `rateDays` days. */
  recentlySold: number;
}

/**
 * Each shop's products in stock, with when each last sold and what it sold
 * over the 56 days to `today`, from the kept per-product sums (migration
 * 0033), every one of them: the plain read `stockAtRisk` classifies, which
 * the property test holds it to.
 * sold[k] runs from last_day − 62 to last_day − 63 + k; the 56 days to
 * `today` are the running sum at today − last_day + 63 less the one at
 * today − last_day + 7, each clamped to the array (an index of 0 is none:
 * 0). Exact for a `today` no more than 7 days before the product's last day.
 */
export async function stockWithSales(db: Queryable, q: { today: string; shopId?: string | undefined }): Promise<StockAtRisk[]> {
  return db.rows<StockAtRisk>(
    `with stock as (
       select shop_id, product_id, sum(quantity)::int as quantity, coalesce(sum(quantity * unit_cost), 0)::float8 as value,
         coalesce(sum(quantity) filter (where unit_cost is null), 0)::int as unknown_cost_qty
       from product_batches where quantity > 0 and ($2::uuid is null or shop_id = $2) group by shop_id, product_id)
     select s.code as shop_code, st.product_id, p.name as product_name, st.quantity, st.value, st.unknown_cost_qty,
       to_char(k.last_sold, 'YYYY-MM-DD') as last_sold,
       (coalesce(k.sold[least(greatest($1::date - k.last_day + 63, 0), 63)], 0)
        - coalesce(k.sold[least(greatest($1::date - k.last_day + 7, 0), 63)], 0))::int as recently_sold
     from stock st join shops s on s.id = st.shop_id join products p on p.id = st.product_id
     left join hq_product_sales k on k.shop_id = st.shop_id and k.product_id = st.product_id
     order by st.value desc, s.code, p.name collate french`,
    [q.today, q.shopId ?? null],
  );
}

export interface RiskRow extends StockAtRisk {
  risk: 'dead' | 'overstock';
  /** How many products, and their value at cost, are at this risk in all (the rows are the first `limit`). */
  riskCount: number;
  riskValue: number;
}

/**
 * The products at risk, from the kept stock per shop and product (migration
 * 0038) and the kept sales (0033), classified in SQL by the rules of domain/stock-risk.ts
 * (dead: never sold, or not since today − (deadDays − 1); else overstock:
 * more than coverDays of cover at the 56 days' rate), the most valuable
 * `limit` of each with each class's count and value: a chain's 60 000
 * products in stock never travel to be counted. The service runs the domain
 * rule again over the rows (the same split) and a property test holds the
 * two together.
 */
export async function stockAtRisk(db: Queryable, q: { today: string; deadDays: number; coverDays: number; limit: number; shopId?: string | undefined }): Promise<RiskRow[]> {
  // The cover test is the domain's Math.round(q × 56 / sold) > coverDays said in integers (q × 56 / sold ≥ coverDays + ½):
  // exact, and no numeric division per product.
  // Only the products at risk are kept (materialised once, read three times); each list takes the top `limit` by value with
  // its ties before the names are joined (the order's next keys), so 20 000 rows are not named to list 500.
  return db.rows<RiskRow>(
    `with stock as (
       select shop_id, product_id, quantity, value, unknown_cost_qty
       from hq_product_stock where quantity > 0 and ($2::uuid is null or shop_id = $2)),
     -- The 56 days' sums read from each kept row's array as it is scanned: the join then hashes two dates and a number
     -- a product, not its 63-day array (12 MB for a chain, which spilled).
     sold as (
       select k.shop_id, k.product_id, k.last_sold,
         (coalesce(k.sold[least(greatest($1::date - k.last_day + 63, 0), 63)], 0)
          - coalesce(k.sold[least(greatest($1::date - k.last_day + 7, 0), 63)], 0))::int as recently_sold
       from hq_product_sales k where $2::uuid is null or k.shop_id = $2),
     c as materialized (
       select * from (
         select st.shop_id, st.product_id, st.quantity, st.value, st.unknown_cost_qty, k.last_sold, coalesce(k.recently_sold, 0) as recently_sold,
           case when k.last_sold is null or k.last_sold < $1::date - ($3::int - 1) then 'dead'
                when k.recently_sold > 0 and 112 * st.quantity::bigint >= (2 * $4::bigint + 1) * k.recently_sold then 'overstock' end as risk
         from stock st left join sold k on k.shop_id = st.shop_id and k.product_id = st.product_id) r
       where risk is not null),
     totals as (select risk, count(*)::int as risk_count, sum(value)::float8 as risk_value from c group by risk),
     -- The most valuable of each list: a top-N sort each by value (its ties kept), then named and put in the page's order.
     top as (
       (select * from c where risk = 'dead' order by value desc fetch first $5 rows with ties)
       union all
       (select * from c where risk = 'overstock' order by value desc fetch first $5 rows with ties)),
     listed as (
       select * from (
         select t.*, s.code as shop_code, p.name as product_name,
           row_number() over (partition by t.risk order by t.value desc, s.code, p.name collate french) as k
         from top t join shops s on s.id = t.shop_id join products p on p.id = t.product_id) n
       where k <= $5)
     select l.shop_code, l.product_id, l.product_name, l.quantity, l.value, l.unknown_cost_qty, to_char(l.last_sold, 'YYYY-MM-DD') as last_sold,
       l.recently_sold, l.risk, t.risk_count, t.risk_value
     from listed l join totals t on t.risk = l.risk
     order by l.risk, l.value desc, l.shop_code, l.product_name collate french`,
    [q.today, q.shopId ?? null, q.deadDays, q.coverDays, q.limit],
  );
}

/**
 * A shop's lots at the end of each of these months ('YYYY-MM-01'), from the
 * kept month-end quantities: for each month, each lot's latest row up to it
 * (a month the lot did not move keeps the quantity it ended the last one
 * with). Lots at zero are left out.
 */
export async function lotsAtMonthEnds(db: Queryable, q: { shopId: string; months: readonly string[] }) {
  return db.rows<{ month: string; batchId: string; expirationDate: string; status: ValuationLine['status']; quantity: number; unitCost: number | null }>(
    `select to_char(e.month, 'YYYY-MM') as month, b.id as batch_id, to_char(b.expiration_date, 'YYYY-MM-DD') as expiration_date, b.status,
       q.quantity, b.unit_cost::float8 as unit_cost
     from unnest($2::date[]) e(month)
     cross join lateral (select distinct on (k.batch_id) k.batch_id, k.quantity from hq_lot_month_ends k
                         where k.shop_id = $1 and k.month <= e.month order by k.batch_id, k.month desc) q
     join product_batches b on b.id = q.batch_id
     where q.quantity <> 0`,
    [q.shopId, q.months],
  );
}

/**
 * Every shop's stock at cost today from the lots' cached quantities (each
 * the replay of its ledger, settled by every push), summed per shop the way
 * domain/valuation.ts sums lots: expired the day after its expiry date (the
 * shop's calendar), else sellable when active and set aside otherwise; lots
 * with no cost counted apart in units.
 */
export async function stockTotalsNow(db: Queryable, shops: readonly { id: string; today: string }[]) {
  return db.rows<{ shopId: string; sellable: number; expired: number; blocked: number; unknownCostQty: number }>(
    `select b.shop_id,
       coalesce(sum(b.quantity * b.unit_cost) filter (where b.expiration_date >= t.today and b.status = 'active'), 0)::float8 as sellable,
       coalesce(sum(b.quantity * b.unit_cost) filter (where b.expiration_date < t.today), 0)::float8 as expired,
       coalesce(sum(b.quantity * b.unit_cost) filter (where b.expiration_date >= t.today and b.status <> 'active'), 0)::float8 as blocked,
       coalesce(sum(b.quantity) filter (where b.unit_cost is null), 0)::int as unknown_cost_qty
     from unnest($1::uuid[], $2::date[]) t(shop_id, today) join product_batches b on b.shop_id = t.shop_id
     where b.quantity <> 0
     group by b.shop_id`,
    [shops.map((s) => s.id), shops.map((s) => s.today)],
  );
}

/**
 * Units and value written off (negative adjustments) per month and cause:
 * the lot was recalled, or past its expiry on the day (the shop's calendar),
 * or else damaged or lost. Head office reads the cause from the lot, since
 * an adjustment's reason is free text.
 */
export async function writeOffsByMonth(db: Queryable, q: { since: string; shopId?: string | undefined }) {
  return db.rows<{ month: string; shopCode: string; cause: 'expired' | 'recalled' | 'damaged'; units: number; value: number; unknownCostQty: number }>(
    `select to_char(date_trunc('month', m.created_at at time zone s.timezone), 'YYYY-MM') as month, s.code as shop_code,
       case when b.status = 'recalled' then 'recalled' when b.expiration_date < (m.created_at at time zone s.timezone)::date then 'expired' else 'damaged' end as cause,
       sum(-m.delta)::int as units, coalesce(sum(-m.delta * b.unit_cost), 0)::float8 as value,
       coalesce(sum(-m.delta) filter (where b.unit_cost is null), 0)::int as unknown_cost_qty
     from stock_movements m join product_batches b on b.id = m.batch_id join shops s on s.id = m.shop_id
     where m.kind = 'adjustment' and m.delta < 0 and m.created_at >= $1::date and ($2::uuid is null or m.shop_id = $2)
     group by 1, 2, 3 order by 1, 2, 3`,
    [q.since, q.shopId ?? null],
  );
}

/** A shop's completed sales per calendar day and hour over from..to (its own tables: the shop's Tableau de bord). */
export async function salesByDayAndHour(db: Queryable, q: { shopId: string; timezone: string; from: string; to: string }) {
  return db.rows<{ day: string; hour: number; total: number; sales: number }>(
    `select to_char(s.created_at at time zone $2, 'YYYY-MM-DD') as day, extract(hour from s.created_at at time zone $2)::int as hour,
       sum(s.total)::float8 as total, count(*)::int as sales
     from sales s where s.shop_id = $1 and s.status = 'completed' and ${dayRange('s.created_at')}
     group by 1, 2 order by 1, 2`,
    [q.shopId, q.timezone, q.from, q.to],
  );
}

// Monthly reports kept at head office (migration 0027).

/**
 * Whether the shop's report of that month is still to make: none kept yet,
 * and the shop was registered before the month ended (a shop opened this
 * month gets no empty report of the months before it).
 */
export async function monthlyReportDue(db: Queryable, q: { shopId: string; month: string; timezone: string }): Promise<boolean> {
  return (await db.one(
    `select 1 from shops s where s.id = $1 and to_char(s.created_at at time zone $3, 'YYYY-MM') <= $2
       and not exists (select 1 from hq_monthly_reports r where r.shop_id = s.id and r.month = $2)`,
    [q.shopId, q.month, q.timezone],
  )) !== undefined;
}

/** Keeps the report unless one of that shop and month is kept already: returns whether this one was written. */
export async function keepMonthlyReport(db: Queryable, q: { shopId: string; month: string; pdf: Buffer; madeAt: Date }): Promise<boolean> {
  return (await db.exec(
    `insert into hq_monthly_reports (shop_id, month, pdf, made_at) values ($1, $2, $3, $4) on conflict (shop_id, month) do nothing`,
    [q.shopId, q.month, q.pdf, q.madeAt],
  )) === 1;
}

/** The shop's kept reports, newest month first, without their bytes. */
export async function monthlyReportsOf(db: Queryable, shopId: string): Promise<{ month: string; madeAt: Date; bytes: number }[]> {
  return db.rows(
    `select month, made_at, octet_length(pdf)::int as bytes from hq_monthly_reports where shop_id = $1 order by month desc`,
    [shopId],
  );
}

export async function monthlyReportPdfOf(db: Queryable, shopId: string, month: string): Promise<Buffer | undefined> {
  return (await db.one<{ pdf: Buffer }>(`select pdf from hq_monthly_reports where shop_id = $1 and month = $2`, [shopId, month]))?.pdf;
}
