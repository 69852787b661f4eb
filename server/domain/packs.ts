import { blockedStock, sellableBatches, type BlockedStock, type FefoBatch } from './fefo.js';
import type { IsoDate } from './dates.js';

/**
 * Units and packs. A product is counted in its base unit (comprimé, ml,
 * sachet…) and sold in packs: its unit pack (1 base unit) and packs of
 * several (« Boîte de 30 », « Plaquette de 10 »). Every lot quantity is in
 * base units; a pack is a number of them, fixed when the pack is made.
 */

/** One line of a sale as the allocation sees it: `count` packs of `units` base units each. */
export interface PackDemand {
  /** The caller's reference of the line. */
  line: number;
  units: number;
  count: number;
  /** A lot the customer chose (a scanned DataMatrix): its packs come from it first. */
  batchId?: string | undefined;
}

export interface PackAllocation {
  line: number;
  batchId: string;
  /** Packs of the line taken from this lot. */
  count: number;
  /** Base units they hold. */
  units: number;
}

export type PackResult =
  | { ok: true; allocations: PackAllocation[] }
  /** Not enough: the first line that could not be met, and the sellable and blocked units of the product. */
  | { ok: false; line: number; available: number; blocked: BlockedStock }
  /** A lot named by the customer that may not be sold (expired, recalled, quarantined). */
  | { ok: false; unsellableLot: FefoBatch };

/** Loose units of a lot: what is left in its opened box (0 when every box is sealed). */
export const looseUnits = (quantity: number, boxUnits: number) => (boxUnits > 1 && quantity > 0 ? quantity % boxUnits : 0);

/**
 * Takes every line of one product from its lots, never partially: either
 * all is found or nothing is taken. `boxUnits` is the size of the product's
 * largest sellable pack (1 when it is sold by the unit only).
 *
 * - A pack is taken whole from one lot (a sealed box comes from one lot),
 *   earliest expiry first among the lots holding at least that many units.
 *   A pack smaller than the box (a blister) comes from a lot whose opened
 *   box still holds it, or that has no opened box, before a lot whose
 *   opened box holds less (opening a second box there): still in FEFO
 *   order within each.
 * - Loose units come first from the opened boxes (the earliest-expiring
 *   lot's first), then FEFO, opening a box of the earliest-expiring lot.
 * - Packs go first (the largest first), loose units last, and what a
 *   customer took from a named lot comes from that lot before anything else.
 * - Expired, recalled and quarantined lots are never sold.
 */
export function allocatePacks(batches: readonly FefoBatch[], demands: readonly PackDemand[], today: IsoDate, boxUnits = 1): PackResult {
  for (const d of demands) {
    if (!Number.isInteger(d.count) || d.count <= 0 || !Number.isInteger(d.units) || d.units <= 0) {
      throw new RangeError(`a demand counts whole packs of whole units: ${d.count} × ${d.units}`);
    }
  }
  const sellable = sellableBatches(batches, today);
  for (const d of demands) {
    if (d.batchId && !sellable.some((b) => b.id === d.batchId)) {
      const lot = batches.find((b) => b.id === d.batchId);
      if (lot) return { ok: false, unsellableLot: lot };
    }
  }
  const available = sellable.reduce((n, b) => n + b.quantity, 0);
  const short = (line: number): PackResult => ({ ok: false, line, available, blocked: blockedStock(batches, today) });
  const wanted = demands.reduce((n, d) => n + d.count * d.units, 0);
  if (wanted > available) return short(demands[0]?.line ?? 0);

  const left = new Map(sellable.map((b) => [b.id, b.quantity]));
  const taken = new Map<string, PackAllocation>();
  const take = (line: number, batchId: string, count: number, units: number) => {
    left.set(batchId, left.get(batchId)! - count * units);
    const key = `${line}:${batchId}`;
    const a = taken.get(key) ?? { line, batchId, count: 0, units: 0 };
    a.count += count;
    a.units += count * units;
    taken.set(key, a);
  };

  const order = [...demands].sort((a, b) => Number(!!b.batchId) - Number(!!a.batchId) || (a.units === 1 ? 1 : 0) - (b.units === 1 ? 1 : 0) || b.units - a.units);
  for (const d of order) {
    if (d.units === 1) {
      let n = d.count;
      if (d.batchId && left.has(d.batchId)) {
        const k = Math.min(left.get(d.batchId)!, n);
        if (k > 0) take(d.line, d.batchId, k, 1);
        n -= k;
      }
      // The opened boxes first, the earliest-expiring lot's first…
      for (const b of sellable) {
        if (n === 0) break;
        const k = Math.min(looseUnits(left.get(b.id)!, boxUnits), n);
        if (k > 0) take(d.line, b.id, k, 1);
        n -= k;
      }
      // …then FEFO, opening a box of the earliest-expiring lot.
      for (const b of sellable) {
        if (n === 0) break;
        const k = Math.min(left.get(b.id)!, n);
        if (k > 0) take(d.line, b.id, k, 1);
        n -= k;
      }
      if (n > 0) return short(d.line);
      continue;
    }
    const box = Math.max(boxUnits, d.units);
    for (let i = 0; i < d.count; i++) {
      let lot = d.batchId && (left.get(d.batchId) ?? 0) >= d.units ? d.batchId : undefined;
      if (!lot) {
        let first: string | undefined;
        for (const b of sellable) {
          const q = left.get(b.id)!;
          if (q < d.units) continue;
          first ??= b.id;
          const loose = looseUnits(q, box);
          if (d.units >= box || loose === 0 || loose >= d.units) {
            lot = b.id;
            break;
          }
        }
        lot ??= first;
      }
      if (!lot) return short(d.line);
      take(d.line, lot, 1, d.units);
    }
  }
  const rank = new Map(sellable.map((b, i) => [b.id, i]));
  const allocations = [...taken.values()].sort((a, b) => a.line - b.line || rank.get(a.batchId)! - rank.get(b.batchId)!);
  return { ok: true, allocations };
}

