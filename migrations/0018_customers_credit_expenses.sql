-- Customers on credit (« l'ardoise ») and the shop's expenses (issue 22).
-- A customer's balance is a ledger of account entries (credit sale, payment,
-- credit return, write-off, a voided credit sale given back), never a field:
-- two tills and a power cut can lose neither a debt nor a payment.

-- Adds values to a check constraint of the form `col = any (...)`, whatever
-- other migrations added before (each feature appends its own names), and
-- whichever way they wrote the list (array['a'::text, …] or '{a,…}'::text[]).
create function pg_temp.widen_check(tbl regclass, name text, col text, additions text[]) returns void language plpgsql as $$
declare
  def text;
  names text[];
begin
  select pg_get_constraintdef(oid) into def from pg_constraint where conname = name and conrelid = tbl;
  if def is null then raise exception 'no check % on %', name, tbl; end if;
  names := regexp_split_to_array(regexp_replace(substring(def from 'ANY \((.*)\)\)'), '::text(\[\])?|ARRAY\[|\]|[''{}\s()]', '', 'g'), ',');
  names := names || array(select a from unnest(additions) a where not (a = any (names)));
  execute format('alter table %s drop constraint %I', tbl, name);
  -- Written as `in ('a', 'b')`, rendered as the first migrations' checks are, so a later widening reads it alike.
  -- Every row holds one of the old names: nothing to check again.
  execute format('alter table %s add constraint %I check (%I in (%s)) not valid', tbl, name, col,
    (select string_agg(quote_literal(n), ', ') from unnest(names) n));
end $$;

select pg_temp.widen_check('sync_outbox', 'sync_outbox_entity_check', 'entity', array['customer', 'account_entry', 'expense']);
-- Payment receipts (« reçu de règlement ») are numbered without gaps, as Z reports and credit notes.
select pg_temp.widen_check('shop_counters', 'shop_counters_kind_check', 'kind', array['reglement']);

-- Paramètres: whether a payment may go beyond what the customer owes (an advance), and the expense categories.
alter table shops
  add column allow_advance boolean not null default false,
  add column expense_categories text[] not null
    default array['transport', 'électricité', 'eau', 'nettoyage', 'avance sur salaire', 'fournitures', 'autre'];

create table customers (
  id uuid primary key,
  shop_id uuid not null references shops (id),
  name text not null,
  -- digits only (a leading + kept): « 77 123 45 67 » and « 771234567 » are one phone
  phone text,
  -- kept for a later third-party-payer feature; not billed
  employer text,
  insurer text,
  member_number text,
  credit_limit bigint not null default 0 check (credit_limit >= 0),
  -- head office set the limit: a shop's push does not raise it
  limit_by_hq boolean not null default false,
  blocked boolean not null default false,
  notes text not null default '',
  -- name and phone folded for search (accents and case ignored), written with the row
  search_text text not null default '',
  hlc text not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  received_at timestamptz
);
create unique index customers_shop_phone on customers (shop_id, phone) where phone is not null;
create index customers_shop_name on customers (shop_id, name collate french);
create trigger customers_touch before update on customers for each row execute function touch_row();

create table account_entries (
  id uuid primary key,
  shop_id uuid not null references shops (id),
  customer_id uuid not null references customers (id),
  -- sale: a sale's credit part (adds to the balance); payment, return, write_off, void: take from it
  kind text not null check (kind in ('sale', 'payment', 'return', 'write_off', 'void')),
  amount bigint not null check (amount > 0),
  -- sale, void: the credit sale; return: the sale returned
  sale_id uuid references sales (id),
  return_id uuid references sale_returns (id),
  -- payment: the drawer it went into, how, and its receipt number
  session_id uuid references till_sessions (id),
  method text check (method in ('cash', 'mobile_money', 'card')),
  operator text,
  reference text,
  number text,
  -- what this credit paid off: [{saleId, amount}], never more than a sale left due (an advance stays unallocated)
  allocations jsonb not null default '[]',
  reason text,
  -- the balance once this entry was written, as the receipt prints it
  balance_after bigint not null,
  user_id uuid not null,
  user_name text not null,
  -- the manager whose PIN allowed a sale over the limit or to a blocked customer, or a write-off
  approved_by uuid,
  approved_by_name text,
  hlc text not null,
  created_at timestamptz not null default now(),
  received_at timestamptz,
  unique (shop_id, number),
  check (kind not in ('sale', 'void', 'return') or sale_id is not null),
  check ((kind = 'return') = (return_id is not null)),
  check ((kind = 'payment') = (method is not null and session_id is not null and number is not null)),
  check (kind <> 'write_off' or (reason is not null and approved_by is not null)),
  check ((approved_by is null) = (approved_by_name is null))
);
create index account_entries_customer on account_entries (customer_id, created_at);
create index account_entries_sale on account_entries (sale_id) where sale_id is not null;
create index account_entries_session on account_entries (session_id) where session_id is not null;
create index account_entries_shop_created on account_entries (shop_id, created_at);
create trigger account_entries_immutable before update or delete on account_entries for each row execute function forbid_change();

-- A sale paid partly or wholly « Crédit client » (its payments say how much).
select pg_temp.widen_check('sales', 'sales_payment_method_check', 'payment_method', array['credit']);
-- A return of a credit sale credits the account first (account_credit), then refunds the rest by refund_method;
-- refund_method 'credit' when the whole return went to the account.
alter table sale_returns add column account_credit bigint not null default 0 check (account_credit >= 0 and account_credit <= amount);
select pg_temp.widen_check('sale_returns', 'sale_returns_refund_method_check', 'refund_method', array['credit']);

create table expenses (
  id uuid primary key,
  shop_id uuid not null references shops (id),
  -- a cancellation is a row of its own naming the expense it cancels; nothing is deleted
  cancels uuid unique references expenses (id),
  category text not null,
  amount bigint not null check (amount > 0),
  paid_from text not null check (paid_from in ('drawer', 'bank', 'mobile_money')),
  payee text,
  note text,
  -- the day the money went (the recording is created_at)
  spent_on date not null,
  -- paid from the drawer: the open session it came out of (its cash-out carries expense_id)
  session_id uuid references till_sessions (id),
  user_id uuid not null,
  user_name text not null,
  hlc text not null,
  created_at timestamptz not null default now(),
  received_at timestamptz,
  check ((paid_from = 'drawer') = (session_id is not null) or cancels is not null)
);
create index expenses_shop_day on expenses (shop_id, spent_on);
create trigger expenses_immutable before update or delete on expenses for each row execute function forbid_change();

-- The paper receipt's photo, kept at the shop (it can follow the expense, and never travels to head office).
create table expense_photos (
  expense_id uuid primary key references expenses (id),
  content_type text not null check (content_type in ('image/jpeg', 'image/png')),
  bytes bytea not null,
  created_at timestamptz not null default now()
);

-- A drawer expense is a cash-out of its session: the report shows it apart from the other cash-outs.
alter table cash_movements add column expense_id uuid references expenses (id);
