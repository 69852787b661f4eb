-- Hardening II (issue 19): what a stolen shop token can no longer do to a
-- shop's history at head office.

-- A local transaction of a shop holding a sale whose receipt number jumps far
-- beyond the shop's sequence (a forged DKR01-999999): kept aside whole, with
-- its lines and movements as received, never applied, counted in takings or
-- served to a rebuilt shop, until an administrator releases or discards it.
create table hq_held_sales (
  id uuid primary key,
  shop_id uuid not null references shops (id),
  sale_ids uuid[] not null,
  numbers text[] not null,
  total bigint not null,
  -- the shop's last receipt number head office held when the group arrived
  last_receipt bigint not null,
  sold_at timestamptz not null,
  changes jsonb not null,
  status text not null default 'held' check (status in ('held', 'released', 'discarded')),
  received_at timestamptz not null default now(),
  decided_at timestamptz,
  decided_by text
);
create index hq_held_sales_shop on hq_held_sales (shop_id, status, received_at desc);
create index hq_held_sales_ids on hq_held_sales using gin (sale_ids);

-- The last feed entry head office actually served to the shop: a pull cursor
-- the shop sends counts as applied only up to here (a recall is « appliqué »
-- when the shop's pull passed it, not when a request claims so).
alter table hq_shop_sync
  add column served_epoch text,
  add column served_xid xid8,
  add column served_id bigint;
