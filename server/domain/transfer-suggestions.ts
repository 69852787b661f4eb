import { daysBetween, type IsoDate } from './dates.js';

export interface ExpiringLotAt {
  batchId: string;
  shopId: string;
  shopCode: string;
  productId: string;
  productName: string;
  lotNumber: string;
  expirationDate: IsoDate;
  quantity: number;
}

export interface SoldAt {
  shopId: string;
  shopCode: string;
  productId: string;
  units: number;
}

export interface TransferSuggestion extends ExpiringLotAt {
  toShopId: string;
  toShopCode: string;
  /** Units to move: what the lot holds beyond what its own shop sells before expiry, up to what the other shop sells by then. */
  quantity: number;
  lotQuantity: number;
  soldHere: number;
  soldThere: number;
  daysLeft: number;
}

/**
 * « Move these near-expiry lots to where they sell »: for each lot expiring
 * soon, the units its own shop will not sell before expiry (at its pace of
 * the period) go to the shop that sells the product fastest, as many as
 * that shop would sell by then. Paces are units sold over `periodDays`.
 */
export function transferSuggestions(lots: readonly ExpiringLotAt[], sold: readonly SoldAt[], o: { today: IsoDate; periodDays: number }): TransferSuggestion[] {
  const pace = new Map<string, SoldAt[]>();
  for (const s of sold) pace.set(s.productId, [...(pace.get(s.productId) ?? []), s]);
  const out: TransferSuggestion[] = [];
  for (const lot of lots) {
    const daysLeft = daysBetween(o.today, lot.expirationDate);
    if (daysLeft <= 0) continue; // expired: not to be sold anywhere
    const shops = pace.get(lot.productId) ?? [];
    const soldHere = shops.find((s) => s.shopId === lot.shopId)?.units ?? 0;
    const surplus = lot.quantity - Math.floor((soldHere / o.periodDays) * daysLeft);
    if (surplus <= 0) continue;
    const best = shops.filter((s) => s.shopId !== lot.shopId && s.units > 0).sort((a, b) => b.units - a.units || (a.shopCode < b.shopCode ? -1 : 1))[0];
    if (!best) continue;
    const quantity = Math.min(surplus, Math.floor((best.units / o.periodDays) * daysLeft));
    if (quantity <= 0) continue;
    out.push({ ...lot, toShopId: best.shopId, toShopCode: best.shopCode, quantity, lotQuantity: lot.quantity, soldHere, soldThere: best.units, daysLeft });
  }
  return out.sort((a, b) => (a.expirationDate < b.expirationDate ? -1 : a.expirationDate > b.expirationDate ? 1 : b.quantity - a.quantity));
}
