import { describe, expect, it } from 'vitest';
import { ledgerQuantity, stocktakeAdjustment } from '../../server/domain/ledger.js';
import { varianceReport } from '../../server/domain/stocktake.js';

const lot = (batchId: string, quantity: number, countedQty: number | null, ledgerQty: number | null, unitCost: number | null = 100) => ({
  batchId, quantity, countedQty, ledgerQty, unitCost,
});

describe('a stocktake count', () => {
  it('adjusts by the count minus the ledger when counted, so sales made after apply on top in the ledger', () => {
    // 100 received, 3 sold, counted 95 (ledger then 97), 4 sold after.
    const delta = stocktakeAdjustment(95, 97);
    expect(delta).toBe(-2);
    const entries = [
      { kind: 'receipt' as const, delta: 100, countedQty: null, hlc: 'a' },
      { kind: 'sale' as const, delta: -3, countedQty: null, hlc: 'b' },
      { kind: 'count' as const, delta, countedQty: 95, hlc: 'c' },
      { kind: 'sale' as const, delta: -4, countedQty: null, hlc: 'd' },
    ];
    // The count-at-a-clock reading and the sum of deltas agree: 91.
    expect(ledgerQuantity(entries)).toBe(91);
    expect(entries.reduce((s, e) => s + e.delta, 0)).toBe(91);
  });
});

describe('the variance report', () => {
  it('puts the largest variance by value first, leaves a line not counted without a variance, and flags a lot that moved since its count', () => {
    const { lines, totals } = varianceReport([
      lot('small', 10, 9, 10),
      lot('uncounted', 4, null, null),
      lot('big', 50, 40, 48, 500),
      lot('moved', 7, 8, 9),
    ]);
    expect(lines.map((l) => l.line.batchId)).toEqual(['big', 'small', 'moved', 'uncounted']);
    expect(lines[0]).toMatchObject({ expected: 48, counted: 40, variance: -8, varianceValue: -4000, movedSinceCount: true });
    expect(lines[3]).toMatchObject({ expected: 4, counted: null, variance: null, varianceValue: null, movedSinceCount: false });
    expect(lines.find((l) => l.line.batchId === 'moved')!.movedSinceCount).toBe(true);
    expect(totals).toEqual({ lots: 4, counted: 3, uncounted: 1, varianceUnits: -10, varianceValue: -4200, movedSinceCount: 2 });
  });
});
