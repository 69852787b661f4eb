import { stocktakeAdjustment } from './ledger.js';

export interface CountedLot {
  batchId: string;
  quantity: number;
  unitCost: number | null;
  countedQty: number | null;
  ledgerQty: number | null;
}

export interface VarianceLine<T extends CountedLot> {
  line: T;
  /** The ledger's quantity when the lot was counted: what the count is compared with. */
  expected: number | null;
  counted: number | null;
  /** count − ledger at the count; null while not counted (a line not counted is not a zero). */
  variance: number | null;
  varianceValue: number | null;
  /** The lot moved (a sale, a receipt) between its count and now: to recount, or keep. */
  movedSinceCount: boolean;
  unknownCost: boolean;
}

/**
 * The variance report of a stocktake: per lot, the count against the ledger
 * at the moment of the count, valued at the lot's cost, the largest
 * variances (by value, then units) first, with the totals.
 */
export function varianceReport<T extends CountedLot>(lines: readonly T[]) {
  const out: VarianceLine<T>[] = lines.map((line) => {
    const counted = line.countedQty;
    const variance = counted === null || line.ledgerQty === null ? null : stocktakeAdjustment(counted, line.ledgerQty);
    return {
      line,
      expected: counted === null ? line.quantity : line.ledgerQty,
      counted,
      variance,
      varianceValue: variance === null ? null : variance * (line.unitCost ?? 0),
      movedSinceCount: counted !== null && line.ledgerQty !== line.quantity,
      unknownCost: line.unitCost === null,
    };
  });
  const weight = (l: VarianceLine<T>) => [Math.abs(l.varianceValue ?? 0), Math.abs(l.variance ?? 0)] as const;
  out.sort((a, b) => {
    const [va, ua] = weight(a);
    const [vb, ub] = weight(b);
    return vb - va || ub - ua;
  });
  const counted = out.filter((l) => l.variance !== null);
  return {
    lines: out,
    totals: {
      lots: out.length,
      counted: counted.length,
      uncounted: out.length - counted.length,
      varianceUnits: counted.reduce((s, l) => s + l.variance!, 0),
      varianceValue: counted.reduce((s, l) => s + l.varianceValue!, 0),
      movedSinceCount: out.filter((l) => l.movedSinceCount).length,
    },
  };
}
