import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { ledgerQuantity, type LedgerEntry } from '../../server/domain/ledger.js';
import { AppError } from '../../server/errors.js';
import { newId } from '../../server/ids.js';
import { ledgerQuantities } from '../../server/stock/queries.js';
import { cashierActor, managerActor, seedBatch, seedProduct, testShop, type TestShop } from '../support/harness.js';

let t: TestShop;
let productIds: string[];
beforeAll(async () => {
  t = await testShop({ now: new Date('2026-11-26T10:00:00Z') });
  productIds = [(await seedProduct(t, { name: 'P1' })).id, (await seedProduct(t, { name: 'P2' })).id];
});

type Op =
  | { kind: 'receive'; product: number; lot: number; expiryMonth: number; quantity: number }
  | { kind: 'sale'; product: number; quantity: number }
  | { kind: 'void'; pick: number }
  | { kind: 'count'; pick: number; countedQty: number }
  | { kind: 'adjust'; pick: number; delta: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('receive' as const), product: fc.nat(1), lot: fc.nat(3), expiryMonth: fc.integer({ min: 1, max: 12 }), quantity: fc.integer({ min: 1, max: 30 }) }),
  fc.record({ kind: fc.constant('sale' as const), product: fc.nat(1), quantity: fc.integer({ min: 1, max: 25 }) }),
  fc.record({ kind: fc.constant('void' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('count' as const), pick: fc.nat(), countedQty: fc.integer({ min: 0, max: 40 }) }),
  fc.record({ kind: fc.constant('adjust' as const), pick: fc.nat(), delta: fc.integer({ min: -20, max: 20 }).filter((d) => d !== 0) }),
);

async function assertLedgerHolds() {
  const batches = await t.db.rows<{ id: string; quantity: number }>('select id, quantity from product_batches');
  const movements = await t.db.rows<LedgerEntry & { batchId: string }>('select batch_id, kind, delta, counted_qty, hlc from stock_movements');
  for (const b of batches) {
    const mine = movements.filter((m) => m.batchId === b.id);
    expect(b.quantity).toBeGreaterThanOrEqual(0);
    expect(b.quantity).toBe(mine.reduce((s, m) => s + m.delta, 0));
    expect(b.quantity).toBe(ledgerQuantity(mine));
  }
}

describe('the stock ledger', () => {
  it('keeps every cached quantity equal to its ledger and never negative, for any mix of receipts, sales, voids, counts and adjustments', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 15 }), async (ops) => {
        run++;
        const saleIds: string[] = [];
        for (const op of ops) {
          const batchIds = (await t.db.rows<{ id: string }>('select id from product_batches order by id')).map((b) => b.id);
          try {
            if (op.kind === 'receive') {
              await t.services.stock.receiveBatch(
                { productId: productIds[op.product]!, lotNumber: `R${run}-L${op.lot}`, expirationDate: `2027-${String(op.expiryMonth).padStart(2, '0')}-15`, quantity: op.quantity, unitCost: null },
                managerActor(t),
              );
            } else if (op.kind === 'sale') {
              const sale = await t.services.sales.recordSale({ lines: [{ productId: productIds[op.product]!, quantity: op.quantity }], payment: { method: 'card' } }, cashierActor(t));
              saleIds.push(sale.id);
            } else if (op.kind === 'void' && saleIds.length > 0) {
              await t.services.sales.voidSale(saleIds[op.pick % saleIds.length]!, managerActor(t));
            } else if (op.kind === 'count' && batchIds.length > 0) {
              await t.services.stock.recordMovement(batchIds[op.pick % batchIds.length]!, { kind: 'count', countedQty: op.countedQty, reason: 'inventaire' }, managerActor(t));
            } else if (op.kind === 'adjust' && batchIds.length > 0) {
              await t.services.stock.recordMovement(batchIds[op.pick % batchIds.length]!, { kind: 'adjustment', delta: op.delta, reason: 'test' }, managerActor(t));
            }
          } catch (err) {
            // Refusals (short stock, lot with another expiry, double void, below zero) are expected; bugs are not.
            if (!(err instanceof AppError) || err.status >= 500) throw err;
          }
        }
        await assertLedgerHolds();
      }),
      { numRuns: 60 },
    );
    // The runs did reach every kind of movement, not just refusals.
    const kinds = await t.db.rows<{ kind: string }>('select distinct kind from stock_movements order by kind');
    expect(kinds.map((k) => k.kind)).toEqual(['adjustment', 'count', 'receipt', 'return', 'sale']);
  });

  it('sums a lot in the database as the replay does, for movements and counts arriving in any order with clocks that tie', async () => {
    const clockArb = fc.record({ wall: fc.integer({ min: 1, max: 6 }), node: fc.constantFrom('DKR01', 'HQ', 'A9') });
    const entryArb = fc.record({
      count: fc.boolean(), delta: fc.integer({ min: -9, max: 9 }), countedQty: fc.integer({ min: 0, max: 50 }), clock: clockArb,
    });
    await fc.assert(
      fc.asyncProperty(fc.array(entryArb, { maxLength: 12 }), async (entries) => {
        // Movements are never deleted: each run has a lot of its own.
        const lot = await seedBatch(t, { productId: productIds[0]!, expirationDate: '2031-01-31', quantity: 1 });
        const ledger: (LedgerEntry & { id: string })[] = entries.map((e) => ({
          id: newId(), kind: e.count ? 'count' : 'adjustment', delta: e.delta, countedQty: e.count ? e.countedQty : null,
          hlc: `${String(e.clock.wall).padStart(15, '0')}:000000:${e.clock.node}`,
        }));
        for (const e of ledger) {
          await t.db.exec(
            `insert into stock_movements (id, shop_id, batch_id, kind, delta, counted_qty, reason, hlc) values ($1, $2, $3, $4, $5, $6, 'test', $7)`,
            [e.id, t.shop.id, lot.id, e.kind, e.delta, e.countedQty, e.hlc],
          );
        }
        // The replay, given the lot's whole ledger by clock then id (the seeded receipt too).
        const stored = await t.db.rows<LedgerEntry & { id: string }>('select id, kind, delta, counted_qty, hlc from stock_movements where batch_id = $1', [lot.id]);
        expect(stored).toHaveLength(ledger.length + 1);
        const replayed = ledgerQuantity([...stored].sort((a, b) => (a.hlc < b.hlc ? -1 : a.hlc > b.hlc ? 1 : a.id < b.id ? -1 : 1)));
        expect(await ledgerQuantities(t.db, [lot.id])).toEqual([{ batchId: lot.id, quantity: replayed }]);
      }),
      { numRuns: 100 },
    );
  });
});
