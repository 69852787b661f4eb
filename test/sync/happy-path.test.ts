import { beforeAll, describe, expect, it } from 'vitest';
import { cashierActor, managerActor, seedBatch, seedProduct, testHq, testShop, type TestHq, type TestShop } from '../support/harness.js';

let hq: TestHq;
let shop: TestShop;
let other: TestShop;

beforeAll(async () => {
  hq = await testHq();
  await hq.listen();
  shop = await testShop({ code: 'DKR01', hq: { url: hq.url, token: await hq.registerShop('DKR01') } });
  other = await testShop({ code: 'THS02', hq: { url: hq.url, token: await hq.registerShop('THS02') } });
});

describe('a shop and head office', () => {
  it('brings every sale, with its items and movements, to head office, where totals match the shop', async () => {
    const p = await seedProduct(shop, { name: 'Doliprane 500 mg', unitPrice: 1500 });
    const lot = await seedBatch(shop, { productId: p.id, lotNumber: 'DL1', expirationDate: '2027-06-30', quantity: 100 });
    for (let i = 0; i < 5; i++) {
      await shop.services.sales.recordSale({ lines: [{ productId: p.id, quantity: i + 1 }], payment: { method: 'card' } }, cashierActor(shop));
    }
    const sale = await shop.services.sales.recordSale({ lines: [{ productId: p.id, quantity: 2 }], payment: { method: 'cash', tendered: 5000 } }, cashierActor(shop));
    await shop.services.sales.voidSale(sale.id, managerActor(shop));

    const pushed = await shop.services.sync.pushNow();
    expect(pushed.sent).toBeGreaterThan(0);
    expect((await shop.services.sync.status()).pendingChanges).toBe(0);

    const sales = (await hq.admin('get', '/api/shops/DKR01/sales')).body;
    expect(sales).toHaveLength(6);
    const shopSales = await shop.services.sales.listSales({ limit: 100 });
    const total = (xs: { total: number; status: string }[]) => xs.filter((s) => s.status === 'completed').reduce((a, s) => a + s.total, 0);
    expect(total(sales)).toBe(total(shopSales));
    expect(total(sales)).toBe(1500 * 15);
    expect(sales.find((s: { id: string }) => s.id === sale.id)).toMatchObject({ status: 'voided', number: sale.number });
    expect(sales.flatMap((s: { items: unknown[] }) => s.items)).toHaveLength(6);

    const batch = (await hq.admin('get', `/api/batches/${lot.id}`)).body;
    expect(batch.quantity).toBe(85);
    expect(batch.movements.map((m: { kind: string }) => m.kind).sort()).toEqual(['receipt', 'return', 'sale', 'sale', 'sale', 'sale', 'sale', 'sale']);
    const shopBatch = await shop.services.stock.getBatch(lot.id);
    expect(batch.quantity).toBe(shopBatch.quantity);
  });

  it('sends a product made at one shop to the others, never back to its own', async () => {
    const p = await seedProduct(shop, { name: 'Crème de la boutique', sku: 'LOCAL-1' });
    await shop.services.sync.runNow();
    expect((await other.services.sync.pullNow()).applied).toBeGreaterThan(0);
    expect((await other.services.catalog.getProduct(p.id)).name).toBe('Crème de la boutique');
    // The shop that made it gets nothing back, and its outbox stays empty.
    const cursorBefore = await shop.db.one<{ pullCursor: string }>('select pull_cursor from sync_state');
    const res = await shop.services.sync.pullNow();
    expect(res.applied).toBe(0);
    expect((await shop.services.sync.status()).pendingChanges).toBe(0);
    expect(cursorBefore).toBeDefined();
    // nor does applying a pull write the outbox at the other shop
    expect((await other.services.sync.status()).pendingChanges).toBe(0);
  });

  it('keeps both products when two shops create the same SKU and barcode, and logs why one was renamed', async () => {
    const a = await seedProduct(shop, { sku: 'TWIN', gtin: '4006381333931', name: 'Produit jumeau A' });
    const b = await seedProduct(other, { sku: 'TWIN', gtin: '4006381333931', name: 'Produit jumeau B' });
    await shop.services.sync.pushNow();
    await other.services.sync.pushNow();
    const rows = await hq.db.rows<{ id: string; sku: string; gtin: string | null }>(`select id, sku, gtin from products where name like 'Produit jumeau%' order by name`);
    expect(rows).toEqual([
      { id: a.id, sku: 'TWIN', gtin: '4006381333931' },
      { id: b.id, sku: 'TWIN-THS02', gtin: null },
    ]);
    const reasons = (await hq.admin('get', '/api/conflicts').query({ shop: 'THS02' })).body.map((c: { reason: string }) => c.reason);
    expect(reasons).toEqual(expect.arrayContaining(['sku_taken', 'gtin_taken']));
  });

  it('flows catalogue and price changes made at head office down to every shop', async () => {
    const created = await hq.admin('post', '/api/products').send({ sku: 'HQ-AMOX', gtin: '3400935955838', name: 'Amoxicilline 1 g', unitPrice: 3800 });
    expect(created.status).toBe(201);
    await hq.admin('patch', `/api/products/${created.body.id}`).send({ unitPrice: 3900 }).expect(200);
    await shop.services.sync.pullNow();
    await other.services.sync.pullNow();
    for (const s of [shop, other]) {
      const p = await s.services.catalog.getProduct(created.body.id);
      expect(p).toMatchObject({ sku: 'HQ-AMOX', unitPrice: 3900, name: 'Amoxicilline 1 g' });
    }
  });
});

describe('what a shop reports of itself', () => {
  it('reaches head office with each push: pending and refused changes, version, and how the last backup went', async () => {
    await shop.db.exec(`insert into backup_runs (id, status, finished_at, error) values (gen_random_uuid(), 'failed', now(), 'clé USB absente')`);
    const p = await seedProduct(shop, {});
    await seedBatch(shop, { productId: p.id, expirationDate: '2030-01-31', quantity: 2 });
    await shop.services.sync.pushNow({ force: true });
    const me = (await hq.admin('get', '/api/shops')).body.find((s: { code: string }) => s.code === 'DKR01');
    expect(me).toMatchObject({ lastBackupStatus: 'failed', lastBackupError: 'clé USB absente', appVersion: '0.2.0', refusedChanges: 0 });
    // Counted when the push left, less what that push carried: nothing is left waiting.
    expect(me).toMatchObject({ pendingChanges: 0, oldestPendingAgeS: null });
  });
});
