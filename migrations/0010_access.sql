-- Hardening II (issue 19, items 2, 6 and 8): wrong secrets slow down instead
-- of locking, bursts of them are told to the manager and to head office,
-- and people, sessions and shop tokens can be revoked, each act audited.

-- A counter of wrong secrets per subject (an address, a shop, an account at
-- an address): its level leaks away with time and sets an exponential delay
-- (server/domain/backoff.ts). It replaces the hard locks below.
create table auth_throttle (
  subject text primary key,
  level float8 not null default 0 check (level >= 0),
  updated_at timestamptz not null default now(),
  -- no secret is checked for this subject before then
  blocked_until timestamptz,
  -- wrong secrets since the level last fell to zero, and when the last alert was raised
  failures int not null default 0,
  burst_since timestamptz,
  alerted_at timestamptz
);
create index auth_throttle_updated on auth_throttle (updated_at);

drop table login_throttle;
-- A lock on the account was a weapon anyone could fire (five wrong PINs naming it).
alter table users drop column failed_attempts, drop column locked_until;
alter table hq_users drop column failed_attempts, drop column locked_until;

-- Sessions get a handle an operator can name to end one, and where they were opened from.
alter table sessions
  add column id uuid not null default gen_random_uuid() unique,
  add column client text;
alter table hq_sessions
  add column id uuid not null default gen_random_uuid() unique,
  add column client text;

-- A burst of wrong secrets. A shop's travel to head office through the outbox
-- (inserted once, never edited); head office's own have no shop.
create table security_alerts (
  id uuid primary key,
  shop_id uuid references shops (id),
  kind text not null check (kind in ('pin', 'password', 'token')),
  scope text not null check (scope in ('address', 'shop', 'account', 'approval')),
  -- what was aimed at or where from, as a person reads it: an address, a name, a login
  subject text not null,
  failures int not null check (failures >= 0),
  since timestamptz not null,
  -- the device's clock when it was raised, and head office's when it arrived
  created_at timestamptz not null,
  received_at timestamptz,
  hlc text
);
create index security_alerts_recent on security_alerts (shop_id, created_at desc);

-- Who revoked, enabled, rotated or changed what: kept where it was done.
create table access_audit (
  id uuid primary key,
  at timestamptz not null default now(),
  actor text not null,
  action text not null,
  target text not null,
  detail jsonb not null default '{}'
);
create index access_audit_at on access_audit (at desc);

-- Alerts travel in the outbox like every other change a shop sends.
alter table sync_outbox drop constraint sync_outbox_entity_check;
alter table sync_outbox add constraint sync_outbox_entity_check
  check (entity in ('product', 'batch', 'movement', 'sale', 'sale_item', 'till_session', 'cash_movement', 'sale_return', 'security_alert'));
