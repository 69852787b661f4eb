-- Purchasing (issue 21): suppliers and what they sell (chain-wide, merged
-- like products), and the shop's own purchase documents: orders, deliveries
-- received into lots, supplier returns. Quantities are base units.
--
-- Nothing here rewrites existing rows: new columns are nullable or have a
-- constant default, and the widened movement kinds are NOT VALID (every
-- existing movement satisfies them by construction).

create table suppliers (
  id uuid primary key,
  name text not null check (length(name) between 1 and 200),
  phone text not null default '',
  email text not null default '',
  address text not null default '',
  -- NINEA (Sénégal) or compte contribuable (Côte d'Ivoire)
  tax_id text not null default '',
  -- the days it delivers, as the operator writes them (« lun, mer, ven »)
  delivery_days text not null default '',
  lead_time_days int not null default 1 check (lead_time_days between 0 and 365),
  payment_terms text not null default '',
  active boolean not null default true,
  -- the shop that created it (null: head office); a plain id, as products'
  origin_shop_id uuid,
  hlc text not null,
  field_clocks jsonb not null default '{}',
  field_origins jsonb not null default '{}',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create trigger suppliers_touch before update on suppliers for each row execute function touch_row();

-- What a supplier sells: its own code, the carton it delivers in, the last cost
-- paid (updated by each receipt), whether it is the product's preferred one.
-- The id follows from (supplier, product), so two shops linking the same pair
-- name one row.
create table product_suppliers (
  id uuid primary key,
  supplier_id uuid not null references suppliers (id),
  product_id uuid not null references products (id),
  supplier_code text,
  pack_units int not null default 1 check (pack_units between 1 and 100000),
  last_cost bigint check (last_cost >= 0),
  last_cost_date date,
  preferred boolean not null default false,
  origin_shop_id uuid,
  hlc text not null,
  field_clocks jsonb not null default '{}',
  field_origins jsonb not null default '{}',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (supplier_id, product_id)
);
create index product_suppliers_product on product_suppliers (product_id);
create trigger product_suppliers_touch before update on product_suppliers for each row execute function touch_row();

-- Gap-free numbers of the purchase documents (BC: bon de commande, BR: bon de réception, RF: retour fournisseur).
create table purchase_counters (
  shop_id uuid not null references shops (id),
  kind text not null check (kind in ('order', 'delivery', 'return')),
  last_number int not null default 0,
  primary key (shop_id, kind)
);

create table purchase_orders (
  id uuid primary key,
  shop_id uuid not null references shops (id),
  number text not null,
  supplier_id uuid not null references suppliers (id),
  status text not null check (status in ('draft', 'sent', 'partially_received', 'received', 'cancelled')),
  note text,
  -- every change of state, dated and signed: [{status, at, userId, userName}]
  history jsonb not null default '[]',
  created_by uuid,
  created_by_name text,
  hlc text not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (shop_id, number)
);
create index purchase_orders_shop on purchase_orders (shop_id, status, created_at desc);
create trigger purchase_orders_touch before update on purchase_orders for each row execute function touch_row();

create table purchase_order_lines (
  id uuid primary key,
  order_id uuid not null references purchase_orders (id),
  line_no int not null check (line_no >= 1),
  product_id uuid not null references products (id),
  quantity int not null check (quantity >= 1),
  unit_cost bigint check (unit_cost >= 0),
  -- what its validated deliveries brought (base units); a cache of delivery_lines
  received_qty int not null default 0 check (received_qty >= 0),
  unique (order_id, line_no)
);
create index purchase_order_lines_product on purchase_order_lines (product_id);

create table deliveries (
  id uuid primary key,
  shop_id uuid not null references shops (id),
  number text,
  supplier_id uuid not null references suppliers (id),
  purchase_order_id uuid references purchase_orders (id),
  delivery_note text,
  invoice_number text,
  invoice_total bigint check (invoice_total >= 0),
  status text not null check (status in ('draft', 'validated')),
  received_date date,
  created_by uuid,
  validated_at timestamptz,
  validated_by uuid,
  validated_by_name text,
  hlc text not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (shop_id, number)
);
create index deliveries_shop on deliveries (shop_id, status, created_at desc);
create trigger deliveries_touch before update on deliveries for each row execute function touch_row();

create table delivery_lines (
  id uuid primary key,
  delivery_id uuid not null references deliveries (id),
  line_no int not null check (line_no >= 1),
  product_id uuid not null references products (id),
  purchase_order_line_id uuid references purchase_order_lines (id),
  lot_number text not null,
  expiration_date date not null,
  -- base units received, of which `free_qty` came free (unités gratuites, cost 0)
  quantity int not null check (quantity >= 1),
  free_qty int not null default 0 check (free_qty >= 0 and free_qty <= quantity),
  unit_cost bigint not null check (unit_cost >= 0),
  invoiced_qty int check (invoiced_qty >= 0),
  confirm_short_dated boolean not null default false,
  -- the lot written at validation
  batch_id uuid,
  unique (delivery_id, line_no)
);
create index delivery_lines_order_line on delivery_lines (purchase_order_line_id) where purchase_order_line_id is not null;

create table supplier_returns (
  id uuid primary key,
  shop_id uuid not null references shops (id),
  number text,
  supplier_id uuid not null references suppliers (id),
  status text not null check (status in ('draft', 'sent', 'credited', 'disputed')),
  -- the credit expected: each line's quantity at its lot's cost
  expected_credit bigint not null default 0 check (expected_credit >= 0),
  credit_note_number text,
  credited_amount bigint check (credited_amount >= 0),
  dispute_note text,
  created_by uuid,
  validated_at timestamptz,
  validated_by uuid,
  validated_by_name text,
  settled_at timestamptz,
  settled_by uuid,
  hlc text not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (shop_id, number)
);
create index supplier_returns_shop on supplier_returns (shop_id, status, created_at desc);
create trigger supplier_returns_touch before update on supplier_returns for each row execute function touch_row();

create table supplier_return_lines (
  id uuid primary key,
  return_id uuid not null references supplier_returns (id),
  line_no int not null check (line_no >= 1),
  batch_id uuid not null references product_batches (id),
  product_id uuid not null references products (id),
  lot_number text not null,
  expiration_date date not null,
  quantity int not null check (quantity >= 1),
  unit_cost bigint,
  reason text not null check (reason in ('expired', 'damaged', 'recalled', 'wrong_delivery', 'other')),
  -- the supplier_return movement written at validation
  movement_id uuid,
  unique (return_id, line_no)
);

-- A lot knows where it came from. Plain ids: at head office a lot may arrive
-- before a document it names is merged, and nothing should refuse it for that.
alter table product_batches
  add column supplier_id uuid,
  add column purchase_order_id uuid;

-- A list of names a check allows, extended rather than restated, so another
-- feature's migration that extended it too keeps its own names.
create function purchasing_extend_check(tbl regclass, con text, col text, added text[], recheck boolean) returns void language plpgsql as $$
declare
  names text[];
  missing text[];
begin
  select array_agg(distinct m[1]) into names
  from pg_constraint c, regexp_matches(pg_get_constraintdef(c.oid), '''([a-z_]+)''', 'g') as m
  where c.conrelid = tbl and c.conname = con;
  select array_agg(a) into missing from unnest(added) as a where not (a = any (names));
  if missing is null then return; end if;
  execute format('alter table %s drop constraint %I', tbl, con);
  -- Written as `in (...)`, as every other migration writes these checks: PostgreSQL shows it as ANY (ARRAY[...]), which the next widening reads.
  execute format('alter table %s add constraint %I check (%I in (%s))%s', tbl, con, col,
    (select string_agg(quote_literal(n), ', ') from unnest(names || missing) as n),
    case when recheck then '' else ' not valid' end);
end $$;

-- Units sent back to a supplier leave the ledger as their own kind (every
-- existing movement satisfies the wider list: not rechecked).
select purchasing_extend_check('stock_movements', 'stock_movements_kind_check', 'kind', array['supplier_return'], false);
-- Suppliers, their links and the shop's purchase documents travel upstream;
-- suppliers and links come down in head office's feed.
select purchasing_extend_check('sync_outbox', 'sync_outbox_entity_check', 'entity',
  array['supplier', 'product_supplier', 'purchase_order', 'delivery', 'supplier_return'], false);
select purchasing_extend_check('change_feed', 'change_feed_entity_check', 'entity', array['supplier', 'product_supplier'], false);
drop function purchasing_extend_check(regclass, text, text, text[], boolean);

-- Paramètres: the weeks of sales an order suggestion looks at, the days of
-- stock it orders for (beyond the lead time) when a product has no min/max,
-- and how close an expiry makes a delivered lot short-dated.
alter table shops
  add column order_weeks int not null default 8 check (order_weeks between 1 and 104),
  add column cover_days int not null default 14 check (cover_days between 0 and 365),
  add column short_dated_months int not null default 6 check (short_dated_months between 0 and 60);
