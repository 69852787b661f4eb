-- Stock à risque of the whole chain (issue 25, performance): each shop's
-- stock per product (units, value at cost, units of no known cost), kept
-- by head office in the transaction that changes a lot's quantity or cost
-- (a push that settles its lots, a cost corrected by a push or at head
-- office), as the month-end quantities of migration 0033 are. The page then
-- reads one row a shop and product instead of summing a chain's 60 000
-- lots at every view. Derived, like 0033's tables: recomputed from the lots
-- by the function below, which the keepers and this backfill both call; no
-- foreign keys (nothing reads it at a shop).

create table hq_product_stock (
  shop_id uuid not null,
  product_id uuid not null,
  quantity int not null,
  value float8 not null,
  unknown_cost_qty int not null,
  primary key (shop_id, product_id)
);

-- Recomputes the rows of the shops' products these lots are of, from every
-- lot of each (a product whose lots are all empty keeps a row at zero).
-- Summed in float8, exact for integers below 2^53, as the page always summed
-- them. The lots are first locked for share, in id order as every writer
-- locks lots: a push still settling them (or another keeper) is waited for,
-- and the sum, a statement of its own, reads what it committed; two keepers
-- of one product then write one after the other (on conflict), never a sum
-- read before the other's lots changed.
create function hq_keep_product_stock(p_batches uuid[]) returns void language sql as $$
  select 1 from product_batches b
  join (select distinct shop_id, product_id from product_batches where id = any (p_batches)) t
    on b.shop_id = t.shop_id and b.product_id = t.product_id
  order by b.id for share of b;
  insert into hq_product_stock as k (shop_id, product_id, quantity, value, unknown_cost_qty)
  select t.shop_id, t.product_id, coalesce(sum(b.quantity), 0)::int, coalesce(sum((b.quantity * b.unit_cost)::float8), 0),
    coalesce(sum(b.quantity) filter (where b.unit_cost is null), 0)::int
  from (select distinct shop_id, product_id from product_batches where id = any (p_batches)) t
  left join product_batches b on b.shop_id = t.shop_id and b.product_id = t.product_id and b.quantity > 0
  group by t.shop_id, t.product_id
  on conflict (shop_id, product_id) do update
    set quantity = excluded.quantity, value = excluded.value, unknown_cost_qty = excluded.unknown_cost_qty;
$$;

-- Backfill of what head office already holds.
insert into hq_product_stock (shop_id, product_id, quantity, value, unknown_cost_qty)
select shop_id, product_id, sum(quantity)::int, coalesce(sum((quantity * unit_cost)::float8), 0),
  coalesce(sum(quantity) filter (where unit_cost is null), 0)::int
from product_batches where quantity > 0
group by shop_id, product_id;
