-- Head office holds everything a shop owns (issue 24): what a nightly run
-- resent, per entity; staff kept at head office (never a PIN); held values
-- decided.

-- The entities the outbox carries are declared in code (server/sync/coverage.ts
-- and head office's push schema); a list here had to be rewritten by every
-- feature that adds one. Only the form is checked.
alter table sync_outbox drop constraint sync_outbox_entity_check;
alter table sync_outbox add constraint sync_outbox_entity_check check (entity ~ '^[a-z_]{1,40}$');

-- What the last nightly run resent, per entity ({"sale": 12, "till_session": 1}).
alter table sync_state add column nightly_resent jsonb not null default '{}';
alter table hq_shop_sync add column nightly_resent jsonb not null default '{}';

-- At a shop, a person head office made (or a rebuild brought back) has no PIN
-- here until a manager of this shop sets one: PINs never leave their shop.
alter table users alter column pin_hash drop not null;

-- Head office: one identity per person, whatever the shops they work at.
create table staff_members (
  id uuid primary key,
  name text not null,
  role text not null check (role in ('cashier', 'pharmacist', 'manager', 'admin')),
  -- false: deactivated at head office; that wins over every shop's edit
  active boolean not null default true,
  -- head office set the role (or made the person): a shop's push no longer changes it
  role_by_hq boolean not null default false,
  created_by_shop uuid references shops (id),
  deactivated_at timestamptz,
  deactivated_by text,
  hlc text not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create trigger staff_members_touch before update on staff_members for each row execute function touch_row();

-- The shops a person works at; `active`: that shop's own switch (a manager there disabled them).
create table staff_shops (
  staff_id uuid not null references staff_members (id),
  shop_id uuid not null references shops (id),
  active boolean not null default true,
  primary key (staff_id, shop_id)
);
create index staff_shops_shop on staff_shops (shop_id);

-- A value held for a far-future clock is decided: applied when its clock
-- came within the tolerance, or accepted or discarded by an administrator.
alter table sync_held
  add column status text not null default 'held' check (status in ('held', 'applied', 'accepted', 'discarded')),
  add column decided_at timestamptz,
  add column decided_by text;
create index sync_held_waiting on sync_held (received_at) where status = 'held';
