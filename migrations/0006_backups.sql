-- Nightly backups of a shop: each run, its file and where it was copied, or
-- why it failed. Head office keeps what each shop last reported.
create table backup_runs (
  id uuid primary key,
  started_at timestamptz not null default now(),
  finished_at timestamptz,
  status text not null check (status in ('running', 'done', 'failed')),
  file text,
  bytes bigint,
  copied_to text,
  error text
);
create index backup_runs_started on backup_runs (started_at desc);

alter table hq_shop_sync
  add column last_backup_at timestamptz,
  add column last_backup_status text,
  add column last_backup_error text;