/** The sellable stock of a product as whole packs of `units` (each from one lot) and the units left over. */
export function sellableAs(batches: readonly FefoBatch[], today: IsoDate, units: number): { packs: number; units: number } {
  let packs = 0;
  let total = 0;
  for (const b of sellableBatches(batches, today)) {
    total += b.quantity;
    if (units > 1) packs += Math.floor(b.quantity / units);
  }
  return units > 1 ? { packs, units: total - packs * units } : { packs: 0, units: total };
}

const PREPOSITION = /^(de|du|des|d’|d'|à|a|en|x|×|\d.*)$/i;

/** French plural of a unit's or pack's word: 0 and 1 are singular; ml, g, UI and words ending in s, x, z do not change. */
export function plural(word: string, n: number): string {
  if (Math.abs(n) < 2) return word;
  const words = word.trim().split(/\s+/);
  let inPlural = true;
  return words
    .map((w) => {
      if (PREPOSITION.test(w)) inPlural = false;
      if (!inPlural || /[sxz]$/i.test(w) || w.length <= 2 || !/[aeiouyéèêëàâîïôûù]/i.test(w)) return w;
      return /(au|eu)$/i.test(w) ? `${w}x` : `${w}s`;
    })
    .join(' ');
}

/** What a pack is called in a count: « Boîte de 30 » → « boîte », « Plaquette de 10 » → « plaquette ». */
export function packWord(name: string): string {
  const words = name.trim().split(/\s+/);
  const head: string[] = [];
  for (const w of words) {
    if (PREPOSITION.test(w)) break;
    head.push(w);
  }
  const word = (head.length > 0 ? head : words).join(' ');
  return word.charAt(0).toLowerCase() + word.slice(1);
}

/** « 3 boîtes », « 1 comprimé », « 12 ml » */
export const countOf = (n: number, word: string) => `${n} ${plural(word, n)}`;

export interface PackNames {
  baseUnit: string;
  /** The product's largest sellable pack, when it has one of more than 1 unit. */
  box?: { name: string; units: number } | null | undefined;
}

/**
 * A quantity in base units as people count it: « 2 boîtes + 7 comprimés »
 * (whole boxes of the largest pack, then loose units). `joiner` is « + »
 * for a stock, « et » in a sentence.
 */
export function formatUnits(quantity: number, names: PackNames, joiner = '+'): string {
  const box = names.box && names.box.units > 1 ? names.box : null;
  if (!box || quantity < box.units) return countOf(quantity, names.baseUnit);
  const boxes = Math.floor(quantity / box.units);
  const rest = quantity - boxes * box.units;
  const boxes_ = countOf(boxes, packWord(box.name));
  return rest === 0 ? boxes_ : `${boxes_} ${joiner} ${countOf(rest, names.baseUnit)}`;
}

/** A sold line's name: the product alone for its base unit, « Doliprane 500 mg — Plaquette de 10 » for a pack. */
export function packLabel(productName: string, packName: string | null, packUnits: number): string {
  return packUnits > 1 && packName ? `${productName} — ${packName}` : productName;
}
