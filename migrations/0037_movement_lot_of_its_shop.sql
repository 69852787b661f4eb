-- A movement's lot exists and belongs to the movement's shop, checked once
-- a statement over the rows it wrote, in place of two foreign keys checked
-- row by row (batch_id → product_batches, shop_id → shops).
-- Why: « Clôturer » writes a movement per lot counted, and for 5 000 lots
-- the two keys' checks (a query and a row lock each, per row) cost more
-- than writing the movements (issue 23's bench, docs/benchmarks.md).
-- What the keys kept is kept, and more, for every writer (a service, a
-- merge, a restore, a script):
-- - the lot exists, of the movement's shop (the shop exists: every lot's
--   shop_id references shops), locked FOR KEY SHARE as the keys did, so a
--   lot being deleted meanwhile is either waited for or found gone;
-- - a lot with movements can neither go nor change its id or shop.
-- A refusal is the keys' error (foreign_key_violation, 23503).
-- test/integration/movement-keys.test.ts says it.

create function stock_movements_lots_exist() returns trigger language plpgsql as $$
declare
  wanted int;
  locked int;
begin
  select count(*) into wanted from (select distinct batch_id, shop_id from written) w;
  -- Locked (in id order, as every writer locks lots) and counted in one: a lot deleted by a transaction that commits meanwhile is skipped by the lock, so it counts as missing.
  -- Joined on the id alone (its primary key; a transition table looks one row long to the planner, which
  -- otherwise walks product_batches_fefo from the shop for each), the shop compared after.
  select count(*) filter (where l.shop_id = l.wanted) into locked from (
    select b.shop_id, w.shop_id as wanted from product_batches b join (select distinct batch_id, shop_id from written) w on b.id = w.batch_id
    order by b.id for key share of b) l;
  if locked <> wanted then
    raise exception 'stock_movements: a movement names a lot that is not of its shop or does not exist'
      using errcode = 'foreign_key_violation', table = 'stock_movements', constraint = 'stock_movements_lot_of_shop';
  end if;
  return null;
end $$;

create trigger stock_movements_lot_of_shop after insert on stock_movements
  referencing new table as written for each statement execute function stock_movements_lots_exist();

-- The other side, rare (nothing deletes a lot today): a lot with movements
-- neither goes nor changes its id or shop. Row by row, under the lot's lock
-- taken before the trigger runs, so a movement committed meanwhile is seen.
-- (A TRUNCATE fires no row trigger: the one that exists, a forced rebuild's,
-- empties the movements with the lots.)
create function product_batches_keep_movements() returns trigger language plpgsql as $$
begin
  if exists (select 1 from stock_movements m where m.batch_id = old.id) then
    raise exception 'product_batches: a lot with movements cannot go or change shop'
      using errcode = 'foreign_key_violation', table = 'product_batches', constraint = 'stock_movements_lot_of_shop';
  end if;
  return case when tg_op = 'DELETE' then old else new end;
end $$;

create trigger product_batches_keep_movements_delete before delete on product_batches
  for each row execute function product_batches_keep_movements();
create trigger product_batches_keep_movements_update before update of id, shop_id on product_batches
  for each row when (old.id is distinct from new.id or old.shop_id is distinct from new.shop_id) execute function product_batches_keep_movements();

alter table stock_movements drop constraint stock_movements_batch_id_fkey, drop constraint stock_movements_shop_id_fkey;
