-- A pharmacy's whole day at the till: cash sessions and their Z reports,
-- cash in and out, customer returns to the lot, discounts, several payments
-- per sale and cash rounding.

-- Paramètres of the day at the till.
alter table shops
  -- the smallest coin: cash totals are rounded to it (5 FCFA by default)
  add column cash_rounding int not null default 5 check (cash_rounding between 1 and 10000),
  -- selling without an open session opens one (float 0) or asks for one
  add column session_policy text not null default 'auto' check (session_policy in ('auto', 'ask')),
  -- a discount above this share of the ticket needs a manager's PIN
  add column discount_limit_pct int not null default 10 check (discount_limit_pct between 0 and 100),
  -- a cash variance above this amount needs a comment at closing
  add column variance_comment_over bigint not null default 500 check (variance_comment_over >= 0);

-- Gap-free numbers other than receipts: Z reports, credit notes (avoirs).
create table shop_counters (
  shop_id uuid not null references shops (id),
  kind text not null check (kind in ('z', 'avoir')),
  last_number int not null default 0,
  primary key (shop_id, kind)
);

-- A cash drawer's session: one cashier at one terminal, from the opening float
-- to the closing count. Immutable once closed.
create table till_sessions (
  id uuid primary key,
  shop_id uuid not null references shops (id),
  terminal text not null,
  cashier_id uuid not null,
  cashier_name text not null,
  opened_at timestamptz not null,
  opening_float bigint not null check (opening_float >= 0),
  -- denomination (FCFA) → count, when the float was counted note by note
  opening_counts jsonb,
  status text not null default 'open' check (status in ('open', 'closed')),
  closed_at timestamptz,
  closed_by uuid,
  closed_by_name text,
  z_number text,
  -- per payment method: what the till expected, what was counted
  expected jsonb,
  counted jsonb,
  cash_variance bigint,
  closing_comment text,
  -- the Z report as printed, kept
  z_pdf bytea,
  hlc text not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  received_at timestamptz,
  unique (shop_id, z_number),
  check ((status = 'closed') = (closed_at is not null))
);
create unique index till_sessions_one_open on till_sessions (shop_id, cashier_id, terminal) where status = 'open';
create index till_sessions_shop_opened on till_sessions (shop_id, opened_at desc);
create trigger till_sessions_touch before update on till_sessions for each row execute function touch_row();

create table cash_movements (
  id uuid primary key,
  shop_id uuid not null references shops (id),
  session_id uuid not null references till_sessions (id),
  kind text not null check (kind in ('in', 'out')),
  amount bigint not null check (amount > 0),
  reason text not null,
  user_id uuid not null,
  user_name text not null,
  hlc text not null,
  created_at timestamptz not null default now()
);
create index cash_movements_session on cash_movements (session_id);
create trigger cash_movements_immutable before update or delete on cash_movements for each row execute function forbid_change();

-- Sales: the session, discounts, rounding and every payment.
alter table sales drop constraint sales_payment_method_check;
alter table sales
  add constraint sales_payment_method_check check (payment_method in ('cash', 'mobile_money', 'card', 'mixed')),
  add column session_id uuid references till_sessions (id),
  -- before any discount; total = subtotal − discount (what is owed before cash rounding)
  add column subtotal bigint,
  add column discount bigint not null default 0 check (discount >= 0),
  add column discount_label text,
  add column discount_approved_by uuid,
  -- added to total by rounding the cash part to the smallest coin (may be negative)
  add column rounding bigint not null default 0,
  -- [{method, amount, operator?, reference?}]; amounts add up to total + rounding
  add column payments jsonb;
update sales set subtotal = total, payments = jsonb_build_array(jsonb_build_object('method', payment_method, 'amount', total)) where subtotal is null;
alter table sales alter column subtotal set not null, alter column payments set not null;
-- A sale written the old way (an older tool, a restore of an old backup) is a sale without discount, paid one way.
create function sales_defaults() returns trigger language plpgsql as $$
begin
  new.subtotal := coalesce(new.subtotal, new.total);
  new.payments := coalesce(new.payments, jsonb_build_array(jsonb_build_object('method', new.payment_method, 'amount', new.total)));
  return new;
end $$;
create trigger sales_defaults before insert on sales for each row execute function sales_defaults();
create index sales_session on sales (session_id) where session_id is not null;

-- A line's own discount (line_total is after it; a ticket discount stays on the sale).
alter table sale_items
  add column discount bigint not null default 0 check (discount >= 0),
  add column discount_label text;

-- Customer returns (credit notes): lines of a sale back into their lot, or set aside.
create table sale_returns (
  id uuid primary key,
  shop_id uuid not null references shops (id),
  sale_id uuid not null references sales (id),
  number text not null,
  session_id uuid references till_sessions (id),
  cashier_id uuid not null,
  cashier_name text not null,
  amount bigint not null check (amount >= 0),
  rounding bigint not null default 0,
  refund_method text not null check (refund_method in ('cash', 'mobile_money', 'card')),
  reason text,
  -- [{saleItemId, batchId, productName, lotNumber, quantity, amount, destination, reason}]
  lines jsonb not null,
  hlc text not null,
  created_at timestamptz not null default now(),
  received_at timestamptz,
  unique (shop_id, number)
);
create index sale_returns_sale on sale_returns (sale_id);
create index sale_returns_session on sale_returns (session_id) where session_id is not null;
create trigger sale_returns_immutable before update or delete on sale_returns for each row execute function forbid_change();

-- The till's cart keeps each line's discount until payment.
alter table cart_lines
  add column discount_kind text check (discount_kind in ('percent', 'amount')),
  add column discount_value bigint check (discount_value >= 0),
  add column discount_reason text;

alter table sync_outbox drop constraint sync_outbox_entity_check;
alter table sync_outbox add constraint sync_outbox_entity_check
  check (entity in ('product', 'batch', 'movement', 'sale', 'sale_item', 'till_session', 'cash_movement', 'sale_return'));
