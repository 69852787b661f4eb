-- Comptoir schema, shared by the shop and head-office roles (design.md §3).
-- Ids are UUID v7 made in Node where the row is born. Money is integer minor
-- units (bigint), quantities integer units, expiry dates plain dates.

-- French ordering (É sorts with E) regardless of the cluster's locale.
create collation if not exists french (provider = icu, locale = 'fr');

-- created_at never changes; updated_at follows every write.
create function touch_row() returns trigger language plpgsql as $$
begin
  new.created_at := old.created_at;
  new.updated_at := now();
  return new;
end $$;

-- Ledger rows are facts: corrected by new rows, never edited or removed.
create function forbid_change() returns trigger language plpgsql as $$
begin
  raise exception '% rows are immutable', tg_table_name using errcode = 'P0001';
end $$;

create table shops (
  id uuid primary key,
  code text not null unique check (code ~ '^[A-Z0-9]{2,12}$'),
  name text not null,
  timezone text not null,
  address text not null default '',
  phone text not null default '',
  tax_id text not null default '',
  receipt_footer text not null default '',
  token_hash text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create trigger shops_touch before update on shops for each row execute function touch_row();

create table users (
  id uuid primary key,
  shop_id uuid not null references shops (id),
  name text not null,
  role text not null check (role in ('cashier', 'pharmacist', 'manager', 'admin')),
  pin_hash text not null,
  active boolean not null default true,
  failed_attempts int not null default 0,
  locked_until timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index users_shop on users (shop_id) where active;
create trigger users_touch before update on users for each row execute function touch_row();

-- Wrong PINs typed without choosing a user are counted per terminal.
create table login_throttle (
  subject text primary key,
  failures int not null default 0,
  locked_until timestamptz,
  updated_at timestamptz not null default now()
);

create table sessions (
  token_hash text primary key,
  user_id uuid not null references users (id),
  created_at timestamptz not null default now(),
  expires_at timestamptz not null
);
create index sessions_user on sessions (user_id);

create table products (
  id uuid primary key,
  sku text not null unique,
  gtin text unique check (gtin ~ '^[0-9]{8,14}$'),
  name text not null,
  -- name, sku and gtin folded (no accents, lower case), kept by the service.
  search_text text not null,
  unit_price bigint not null check (unit_price >= 0),
  active boolean not null default true,
  origin_shop_id uuid references shops (id),
  hlc text not null,
  field_clocks jsonb not null default '{}',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create trigger products_touch before update on products for each row execute function touch_row();

-- quantity is a cache of the ledger (sum of stock_movements.delta), written in
-- the same transaction as each movement. No check >= 0 here: head office must
-- accept a sale that drives its view below zero (design.md principle 7); the
-- shop refuses it in the service, under row locks.
create table product_batches (
  id uuid primary key,
  shop_id uuid not null references shops (id),
  product_id uuid not null references products (id),
  lot_number text not null,
  expiration_date date not null,
  initial_qty int not null check (initial_qty >= 0),
  quantity int not null,
  unit_cost bigint check (unit_cost >= 0),
  received_date date not null,
  status text not null default 'active' check (status in ('active', 'quarantined', 'recalled')),
  status_reason text,
  hlc text not null,
  field_clocks jsonb not null default '{}',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (shop_id, product_id, lot_number)
);
create index product_batches_fefo on product_batches (shop_id, product_id, expiration_date, received_date, id);
create index product_batches_expiry on product_batches (shop_id, expiration_date) where quantity > 0;
create trigger product_batches_touch before update on product_batches for each row execute function touch_row();

create table sales (
  id uuid primary key,
  shop_id uuid not null references shops (id),
  number text not null,
  cashier_id uuid not null,
  cashier_name text not null,
  total bigint not null check (total >= 0),
  tendered bigint not null check (tendered >= 0),
  change bigint not null check (change >= 0),
  payment_method text not null check (payment_method in ('cash', 'mobile_money', 'card')),
  status text not null default 'completed' check (status in ('completed', 'voided')),
  voided_at timestamptz,
  voided_by uuid,
  hlc text not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (shop_id, number)
);
create index sales_shop_created on sales (shop_id, created_at desc);
create trigger sales_touch before update on sales for each row execute function touch_row();

-- One line per batch used. Name, lot and expiry are copied as sold so a
-- reprinted receipt never changes.
create table sale_items (
  id uuid primary key,
  sale_id uuid not null references sales (id),
  line_no int not null,
  product_id uuid not null references products (id),
  batch_id uuid not null references product_batches (id),
  product_name text not null,
  lot_number text not null,
  expiration_date date not null,
  quantity int not null check (quantity > 0),
  unit_price bigint not null check (unit_price >= 0),
  line_total bigint not null check (line_total >= 0),
  created_at timestamptz not null default now(),
  unique (sale_id, line_no)
);
create index sale_items_batch on sale_items (batch_id);
create trigger sale_items_immutable before update or delete on sale_items for each row execute function forbid_change();

-- user_id is not a foreign key: users stay in their shop, movements travel.
create table stock_movements (
  id uuid primary key,
  shop_id uuid not null references shops (id),
  batch_id uuid not null references product_batches (id),
  kind text not null check (kind in ('receipt', 'sale', 'return', 'adjustment', 'count', 'transfer')),
  delta int not null,
  counted_qty int check (counted_qty >= 0),
  reason text,
  sale_item_id uuid references sale_items (id),
  user_id uuid,
  hlc text not null,
  created_at timestamptz not null default now(),
  check ((kind = 'count') = (counted_qty is not null))
);
create index stock_movements_batch on stock_movements (batch_id, hlc);
create trigger stock_movements_immutable before update or delete on stock_movements for each row execute function forbid_change();

-- Receipt numbers without gaps: the counter row is taken in the sale's
-- transaction, so a rolled-back sale gives its number back.
create table receipt_counters (
  shop_id uuid primary key references shops (id),
  last_number int not null default 0
);

-- This node's hybrid logical clock, persisted so it never goes backwards.
create table hlc_state (
  singleton boolean primary key default true check (singleton),
  node_id text not null,
  last text not null
);

-- Written in the same transaction as the change it carries (design.md §2).
create table sync_outbox (
  seq bigserial primary key,
  entity text not null check (entity in ('product', 'batch', 'movement', 'sale', 'sale_item')),
  entity_id uuid not null,
  op text not null check (op in ('insert', 'update')),
  payload jsonb not null,
  hlc text not null,
  -- one local transaction travels in one push request, never split
  tx_id xid8 not null default pg_current_xact_id(),
  created_at timestamptz not null default now()
);

create table sync_state (
  singleton boolean primary key default true check (singleton),
  pull_cursor text,
  last_push_at timestamptz,
  last_push_attempt_at timestamptz,
  last_pull_at timestamptz,
  last_pull_attempt_at timestamptz,
  last_error text,
  last_error_at timestamptz,
  bytes_sent bigint not null default 0
);

create table sync_conflicts (
  id uuid primary key,
  shop_id uuid references shops (id),
  entity text not null,
  entity_id uuid not null,
  field text,
  local_value jsonb,
  remote_value jsonb,
  local_hlc text,
  remote_hlc text,
  local_node text,
  remote_node text,
  winner text not null check (winner in ('local', 'remote', 'held')),
  reason text not null,
  created_at timestamptz not null default now()
);
create index sync_conflicts_created on sync_conflicts (created_at desc);
