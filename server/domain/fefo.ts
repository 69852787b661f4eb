import { daysBetween, type IsoDate } from './dates.js';

export type BatchStatus = 'active' | 'quarantined' | 'recalled';

export interface FefoBatch {
  id: string;
  lotNumber: string;
  expirationDate: IsoDate;
  receivedDate: IsoDate;
  quantity: number;
  status: BatchStatus;
}

export interface Allocation {
  batchId: string;
  quantity: number;
}

/** Stock that exists but may not be sold, by reason. */
export interface BlockedStock {
  expired: number;
  recalled: number;
  quarantined: number;
}

export type FefoResult =
  | { ok: true; allocations: Allocation[] }
  | { ok: false; available: number; blocked: BlockedStock }
  | { ok: false; unsellableLot: FefoBatch };

export const EXPIRY_WARNING_DAYS = 30;

export function isSellable(b: FefoBatch, today: IsoDate): boolean {
  return b.status === 'active' && b.expirationDate >= today && b.quantity > 0;
}

/** First expired, first out: expiry, then oldest receipt, then id for a total order. */
export function fefoOrder(a: FefoBatch, b: FefoBatch): number {
  if (a.expirationDate !== b.expirationDate) return a.expirationDate < b.expirationDate ? -1 : 1;
  if (a.receivedDate !== b.receivedDate) return a.receivedDate < b.receivedDate ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export function sellableBatches<B extends FefoBatch>(batches: readonly B[], today: IsoDate): B[] {
  return batches.filter((b) => isSellable(b, today)).sort(fefoOrder);
}

export function blockedStock(batches: readonly FefoBatch[], today: IsoDate): BlockedStock {
  const blocked: BlockedStock = { expired: 0, recalled: 0, quarantined: 0 };
  for (const b of batches) {
    if (b.quantity <= 0) continue;
    if (b.status === 'recalled') blocked.recalled += b.quantity;
    else if (b.status === 'quarantined') blocked.quarantined += b.quantity;
    else if (b.expirationDate < today) blocked.expired += b.quantity;
  }
  return blocked;
}

/**
 * Takes `quantity` units from the sellable batches, earliest expiry first,
 * one allocation per batch used. Units the customer chose from a given lot
 * (a scanned DataMatrix) come from that lot first, the rest FEFO. Never
 * partial: either all is found or nothing is taken.
 */
export function allocateFefo(
  batches: readonly FefoBatch[],
  quantity: number,
  today: IsoDate,
  pinned: readonly Allocation[] = [],
): FefoResult {
  if (!Number.isInteger(quantity) || quantity <= 0) throw new RangeError(`quantity must be a positive integer: ${quantity}`);
  const sellable = sellableBatches(batches, today);
  const available = sellable.reduce((sum, b) => sum + b.quantity, 0);
  for (const pin of pinned) {
    if (!sellable.some((b) => b.id === pin.batchId)) {
      const lot = batches.find((b) => b.id === pin.batchId);
      if (lot) return { ok: false, unsellableLot: lot };
    }
  }
  if (available < quantity) return { ok: false, available, blocked: blockedStock(batches, today) };
  const left = new Map(sellable.map((b) => [b.id, b.quantity]));
  const taken = new Map<string, number>();
  const take = (id: string, wanted: number) => {
    const n = Math.min(left.get(id) ?? 0, wanted);
    left.set(id, (left.get(id) ?? 0) - n);
    taken.set(id, (taken.get(id) ?? 0) + n);
    return n;
  };
  let remaining = quantity;
  for (const pin of pinned) remaining -= take(pin.batchId, Math.min(pin.quantity, remaining));
  for (const b of sellable) {
    if (remaining === 0) break;
    remaining -= take(b.id, remaining);
  }
  const allocations = sellable.filter((b) => (taken.get(b.id) ?? 0) > 0).map((b) => ({ batchId: b.id, quantity: taken.get(b.id)! }));
  return { ok: true, allocations };
}

export function expiresWithin(expirationDate: IsoDate, today: IsoDate, days = EXPIRY_WARNING_DAYS): boolean {
  const left = daysBetween(today, expirationDate);
  return left >= 0 && left <= days;
}

/**
 * A correction of a lot's expiry, cost or status, as it would leave the lot.
 * Undefined means "unchanged"; null clears the cost. A recalled lot stays
 * recalled: `unrecall` says the correction tried to undo it.
 */
export function correctedLot<L extends { expirationDate: IsoDate; unitCost: number | null; status: BatchStatus }>(
  current: L,
  input: { expirationDate?: IsoDate | undefined; unitCost?: number | null | undefined; status?: BatchStatus | undefined },
) {
  return {
    unrecall: current.status === 'recalled' && input.status !== undefined && input.status !== 'recalled',
    next: {
      expirationDate: input.expirationDate ?? current.expirationDate,
      unitCost: input.unitCost !== undefined ? input.unitCost : current.unitCost,
      status: input.status ?? current.status,
    },
  };
}
