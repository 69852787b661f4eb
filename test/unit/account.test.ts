import { describe, expect, it } from 'vitest';
import { ageingOf, allocate, balanceOf, creditRefusal, openSales, statementOf, type LedgerEntry } from '../../server/domain/account.js';
import { cashReport } from '../../server/domain/cash-report.js';
import { settle } from '../../server/domain/tender.js';

const sale = (saleId: string, amount: number, day: string): LedgerEntry => ({ kind: 'sale', amount, saleId, allocations: [], day });
const pay = (amount: number, day: string, allocations: { saleId: string; amount: number }[] = []): LedgerEntry => ({ kind: 'payment', amount, saleId: null, allocations, day });

describe('a customer’s account', () => {
  it('pays off the picked sales first, then the oldest, never more than a sale left due', () => {
    const open = openSales([sale('a', 3000, '2026-09-01'), sale('b', 2000, '2026-10-01'), sale('c', 1000, '2026-11-01'), pay(1000, '2026-11-02', [{ saleId: 'a', amount: 1000 }])]);
    expect(open.map((s) => [s.saleId, s.due])).toEqual([['a', 2000], ['b', 2000], ['c', 1000]]);
    expect(allocate(2500, open)).toEqual({ allocations: [{ saleId: 'a', amount: 2000 }, { saleId: 'b', amount: 500 }], unallocated: 0 });
    expect(allocate(1500, open, ['c'])).toEqual({ allocations: [{ saleId: 'c', amount: 1000 }, { saleId: 'a', amount: 500 }], unallocated: 0 });
    expect(allocate(6000, open).unallocated).toBe(1000);
  });

  it('ages what is due by its sale’s day, an advance paying off the oldest, the buckets adding up to the balance', () => {
    const entries = [sale('a', 3000, '2026-07-01'), sale('b', 2000, '2026-10-10'), sale('c', 1000, '2026-11-20'), pay(500, '2026-11-21')];
    expect(ageingOf(entries, '2026-11-26')).toEqual({ d0_30: 1000, d31_60: 2000, d61_90: 0, over90: 2500 });
    expect(balanceOf(entries)).toBe(5500);
  });

  it('refuses a credit past the limit or to a blocked customer, and allows one up to the limit', () => {
    expect(creditRefusal({ balance: 4000, amount: 1000, limit: 5000, blocked: false })).toBeUndefined();
    expect(creditRefusal({ balance: 4000, amount: 1001, limit: 5000, blocked: false })).toBe('over_limit');
    expect(creditRefusal({ balance: 0, amount: 1, limit: 5000, blocked: true })).toBe('blocked');
  });

  it('states a period from the balance before it to the balance after it', () => {
    const s = statementOf([sale('a', 3000, '2026-10-01'), sale('b', 2000, '2026-11-05'), pay(1500, '2026-11-10'), sale('c', 700, '2026-12-01')], '2026-11-01', '2026-11-30');
    expect(s.opening).toBe(3000);
    expect(s.rows.map((r) => [r.signed, r.balance])).toEqual([[2000, 5000], [-1500, 3500]]);
    expect(s.closing).toBe(3500);
  });
});

describe('« Crédit client » at the till', () => {
  it('takes what is left once the cash deposit is counted, never a defaulted « paid »', () => {
    const s = settle(10_003, [{ method: 'cash', tendered: 3000 }, { method: 'credit', customerId: 'x' }], 5);
    expect(s).toMatchObject({ ok: true, method: 'mixed', change: 0, payments: [{ method: 'cash', amount: 3000 }, { method: 'credit', amount: 7003, customerId: 'x' }] });
    expect(settle(1000, [{ method: 'credit' }, { method: 'credit' }], 5)).toMatchObject({ ok: false, code: 'credit_twice' });
  });

  it('counts in the sales but in no drawer, and a payment on account once in the expected cash', () => {
    const r = cashReport({
      openingFloat: 1000,
      sales: [{ cashierName: 'A', subtotal: 10_000, discount: 0, total: 10_000, rounding: 0, status: 'completed', payments: [{ method: 'cash', amount: 3000 }, { method: 'credit', amount: 7000 }] }],
      returns: [{ cashierName: 'A', amount: 2000, rounding: 0, refundMethod: 'credit', accountCredit: 2000 }],
      movements: [{ kind: 'out', amount: 500, reason: 'Dépense', userName: 'A', expenseId: 'e' }],
      accountPayments: [{ method: 'cash', amount: 4000 }, { method: 'card', amount: 1000 }],
    });
    expect(r).toMatchObject({ netSales: 10_000, creditSales: 7000, creditReturns: 2000, refunds: 2000, expenses: 500, cashOut: 0 });
    expect(r.salesByMethod).toEqual({ cash: 3000, mobile_money: 0, card: 0 });
    expect(r.expected).toEqual({ cash: 1000 + 3000 + 4000 - 500, mobile_money: 0, card: 1000 });
  });
});
