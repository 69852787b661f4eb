-- Issue 24, staff in the nightly digest. Each end compares only the people a
-- shop made (head office's own people are head office's), so each end must
-- know who made a person.
--
-- At head office: the shop whose push first brought the person (null: made at
-- head office). Rows from before this migration: a person still the shop's
-- (not set by head office) was brought by their only shop; one head office set
-- since keeps the clock of the last change a shop pushed, whose node is that
-- shop's code. A person head office made has no shop clock (hlc null), except
-- one deactivated by their only shop: read as that shop's (rare; the nightly
-- then resends them once and head office answers who made them).
alter table hq_staff add column origin_shop_id uuid references shops (id);
update hq_staff set origin_shop_id = shop_ids[1] where not set_by_hq and cardinality(shop_ids) >= 1;
update hq_staff s set origin_shop_id = sh.id from shops sh
  where s.set_by_hq and s.origin_shop_id is null and s.hlc like '%:' || sh.code;
create index hq_staff_origin on hq_staff (origin_shop_id, created_at) where origin_shop_id is not null;

-- At a shop: false for a person head office's feed or a rebuild brought (made
-- at head office, or at another shop); head office's feed says which from now
-- on. Rows from before: a person still without a PIN, or holding a first-PIN
-- code, came from head office; one who has set their PIN since is corrected by
-- head office's answer to the next nightly resend (docs/sync.md).
alter table users add column made_here boolean not null default true;
update users set made_here = false where not pin_set or first_pin_code_hash is not null;

-- A rebuild carries a first-PIN code head office handed out and that has not
-- expired: its hash is read from the person's last `staff` feed row for that
-- shop (head office keeps no code elsewhere). Few rows, found by this index.
create index change_feed_staff on change_feed (shop_id, entity_id, id) where entity = 'staff';
