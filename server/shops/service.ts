import type { ShopContext } from '../context.js';
import type { Db } from '../db/pool.js';
import { newId } from '../ids.js';
import { insertShopIfAbsent, setShopTimezone, shopByCode } from './queries.js';

/** The shop row for SHOP_CODE, made on first start; TZ wins over the stored zone. */
export async function ensureShop(
  db: Db,
  wanted: { code: string; name: string; timezone: string },
): Promise<ShopContext> {
  await insertShopIfAbsent(db, { id: newId(), ...wanted });
  const shop = (await shopByCode(db, wanted.code))!;
  if (shop.timezone !== wanted.timezone) await setShopTimezone(db, shop.id, wanted.timezone);
  return { id: shop.id, code: shop.code, name: shop.name, timezone: wanted.timezone };
}
