import { beforeAll, describe, expect, it } from 'vitest';
import { seedBatch, seedProduct, testShop, type TestShop } from '../support/harness.js';

let t: TestShop;
beforeAll(async () => {
  t = await testShop({ poolSize: 25, now: new Date('2026-11-26T10:00:00Z') });
});

describe('tills racing for the last units', () => {
  it.each([1, 2, 3])('20 parallel sales never oversell, never deadlock, and refused ones write nothing (round %i)', async (round) => {
    const other = await seedProduct(t, { name: `Autre ${round}` });
    await seedBatch(t, { productId: other.id, expirationDate: '2027-01-31', quantity: 1000 });
    const p = await seedProduct(t, { name: `Dernières boîtes ${round}`, unitPrice: 700 });
    // Stock split across lots so each sale may lock several rows.
    await seedBatch(t, { productId: p.id, lotNumber: 'A', expirationDate: '2027-01-31', quantity: 4 });
    await seedBatch(t, { productId: p.id, lotNumber: 'B', expirationDate: '2027-02-28', quantity: 3 });
    await seedBatch(t, { productId: p.id, lotNumber: 'C', expirationDate: '2026-12-31', quantity: 4 });
    const stock = 11;
    const before = await t.counts();

    const agents = await Promise.all([t.as('cashier'), t.as('pharmacist'), t.as('manager')]);
    // Some sales also take another product, listed first or last, to vary lock order in the request.
    const demands = Array.from({ length: 20 }, (_, i) => ({ quantity: 1 + (i % 3), withOther: i % 4 === 0, otherFirst: i % 8 === 0 }));
    const results = await Promise.all(
      demands.map((d, i) => {
        const lines = [{ productId: p.id, quantity: d.quantity }];
        if (d.withOther) lines[d.otherFirst ? 'unshift' : 'push']({ productId: other.id, quantity: 1 });
        return agents[i % 3]!.post('/api/sales').send({ lines, payment: { method: 'card' } });
      }),
    );

    const statuses = results.map((r) => r.status);
    expect(statuses.every((s) => s === 201 || s === 422)).toBe(true);
    const sold = results
      .filter((r) => r.status === 201)
      .flatMap((r) => r.body.items as { productId: string; quantity: number }[])
      .filter((i) => i.productId === p.id)
      .reduce((s, i) => s + i.quantity, 0);
    expect(sold).toBeLessThanOrEqual(stock);
    for (const r of results.filter((x) => x.status === 422)) expect(r.body.error.code).toBe('insufficient_stock');

    const lots = await t.db.rows<{ quantity: number; ledger: number }>(
      `select b.quantity, (select sum(delta) from stock_movements m where m.batch_id = b.id)::int as ledger
       from product_batches b where b.product_id = $1`, [p.id]);
    const remaining = lots.reduce((s, b) => s + b.quantity, 0);
    expect(remaining).toBe(stock - sold);
    for (const b of lots) {
      expect(b.quantity).toBeGreaterThanOrEqual(0);
      expect(b.quantity).toBe(b.ledger);
    }
    // Only the accepted sales wrote anything, and their numbers follow without gaps.
    const accepted = results.filter((r) => r.status === 201);
    const after = await t.counts();
    expect(after.sales - before.sales).toBe(accepted.length);
    expect(after.lastReceiptNumber - before.lastReceiptNumber).toBe(accepted.length);
    const numbers = accepted.map((r) => Number(String(r.body.number).split('-')[1])).sort((a, b) => a - b);
    expect(numbers).toEqual(Array.from({ length: accepted.length }, (_, i) => before.lastReceiptNumber + 1 + i));
    expect(after.sale_items - before.sale_items).toBe(accepted.reduce((s, r) => s + r.body.items.length, 0));
    // Every unit that could be sold was: requests were big enough to drain it.
    expect(sold).toBeGreaterThanOrEqual(stock - 2);
  });
});
