-- Requisitions (issue 23): shop B asks shop A for products and quantities.
-- B owns the requisition (it asks, it may cancel); A answers it with a
-- transfer that names it (transfers.requisition_id), so « answered » is never
-- written on the requisition by two owners: it is read from the transfer, at
-- A, at head office and at B once the shipment reached it. Head office routes
-- the requisition to A's feed (change_feed.shop_id = A) as it routes a
-- shipment to B's.
create table requisitions (
  id uuid primary key,
  shop_id uuid not null,            -- the shop that asks (B)
  shop_code text not null,
  number text not null,
  from_shop_id uuid not null,       -- the shop asked (A)
  from_shop_code text not null,
  status text not null check (status in ('open', 'cancelled')),
  lines jsonb not null,             -- [{productId, productName, quantity}]
  note text,
  created_by uuid,
  created_by_name text not null default '',
  cancelled_at timestamptz,
  hlc text not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (from_shop_id <> shop_id),
  unique (shop_id, number)
);
create index requisitions_from_shop on requisitions (from_shop_id, created_at desc);
create index requisitions_shop on requisitions (shop_id, created_at desc);
create trigger requisitions_updated_at before update on requisitions for each row execute function touch_row();

alter table transfers add column requisition_id uuid;
create index transfers_requisition on transfers (requisition_id) where requisition_id is not null;
