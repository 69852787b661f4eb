-- Transfers between the chain's shops and whole-shop stocktakes.
--
-- A transfer is two records with two owners: the sending shop's shipment
-- (transfers + transfer_lines, shop_id = the sender) and the receiving
-- shop's receipt (transfer_receipts, shop_id = the receiver). Both roles
-- hold both tables: head office every shop's, a shop its own shipments and
-- receipts and the copies head office routed to it (the other shop's rows).
-- Shop ids carry no foreign key here: a shop's database knows no other shop.

-- The chain's shops as head office announces them: where a transfer may go.
create table chain_shops (
  id uuid primary key,
  code text not null unique,
  name text not null
);

create table transfers (
  id uuid primary key,
  shop_id uuid not null,
  shop_code text not null,
  number text not null,
  to_shop_id uuid not null,
  to_shop_code text not null,
  status text not null check (status in ('draft', 'shipped', 'cancelled')),
  reason text,
  created_by uuid,
  created_by_name text not null default '',
  shipped_at timestamptz,
  cancelled_at timestamptz,
  -- head office overruled a cancel because the receiving shop had received it: the units left again
  cancel_overruled_at timestamptz,
  hlc text not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (to_shop_id <> shop_id),
  unique (shop_id, number)
);
create index transfers_to_shop on transfers (to_shop_id, created_at desc);
create index transfers_shop on transfers (shop_id, created_at desc);
create trigger transfers_updated_at before update on transfers for each row execute function touch_row();

create table transfer_lines (
  id uuid primary key,
  transfer_id uuid not null references transfers (id) on delete cascade,
  line_no int not null check (line_no > 0),
  batch_id uuid not null,
  product_id uuid not null,
  product_name text not null,
  lot_number text not null,
  expiration_date date not null,
  unit_cost bigint,
  -- base units
  quantity int not null check (quantity > 0),
  unique (transfer_id, line_no)
);

create table transfer_receipts (
  id uuid primary key,
  transfer_id uuid not null unique references transfers (id),
  shop_id uuid not null,
  received_by uuid,
  received_by_name text not null default '',
  -- [{lineId, receivedQty, note, batchId}]: what arrived of each line, and the lot it went into
  lines jsonb not null,
  shipped_units int not null,
  received_units int not null,
  hlc text not null,
  created_at timestamptz not null default now()
);

-- Stocktakes: a snapshot of the lots in scope, counts entered while the shop
-- sells, each with the ledger quantity at the moment it was entered.
create table stocktakes (
  id uuid primary key,
  shop_id uuid not null,
  number text not null,
  status text not null check (status in ('open', 'finalised', 'cancelled')),
  scope jsonb not null default '{}',
  snapshot_hlc text not null,
  started_by uuid,
  started_by_name text not null default '',
  finalised_by uuid,
  finalised_at timestamptz,
  cancelled_at timestamptz,
  -- at finalising: lots, units and value at cost of the variance (head office lists them)
  summary jsonb,
  hlc text not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (shop_id, number)
);
create trigger stocktakes_updated_at before update on stocktakes for each row execute function touch_row();
create unique index stocktakes_one_open on stocktakes (shop_id) where status = 'open';

create table stocktake_lines (
  stocktake_id uuid not null references stocktakes (id) on delete cascade,
  batch_id uuid not null,
  snapshot_qty int not null,
  primary key (stocktake_id, batch_id)
);

create table stocktake_counts (
  id uuid primary key,
  stocktake_id uuid not null references stocktakes (id) on delete cascade,
  batch_id uuid not null,
  counted_qty int not null check (counted_qty >= 0),
  -- the lot's ledger quantity when the count was entered: the adjustment is counted - this
  ledger_qty int not null,
  hlc text not null,
  user_id uuid,
  -- a later count of the same lot replaces this one
  superseded boolean not null default false,
  -- the count movement written at finalising (null: not written)
  movement_id uuid,
  created_at timestamptz not null default now()
);
create index stocktake_counts_of on stocktake_counts (stocktake_id, batch_id) where not superseded;

-- A check of allowed values, widened: rebuilt from whatever it allows now
-- plus these, so values another migration added are kept whatever the order.
create function pg_temp.widen_check(tbl regclass, col text, extra text[]) returns void language plpgsql as $$
declare
  kinds text[];
  con text;
begin
  select c.conname, array(select (regexp_matches(pg_get_constraintdef(c.oid), '''([a-z_]+)''', 'g'))[1])
    into con, kinds
    from pg_constraint c
    where c.conrelid = tbl and c.contype = 'c' and pg_get_constraintdef(c.oid) like '%(' || col || ' = ANY (ARRAY[%';
  if con is null then
    raise exception 'no check of % on %', col, tbl;
  end if;
  kinds := array(select distinct unnest(kinds || extra) order by 1);
  execute format('alter table %s drop constraint %I', tbl, con);
  -- Written as `in ('a', 'b')`, as the first migrations wrote it: the next widening reads it alike.
  execute format('alter table %s add constraint %I check (%I in (%s))', tbl, con, col,
    (select string_agg(quote_literal(k), ', ' order by k) from unnest(kinds) k));
end $$;

-- Movement kinds gain transfer_out (units leaving for another shop) and transfer_in (arriving, or back on a cancel).
select pg_temp.widen_check('stock_movements', 'kind', array['transfer_out', 'transfer_in']);
-- A shop's outbox carries its shipments, receipts and finalised stocktakes.
select pg_temp.widen_check('sync_outbox', 'entity', array['transfer', 'transfer_receipt', 'stocktake']);
-- Head office's feed carries shipments to their receiving shop, receipts
-- back to the sending shop, and the chain's shops to every shop.
select pg_temp.widen_check('change_feed', 'entity', array['transfer', 'transfer_receipt', 'shop']);

-- At head office, the shops already registered are announced to every shop.
insert into change_feed (shop_id, origin_shop_id, entity, entity_id, payload, hlc)
select null, null, 'shop', s.id, jsonb_build_object('id', s.id, 'code', s.code, 'name', s.name), '000000000000000:000000:HQ'
from shops s where s.token_hash is not null;
