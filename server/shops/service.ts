import type { Deps, ShopContext } from '../context.js';
import type { Db } from '../db/pool.js';
import { printerTarget } from '../domain/printer.js';
import { AppError } from '../errors.js';
import { shopIdFor } from '../ids.js';
import { insertShopIfAbsent, setShopTimezone, shopByCode, shopById, updateShopSettings, type Shop } from './queries.js';
import type { SettingsInput } from './schemas.js';

/** The shop row for SHOP_CODE, made on first start; TZ wins over the stored zone. */
export async function ensureShop(
  db: Db,
  wanted: { code: string; name: string; timezone: string },
): Promise<ShopContext> {
  await insertShopIfAbsent(db, { id: shopIdFor(wanted.code), ...wanted });
  const shop = (await shopByCode(db, wanted.code))!;
  if (shop.timezone !== wanted.timezone) await setShopTimezone(db, shop.id, wanted.timezone);
  return { id: shop.id, code: shop.code, name: shop.name, timezone: wanted.timezone };
}

export function settingsService({ db, shop }: Deps) {
  return {
    async get(): Promise<Shop> {
      return (await shopById(db, shop.id))!;
    },
    /** Shop details printed on receipts, and where receipts are printed. */
    async update(input: SettingsInput): Promise<Shop> {
      return db.withTransaction(async (tx) => {
        const current = (await shopById(tx, shop.id))!;
        // A field left out of a form keeps its value (an undefined one must not blank it).
        const given = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
        const next = { ...current, ...given };
        if (next.printerKind !== 'none' && !next.printerTarget) {
          throw new AppError(400, 'printer_target_required', 'settings.printer_target_required');
        }
        const target = printerTarget(next.printerKind, next.printerTarget);
        if (target === undefined) throw new AppError(422, 'printer_target_invalid', 'settings.printer_target_invalid', { target: next.printerTarget });
        return updateShopSettings(tx, shop.id, { ...next, printerTarget: next.printerKind === 'none' ? next.printerTarget : target });
      });
    },
  };
}

export type SettingsService = ReturnType<typeof settingsService>;
