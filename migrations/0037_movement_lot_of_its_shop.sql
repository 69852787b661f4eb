-- A movement's lot belongs to the movement's shop: one foreign key
-- (batch_id, shop_id) → product_batches (id, shop_id) in place of two
-- (batch_id → product_batches, shop_id → shops). It says what both said
-- (the lot exists; the shop exists, as every lot's shop_id references
-- shops) and more (they agree, which every writer already made sure of:
-- the services lock lots by shop, head office refuses another shop's lot).
-- Why: each foreign key is checked row by row, and « Clôturer » writes a
-- movement per lot counted: for 5 000 lots the shop's check cost as much
-- as writing the movements (issue 23's bench, docs/benchmarks.md).
create unique index product_batches_id_shop on product_batches (id, shop_id);

alter table stock_movements add constraint stock_movements_lot_of_shop
  foreign key (batch_id, shop_id) references product_batches (id, shop_id) not valid;

-- Every movement already here was checked by the two keys. Should one name a
-- lot of another shop (none is known to), the new key is dropped again and
-- the two stay, so this migration never refuses a database nor weakens it.
do $$
begin
  if exists (select 1 from stock_movements m join product_batches b on b.id = m.batch_id where b.shop_id <> m.shop_id) then
    raise warning 'stock_movements: a movement names a lot of another shop; its two foreign keys are kept';
    alter table stock_movements drop constraint stock_movements_lot_of_shop;
    drop index product_batches_id_shop;
  else
    alter table stock_movements validate constraint stock_movements_lot_of_shop;
    alter table stock_movements drop constraint stock_movements_batch_id_fkey, drop constraint stock_movements_shop_id_fkey;
  end if;
end $$;
