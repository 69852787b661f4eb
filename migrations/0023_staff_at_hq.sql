-- Staff at head office (issue 24): one identity per person, the shops they
-- work at, their role and whether they are active. No PIN nor any hash of
-- one: PINs never leave the shop where they are set.
create table hq_staff (
  id uuid primary key,
  name text not null,
  role text not null check (role in ('cashier', 'pharmacist', 'manager', 'admin')),
  shop_ids uuid[] not null,
  active boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index hq_staff_shops on hq_staff using gin (shop_ids);
create trigger hq_staff_touch before update on hq_staff for each row execute function touch_row();

-- At a shop: a person head office made has no PIN until a manager sets one
-- (their hash is then a dummy no PIN matches, so sign-in takes the same time).
alter table users add column pin_set boolean not null default true;

-- Head office's feed now carries people too. As 0022 did for the outbox, the
-- feed's entities are declared in code and only their form is checked here.
do $$
declare c text;
begin
  for c in select conname from pg_constraint
           where conrelid = 'change_feed'::regclass and contype = 'c' and pg_get_constraintdef(oid) like '%entity%' loop
    execute format('alter table change_feed drop constraint %I', c);
  end loop;
end $$;
alter table change_feed add constraint change_feed_entity_check check (entity ~ '^[a-z_]{1,40}$');
