/** A lot as of a date: its quantity from the ledger and its unit cost (null: never given). */
export interface ValuedLot {
  expirationDate: string;
  status: 'active' | 'quarantined' | 'recalled';
  quantity: number;
  unitCost: number | null;
}

/** Where a lot's value stands on a date: sellable, expired by then, or set aside (recalled, quarantined). */
export type StockState = 'sellable' | 'expired' | 'blocked';

export function stateOn(lot: Pick<ValuedLot, 'expirationDate' | 'status'>, date: string): StockState {
  // A lot is sold up to its expiry date included (FEFO): it is expired the day after.
  if (lot.expirationDate < date) return 'expired';
  return lot.status === 'active' ? 'sellable' : 'blocked';
}

export interface Valuation<L> {
  sellable: number;
  expired: number;
  blocked: number;
  /** Units of lots without a cost: shown apart, never valued at zero. */
  unknownCostQty: number;
  lines: (L & { state: StockState; value: number | null })[];
}

/** Stock valuation at cost on a date (OHADA's year-end inventory): quantity × unit cost, per lot, summed by state. */
export function valuation<L extends ValuedLot>(lots: readonly L[], date: string): Valuation<L> {
  const out: Valuation<L> = { sellable: 0, expired: 0, blocked: 0, unknownCostQty: 0, lines: [] };
  for (const lot of lots) {
    const state = stateOn(lot, date);
    const value = lot.unitCost === null ? null : lot.quantity * lot.unitCost;
    if (value === null) out.unknownCostQty += lot.quantity;
    else out[state] += value;
    out.lines.push({ ...lot, state, value });
  }
  return out;
}
