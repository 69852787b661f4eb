import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cashOutNeedsManager, returnApprovals } from '../../server/domain/approvals.js';
import { cashReport, varianceNeedingComment } from '../../server/domain/cash-report.js';
import { networkPrinter, onShopNetwork, printerTarget } from '../../server/domain/printer.js';
import {
  defaultRefundMethod, discountAmount, discountOverLimit, discountPercent, refundRoom, spread, type DiscountedItem,
} from '../../server/domain/tender.js';

/** Items as the sale prices them: a product's own discount spread over the lots it was taken from. */
function priced(lines: { key: string; lots: number[]; ownPct: number }[]): DiscountedItem[] {
  return lines.flatMap((l) => {
    const gross = l.lots.reduce((s, g) => s + g, 0);
    const own = spread(discountAmount(gross, { kind: 'percent', value: l.ownPct, reason: 'x' }), l.lots);
    return l.lots.map((g, i) => ({ key: l.key, gross: g, lineTotal: g - own[i]! }));
  });
}

describe('the discount limit', () => {
  it('refuses 10.04 % at a 10 % limit and lets 10 % through, in francs', () => {
    const one = [{ key: 'a', gross: 10_000, lineTotal: 10_000 }];
    const opts = { ticketPercent: false, percentLines: [], limitPct: 10 };
    expect(discountOverLimit(one, { ...opts, ticketDiscount: 1004 })).toEqual({ key: null, discount: 1004, gross: 10_000 });
    expect(discountOverLimit(one, { ...opts, ticketDiscount: 1001 })).toBeDefined();
    expect(discountOverLimit(one, { ...opts, ticketDiscount: 1000 })).toBeUndefined();
    expect(discountPercent(1004, 10_000)).toBe(10.1);
    expect(discountPercent(1000, 10_000)).toBe(10);
  });

  it('finds a cheap line given away under an expensive one', () => {
    const items = [{ key: 'cheap', gross: 1000, lineTotal: 0 }, { key: 'dear', gross: 99_000, lineTotal: 99_000 }];
    expect(discountOverLimit(items, { ticketDiscount: 0, ticketPercent: false, percentLines: ['cheap'], limitPct: 10 })).toEqual({ key: 'cheap', discount: 1000, gross: 1000 });
  });

  it('counts a line’s share of the ticket’s discount, split as a return splits it', () => {
    const items = [{ key: 'cheap', gross: 1000, lineTotal: 900 }, { key: 'dear', gross: 9000, lineTotal: 9000 }];
    const over = discountOverLimit(items, { ticketDiscount: 100, ticketPercent: false, percentLines: ['cheap'], limitPct: 10 });
    expect(over).toMatchObject({ key: 'cheap', gross: 1000 });
    expect(over!.discount).toBeGreaterThan(100);
  });

  it('never refuses a discount typed as the limit’s percentage, on lines or on the ticket, whatever the prices and lots', () => {
    const lots = fc.array(fc.integer({ min: 1, max: 200_000 }), { minLength: 1, maxLength: 3 });
    fc.assert(fc.property(fc.integer({ min: 0, max: 100 }), fc.array(lots, { minLength: 1, maxLength: 6 }), fc.boolean(), (limit, products, onLines) => {
      const lines = products.map((l, i) => ({ key: `p${i}`, lots: l, ownPct: onLines ? limit : 0 }));
      const items = priced(lines);
      const net = items.reduce((s, i) => s + i.lineTotal, 0);
      const ticketDiscount = onLines ? 0 : discountAmount(net, { kind: 'percent', value: limit, reason: 'x' });
      const percentLines = onLines && limit > 0 ? lines.map((l) => l.key) : [];
      expect(discountOverLimit(items, { ticketDiscount, ticketPercent: !onLines, percentLines, limitPct: limit })).toBeUndefined();
    }));
  });

  it('accepts no line more than two francs past the limit, whatever the discounts', () => {
    fc.assert(fc.property(
      fc.integer({ min: 0, max: 50 }),
      fc.array(fc.record({ gross: fc.integer({ min: 1, max: 50_000 }), own: fc.integer({ min: 0, max: 100 }) }), { minLength: 1, maxLength: 5 }),
      fc.integer({ min: 0, max: 30 }),
      (limit, lines, ticketPct) => {
        const items = lines.map((l, i) => ({ key: `p${i}`, gross: l.gross, lineTotal: l.gross - discountAmount(l.gross, { kind: 'percent', value: l.own, reason: 'x' }) }));
        const ticketDiscount = discountAmount(items.reduce((s, i) => s + i.lineTotal, 0), { kind: 'percent', value: ticketPct, reason: 'x' });
        const percentLines = lines.flatMap((l, i) => (l.own > 0 ? [`p${i}`] : []));
        if (discountOverLimit(items, { ticketDiscount, ticketPercent: true, percentLines, limitPct: limit })) return;
        const shares = spread(ticketDiscount, items.map((i) => i.lineTotal));
        items.forEach((i, k) => expect(i.gross - i.lineTotal + shares[k]!).toBeLessThanOrEqual(Math.ceil((i.gross * limit) / 100) + 2));
      },
    ));
  });
});

