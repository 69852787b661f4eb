import { beforeAll, describe, expect, it } from 'vitest';
import { seedBatch, seedProduct, testShop, type TestShop } from '../support/harness.js';

// 26/11/2026 in Dakar.
let t: TestShop;
let supplierId: string;
const product: Record<string, string> = {};

type Suggestion = { productId: string; suggestedQty: number; onHand: number; onOrder: number; rule: string; why: string };
const byProduct = (rows: Suggestion[]) => new Map(rows.map((r) => [r.productId, r]));

beforeAll(async () => {
  t = await testShop({ now: new Date('2026-11-26T10:00:00Z') });
  const ph = await t.as('pharmacist');
  supplierId = (await ph.post('/api/suppliers').send({ name: 'Laborex Sénégal', leadTimeDays: 2 })).body.id;
  for (const name of ['low', 'enough', 'ordered', 'plain', 'unlinked']) product[name] = (await seedProduct(t, { name: `Produit ${name}` })).id;
  for (const name of ['low', 'enough', 'ordered', 'plain']) {
    expect((await ph.put(`/api/suppliers/${supplierId}/products/${product[name]}`).send({ packUnits: 10 })).status).toBe(200);
  }
});

describe('suggested quantities from each product’s min/max stock', () => {
  it('order up to the max, in whole cartons, once on hand and on order fall below the min; nothing while they hold it', async () => {
    const manager = await t.as('manager');
    for (const name of ['low', 'enough', 'ordered']) {
      expect((await manager.patch(`/api/products/${product[name]}`).send({ minStock: 10, maxStock: 40 })).status).toBe(200);
    }
    await manager.patch(`/api/products/${product.unlinked}`).send({ minStock: 5 });
    await seedBatch(t, { productId: product.low!, expirationDate: '2028-06-30', quantity: 9 });
    await seedBatch(t, { productId: product.enough!, expirationDate: '2028-06-30', quantity: 10 });
    await seedBatch(t, { productId: product.ordered!, expirationDate: '2028-06-30', quantity: 4 });
    // A recalled lot never counts as stock.
    const recalled = await seedBatch(t, { productId: product.low!, expirationDate: '2028-06-30', quantity: 50 });
    await t.db.exec("update product_batches set status = 'recalled' where id = $1", [recalled.id]);
    const ph = await t.as('pharmacist');
    const order = await ph.post('/api/purchase-orders').send({ supplierId, lines: [{ productId: product.ordered, quantity: 6 }] });
    await ph.post(`/api/purchase-orders/${order.body.id}/send`);

    const res = await ph.get(`/api/purchase-orders/suggestions?supplierId=${supplierId}`);
    expect(res.status).toBe(200);
    const got = byProduct(res.body);
    // 9 held, below the min of 10: up to 40 is 31, four cartons of 10.
    expect(got.get(product.low!)).toMatchObject({ onHand: 9, onOrder: 0, rule: 'min_max', suggestedQty: 40, why: 'vendu 0 en 8 semaines, en stock 9, commandé 0 → 40 (min 10, max 40)' });
    expect(got.get(product.enough!)).toMatchObject({ onHand: 10, suggestedQty: 0 });
    // 4 held and 6 on a sent order: 10, not below the min.
    expect(got.get(product.ordered!)).toMatchObject({ onHand: 4, onOrder: 6, suggestedQty: 0 });
    expect(got.get(product.plain!)).toMatchObject({ rule: 'cover', suggestedQty: 0, why: 'vendu 0 en 8 semaines, en stock 0, commandé 0 → 0' });
    expect(got.has(product.unlinked!)).toBe(false);
  });

  it('lists, over the whole catalogue, a product with a min that sold nothing', async () => {
    const res = await (await t.as('pharmacist')).get('/api/purchase-orders/suggestions');
    expect(res.status).toBe(200);
    const got = byProduct(res.body);
    expect(got.get(product.unlinked!)).toMatchObject({ onHand: 0, rule: 'min', suggestedQty: 5, why: 'vendu 0 en 8 semaines, en stock 0, commandé 0 → 5 (min 5, max —)' });
    expect(got.get(product.low!)).toMatchObject({ suggestedQty: 40 });
    expect(got.has(product.plain!)).toBe(false);
  });

  it('refuses a max below the min (422, French) and keeps the limits', async () => {
    const manager = await t.as('manager');
    const res = await manager.patch(`/api/products/${product.low}`).send({ maxStock: 5 });
    expect(res.status).toBe(422);
    expect(res.body.error.message).toMatch(/[Mm]in/);
    expect(await t.db.one('select min_stock, max_stock from products where id = $1', [product.low])).toEqual({ minStock: 10, maxStock: 40 });
  });
});

