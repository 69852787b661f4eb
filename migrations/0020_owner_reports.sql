-- The owner's numbers (issue 25): margins per shop, day and product, and
-- takings per hour of the day, kept by head office's pushes the way
-- hq_daily_takings is (every day a push or a digest touches is summed again
-- from its rows), so the pages never read millions of sale lines.

create table hq_daily_margins (
  shop_id uuid not null references shops (id),
  day date not null,
  product_id uuid not null references products (id),
  -- units sold that day less units returned that day (base units)
  quantity int not null,
  -- what the lines were paid after every discount, less what that day's returns refunded
  takings bigint not null,
  -- quantity × the lot's unit cost, for lines whose lot has a cost (returns net out)
  cost bigint not null,
  -- the takings of those lines: margin = known_takings − cost
  known_takings bigint not null,
  -- units (net of returns) whose lot has no cost: « coût inconnu », never counted at zero cost
  unknown_cost_qty int not null,
  primary key (shop_id, day, product_id)
);
-- The chain's period (every shop): by day first.
create index hq_daily_margins_day on hq_daily_margins (day);

-- Completed sales per hour of the shop's day (its own clock), for « ventes par heure ».
create table hq_hourly_takings (
  shop_id uuid not null references shops (id),
  day date not null,
  hour smallint not null check (hour between 0 and 23),
  sales int not null,
  total bigint not null,
  primary key (shop_id, day, hour)
);
create index hq_hourly_takings_day on hq_hourly_takings (day);

-- A product's sales in a shop over time: when it last sold, what it sold lately (dead stock, overstock).
create index hq_daily_margins_product on hq_daily_margins (shop_id, product_id, day);

-- Write-offs (negative adjustments: expired, damaged, recalled) by time, chain-wide: the losses per month.
create index stock_movements_write_offs on stock_movements (created_at) where kind = 'adjustment' and delta < 0;
