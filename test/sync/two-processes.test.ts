import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../server/app.js';
import { createDb } from '../../server/db/pool.js';
import { hashToken } from '../../server/http/bearer.js';
import { createLogger } from '../../server/logger.js';
import { cashierActor, managerActor, pushBodyOf, seedBatch, seedProduct, testHq, testShop, type TestHq, type TestShop } from '../support/harness.js';

let hq: TestHq;
let shop: TestShop;
let token: string;
/** A second head-office process: its own app and pool, the same PostgreSQL. */
let other: ReturnType<typeof createApp>['app'];

beforeAll(async () => {
  hq = await testHq();
  token = await hq.registerShop('TWO01');
  shop = await testShop({ code: 'TWO01' });
  const db = createDb({ connectionString: hq.dbUrl, logger: createLogger('silent') });
  other = createApp({ role: 'hq', db, logger: createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'), now: () => new Date(), hqAdminTokenHash: hashToken(hq.adminToken) }).app;
  return () => db.close();
});

describe('two head-office processes on one PostgreSQL', () => {
  it('apply the same shop’s pushes racing across both exactly once', async () => {
    const p = await seedProduct(shop, { name: 'Ventoline', unitPrice: 3900 });
    const lot = await seedBatch(shop, { productId: p.id, lotNumber: 'V-1', expirationDate: '2030-01-31', quantity: 50 });
    for (let i = 0; i < 12; i++) {
      await shop.services.sales.recordSale({ lines: [{ productId: p.id, quantity: 1 }], payment: { method: 'card' } }, cashierActor(shop));
    }
    const sold = await shop.services.sales.recordSale({ lines: [{ productId: p.id, quantity: 2 }], payment: { method: 'card' } }, cashierActor(shop));
    await shop.services.sales.voidSale(sold.id, managerActor(shop));
    const body = await pushBodyOf(shop);

    // The same push, four times at once, two through each process (a retry after a timeout, a load balancer).
    const answers = await Promise.all(
      [hq.app, other, hq.app, other].map((app) => request(app).post('/api/sync/push').set('authorization', `Bearer ${token}`).send(body)),
    );
    for (const a of answers) {
      expect(a.status).toBe(200);
      expect(a.body.refused ?? []).toEqual([]);
      expect(a.body.acked).toHaveLength(body.changes.length);
    }
    expect(await hq.count('sales')).toBe(13);
    expect(await hq.count('sale_items')).toBe(13);
    expect(await hq.count('stock_movements')).toBe(1 + 13 + 1);
    expect(await hq.db.one('select quantity from product_batches where id = $1', [lot.id])).toEqual({ quantity: 50 - 12 });
    expect(await hq.db.one(`select count(*)::int as n from sync_conflicts where reason = 'duplicate_differs'`)).toEqual({ n: 0 });
    const takings = await hq.db.one<{ sales: number; total: number }>('select sum(sales)::int as sales, sum(total)::int as total from hq_daily_takings');
    expect(takings).toEqual({ sales: 12, total: 12 * 3900 });
  });
});
