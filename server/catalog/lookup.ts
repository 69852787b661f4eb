/**
 * What other features may read of the catalogue (design §6: a narrow
 * function the feature exports, never its SQL): a sale's and a cart's
 * products with their packs, the pack a barcode names, and the rules of
 * which pack a product is sold in.
 */
import type { Queryable } from '../db/pool.js';
import { AppError } from '../errors.js';
import { unitPackId } from '../ids.js';
import type { Pack } from './pack-queries.js';
import type { ProductWithStock } from './queries.js';
import { productIdBySku, productOfPackGtin, productsWithPacks, type ProductWithPacks } from './queries.js';

export type { Pack, ProductWithPacks, ProductWithStock };

/** Products with their packs, in one query. */
export const productsForSale = (db: Queryable, ids: readonly string[]): Promise<ProductWithPacks[]> => productsWithPacks(db, ids);

/** The pack a scanned GTIN names (compared on 14 digits), with its product and the product's packs, in one query. */
export async function packOfGtin(db: Queryable, gtin14: string): Promise<{ product: ProductWithPacks; pack: Pack } | undefined> {
  const found = await productOfPackGtin(db, gtin14);
  if (!found) return undefined;
  const { scannedPackId, ...product } = found;
  return { product, pack: product.packs.find((k) => k.id === scannedPackId)! };
}

/** The product's unit pack: its base unit, priced at its unit price. */
export function unitPackOf(p: ProductWithPacks): Pack {
  const id = unitPackId(p.id);
  return p.packs.find((k) => k.id === id) ?? { id, productId: p.id, name: p.baseUnit, units: 1, unitPrice: p.unitPrice, gtin: p.gtin, sellable: true, retired: false, createdAt: p.createdAt, updatedAt: p.updatedAt };
}

/** The packs a cashier may sell now, the unit pack first, then by size. */
export const sellablePacks = (p: ProductWithPacks): Pack[] => p.packs.filter((k) => k.sellable && !k.retired);

/** The product's largest sellable pack of several units (its « box »), or null when it is sold by the unit only. */
export function boxOf(p: ProductWithPacks): Pack | null {
  return sellablePacks(p).filter((k) => k.units > 1).reduce<Pack | null>((a, k) => (!a || k.units > a.units ? k : a), null);
}

/** The pack a line sells when it names none: the unit pack if it is sold alone, else the smallest pack that is. */
export function defaultPackOf(p: ProductWithPacks): Pack | undefined {
  const unit = unitPackOf(p);
  return unit.sellable && !unit.retired ? unit : sellablePacks(p)[0];
}

/**
 * A product named by a person or a scanner, and the pack the code names: a
 * pack's GTIN (a box's barcode names the box; the product's own GTIN its unit
 * pack), or the product's SKU (its unit pack).
 */
export async function productOfCode(db: Queryable, code: string): Promise<{ product: ProductWithPacks; pack: Pack } | undefined> {
  const trimmed = code.trim();
  if (/^\d{8,14}$/.test(trimmed)) {
    const found = await packOfGtin(db, trimmed.padStart(14, '0'));
    if (found) return found;
  }
  const id = await productIdBySku(db, trimmed);
  const [product] = id ? await productsWithPacks(db, [id]) : [];
  return product ? { product, pack: unitPackOf(product) } : undefined;
}

/**
 * A count typed in packs (and loose units) as base units: `quantity` packs
 * of the pack named (none: the base unit) plus `looseUnits`. A retired pack
 * still converts (old stock is counted in it).
 */
export function inBaseUnits(product: ProductWithPacks, packId: string | undefined, quantity: number, looseUnits = 0): number {
  const pack = packId ? product.packs.find((k) => k.id === packId) : unitPackOf(product);
  if (!pack) throw new AppError(422, 'pack_unknown', 'sale.pack_unknown', { name: product.name }, { productId: product.id, packId: packId ?? null });
  const units = quantity * pack.units + looseUnits;
  if (!Number.isSafeInteger(units) || Math.abs(units) > 1_000_000_000) throw new AppError(422, 'quantity_too_large', 'stock.too_many_units');
  return units;
}
