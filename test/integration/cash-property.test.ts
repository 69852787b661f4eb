import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { roundCash } from '../../server/domain/tender.js';
import { cashierActor, managerActor, PINS, seedBatch, seedProduct, testShop, type TestShop } from '../support/harness.js';

let t: TestShop;
const prices = [1233, 2000, 745, 9999];
const products: string[] = [];

beforeAll(async () => {
  t = await testShop({ now: new Date('2026-11-26T09:00:00Z') });
  for (const unitPrice of prices) {
    const p = await seedProduct(t, { unitPrice });
    await seedBatch(t, { productId: p.id, expirationDate: '2030-01-31', quantity: 100_000 });
    products.push(p.id);
  }
});

type Op =
  | { kind: 'sale'; product: number; quantity: number; mobile: number; extra: number; card: boolean }
  | { kind: 'return'; pick: number; quantity: number; cash: boolean }
  | { kind: 'void'; pick: number }
  | { kind: 'move'; direction: 'in' | 'out'; amount: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('sale' as const), product: fc.nat(prices.length - 1), quantity: fc.integer({ min: 1, max: 4 }), mobile: fc.integer({ min: 0, max: 3000 }), extra: fc.integer({ min: 0, max: 2000 }), card: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('return' as const), pick: fc.nat(), quantity: fc.integer({ min: 1, max: 3 }), cash: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('void' as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('move' as const), direction: fc.constantFrom('in' as const, 'out' as const), amount: fc.integer({ min: 1, max: 5000 }) }) },
);

describe('the Z report', () => {
  it('expects float + cash in − cash out + cash sales − cash refunds, each cash amount rounded to the coin, for random days', { timeout: 300_000 }, async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(1, 5, 25, 50), fc.integer({ min: 0, max: 20_000 }), fc.array(op, { minLength: 1, maxLength: 14 }), async (coin, float, ops) => {
        run += 1;
        await t.services.settings.update({ cashRounding: coin });
        const cashier = cashierActor(t);
        const terminal = `Prop ${run}`;
        const session = await t.services.cash.open(cashier, terminal, { float });
        // The model: what the drawer should hold, from what was asked, not from what was written.
        let expected = float;
        const sold: { id: string; itemId: string; unitPrice: number; left: number; cash: number; returned: boolean; voided: boolean }[] = [];
        for (const o of ops) {
          if (o.kind === 'sale') {
            const total = prices[o.product]! * o.quantity;
            const mobile = Math.min(o.mobile, total);
            const payments = o.card
              ? [{ method: 'card' as const }]
              : [{ method: 'cash' as const, tendered: roundCash(total - mobile, coin) + o.extra }, ...(mobile > 0 ? [{ method: 'mobile_money' as const, amount: mobile, operator: 'wave' as const, reference: `WV-${run}` }] : [])];
            const sale = await t.services.sales.recordSale({ lines: [{ productId: products[o.product]!, quantity: o.quantity }], payments, terminal }, cashier);
            const cash = o.card ? 0 : roundCash(total - mobile, coin);
            expect(sale.payments.find((p) => p.method === 'cash')?.amount ?? 0).toBe(cash);
            expect(cash % coin).toBe(0);
            expected += cash;
            sold.push({ id: sale.id, itemId: sale.items[0]!.id, unitPrice: prices[o.product]!, left: o.quantity, cash, returned: false, voided: false });
          } else if (o.kind === 'return') {
            const target = sold.filter((s) => !s.voided && s.left > 0)[o.pick % Math.max(1, sold.length)];
            if (!target) continue;
            const quantity = Math.min(o.quantity, target.left);
            // Refunds by any method, with a manager's PIN for those a cashier may not make alone; never more cash than the drawer holds.
            const asked = { lines: [{ saleItemId: target.itemId, quantity, destination: 'stock' as const }], refundMethod: o.cash ? 'cash' as const : 'card' as const, terminal, managerPin: PINS.manager };
            if (o.cash && roundCash(target.unitPrice * quantity, coin) > expected) {
              await expect(t.services.returns.recordReturn(target.id, asked, cashier)).rejects.toMatchObject({ code: 'refund_exceeds_drawer' });
              continue;
            }
            const refund = await t.services.returns.recordReturn(target.id, asked, cashier);
            expect(refund.amount).toBe(target.unitPrice * quantity);
            if (o.cash) expected -= roundCash(target.unitPrice * quantity, coin);
            target.left -= quantity;
            target.returned = true;
          } else if (o.kind === 'void') {
            const target = sold.filter((s) => !s.voided && !s.returned)[o.pick % Math.max(1, sold.length)];
            if (!target) continue;
            await t.services.sales.voidSale(target.id, managerActor(t));
            expected -= target.cash;
            target.voided = true;
          } else {
            const before = (await t.services.cash.report(session.id, cashier)).report.expected.cash;
            // A manager's hand: cash-outs past the cashier's allowance are theirs to allow.
            if (o.direction === 'out' && o.amount > before) {
              await expect(t.services.cash.move(session.id, managerActor(t), { kind: 'out', amount: o.amount, reason: 'banque' })).rejects.toMatchObject({ code: 'cash_out_exceeds' });
              continue;
            }
            await t.services.cash.move(session.id, managerActor(t), { kind: o.direction, amount: o.amount, reason: o.direction === 'in' ? 'appoint' : 'banque' });
            expected += o.direction === 'in' ? o.amount : -o.amount;
          }
        }
        const { report } = await t.services.cash.report(session.id, cashier);
        expect(report.expected.cash).toBe(expected);
        expect(report.expected.cash).toBe(report.openingFloat + report.cashIn - report.cashOut + report.salesByMethod.cash - report.refundsByMethod.cash);
        const closed = await t.services.cash.close(session.id, cashier, { counted: { ...report.expected, cash: report.expected.cash + 3 }, comment: 'compté' });
        expect(closed.expected).toEqual(report.expected);
        expect(closed.cashVariance).toBe(3);
      }),
      { numRuns: 15 },
    );
  });
});
