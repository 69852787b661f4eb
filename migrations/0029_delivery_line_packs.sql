-- A delivery line typed in the supplier's pack (« 3 cartons de 10 »): the
-- line keeps which pack and how many, while its quantities stay in base units
-- (what the lot, the movement and the order count) and its unit cost per
-- base unit. A plain id, as a lot's supplier: at head office the line may
-- arrive before the pack it names. Both null for a line typed in units.
alter table delivery_lines
  add column pack_id uuid,
  add column pack_quantity int check (pack_quantity >= 1),
  add constraint delivery_lines_pack check ((pack_id is null) = (pack_quantity is null));
