import type { Queryable } from '../db/pool.js';

export interface Supplier {
  id: string;
  name: string;
  phone: string;
  email: string;
  address: string;
  taxId: string;
  deliveryDays: string;
  leadTimeDays: number;
  paymentTerms: string;
  active: boolean;
  /** The shop that created it; null: head office. */
  originShopId: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface SupplierRow extends Supplier {
  hlc: string;
  fieldClocks: Record<string, string>;
  fieldOrigins: Record<string, string>;
}

export interface ProductSupplier {
  id: string;
  supplierId: string;
  productId: string;
  supplierCode: string | null;
  packUnits: number;
  lastCost: number | null;
  lastCostDate: string | null;
  preferred: boolean;
  originShopId: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface LinkRow extends ProductSupplier {
  hlc: string;
  fieldClocks: Record<string, string>;
  fieldOrigins: Record<string, string>;
}

const supplierColumns = `id, name, phone, email, address, tax_id, delivery_days, lead_time_days, payment_terms, active, origin_shop_id,
  created_at, updated_at, hlc, field_clocks, field_origins`;
const linkColumns = `id, supplier_id, product_id, supplier_code, pack_units, last_cost, last_cost_date, preferred, origin_shop_id,
  created_at, updated_at, hlc, field_clocks, field_origins`;

export type SupplierValues = Omit<Supplier, 'createdAt' | 'updatedAt'>;

/** Inserts unless a supplier with this id is here; answers whether it wrote. */
export async function insertSupplier(db: Queryable, s: SupplierValues & { hlc: string; fieldClocks: Record<string, string>; fieldOrigins?: Record<string, string> }): Promise<boolean> {
  return (await db.exec(
    `insert into suppliers (id, name, phone, email, address, tax_id, delivery_days, lead_time_days, payment_terms, active, origin_shop_id,
       hlc, field_clocks, field_origins)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) on conflict (id) do nothing`,
    [s.id, s.name, s.phone, s.email, s.address, s.taxId, s.deliveryDays, s.leadTimeDays, s.paymentTerms, s.active, s.originShopId,
      s.hlc, s.fieldClocks, s.fieldOrigins ?? {}],
  )) > 0;
}

export async function supplierById(db: Queryable, id: string): Promise<SupplierRow | undefined> {
  return db.one<SupplierRow>(`select ${supplierColumns} from suppliers where id = $1`, [id]);
}

export async function lockSupplier(db: Queryable, id: string): Promise<SupplierRow | undefined> {
  return db.one<SupplierRow>(`select ${supplierColumns} from suppliers where id = $1 for update`, [id]);
}

export async function listSuppliers(db: Queryable, q: { activeOnly: boolean }): Promise<SupplierRow[]> {
  return db.rows<SupplierRow>(`select ${supplierColumns} from suppliers where (not $1 or active) order by name collate french, id`, [q.activeOnly]);
}

/** Head office's list: every supplier of the chain with the code of the shop that made it (none: head office's own). */
export async function suppliersWithOrigin(db: Queryable): Promise<(SupplierRow & { originShopCode: string | null })[]> {
  return db.rows(
    `select ${supplierColumns.split(',').map((c) => `s.${c.trim()}`).join(', ')}, sh.code as origin_shop_code
     from suppliers s left join shops sh on sh.id = s.origin_shop_id order by s.name collate french, s.id`,
  );
}

export async function updateSupplier(db: Queryable, id: string, s: Omit<SupplierValues, 'id' | 'originShopId'> & { hlc: string; fieldClocks: Record<string, string>; fieldOrigins: Record<string, string> }): Promise<SupplierRow> {
  return (await db.one<SupplierRow>(
    `update suppliers set name = $2, phone = $3, email = $4, address = $5, tax_id = $6, delivery_days = $7, lead_time_days = $8,
       payment_terms = $9, active = $10, hlc = $11, field_clocks = $12, field_origins = $13
     where id = $1 returning ${supplierColumns}`,
    [id, s.name, s.phone, s.email, s.address, s.taxId, s.deliveryDays, s.leadTimeDays, s.paymentTerms, s.active, s.hlc, s.fieldClocks, s.fieldOrigins],
  ))!;
}

export type LinkValues = Omit<ProductSupplier, 'createdAt' | 'updatedAt'>;

export async function insertLink(db: Queryable, l: LinkValues & { hlc: string; fieldClocks: Record<string, string>; fieldOrigins?: Record<string, string> }): Promise<boolean> {
  return (await db.exec(
    `insert into product_suppliers (id, supplier_id, product_id, supplier_code, pack_units, last_cost, last_cost_date, preferred, origin_shop_id,
       hlc, field_clocks, field_origins)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) on conflict do nothing`,
    [l.id, l.supplierId, l.productId, l.supplierCode, l.packUnits, l.lastCost, l.lastCostDate, l.preferred, l.originShopId, l.hlc, l.fieldClocks, l.fieldOrigins ?? {}],
  )) > 0;
}

export async function lockLink(db: Queryable, id: string): Promise<LinkRow | undefined> {
  return db.one<LinkRow>(`select ${linkColumns} from product_suppliers where id = $1 for update`, [id]);
}

/** Links by id, locked in id order. */
export async function lockLinks(db: Queryable, ids: readonly string[]): Promise<LinkRow[]> {
  return db.rows<LinkRow>(`select ${linkColumns} from product_suppliers where id = any($1::uuid[]) order by id for update`, [ids]);
}

/** Many links' last cost in one statement (a delivery note's). */
export async function updateLinkCosts(db: Queryable, ls: readonly { id: string; lastCost: number | null; lastCostDate: string | null; hlc: string; fieldClocks: Record<string, string>; fieldOrigins: Record<string, string> }[]): Promise<LinkRow[]> {
  return db.rows<LinkRow>(
    `update product_suppliers p set last_cost = r.last_cost, last_cost_date = r.last_cost_date, hlc = r.hlc, field_clocks = r.field_clocks, field_origins = r.field_origins
     from jsonb_to_recordset($1::jsonb) as r(id uuid, last_cost bigint, last_cost_date date, hlc text, field_clocks jsonb, field_origins jsonb)
     where p.id = r.id
     returning ${linkColumns.split(',').map((c) => `p.${c.trim()}`).join(', ')}`,
    [JSON.stringify(ls.map((l) => ({ id: l.id, last_cost: l.lastCost, last_cost_date: l.lastCostDate, hlc: l.hlc, field_clocks: l.fieldClocks, field_origins: l.fieldOrigins })))],
  );
}

export async function updateLink(db: Queryable, id: string, l: Pick<LinkValues, 'supplierCode' | 'packUnits' | 'lastCost' | 'lastCostDate' | 'preferred'> & { hlc: string; fieldClocks: Record<string, string>; fieldOrigins: Record<string, string> }): Promise<LinkRow> {
  return (await db.one<LinkRow>(
    `update product_suppliers set supplier_code = $2, pack_units = $3, last_cost = $4, last_cost_date = $5, preferred = $6, hlc = $7,
       field_clocks = $8, field_origins = $9
     where id = $1 returning ${linkColumns}`,
    [id, l.supplierCode, l.packUnits, l.lastCost, l.lastCostDate, l.preferred, l.hlc, l.fieldClocks, l.fieldOrigins],
  ))!;
}

/** A supplier's products with their names, for its page and the order suggestion. */
export async function linksOfSupplier(db: Queryable, supplierId: string): Promise<(LinkRow & { productName: string; sku: string })[]> {
  return db.rows(
    `select l.id, l.supplier_id, l.product_id, l.supplier_code, l.pack_units, l.last_cost, l.last_cost_date, l.preferred, l.origin_shop_id,
       l.created_at, l.updated_at, l.hlc, l.field_clocks, l.field_origins, p.name as product_name, p.sku
     from product_suppliers l join products p on p.id = l.product_id where l.supplier_id = $1 order by p.name collate french, p.id`,
    [supplierId],
  );
}

export async function linksOfProducts(db: Queryable, productIds: readonly string[]): Promise<LinkRow[]> {
  return db.rows<LinkRow>(`select ${linkColumns} from product_suppliers where product_id = any($1::uuid[])`, [productIds]);
}

/** Pages of the chain's suppliers and links, for a rebuilt shop. */
export async function suppliersPage(db: Queryable, after: string, limit: number): Promise<SupplierRow[]> {
  return db.rows<SupplierRow>(`select ${supplierColumns} from suppliers where id > $1 order by id limit $2`, [after, limit]);
}

export async function linksPage(db: Queryable, after: string, limit: number): Promise<LinkRow[]> {
  return db.rows<LinkRow>(`select ${linkColumns} from product_suppliers where id > $1 order by id limit $2`, [after, limit]);
}

/** These suppliers, of the ones this shop created (the nightly resends them before the documents that name them). */
export async function suppliersMadeBy(db: Queryable, shopId: string, ids: readonly string[]): Promise<SupplierRow[]> {
  return db.rows<SupplierRow>(`select ${supplierColumns} from suppliers where origin_shop_id = $1 and id = any($2::uuid[]) order by id`, [shopId, ids]);
}
