-- Issue 24, staff both ways. A person made at a shop reaches head office on
-- the shop's push (set_by_hq false: the shop's to edit); once head office has
-- made, edited or deactivated a person, their role, shops and active are
-- head office's (set_by_hq true) and a shop's push only logs what it wanted.
-- hlc orders a shop's own edits (a replay or an older edit changes nothing).
alter table hq_staff add column set_by_hq boolean not null default true;
alter table hq_staff add column hlc text;

-- At a shop: a one-time code head office handed out for a person's first PIN.
-- Only its SHA-256 is kept (a random code of 50 bits, not a PIN: a hash of it
-- cannot be walked), used once, until it expires.
alter table users add column first_pin_code_hash text;
alter table users add column first_pin_code_expires_at timestamptz;

-- Held values (a far-future clock): decided once, never silently dropped.
alter table sync_held add column status text not null default 'held' check (status in ('held', 'applied', 'discarded'));
alter table sync_held add column decided_at timestamptz;
alter table sync_held add column decided_by text;
create index sync_held_waiting on sync_held (received_at) where status = 'held';

-- At a shop: when head office last sent it people (a pull carrying staff, or a
-- rebuild), so Paramètres can say how old its copy of the staff list is.
alter table sync_state add column staff_pulled_at timestamptz;
