-- The till's cart lives with the session, in the database: a reload, a
-- crashed browser or a refused payment never loses it.
create table cart_lines (
  id uuid primary key,
  session_hash text not null references sessions (token_hash) on delete cascade,
  product_id uuid not null references products (id),
  -- set when a DataMatrix named the lot: those units come from it
  batch_id uuid references product_batches (id),
  quantity int not null check (quantity > 0),
  created_at timestamptz not null default now()
);
create index cart_lines_session on cart_lines (session_hash, created_at);
