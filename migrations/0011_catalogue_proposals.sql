-- The chain's catalogue is head office's (issue 19, item 3). A shop's edit of
-- a product it did not create never changes head office's row: it stays at
-- that shop and arrives here as a proposal, one row per field, which head
-- office accepts (it becomes head office's own edit, for every shop) or
-- refuses (the shop goes back to head office's value).
create table catalogue_proposals (
  id uuid primary key,
  shop_id uuid not null references shops (id),
  product_id uuid not null references products (id),
  field text not null check (field in ('name', 'unitPrice', 'active')),
  proposed_value jsonb not null,
  -- Head office's value when the proposal arrived (the page shows the current one beside it).
  value_then jsonb,
  -- The shop's clock of its edit, as it sent it: a replayed push is recognised by it.
  shop_clock text not null,
  status text not null default 'pending' check (status in ('pending', 'accepted', 'refused', 'superseded')),
  received_at timestamptz not null default now(),
  -- When it stopped being pending: decided, or replaced (by a newer edit, the shop's return to head office's value,
  -- or head office's own edit of the field).
  decided_at timestamptz,
  -- The head-office person who accepted or refused; null for the administration token (a script) and for a replacement.
  decided_by uuid references hq_users (id),
  unique (shop_id, product_id, field, shop_clock),
  check ((status = 'pending') = (decided_at is null))
);
-- One open proposal per shop, product and field: a newer edit replaces it.
create unique index catalogue_proposals_pending on catalogue_proposals (shop_id, product_id, field) where status = 'pending';
create index catalogue_proposals_open on catalogue_proposals (received_at desc) where status = 'pending';
create index catalogue_proposals_product on catalogue_proposals (product_id, field) where status = 'pending';
