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
-- lot of each (a product whose lots are all empty loses its row). Summed in
-- float8, exact for integers below 2^53, as the page always summed them.
create function hq_keep_product_stock(p_batches uuid[]) returns void language sql as $$
  delete from hq_product_stock k
  using (select distinct shop_id, product_id from product_batches where id = any (p_batches)) t
  where k.shop_id = t.shop_id and k.product_id = t.product_id;
  insert into hq_product_stock (shop_id, product_id, quantity, value, unknown_cost_qty)
  select b.shop_id, b.product_id, sum(b.quantity)::int, coalesce(sum((b.quantity * b.unit_cost)::float8), 0),
    coalesce(sum(b.quantity) filter (where b.unit_cost is null), 0)::int
  from (select distinct shop_id, product_id from product_batches where id = any (p_batches)) t
  join product_batches b on b.shop_id = t.shop_id and b.product_id = t.product_id
  where b.quantity > 0
  group by b.shop_id, b.product_id;
$$;

-- Backfill of what head office already holds.
insert into hq_product_stock (shop_id, product_id, quantity, value, unknown_cost_qty)
select shop_id, product_id, sum(quantity)::int, coalesce(sum((quantity * unit_cost)::float8), 0),
  coalesce(sum(quantity) filter (where unit_cost is null), 0)::int
from product_batches where quantity > 0
group by shop_id, product_id;
