-- Hardening II, money controls: returns and cash-outs beyond what a cashier
-- may do alone need a manager's PIN, and each approval is kept on the
-- document it allowed, for the Z report.

alter table shops
  -- a return refunding more than this on one sale (without a manager so far) needs a manager's PIN
  add column return_approval_over bigint not null default 20000 check (return_approval_over >= 0),
  -- a return of a sale older than this many days needs a manager's PIN
  add column return_approval_after_days int not null default 7 check (return_approval_after_days between 0 and 3650),
  -- cash taken out of one session beyond this (without a manager so far) needs a manager's PIN
  add column cash_out_approval_over bigint not null default 20000 check (cash_out_approval_over >= 0);

-- Who allowed a return, and why one was needed: its amount, the sale's age, a refund by another method.
alter table sale_returns
  add column approved_by uuid,
  add column approved_by_name text,
  add column approval text[] not null default '{}' check (approval <@ array['amount', 'age', 'method']::text[]),
  -- an approval is kept only when one was needed: a reason and a manager, or neither
  add constraint sale_returns_approval_named check ((approved_by is null) = (approved_by_name is null) and (approved_by is null) = (cardinality(approval) = 0));

alter table cash_movements
  add column approved_by uuid,
  add column approved_by_name text,
  add constraint cash_movements_approval_named check ((approved_by is null) = (approved_by_name is null));
