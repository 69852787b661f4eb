-- The owner's numbers kept for the chain-wide pages (issue 25, performance):
-- what Stock à risque and the 12-month stock value read, kept by head
-- office's pushes in their own transaction (as hq_daily_margins is), so each
-- page is one indexed read instead of a replay at every view.
--
-- Both tables are derived: each row is recomputed from its sources (the
-- per-day margins, the ledger) by the function below it, which the push and
-- this migration's backfill both call, so there is one definition of each.
-- No foreign keys: a shop's rebuild truncates the tables these derive from
-- without having to know them (they stay empty at a shop).

-- Per shop and product: the last day it sold (net of returns) and what it sold
-- over the 63 days up to its last day with any margins row, as running sums,
-- so « sold over the 56 days to D » is two array reads:
-- sold[k] = net units sold from last_day − 62 through last_day − 63 + k (k = 1..63).
-- Exact for any D from last_day − 7 on (the week more than the 56 days: a
-- shop's day ahead of head office's calendar, a till's clock a little ahead);
-- the pages ask today.
create table hq_product_sales (
  shop_id uuid not null,
  product_id uuid not null,
  last_day date not null,
  last_sold date,
  sold int[] not null check (cardinality(sold) = 63),
  primary key (shop_id, product_id)
);

-- Recomputes the rows of these products of a shop from hq_daily_margins (a
-- product with no margins row left loses its row).
create function hq_keep_product_sales(p_shop uuid, p_products uuid[]) returns void language sql as $$
  delete from hq_product_sales where shop_id = p_shop and product_id = any (p_products);
  insert into hq_product_sales (shop_id, product_id, last_day, last_sold, sold)
  select p_shop, p.product_id, l.day, s.day,
    array(select (sum(coalesce(d.quantity, 0)) over (order by g.k))::int
          from generate_series(1, 63) g(k)
          left join hq_daily_margins d on d.shop_id = p_shop and d.product_id = p.product_id and d.day = l.day - 63 + g.k
          order by g.k)
  from unnest(p_products) p(product_id)
  cross join lateral (select m.day from hq_daily_margins m where m.shop_id = p_shop and m.product_id = p.product_id
                      order by m.day desc limit 1) l
  left join lateral (select m.day from hq_daily_margins m where m.shop_id = p_shop and m.product_id = p.product_id and m.quantity > 0
                     order by m.day desc limit 1) s on true;
$$;

-- Per lot and month (the first of the month, the shop's calendar) in which the
-- lot has a movement: its quantity at the end of that month by the ledger rule
-- (the last count by clock then id among the movements made before the
-- month's end, plus every later delta). A month without a row for a lot has
-- the quantity of the lot's latest row before it (nothing moved).
create table hq_lot_month_ends (
  batch_id uuid not null,
  month date not null,
  shop_id uuid not null,
  quantity int not null,
  primary key (batch_id, month)
);
create index hq_lot_month_ends_shop on hq_lot_month_ends (shop_id, month);

-- Recomputes these lots' months from the month of each one's `since` onward
-- (a movement made then changes that month's end and every later one).
create function hq_keep_month_ends(p_batches uuid[], p_since timestamptz[]) returns void language sql as $$
  delete from hq_lot_month_ends e
  using unnest(p_batches, p_since) t(batch_id, since)
    join product_batches b on b.id = t.batch_id join shops s on s.id = b.shop_id
  where e.batch_id = t.batch_id and e.month >= date_trunc('month', t.since at time zone s.timezone)::date;
  insert into hq_lot_month_ends (batch_id, month, shop_id, quantity)
  select lm.batch_id, lm.month, lm.shop_id,
    (coalesce(c.counted_qty, 0) + coalesce((
       select sum(x.delta) from stock_movements x
       where x.batch_id = lm.batch_id and x.kind <> 'count' and x.created_at < lm.ends
         and (c.id is null or x.hlc collate "C" > c.hlc collate "C" or (x.hlc = c.hlc and x.id > c.id))), 0))::int
  from (select distinct m.batch_id, b.shop_id, date_trunc('month', m.created_at at time zone s.timezone)::date as month,
          (date_trunc('month', m.created_at at time zone s.timezone) + interval '1 month') at time zone s.timezone as ends
        from unnest(p_batches, p_since) t(batch_id, since)
        join product_batches b on b.id = t.batch_id join shops s on s.id = b.shop_id
        join stock_movements m on m.batch_id = t.batch_id
          and m.created_at >= date_trunc('month', t.since at time zone s.timezone) at time zone s.timezone) lm
  left join lateral (
    select x.id, x.hlc, x.counted_qty from stock_movements x
    where x.batch_id = lm.batch_id and x.kind = 'count' and x.created_at < lm.ends
    order by x.hlc collate "C" desc, x.id desc limit 1) c on true;
$$;

-- Marges and the top-20 charts of the whole chain sum a period's margins per
-- product: ~1.2 M per-shop rows a month at 200 products a shop-day, ~12 000
-- here. Each push adds to these rows what its recomputed shop-days changed
-- (new less old, per product), in its transaction; rows of products whose
-- sums come back to zero stay (they add nothing).
create table hq_chain_daily_margins (
  day date not null,
  product_id uuid not null,
  quantity int not null,
  takings bigint not null,
  cost bigint not null,
  known_takings bigint not null,
  unknown_cost_qty int not null,
  primary key (day, product_id)
);

-- Backfill of what head office already holds: one call each over every row.
select hq_keep_product_sales(shop_id, array_agg(product_id))
from (select distinct shop_id, product_id from hq_daily_margins) p group by shop_id;
select hq_keep_month_ends(array_agg(batch_id), array_agg(since))
from (select batch_id, min(created_at) as since from stock_movements group by batch_id) m;
insert into hq_chain_daily_margins (day, product_id, quantity, takings, cost, known_takings, unknown_cost_qty)
select day, product_id, sum(quantity), sum(takings), sum(cost), sum(known_takings), sum(unknown_cost_qty)
from hq_daily_margins group by day, product_id;
