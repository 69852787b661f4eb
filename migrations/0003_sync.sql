-- Upstream sync (design.md §5): shop-side push/pull state, recalls, and head
-- office's shop registry, change feed, held changes.

-- Shop: backoff while head office is unreachable.
alter table sync_state
  add column failures int not null default 0,
  add column next_attempt_at timestamptz,
  add column last_error_kind text;

-- A recall names a lot of a product, and applies to it whenever it arrives.
create table recalls (
  id uuid primary key,
  product_id uuid not null references products (id),
  lot_number text not null,
  reason text not null,
  hlc text not null,
  created_at timestamptz not null default now(),
  unique (product_id, lot_number)
);

-- Head office: the administration token (hashed) when not given by the environment.
create table hq_admin (
  singleton boolean primary key default true check (singleton),
  token_hash text not null
);

create table hq_shop_sync (
  shop_id uuid primary key references shops (id),
  last_contact_at timestamptz,
  last_push_at timestamptz,
  last_pull_at timestamptz,
  clock_skew_ms bigint,
  last_shop_hlc text,
  changes_received bigint not null default 0
);

-- What shops pull. Served in (xid, id) order and only below the oldest
-- running transaction, so a row committed late is never skipped by a cursor.
create table change_feed (
  id bigserial primary key,
  xid xid8 not null default pg_current_xact_id(),
  shop_id uuid references shops (id),
  origin_shop_id uuid references shops (id),
  entity text not null check (entity in ('product', 'batch', 'recall')),
  entity_id uuid not null,
  payload jsonb not null,
  hlc text not null,
  created_at timestamptz not null default now()
);
create index change_feed_order on change_feed (xid, id);

-- Changes whose clock was more than a day ahead: kept, not applied.
create table sync_held (
  id uuid primary key,
  shop_id uuid references shops (id),
  entity text not null,
  entity_id uuid not null,
  payload jsonb not null,
  hlc text not null,
  received_at timestamptz not null default now()
);

-- Head office keeps both times: the device's (created_at) and its own receipt.
alter table sales add column received_at timestamptz;
alter table stock_movements add column received_at timestamptz;


-- A product made at another shop arrives at a shop that has no row for that
-- shop: its origin is a plain id, not a foreign key.
alter table products drop constraint products_origin_shop_id_fkey;
