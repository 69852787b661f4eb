-- Receipt and printer settings of a shop, and the log of every receipt
-- printed or shown (the second one of a sale says DUPLICATA).
alter table shops
  add column receipt_width_mm int not null default 80 check (receipt_width_mm in (58, 80)),
  add column printer_kind text not null default 'none' check (printer_kind in ('none', 'escpos', 'cups')),
  add column printer_target text not null default '';

create table receipt_prints (
  id uuid primary key,
  sale_id uuid not null references sales (id),
  user_id uuid,
  channel text not null check (channel in ('pdf', 'escpos', 'cups')),
  status text not null check (status in ('done', 'failed')),
  error text,
  created_at timestamptz not null default now()
);
create index receipt_prints_sale on receipt_prints (sale_id, created_at);
