-- Where a product sits in this shop (« Rayon A », « Étagère 3 », « Frigo »):
-- the zone a stocktake can be limited to, and how count sheets are grouped.
-- The shop's own: two shops of a chain shelve a product differently, so it
-- never travels (as stock thresholds); a shop rebuilt from head office
-- shelves its products again. One zone a product; none is « sans zone ».
create table product_zones (
  product_id uuid primary key references products (id) on delete cascade,
  zone text not null check (zone = btrim(zone) and length(zone) between 1 and 40),
  updated_at timestamptz not null default now()
);
create index product_zones_zone on product_zones (zone);
