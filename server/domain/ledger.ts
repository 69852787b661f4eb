export type MovementKind = 'receipt' | 'sale' | 'return' | 'adjustment' | 'count' | 'transfer' | 'supplier_return' | 'transfer_out' | 'transfer_in';

export interface LedgerEntry {
  kind: MovementKind;
  delta: number;
  countedQty: number | null;
  hlc: string;
}

/**
 * A batch's quantity from its movements (design.md principle 4): in clock
 * order, a count sets the quantity as of its clock value and every other
 * movement adds its delta on top.
 */
export function ledgerQuantity(entries: readonly LedgerEntry[]): number {
  const ordered = [...entries].sort((a, b) => (a.hlc < b.hlc ? -1 : a.hlc > b.hlc ? 1 : 0));
  let quantity = 0;
  for (const e of ordered) quantity = e.kind === 'count' ? (e.countedQty ?? 0) : quantity + e.delta;
  return quantity;
}

/** The delta a count records locally, so that the cache stays the sum of deltas. */
export function countDelta(currentQuantity: number, countedQty: number): number {
  return countedQty - currentQuantity;
}

/**
 * What a stocktake's count changes (design.md §2.4): the count minus the
 * lot's ledger quantity at the moment it was counted, never minus the
 * snapshot (sales before the count would be taken twice) and never "set to
 * the count" at finalising (sales after it would be lost).
 */
export function stocktakeAdjustment(countedQty: number, ledgerAtCount: number): number {
  return countedQty - ledgerAtCount;
}
