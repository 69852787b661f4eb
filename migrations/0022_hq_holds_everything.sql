-- Head office holds everything a shop owns (issue 24): every entity is
-- covered by one declaration (server/sync/coverage.ts); what a nightly run
-- resent is kept per entity.

-- The entities the outbox carries are declared in code (server/sync/coverage.ts
-- and head office's push schema); a list here had to be rewritten by every
-- feature that adds one. Only the form is checked.
alter table sync_outbox drop constraint sync_outbox_entity_check;
alter table sync_outbox add constraint sync_outbox_entity_check check (entity ~ '^[a-z_]{1,40}$');

-- What the last nightly run resent, per entity ({"sale": 12, "till_session": 1}).
alter table sync_state add column nightly_resent jsonb not null default '{}';
alter table hq_shop_sync add column nightly_resent jsonb not null default '{}';
