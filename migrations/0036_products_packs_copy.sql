-- Every read of a product at the till (search, scan, cart, sale) needs its
-- packs. Building them as JSON from product_packs at each read cost the
-- search 20 % and the 5-line sale 13 % (issue 20's same-run bench), so each
-- product keeps a copy of its packs, already as the JSON the reads answer,
-- rewritten by the statements that write its packs. product_packs stays the
-- one source: the copy is never written by anything else, never travels,
-- and is made again from it here.
alter table products add column packs_json json not null default '[]';

create function product_packs_json(product uuid) returns json language sql stable as $$
  select coalesce(json_agg(json_build_object(
      'id', k.id, 'productId', k.product_id, 'name', k.name, 'units', k.units, 'unitPrice', k.unit_price, 'gtin', k.gtin,
      'sellable', k.sellable, 'retired', k.retired, 'createdAt', k.created_at, 'updatedAt', k.updated_at) order by k.units, k.created_at, k.id), '[]'::json)
  from product_packs k where k.product_id = product
$$;

-- Once per statement, for the products whose packs it wrote: a catalogue
-- page of a thousand packs rewrites each product once, not once a pack.
create function products_packs_refresh() returns trigger language plpgsql as $$
begin
  update products p set packs_json = product_packs_json(p.id)
  where p.id in (select distinct product_id from changed);
  return null;
end $$;
create trigger product_packs_copy_insert after insert on product_packs
  referencing new table as changed for each statement execute function products_packs_refresh();
create trigger product_packs_copy_update after update on product_packs
  referencing new table as changed for each statement execute function products_packs_refresh();
create trigger product_packs_copy_delete after delete on product_packs
  referencing old table as changed for each statement execute function products_packs_refresh();

-- The copy is not the product: rewriting it leaves the product's updated_at
-- (which a rebuild restores from head office) as it was.
create function products_touch_unless_packs_copy() returns trigger language plpgsql as $$
begin
  if (to_jsonb(new) - 'packs_json') = (to_jsonb(old) - 'packs_json') then
    return new;
  end if;
  new.created_at := old.created_at;
  new.updated_at := now();
  return new;
end $$;
drop trigger products_touch on products;
create trigger products_touch before update on products for each row execute function products_touch_unless_packs_copy();

update products p set packs_json = product_packs_json(p.id);
