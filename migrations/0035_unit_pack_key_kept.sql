-- The unit pack follows its product's price and base unit without touching
-- its GTIN unless the GTIN changed. Writing `gtin = new.gtin` (a unique
-- column) counted as changing the row's key even when the value was the
-- same, so every price edit took the unit pack's row as a key update: a sale
-- naming that pack (its line's foreign key) then waited for the edit, and a
-- pulled page of price edits met the tills' sales in deadlocks (issue 26).
create or replace function products_unit_pack() returns trigger language plpgsql as $$
begin
  if tg_op = 'INSERT' then
    insert into product_packs (id, product_id, name, units, unit_price, gtin, origin_shop_id, hlc, created_at, updated_at)
    values (unit_pack_id(new.id), new.id, new.base_unit, 1, new.unit_price, new.gtin, new.origin_shop_id, new.hlc, new.created_at, new.updated_at)
    on conflict (id) do nothing;
  elsif new.gtin is distinct from old.gtin then
    update product_packs set name = new.base_unit, unit_price = new.unit_price, gtin = new.gtin where id = unit_pack_id(new.id);
  elsif (new.base_unit, new.unit_price) is distinct from (old.base_unit, old.unit_price) then
    update product_packs set name = new.base_unit, unit_price = new.unit_price where id = unit_pack_id(new.id);
  end if;
  return null;
end $$;
