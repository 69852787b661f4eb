import { describe, expect, it } from 'vitest';
import { cashReport } from '../../server/domain/cash-report.js';
import { netTakings } from '../../server/domain/takings.js';
import { zReportModel } from '../../server/domain/z-report.js';

describe('net takings', () => {
  it('take each method’s refunds off its takings, and add the methods up', () => {
    const n = netTakings({ cash: 8935, mobile_money: 6000, card: 1500 }, { cash: 1235, mobile_money: 2000, card: 0 });
    expect(n.byMethod).toEqual({
      cash: { takings: 8935, refunds: 1235, net: 7700 },
      mobile_money: { takings: 6000, refunds: 2000, net: 4000 },
      card: { takings: 1500, refunds: 0, net: 1500 },
    });
    expect(n.total).toEqual({ takings: 16435, refunds: 3235, net: 13200 });
  });

  it('go below zero on a day with only a refund (a card sale of yesterday given back today)', () => {
    expect(netTakings({ cash: 0, mobile_money: 0, card: 0 }, { cash: 0, mobile_money: 0, card: 1500 }).total).toEqual({ takings: 0, refunds: 1500, net: -1500 });
  });

  it('are what the Z report prints per method, and add up to its net sales less its returns', () => {
    const report = cashReport({
      openingFloat: 10_000,
      sales: [
        { cashierName: 'Awa', subtotal: 3699, discount: 0, total: 3699, rounding: 1, status: 'completed', payments: [{ method: 'cash', amount: 3700 }] },
        { cashierName: 'Awa', subtotal: 4000, discount: 0, total: 4000, rounding: 0, status: 'completed', payments: [{ method: 'mobile_money', amount: 4000 }] },
        { cashierName: 'Awa', subtotal: 3000, discount: 0, total: 3000, rounding: 0, status: 'voided', payments: [{ method: 'cash', amount: 3000 }] },
      ],
      returns: [{ cashierName: 'Awa', amount: 1233, rounding: 2, refundMethod: 'cash' }, { cashierName: 'Awa', amount: 2000, rounding: 0, refundMethod: 'mobile_money' }],
      movements: [],
    });
    const n = netTakings(report.salesByMethod, report.refundsByMethod);
    expect(n.total.net).toBe(report.netSales - report.refunds);
    expect(n.byMethod.cash.net).toBe(report.expected.cash - report.openingFloat);
    const model = zReportModel({
      shop: { name: 'Pharmacie', address: '', phone: '', taxId: '', timezone: 'Africa/Dakar' },
      session: { terminal: 'Caisse 1', cashierName: 'Awa', openedAt: new Date(), closedAt: null, closedByName: null, zNumber: null, counted: null, closingComment: null },
      movements: [], report, at: new Date(),
    });
    const methods = model.sections.find((s) => s.heading === 'Encaissements par mode de paiement')!.rows.map((r) => [r.label.trim(), r.amount]);
    expect(methods).toEqual([
      ['Espèces', '2\u00a0465\u00a0FCFA'], ['dont ventes', '3\u00a0700\u00a0FCFA'], ['dont retours', '-1\u00a0235\u00a0FCFA'],
      ['Mobile money', '2\u00a0000\u00a0FCFA'], ['dont ventes', '4\u00a0000\u00a0FCFA'], ['dont retours', '-2\u00a0000\u00a0FCFA'],
      ['Carte bancaire', '0\u00a0FCFA'],
    ]);
  });
});