describe('refunds', () => {
  const split = [{ method: 'cash' as const, amount: 2000 }, { method: 'card' as const, amount: 8000 }];

  it('may give back by each method what the sale took that way, less what earlier returns gave', () => {
    const room = refundRoom(split, [{ refundMethod: 'card', amount: 3000, rounding: 0 }, { refundMethod: 'cash', amount: 498, rounding: 2 }]);
    expect(room).toEqual({ cash: 1500, mobile_money: 0, card: 5000 });
    expect(defaultRefundMethod(split, room, 1500)).toBe('cash');
    expect(defaultRefundMethod(split, room, 4000)).toBe('card');
    expect(defaultRefundMethod(split, room, 9000)).toBe('cash');
  });

  it('asks a manager for a large refund on one sale, an old sale, or another method', () => {
    const base = {
      amount: 5000, method: 'card' as const, room: { cash: 0, mobile_money: 0, card: 10_000 }, refundedAlone: 0,
      saleDay: '2026-11-26', today: '2026-12-03', settings: { returnApprovalOver: 20_000, returnApprovalAfterDays: 7 },
    };
    expect(returnApprovals(base)).toEqual([]);
    expect(returnApprovals({ ...base, refundedAlone: 15_001 })).toEqual(['amount']);
    expect(returnApprovals({ ...base, today: '2026-12-04' })).toEqual(['age']);
    expect(returnApprovals({ ...base, method: 'cash' })).toEqual(['method']);
    expect(returnApprovals({ ...base, amount: 25_000, method: 'cash', today: '2027-01-01' })).toEqual(['amount', 'age', 'method']);
  });

  it('asks a manager for cash out past what the session’s cashiers took out alone', () => {
    expect(cashOutNeedsManager(5000, 15_000, 20_000)).toBe(false);
    expect(cashOutNeedsManager(5001, 15_000, 20_000)).toBe(true);
    expect(cashOutNeedsManager(1, 0, 0)).toBe(true);
  });
});

describe('closing and the Z report', () => {
  it('asks a comment for a variance of any method', () => {
    expect(varianceNeedingComment({ cash: 0, mobile_money: 0, card: -1000 }, 500)).toBe('card');
    expect(varianceNeedingComment({ cash: 500, mobile_money: -500, card: 0 }, 500)).toBeUndefined();
  });

  it('lists who approved a discount, a return and a cash-out, and nothing a cashier did alone', () => {
    const sale = { cashierName: 'Awa', subtotal: 10_000, total: 7000, rounding: 0, status: 'completed' as const, payments: [{ method: 'card' as const, amount: 7000 }] };
    const report = cashReport({
      openingFloat: 50_000,
      sales: [{ ...sale, number: 'A-1', discount: 3000, discountApprovedByName: 'Fatou' }, { ...sale, number: 'A-2', discount: 500, discountApprovedByName: null }],
      returns: [
        { number: 'AV-1', cashierName: 'Awa', amount: 6998, rounding: 2, refundMethod: 'cash', approvedByName: 'Fatou', approval: ['method'] },
        { number: 'AV-2', cashierName: 'Awa', amount: 100, rounding: 0, refundMethod: 'card', approvedByName: null, approval: [] },
      ],
      movements: [{ kind: 'out', amount: 25_000, reason: 'banque', userName: 'Awa', approvedByName: 'Fatou' }, { kind: 'out', amount: 10, reason: 'sacs', userName: 'Awa', approvedByName: null }],
    });
    expect(report.approvals).toEqual([
      { kind: 'discount', reference: 'A-1', amount: 3000, approvedBy: 'Fatou', why: [] },
      { kind: 'return', reference: 'AV-1', amount: 7000, approvedBy: 'Fatou', why: ['method'] },
      { kind: 'cash_out', reference: 'banque', amount: 25_000, approvedBy: 'Fatou', why: [] },
    ]);
  });
});

describe('the receipt printer’s network', () => {
  it('is the private ranges, link-local and loopback, nothing else', () => {
    for (const a of ['10.1.2.3', '172.16.0.1', '172.31.255.254', '192.168.0.10', '169.254.1.1', '127.0.0.1']) expect(onShopNetwork(a), a).toBe(true);
    for (const a of ['8.8.8.8', '172.32.0.1', '172.15.0.1', '192.169.0.1', '100.64.0.1', '0.0.0.0', '224.0.0.1', '255.255.255.255', '256.1.1.1', '::1', 'fe80::1', 'localhost']) {
      expect(onShopNetwork(a), a).toBe(false);
    }
  });

  it('takes no IPv6 literal, which the printer library would open as a file', () => {
    expect(printerTarget('escpos', 'tcp://[fe80::1]:9100')).toBeUndefined();
    expect(networkPrinter(printerTarget('escpos', 'imprimante.local:9100')!)).toEqual({ host: 'imprimante.local', port: 9100 });
    expect(networkPrinter('/dev/usb/lp0')).toBeUndefined();
  });
});
