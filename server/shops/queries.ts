import type { Queryable } from '../db/pool.js';

export interface Shop {
  id: string;
  code: string;
  name: string;
  timezone: string;
  address: string;
  phone: string;
  taxId: string;
  receiptFooter: string;
  createdAt: Date;
  updatedAt: Date;
}

const columns = 'id, code, name, timezone, address, phone, tax_id, receipt_footer, created_at, updated_at';

export async function shopByCode(db: Queryable, code: string): Promise<Shop | undefined> {
  return db.one<Shop>(`select ${columns} from shops where code = $1`, [code]);
}

export async function insertShopIfAbsent(
  db: Queryable,
  shop: { id: string; code: string; name: string; timezone: string },
): Promise<void> {
  await db.exec(
    `insert into shops (id, code, name, timezone) values ($1, $2, $3, $4) on conflict (code) do nothing`,
    [shop.id, shop.code, shop.name, shop.timezone],
  );
  await db.exec(
    `insert into receipt_counters (shop_id) select id from shops where code = $1 on conflict do nothing`,
    [shop.code],
  );
}

export async function setShopTimezone(db: Queryable, id: string, timezone: string): Promise<void> {
  await db.exec('update shops set timezone = $2 where id = $1 and timezone <> $2', [id, timezone]);
}
