import { describe, expect, it } from 'vitest';
import { cashierActor, seedBatch, seedProduct, testHq, testShop } from '../support/harness.js';
import { freePort } from '../support/process.js';

describe('sync status', () => {
  it('says a shop without head office runs alone, and refuses to sync it', async () => {
    const shop = await testShop({ code: 'ALN01' });
    await seedProduct(shop, {});
    const agent = await shop.as('cashier');
    const status = (await agent.get('/api/sync/status')).body;
    expect(status).toMatchObject({ configured: false, health: 'offline', pendingChanges: 1 });
    const run = await agent.post('/api/sync/run');
    expect(run.status).toBe(409);
    expect(run.body.error.message).toBe('Synchronisation non configurée (HQ_URL et HQ_TOKEN).');
  });

  it('turns amber after a day without a successful sync and red after three, showing the oldest unsent change', async () => {
    const start = new Date('2026-11-26T08:00:00Z');
    const shop = await testShop({ code: 'STA01', now: start, hq: { url: `http://127.0.0.1:${await freePort()}`, token: 'x' } });
    const p = await seedProduct(shop, {});
    await seedBatch(shop, { productId: p.id, expirationDate: '2030-01-31', quantity: 5 });
    await shop.db.exec(`update sync_outbox set created_at = $1`, [start]);
    expect((await shop.services.sync.status()).health).toBe('ok');
    shop.clock.set('2026-11-27T09:00:00Z');
    const amber = await shop.services.sync.status();
    expect(amber.health).toBe('amber');
    expect(amber.oldestPendingAgeSeconds).toBe(25 * 3600);
    shop.clock.set('2026-11-29T09:00:00Z');
    expect((await shop.services.sync.status()).health).toBe('red');
  });

  it('runs a push and pull when asked, and answers 202 at once', async () => {
    const hq = await testHq();
    await hq.listen();
    const shop = await testShop({ code: 'RUN01', hq: { url: hq.url, token: await hq.registerShop('RUN01') } });
    const p = await seedProduct(shop, {});
    await seedBatch(shop, { productId: p.id, expirationDate: '2030-01-31', quantity: 5 });
    await shop.services.sales.recordSale({ lines: [{ productId: p.id, quantity: 1 }], payment: { method: 'card' } }, cashierActor(shop));
    const agent = await shop.as('cashier');
    const res = await agent.post('/api/sync/run');
    expect(res.status).toBe(202);
    let status = res.body;
    for (let i = 0; i < 50 && (status.pendingChanges > 0 || !status.lastPullAt); i++) {
      await new Promise((r) => setTimeout(r, 100));
      status = (await agent.get('/api/sync/status')).body;
    }
    expect(status).toMatchObject({ configured: true, health: 'ok', pendingChanges: 0, lastError: null });
    expect(status.lastPushAt).not.toBeNull();
    expect(status.lastPullAt).not.toBeNull();
    expect(status.bytesSent).toBeGreaterThan(100);
    expect(await hq.count('sales')).toBe(1);
  });
});
