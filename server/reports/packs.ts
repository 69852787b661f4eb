/**
 * Quantities in reports as people count them (« 2 boîtes + 7 comprimés »):
 * the figures stay in base units, the label says them in the product's
 * largest sellable pack, read through the catalogue's narrow lookup.
 */
import { boxOf, productsForSale } from '../catalog/lookup.js';
import type { Queryable } from '../db/pool.js';
import { marginPerPack } from '../domain/margins.js';
import { formatUnits, packWord } from '../domain/packs.js';

export interface PackLabel {
  /** « 2 boîtes + 7 comprimés », or « 7 comprimés » for a product sold by the unit only. */
  quantityLabel: string;
  /** The product's largest sellable pack of several units, or null. */
  box: { name: string; units: number; word: string } | null;
}

/** Rows naming a product and a quantity in base units, each with its label: one catalogue read for all. */
export async function withPackLabels<R extends { productId: string; quantity: number }>(db: Queryable, rows: readonly R[]): Promise<(R & PackLabel)[]> {
  if (rows.length === 0) return [];
  const products = new Map((await productsForSale(db, [...new Set(rows.map((r) => r.productId))])).map((p) => [p.id, p]));
  return rows.map((r) => {
    const p = products.get(r.productId);
    const box = p ? boxOf(p) : null;
    return {
      ...r,
      quantityLabel: p ? formatUnits(r.quantity, { baseUnit: p.baseUnit, box }) : String(r.quantity),
      box: box && { name: box.name, units: box.units, word: packWord(box.name) },
    };
  });
}

/** Margin rows with their labels and what one box earned (null without a box, or with no unit of known cost). */
export async function withPackMargins<R extends { productId: string; quantity: number; margin: number; unknownCostQty: number }>(db: Queryable, rows: readonly R[]) {
  return (await withPackLabels(db, rows)).map((r) => ({ ...r, marginPerBox: r.box ? marginPerPack(r, r.box.units) : null }));
}
