-- Head office's takings are net, as each shop's Z report is: beside what the
-- day's sales took in (per payment method), what the day's returns paid back
-- by that method. A return counts on the day it was made (the drawer it came
-- out of), not on its sale's day.
alter table hq_daily_takings
  -- returns refunded by this method that day
  add column returns int not null default 0,
  -- what they paid back: amount + rounding (the cash refund is rounded to the coin)
  add column refunds bigint not null default 0;

-- A shop's returns and cash movements over a period (head office's pages and API,
-- and the takings of a day a return touches).
create index sale_returns_shop_created on sale_returns (shop_id, created_at);
create index cash_movements_shop_created on cash_movements (shop_id, created_at);

-- Returns already received by head office (received_at is only ever set there):
-- their days get their refunds now, so the pages are net from the first start.
insert into hq_daily_takings (day, shop_id, payment_method, sales, total, voided, voided_total, returns, refunds)
select (r.created_at at time zone s.timezone)::date, r.shop_id, r.refund_method, 0, 0, 0, 0, count(*), sum(r.amount + r.rounding)
from sale_returns r join shops s on s.id = r.shop_id
where r.received_at is not null
group by 1, 2, 3
on conflict (day, shop_id, payment_method) do update set returns = excluded.returns, refunds = excluded.refunds;
