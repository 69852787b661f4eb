-- Units and packs (issue 20): a product is counted in a base unit (comprimé,
-- ml, sachet…) and sold in packs (« Boîte de 30 », « Plaquette de 10 »),
-- each with its own price and GTIN. Every lot quantity, movement, count and
-- report stays in base units.
--
-- Written to run in moments on a shop with a million past sales: nothing
-- here rewrites or scans sales, their lines or the ledger (new columns are
-- nullable or have a constant default, new constraints on them NOT VALID:
-- every existing row satisfies them by construction).

-- A product's base unit (merged last-writer-wins like its name), and the
-- shop's own stock thresholds in base units (local: each shop has its own).
alter table products
  add column base_unit text not null default 'unité',
  add column min_stock int check (min_stock >= 0),
  add column max_stock int check (max_stock >= 0 and (min_stock is null or max_stock >= min_stock));

-- The unit pack's id follows from its product's (RFC 9562 version 8 over
-- SHA-256, as shop ids), so head office and every shop name it alike
-- without sending it: each migrates its own products, and a product pushed
-- by a shop older than packs gets the same unit pack at head office.
create function unit_pack_id(product uuid) returns uuid language sql immutable parallel safe as $$
  select encode(set_byte(set_byte(h, 6, (get_byte(h, 6) & 15) | 128), 8, (get_byte(h, 8) & 63) | 128), 'hex')::uuid
  from (select substring(sha256(convert_to('comptoir-unit-pack:' || product::text, 'UTF8')) from 1 for 16)) as x(h)
$$;

-- What a product is sold as. `units` is how many base units the pack holds,
-- fixed once the pack exists (a new size is a new pack; the old one is
-- retired), so no past sale changes meaning. Each pack's price is its own,
-- never units × the unit price. A GTIN names one pack of one product: the
-- unit pack carries the product's own GTIN, so this one unique index covers
-- products and packs together (a box's barcode identifies the box).
create table product_packs (
  id uuid primary key,
  product_id uuid not null references products (id),
  name text not null,
  units int not null check (units >= 1),
  unit_price bigint not null check (unit_price >= 0),
  gtin text unique check (gtin ~ '^[0-9]{8,14}$'),
  sellable boolean not null default true,
  retired boolean not null default false,
  -- the shop that created it (null: head office); a plain id, as products'
  origin_shop_id uuid,
  hlc text not null,
  field_clocks jsonb not null default '{}',
  field_origins jsonb not null default '{}',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index product_packs_product on product_packs (product_id, units);
-- One unit pack per product: the base unit itself.
create unique index product_packs_unit on product_packs (product_id) where units = 1;
-- Scanners send GTIN-8/12/13/14 alike: codes compare on 14 digits.
create index product_packs_gtin14 on product_packs (lpad(gtin, 14, '0')) where gtin is not null;
create trigger product_packs_touch before update on product_packs for each row execute function touch_row();

create function product_packs_fixed() returns trigger language plpgsql as $$
begin
  if new.units <> old.units or new.product_id <> old.product_id then
    raise exception 'a pack''s size and product never change' using errcode = 'P0001';
  end if;
  return new;
end $$;
create trigger product_packs_fixed before update of units, product_id on product_packs for each row execute function product_packs_fixed();

-- Every product becomes a pack of 1 with today's price and GTIN: nothing a
-- user sees changes.
insert into product_packs (id, product_id, name, units, unit_price, gtin, sellable, retired, origin_shop_id, hlc, created_at, updated_at)
select unit_pack_id(p.id), p.id, p.base_unit, 1, p.unit_price, p.gtin, true, false, p.origin_shop_id, p.hlc, p.created_at, p.updated_at
from products p;

-- The unit pack's name, price and GTIN are the product's base unit, unit
-- price and GTIN (one value, merged as a product field): kept one by this
-- trigger whatever writes the product (a service, a merge, a restore, a script).
create function products_unit_pack() returns trigger language plpgsql as $$
begin
  if tg_op = 'INSERT' then
    insert into product_packs (id, product_id, name, units, unit_price, gtin, origin_shop_id, hlc, created_at, updated_at)
    values (unit_pack_id(new.id), new.id, new.base_unit, 1, new.unit_price, new.gtin, new.origin_shop_id, new.hlc, new.created_at, new.updated_at)
    on conflict (id) do nothing;
  elsif (new.base_unit, new.unit_price, new.gtin) is distinct from (old.base_unit, old.unit_price, old.gtin) then
    update product_packs set name = new.base_unit, unit_price = new.unit_price, gtin = new.gtin where id = unit_pack_id(new.id);
  end if;
  return null;
end $$;
create trigger products_unit_pack after insert or update of base_unit, unit_price, gtin on products
  for each row execute function products_unit_pack();

-- A sale line names its pack. `quantity` stays the base units taken (the
-- ledger's unit: movements, digests and reports sum it unchanged);
-- `pack_units` is the pack's size as sold, so the count of packs is
-- quantity / pack_units, and `unit_price` is the pack's price. Lines sold
-- before packs have no pack_id: their pack is the product's unit pack.
alter table sale_items
  add column pack_id uuid,
  add column pack_name text,
  add column pack_units int not null default 1;
alter table sale_items add constraint sale_items_pack_units check (pack_units >= 1) not valid;
alter table sale_items add constraint sale_items_pack_fkey foreign key (pack_id) references product_packs (id) not valid;
alter table sale_items add constraint sale_items_whole_packs check (quantity % pack_units = 0) not valid;

-- A cart line counts packs of its pack (none named: the unit pack).
alter table cart_lines add column pack_id uuid references product_packs (id);

-- Packs travel in the push as their own entity. The list of entities is
-- extended, not restated, so a migration of another feature that extended
-- it too keeps its own.
do $$
declare
  names text[];
begin
  select array_agg(m[1]) into names
  from pg_constraint c, regexp_matches(pg_get_constraintdef(c.oid), '''([a-z_]+)''', 'g') as m
  where c.conrelid = 'sync_outbox'::regclass and c.conname = 'sync_outbox_entity_check';
  if not ('product_pack' = any (names)) then
    alter table sync_outbox drop constraint sync_outbox_entity_check;
    -- Written as a list of literals, as the first migration wrote it, so the next extension reads it the same way.
    execute format('alter table sync_outbox add constraint sync_outbox_entity_check check (entity in (%s))',
      (select string_agg(quote_literal(n), ', ') from unnest(names || 'product_pack'::text) as n));
  end if;
end $$;

-- A product's base unit is one of its merged fields: a shop's edit of it on
-- head office's product is a proposal like its name or price.
alter table catalogue_proposals drop constraint catalogue_proposals_field_check;
alter table catalogue_proposals add constraint catalogue_proposals_field_check check (field in ('name', 'unitPrice', 'active', 'baseUnit'));
