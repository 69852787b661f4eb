import type { Deps, ShopContext } from '../context.js';
import type { Db } from '../db/pool.js';
import { shopPrinterTarget } from '../receipts/network.js';
import { AppError } from '../errors.js';
import { shopIdFor } from '../ids.js';
import { ConfigError } from '../config.js';
import { t } from '../i18n/fr.js';
import { insertShopIfAbsent, otherShopCodes, setShopTimezone, shopByCode, shopById, updateShopSettings, type Shop } from './queries.js';
import type { SettingsInput } from './schemas.js';

/**
 * The shop row for SHOP_CODE, made on first start; TZ wins over the stored zone.
 * A database that already belongs to another shop is refused, writing nothing:
 * a second shop row would sell under a new code with the first one's stock and
 * receipt counter, and push it all to head office as the wrong shop.
 */
export async function ensureShop(
  db: Db,
  wanted: { code: string; name: string; timezone: string },
): Promise<ShopContext> {
  if (!(await shopByCode(db, wanted.code))) {
    const [here] = await otherShopCodes(db, wanted.code);
    if (here) throw new ConfigError(t('boot.wrong_shop', { here, wanted: wanted.code }));
  }
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
    /** Shop details printed on receipts, where receipts are printed, and the limits of the day at the till. */
    async update(input: SettingsInput): Promise<Shop> {
      // A field left out of a form keeps its value (an undefined one must not blank it).
      const given = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
      const current = (await shopById(db, shop.id))!;
      const next = { ...current, ...given };
      if (next.printerKind !== 'none' && !next.printerTarget) throw new AppError(400, 'printer_target_required', 'settings.printer_target_required');
      // Checked when it changes (a printer switched off must not stop the rest of Paramètres being saved), and again at
      // every print. Its name is resolved here, outside any transaction: a slow DNS answer holds no row. One statement writes.
      const changed = next.printerKind !== current.printerKind || next.printerTarget !== current.printerTarget;
      const target = changed ? (await shopPrinterTarget(next.printerKind, next.printerTarget)).stored : current.printerTarget;
      return updateShopSettings(db, shop.id, { ...next, printerTarget: next.printerKind === 'none' ? next.printerTarget : target });
    },
  };
}

export type SettingsService = ReturnType<typeof settingsService>;
