-- A till's cart carries a version, raised by every change in the change's own
-- transaction (the row lock orders them): the page keeps the newest state
-- whatever order the answers arrive in.
create table cart_versions (
  session_hash text primary key references sessions (token_hash) on delete cascade,
  version bigint not null
);
