-- The monthly report each shop's month gets on the night after it ends
-- (issue 25), kept at head office so the owner and the accountant find the
-- same file later: one per shop and month, the key makes a second run (the
-- job run twice, after a restart) write nothing.
create table hq_monthly_reports (
  shop_id uuid not null references shops (id),
  month char(7) not null check (month ~ '^\d{4}-(0[1-9]|1[0-2])$'),
  pdf bytea not null,
  made_at timestamptz not null default now(),
  primary key (shop_id, month)
);
