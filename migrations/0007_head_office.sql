-- Head office at work (issue 8): its people, the nightly reconciliation,
-- expiry alerts, takings kept per day, and the indexes its pages need.

-- Head-office people sign in with a name and a password; `lecture` only reads.
create table hq_users (
  id uuid primary key,
  login text not null unique check (login ~ '^[a-z0-9._-]{2,40}$'),
  name text not null,
  role text not null check (role in ('admin', 'lecture')),
  password_hash text not null,
  active boolean not null default true,
  failed_attempts int not null default 0,
  locked_until timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create trigger hq_users_touch before update on hq_users for each row execute function touch_row();

create table hq_sessions (
  token_hash text primary key,
  user_id uuid not null references hq_users (id),
  created_at timestamptz not null default now(),
  expires_at timestamptz not null
);
create index hq_sessions_user on hq_sessions (user_id);

-- The nightly reconciliation's last result, at the shop and at head office.
alter table sync_state
  add column nightly_at timestamptz,
  add column nightly_days_checked int,
  add column nightly_rows_resent int,
  add column nightly_mismatches int,
  add column nightly_error text;

alter table hq_shop_sync
  add column nightly_at timestamptz,
  add column nightly_days_checked int,
  add column nightly_rows_resent int,
  add column nightly_mismatches int,
  -- Where the shop's pull cursor stood at its last pull: everything before it is applied there.
  add column pulled_epoch text,
  add column pulled_xid xid8,
  add column pulled_id bigint;

-- A lot crossing 90, 60 or 30 days before expiry, or expired with stock: raised once each.
create table expiry_alerts (
  batch_id uuid not null references product_batches (id),
  shop_id uuid not null references shops (id),
  level text not null check (level in ('90', '60', '30', 'expired')),
  expiration_date date not null,
  raised_at timestamptz not null default now(),
  primary key (batch_id, level)
);
create index expiry_alerts_shop on expiry_alerts (shop_id, raised_at desc);

-- Head office's takings per shop, day (the shop's own calendar) and payment
-- method. Recomputed from the sales of each day a push touches, so it can
-- never drift for long from the rows it sums.
create table hq_daily_takings (
  day date not null,
  shop_id uuid not null references shops (id),
  payment_method text not null,
  sales int not null,
  total bigint not null,
  voided int not null,
  voided_total bigint not null,
  primary key (day, shop_id, payment_method)
);

create index stock_movements_shop_created on stock_movements (shop_id, created_at);
create index product_batches_expiring on product_batches (expiration_date) where quantity > 0;
create index sync_conflicts_shop_created on sync_conflicts (shop_id, created_at desc);
