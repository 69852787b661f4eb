import { describe, expect, it } from 'vitest';
import { transferSuggestions } from '../../server/domain/transfer-suggestions.js';

const lot = (over: Partial<Parameters<typeof transferSuggestions>[0][number]> = {}) => ({
  batchId: 'b1', shopId: 'A', shopCode: 'DKR01', productId: 'p', productName: 'Sirop', lotNumber: 'L1', expirationDate: '2027-02-10', quantity: 50, ...over,
});
const sold = (shopId: string, units: number) => ({ shopId, shopCode: shopId === 'A' ? 'DKR01' : shopId === 'B' ? 'THS02' : 'ZIG03', productId: 'p', units });

describe('transfer suggestions', () => {
  it('moves what the shop will not sell before expiry to the shop that sells fastest, as much as it sells by then', () => {
    // 40 days left; A sells 15 in 30 days (20 before expiry), B 30 (40), C 6.
    const [s, ...rest] = transferSuggestions([lot()], [sold('A', 15), sold('B', 30), sold('C', 6)], { today: '2027-01-01', periodDays: 30 });
    expect(rest).toEqual([]);
    expect(s).toMatchObject({ batchId: 'b1', toShopCode: 'THS02', quantity: 30, daysLeft: 40, soldHere: 15, soldThere: 30 });
  });

  it('suggests nothing for a lot its own shop sells in time, an expired lot, or a product no other shop sells', () => {
    const today = '2027-01-01';
    expect(transferSuggestions([lot({ quantity: 10 })], [sold('A', 15), sold('B', 30)], { today, periodDays: 30 })).toEqual([]);
    expect(transferSuggestions([lot({ expirationDate: '2026-12-31' })], [sold('B', 30)], { today, periodDays: 30 })).toEqual([]);
    expect(transferSuggestions([lot()], [sold('A', 3)], { today, periodDays: 30 })).toEqual([]);
  });

  it('never suggests more than the other shop would sell before expiry', () => {
    const [s] = transferSuggestions([lot({ quantity: 500 })], [sold('B', 3)], { today: '2027-01-01', periodDays: 30 });
    expect(s!.quantity).toBe(4);
  });
});
