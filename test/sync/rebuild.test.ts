import { beforeAll, describe, expect, it } from 'vitest';
import { initFromHq } from '../../server/sync/rebuild.js';
import { cashierActor, freshDatabase, managerActor, seedBatch, seedProduct, testHq, testShop, type TestHq, type TestShop, copyOfDatabase } from '../support/harness.js';

let hq: TestHq;
beforeAll(async () => {
  hq = await testHq();
  await hq.listen();
});

const quantities = async (db: TestShop['db'], shopCode: string) =>
  db.rows<{ id: string; quantity: number }>(
    `select b.id, b.quantity from product_batches b join shops s on s.id = b.shop_id where s.code = $1 order by b.id`, [shopCode]);
const ledgerDrift = async (db: TestShop['db']) =>
  (await db.one<{ n: number }>(
    `select count(*)::int as n from product_batches b
     where b.quantity <> coalesce((select sum(delta) from stock_movements m where m.batch_id = b.id), 0)`,
  ))!.n;

describe('a shop rebuilt from head office', () => {
  it('comes back with 50 lots and 1,000 sales: same quantities, receipt numbers continue, nothing duplicated at head office', { timeout: 120_000 }, async () => {
    const token = await hq.registerShop('RBD01');
    const first = await testShop({ code: 'RBD01', hq: { url: hq.url, token } });
    const products = [];
    for (let i = 0; i < 10; i++) products.push(await seedProduct(first, { unitPrice: 100 + i }));
    for (let i = 0; i < 50; i++) {
      await seedBatch(first, { productId: products[i % 10]!.id, lotNumber: `RB-${i}`, expirationDate: `2028-${String((i % 12) + 1).padStart(2, '0')}-28`, quantity: 200 });
    }
    for (let i = 0; i < 1000; i++) {
      await first.services.sales.recordSale({ lines: [{ productId: products[i % 10]!.id, quantity: 1 + (i % 3) }], payment: { method: 'card' } }, cashierActor(first));
    }
    const voided = (await first.services.sales.listSales({ limit: 1 }))[0]!;
    await first.services.sales.voidSale(voided.id, managerActor(first));
    await first.services.sync.runNow();
    expect((await first.services.sync.status()).pendingChanges).toBe(0);
    const before = await quantities(first.db, 'RBD01');
    const hqSales = await hq.count('sales');

    // The SD card dies. A new machine, an empty database, the same shop code and token.
    const { url } = await freshDatabase();
    const rebuilt = await testShop({ code: 'RBD01', url, hq: { url: hq.url, token } });
    const result = await initFromHq(rebuilt.deps);
    expect(result).toMatchObject({ products: expect.any(Number), lots: 50, sales: 1000, lastReceipt: 1000, drifted: [] });
    expect(await quantities(rebuilt.db, 'RBD01')).toEqual(before);
    expect(await ledgerDrift(rebuilt.db)).toBe(0);
    expect((await rebuilt.services.sales.getSale(voided.id)).status).toBe('voided');
    expect((await rebuilt.services.sync.status()).pendingChanges).toBe(0);

    // It sells on: the next receipt follows the last one head office holds, and head office gets it once.
    await rebuilt.services.users.createUser({ name: 'Caissière', role: 'cashier', pin: '5678' });
    const actor = { id: (await rebuilt.services.users.listUsers())[0]!.id, name: 'Caissière', role: 'cashier' as const };
    const next = await rebuilt.services.sales.recordSale({ lines: [{ productId: products[0]!.id, quantity: 1 }], payment: { method: 'card' } }, actor);
    expect(next.number).toBe('RBD01-001001');
    await rebuilt.services.sync.runNow();
    expect(await hq.count('sales')).toBe(hqSales + 1);
    expect(await hq.db.one(`select count(*)::int as n from sync_conflicts where reason in ('number_reused', 'duplicate_differs')`)).toEqual({ n: 0 });
    const lotId = next.items[0]!.batchId;
    const atHq = (await hq.admin('get', `/api/batches/${lotId}`)).body;
    expect(atHq.quantity).toBe((await rebuilt.services.stock.getBatch(lotId)).quantity);
  });

  it('refuses to overwrite a database that holds data, unless forced', async () => {
    const token = await hq.registerShop('RBD02');
    const shop = await testShop({ code: 'RBD02', hq: { url: hq.url, token } });
    const p = await seedProduct(shop, {});
    await seedBatch(shop, { productId: p.id, expirationDate: '2028-01-31', quantity: 3 });
    const before = await shop.counts();
    await expect(initFromHq(shop.deps)).rejects.toThrow(/Cette base contient déjà des données \(0 vente\(s\), 1 lot\(s\), 3 changement/);
    expect(await shop.counts()).toEqual(before);
    await shop.services.sync.runNow();
    const forced = await initFromHq(shop.deps, { force: true });
    expect(forced.lots).toBe(1);
  });
});

describe('a shop restored from a week-old backup', () => {
  it('is told to re-initialise, gives no receipt number twice, and converges once rebuilt', { timeout: 60_000 }, async () => {
    const token = await hq.registerShop('OLD01');
    const live = await testShop({ code: 'OLD01', hq: { url: hq.url, token } });
    const p = await seedProduct(live, { unitPrice: 500 });
    await seedBatch(live, { productId: p.id, lotNumber: 'OLD-1', expirationDate: '2028-01-31', quantity: 100 });
    for (let i = 0; i < 3; i++) await live.services.sales.recordSale({ lines: [{ productId: p.id, quantity: 1 }], payment: { method: 'card' } }, cashierActor(live));
    await live.services.sync.runNow();
    const backup = await copyOfDatabase(live.url);
    for (let i = 0; i < 5; i++) await live.services.sales.recordSale({ lines: [{ productId: p.id, quantity: 2 }], payment: { method: 'card' } }, cashierActor(live));
    await live.services.sync.runNow(); // head office now holds receipts up to 8

    const restored = await testShop({ code: 'OLD01', url: backup, hq: { url: hq.url, token } });
    await restored.services.sync.runNow();
    const status = await restored.services.sync.status();
    expect(status.behindHq).toMatch(/^Le siège détient des ventes plus récentes de cette boutique \(ticket n° 8\) que cette base \(n° 3\)/);
    expect(status.health).toBe('red');
    const page = await (await restored.as('manager')).get('/parametres');
    expect(page.text).toContain('Réinitialisez la boutique depuis le siège');
    const sale = await restored.services.sales.recordSale({ lines: [{ productId: p.id, quantity: 1 }], payment: { method: 'card' } }, cashierActor(restored));
    expect(sale.number).toBe('OLD01-000009');
    await restored.services.sync.runNow();

    const rebuilt = await initFromHq(restored.deps, { force: true });
    expect(rebuilt.sales).toBe(9);
    const atHq = await hq.db.one<{ quantity: number }>(`select quantity from product_batches where lot_number = 'OLD-1'`);
    const here = await restored.db.one<{ quantity: number }>(`select quantity from product_batches where lot_number = 'OLD-1'`);
    expect(here).toEqual(atHq);
    expect(atHq!.quantity).toBe(100 - 3 - 10 - 1);
    expect((await restored.services.sync.status()).behindHq).toBeNull();
  });
});

