import { addDays, daysBetween, type IsoDate } from './dates.js';
import type { BatchStatus } from './fefo.js';

/** One lot as the order suggestion sees it. */
export interface SuggestionLot {
  quantity: number;
  expirationDate: IsoDate;
  status: BatchStatus;
}

export interface SuggestionInput {
  today: IsoDate;
  /** Units sold in the window, and the window's length in weeks. */
  soldInPeriod: number;
  weeks: number;
  lots: readonly SuggestionLot[];
  /** Open quantities of sent orders (never drafts), in base units. */
  onOrder: number;
  leadTimeDays: number;
  /** Days of stock to hold beyond the lead time, for a product without min/max. */
  coverDays: number;
  minStock: number | null;
  maxStock: number | null;
  /** The supplier's carton: the suggestion is a whole number of them. */
  packUnits: number;
}

export interface Suggestion {
  soldInPeriod: number;
  /** Sellable units on hand (active, not expired). */
  onHand: number;
  /** What of it will still sell: a lot expiring before the next delivery counts only for what sells before it expires. */
  usable: number;
  onOrder: number;
  /** The stock aimed at, before rounding. */
  target: number;
  rule: 'min_max' | 'min' | 'cover';
  suggestedQty: number;
}

/**
 * How much to order of one product (issue 21). The sellable stock is counted
 * lot by lot in expiry order: a lot that will still be good when the next
 * delivery arrives counts whole; one that expires before it counts only for
 * what the sales rate can sell from it before its expiry (after the lots ahead
 * of it). With a max, the order tops the position (usable + on order) up to
 * the max once it has fallen below the min (or below the max when no min is
 * set); without one, it tops it up to the sales rate × (lead time + days of
 * cover), or to the min when that is more. Rounded up to whole cartons.
 */
export function suggestQuantity(s: SuggestionInput): Suggestion {
  const rate = s.weeks > 0 ? s.soldInPeriod / (s.weeks * 7) : 0;
  const arrival = addDays(s.today, s.leadTimeDays);
  const sellable = s.lots
    .filter((l) => l.status === 'active' && l.expirationDate >= s.today && l.quantity > 0)
    .sort((a, b) => (a.expirationDate < b.expirationDate ? -1 : a.expirationDate > b.expirationDate ? 1 : 0));
  let onHand = 0;
  let usable = 0;
  // Units the sales rate uses up before a given day, lot after lot.
  let consumed = 0;
  for (const lot of sellable) {
    onHand += lot.quantity;
    if (lot.expirationDate >= arrival) {
      usable += lot.quantity;
      consumed += lot.quantity;
      continue;
    }
    // Sold through its expiry day, after what the lots before it take.
    const sellsBefore = Math.floor(rate * (daysBetween(s.today, lot.expirationDate) + 1));
    const counted = Math.max(0, Math.min(lot.quantity, sellsBefore - consumed));
    usable += counted;
    consumed += counted;
  }
  const position = usable + s.onOrder;
  let need: number;
  let target: number;
  let rule: Suggestion['rule'];
  if (s.maxStock !== null) {
    rule = 'min_max';
    target = s.maxStock;
    // Below the min (as the catalogue's low-stock list says it), or below the max when no min is set.
    const reorder = position < (s.minStock ?? s.maxStock);
    need = reorder ? Math.max(0, s.maxStock - position) : 0;
  } else {
    // A min without a max: the sales rate's cover, never aiming below the min.
    rule = s.minStock !== null ? 'min' : 'cover';
    target = Math.max(Math.ceil(rate * (s.leadTimeDays + s.coverDays)), s.minStock ?? 0);
    need = Math.max(0, target - position);
  }
  const pack = Math.max(1, s.packUnits);
  return { soldInPeriod: s.soldInPeriod, onHand, usable, onOrder: s.onOrder, target, rule, suggestedQty: Math.ceil(need / pack) * pack };
}

/** A delivered lot already expired is refused; one expiring within the threshold is short-dated and needs a pharmacist's confirmation. */
export function receivedLotCheck(expirationDate: IsoDate, today: IsoDate, shortDatedMonths: number): 'expired' | 'short_dated' | 'ok' {
  if (expirationDate < today) return 'expired';
  return expirationDate < addMonths(today, shortDatedMonths) ? 'short_dated' : 'ok';
}

/** The same calendar day `months` later (the month's last day when it has fewer days). */
export function addMonths(date: IsoDate, months: number): IsoDate {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const total = y * 12 + (m - 1) + months;
  const year = Math.floor(total / 12);
  const month = (total % 12) + 1;
  const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(Math.min(d, last)).padStart(2, '0')}`;
}

/**
 * A lot's cost after a receipt: the average of its receipts weighted by
 * their units (free units count at 0). A lot without a known cost takes the
 * receipt's.
 */
export function weightedCost(held: { units: number; unitCost: number | null }, received: { units: number; unitCost: number }): number {
  if (held.unitCost === null || held.units <= 0) return received.unitCost;
  const units = held.units + received.units;
  return Math.round((held.units * held.unitCost + received.units * received.unitCost) / units);
}

export type OrderStatus = 'draft' | 'sent' | 'partially_received' | 'received' | 'cancelled';

/** A sent order's state after its receipts: received once every line has come in full. */
export function receivedStatus(lines: readonly { quantity: number; receivedQty: number }[]): OrderStatus {
  if (lines.every((l) => l.receivedQty >= l.quantity)) return 'received';
  return lines.some((l) => l.receivedQty > 0) ? 'partially_received' : 'sent';
}

/** What is still to come of a sent order's line. */
export const openQuantity = (l: { quantity: number; receivedQty: number }) => Math.max(0, l.quantity - l.receivedQty);
