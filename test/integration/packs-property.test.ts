import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../server/errors.js';
import { cashierActor, managerActor, testShop, type TestShop } from '../support/harness.js';

let t: TestShop;
beforeAll(async () => {
  t = await testShop({ now: new Date('2026-11-26T10:00:00Z') });
});

type Op =
  | { kind: 'sale'; lines: { pack: 0 | 1 | 2; quantity: number }[] }
  | { kind: 'return'; pick: number; quantity: number }
  | { kind: 'void'; pick: number }
  | { kind: 'count'; lot: number; countedQty: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('sale' as const), lines: fc.array(fc.record({ pack: fc.constantFrom(0 as const, 1 as const, 2 as const), quantity: fc.integer({ min: 1, max: 12 }) }), { minLength: 1, maxLength: 3 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('return' as const), pick: fc.nat(), quantity: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('void' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('count' as const), lot: fc.nat(2), countedQty: fc.integer({ min: 0, max: 90 }) }) },
);

describe('packs and units over the ledger', () => {
  it('never goes negative, keeps each lot equal to its movements, and takes every pack whole from one lot, for any mix of pack and unit sales, returns, voids and counts', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 3, maxLength: 3 }), fc.array(opArb, { minLength: 1, maxLength: 12 }), async (start, ops) => {
        run++;
        const product = await t.services.catalog.createProduct({
          sku: `PROP-${run}`, name: `Comprimés ${run}`, baseUnit: 'comprimé', unitPrice: 100,
          packs: [{ name: 'Plaquette de 10', units: 10, unitPrice: 900 }, { name: 'Boîte de 30', units: 30, unitPrice: 2500 }],
        }, managerActor(t));
        const packs = product.packs.map((k) => k.id);
        const lots = [];
        for (const [i, quantity] of start.entries()) {
          lots.push((await t.services.stock.receiveBatch({ productId: product.id, lotNumber: `P${run}-${i}`, expirationDate: `2027-0${i + 1}-28`, quantity: quantity || 1, unitCost: null }, managerActor(t))).id);
        }
        const sales: { id: string; items: { id: string }[] }[] = [];
        for (const op of ops) {
          try {
            if (op.kind === 'sale') {
              sales.push(await t.services.sales.recordSale({
                lines: op.lines.map((l) => ({ productId: product.id, quantity: l.quantity, ...(l.pack > 0 ? { packId: packs[l.pack]! } : {}) })), payment: { method: 'card' },
              }, cashierActor(t)));
            } else if (op.kind === 'return' && sales.length > 0) {
              const sale = sales[op.pick % sales.length]!;
              const item = sale.items[op.pick % sale.items.length]!;
              await t.services.returns.recordReturn(sale.id, { lines: [{ saleItemId: item.id, quantity: op.quantity, destination: 'stock' }], refundMethod: 'card' }, managerActor(t));
            } else if (op.kind === 'void' && sales.length > 0) {
              await t.services.sales.voidSale(sales[op.pick % sales.length]!.id, managerActor(t));
            } else if (op.kind === 'count') {
              await t.services.stock.recordMovement(lots[op.lot]!, { kind: 'count', countedQty: op.countedQty, reason: 'inventaire' }, managerActor(t));
            }
          } catch (err) {
            // Refusals (short stock, too many returned, a sale with returns voided) are expected; bugs are not.
            if (!(err instanceof AppError) || err.status >= 500) throw err;
          }
          const rows = await t.db.rows<{ id: string; quantity: number; ledger: number }>(
            `select b.id, b.quantity, coalesce((select sum(delta) from stock_movements m where m.batch_id = b.id), 0)::int as ledger
             from product_batches b where b.product_id = $1`,
            [product.id],
          );
          for (const r of rows) {
            expect(r.quantity).toBeGreaterThanOrEqual(0);
            expect(r.quantity).toBe(r.ledger);
          }
        }
        // Each line names one lot and whole packs of its pack; its movement took exactly its base units.
        const items = await t.db.rows<{ quantity: number; packUnits: number; units: number; moved: number }>(
          `select i.quantity, i.pack_units, k.units, (select -sum(m.delta) from stock_movements m where m.sale_item_id = i.id and m.kind = 'sale')::int as moved
           from sale_items i join product_packs k on k.id = coalesce(i.pack_id, unit_pack_id(i.product_id)) where i.product_id = $1`,
          [product.id],
        );
        for (const i of items) {
          expect(i.packUnits).toBe(i.units);
          expect(i.quantity % i.packUnits).toBe(0);
          expect(i.moved).toBe(i.quantity);
        }
      }),
      { numRuns: 25 },
    );
    // The runs reached every kind of movement, not just refusals.
    const kinds = await t.db.rows<{ kind: string }>('select distinct kind from stock_movements order by kind');
    expect(kinds.map((k) => k.kind)).toEqual(['count', 'receipt', 'return', 'sale']);
    const sizes = await t.db.rows<{ packUnits: number }>('select distinct pack_units from sale_items order by 1');
    expect(sizes.map((s) => s.packUnits)).toEqual([1, 10, 30]);
  });
});
