-- Sync you can trust: clocks bounded at head office, refused changes set
-- aside, push and pull reported apart, a feed that survives a restore,
-- twin products linked by GTIN.

-- Head office: the writer's own clock of a field when head office bounded it
-- to the time the write arrived (the field clock is the bounded one).
alter table products add column field_origins jsonb not null default '{}';
alter table product_batches add column field_origins jsonb not null default '{}';

-- Head office: the GTIN a shop gave a product when another product already
-- held it. Products with the same GTIN are twins: a recall reaches them all.
alter table products add column claimed_gtin text check (claimed_gtin ~ '^[0-9]{8,14}$');
create index products_claimed_gtin on products (claimed_gtin) where claimed_gtin is not null;

-- Shop: changes head office refused, out of the outbox until a person
-- retries or discards them.
create table sync_refused (
  seq bigint primary key,
  entity text not null,
  entity_id uuid not null,
  op text not null,
  payload jsonb not null,
  hlc text not null,
  tx_id xid8 not null,
  code text not null,
  reason text not null,
  created_at timestamptz not null,
  refused_at timestamptz not null default now()
);

-- Shop: push and pull fail for different reasons; each keeps its own.
alter table sync_state
  add column push_error text,
  add column push_error_at timestamptz,
  add column pull_error text,
  add column pull_error_at timestamptz,
  add column pull_failures int not null default 0,
  add column pull_next_attempt_at timestamptz,
  -- head office holds newer rows of this shop than this database does (a restored backup)
  add column behind_hq text,
  add column hq_last_receipt int;

-- Head office: what it refused of each shop, and what each shop reports.
create table hq_refusals (
  id uuid primary key,
  shop_id uuid not null references shops (id),
  seq bigint not null,
  entity text not null,
  entity_id uuid not null,
  code text not null,
  reason text not null,
  created_at timestamptz not null default now()
);
create index hq_refusals_shop on hq_refusals (shop_id, created_at desc);

alter table hq_shop_sync
  add column pending_changes int,
  add column oldest_pending_age_s int,
  add column refused_changes int,
  add column app_version text,
  add column last_refusal_at timestamptz,
  -- the newest receipt number received from the shop
  add column last_receipt int not null default 0;

-- Head office: the feed's epoch. A restore into a new cluster restarts
-- transaction ids; the epoch changes then and shops re-read the feed.
create table hq_feed_state (
  singleton boolean primary key default true check (singleton),
  epoch text not null
);

-- Conflicts: a person marks them reviewed.
alter table sync_conflicts add column reviewed_at timestamptz;
create index sync_conflicts_entity on sync_conflicts (entity_id, field, reason);

-- A session left idle inside a transaction holds back every shop's feed
-- (and vacuum): it is ended after two minutes.
do $$ begin
  execute format('alter database %I set idle_in_transaction_session_timeout = %L', current_database(), '2min');
end $$;
