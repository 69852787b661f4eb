import { beforeAll, describe, expect, it } from 'vitest';
import { dateInZone } from '../../server/domain/dates.js';
import { initFromHq } from '../../server/sync/rebuild.js';
import { freshDatabase, managerActor, seedBatch, testHq, testShop, type TestHq, type TestShop } from '../support/harness.js';
import { clocks, tillDay } from '../support/till-day.js';

// Issue 24: a shop destroyed and rebuilt from head office comes back with all it owned.
const DAY = 86_400_000;
const today = new Date();
const dayAgo = (n: number) => dateInZone(new Date(today.getTime() - n * DAY), 'Africa/Dakar');

const TABLES = ['products', 'product_batches', 'stock_movements', 'sales', 'sale_items', 'till_sessions', 'cash_movements', 'sale_returns'] as const;

async function rows(db: TestShop['db'] | TestHq['db'], shopId: string) {
  const out: Record<string, string[]> = {};
  const where: Record<(typeof TABLES)[number], string> = {
    products: '$1::uuid is not null', product_batches: 'shop_id = $1', stock_movements: 'shop_id = $1', sales: 'shop_id = $1',
    sale_items: 'sale_id in (select id from sales where shop_id = $1)', till_sessions: 'shop_id = $1', cash_movements: 'shop_id = $1', sale_returns: 'shop_id = $1',
  };
  for (const t of TABLES) out[t] = (await db.rows<{ id: string }>(`select id::text from ${t} where ${where[t]} order by id`, [shopId])).map((r) => r.id);
  return out;
}

let hq: TestHq;
beforeAll(async () => {
  hq = await testHq();
  await hq.listen();
});

describe('a shop rebuilt from head office', () => {
  it('comes back whole after 5 days and 1,000 sales: sessions with their Z, returns, cash; numbering continues; yesterday’s sale is refunded and a forgotten session closed', { timeout: 240_000 }, async () => {
    const token = await hq.registerShop('WHL01');
    const first = await testShop({ code: 'WHL01', hq: { url: hq.url, token } });
    let yesterday;
    for (const ago of [5, 4, 3, 2, 1]) {
      const time = clocks(first, hq, dayAgo(ago));
      const day = await tillDay(first, time);
      if (ago === 1) yesterday = day;
      const product = (await first.db.one<{ id: string }>(`select id from products where name = 'Smecta' order by created_at desc limit 1`))!.id;
      await seedBatch(first, { productId: product, lotNumber: `SM-${ago}`, expirationDate: '2029-01-31', quantity: 300 });
      for (let i = 0; i < 194; i++) {
        time.tick(1);
        await first.services.sales.recordSale({ lines: [{ productId: product, quantity: 1 }], payment: { method: 'card' } }, managerActor(first));
      }
    }
    // Yesterday's last session was never closed: the cashier went home.
    const cashier = await first.as('cashier');
    const forgotten = (await cashier.post('/api/cash/sessions').set({ 'x-comptoir-poste': 'Caisse 3' }).send({ float: 2_000 })).body as { id: string };
    first.clock.set(today);
    hq.clock.set(today);
    await first.services.sync.runNow();
    expect((await first.services.sync.status()).pendingChanges).toBe(0);
    expect(await first.db.one('select count(*)::int as n from sales')).toEqual({ n: 1000 });
    const before = await rows(first.db, first.shop.id);
    const counters = await first.db.rows<{ kind: string; lastNumber: number }>('select kind, last_number from shop_counters order by kind');
    const last = (kind: string) => counters.find((c) => c.kind === kind)!.lastNumber;
    const atHqBefore = await rows(hq.db, first.shop.id);

    // The SD card dies: a new machine, an empty database, the same shop code and token.
    const { url } = await freshDatabase();
    const rebuilt = await testShop({ code: 'WHL01', url, hq: { url: hq.url, token } });
    const result = await initFromHq(rebuilt.deps);
    expect(result).toMatchObject({ sales: 1000, lastReceipt: 1000, drifted: [] });
    expect(result.rows).toMatchObject({ sessions: before.till_sessions!.length, returns: 10, 'cash-movements': 10 });
    expect(await rows(rebuilt.db, rebuilt.shop.id)).toEqual(before);
    expect(await rebuilt.db.rows('select kind, last_number from shop_counters order by kind')).toEqual(counters);
    expect(await rebuilt.db.one('select z_number, status from till_sessions where id = $1', [forgotten.id])).toEqual({ zNumber: null, status: 'open' });
    expect((await rebuilt.services.sync.status()).pendingChanges).toBe(0);

    // It works on: a manager created here closes the forgotten session (the next Z) and refunds yesterday's sale (the next credit note).
    const manager = await rebuilt.services.users.createUser({ name: 'Responsable', role: 'manager', pin: '3333' });
    rebuilt.userIds.manager = manager.id;
    const agent = await rebuilt.as('manager');
    const x = (await agent.get(`/api/cash/sessions/${forgotten.id}`)).body as { report: { expected: object } };
    const closed = await agent.post(`/api/cash/sessions/${forgotten.id}/close`).send({ counted: x.report.expected });
    expect(closed.status, JSON.stringify(closed.body)).toBe(200);
    expect(closed.body.zNumber).toBe(`WHL01-Z${String(last('z') + 1).padStart(5, '0')}`);
    const sale = yesterday!.sales.card;
    const opened = await agent.post('/api/cash/sessions').set({ 'x-comptoir-poste': 'Caisse 1' }).send({ float: 0 });
    expect(opened.status).toBe(201);
    const refund = await agent.post(`/api/sales/${sale.id}/returns`).set({ 'x-comptoir-poste': 'Caisse 1' }).send({ lines: [{ saleItemId: sale.items[0]!.id, quantity: 1 }] });
    expect(refund.status, JSON.stringify(refund.body)).toBe(201);
    expect(refund.body.number).toBe(`WHL01-AV${String(last('avoir') + 1).padStart(6, '0')}`);
    const smecta = (await rebuilt.db.one<{ id: string }>(`select id from products where name = 'Smecta' order by created_at desc limit 1`))!.id;
    const next = await rebuilt.services.sales.recordSale({ lines: [{ productId: smecta, quantity: 1 }], payment: { method: 'card' } }, { id: manager.id, name: manager.name, role: 'manager' });
    expect(next.number).toBe('WHL01-001001');

    // Head office gets the new rows once, and nothing it held is duplicated.
    await rebuilt.services.sync.runNow();
    expect((await rebuilt.services.sync.refused()).map((r) => `${r.entity}:${r.code}:${r.reason}`)).toEqual([]);
    const atHq = await rows(hq.db, first.shop.id);
    expect(atHq.sales).toHaveLength(atHqBefore.sales!.length + 1);
    expect(atHq.sale_returns).toHaveLength(atHqBefore.sale_returns!.length + 1);
    expect(atHq.till_sessions).toHaveLength(atHqBefore.till_sessions!.length + 1);
    expect(await hq.db.one(`select status, z_number from till_sessions where id = $1`, [forgotten.id])).toEqual({ status: 'closed', zNumber: closed.body.zNumber });
    expect(await hq.db.one(`select count(*)::int as n from sync_conflicts where reason in ('number_reused', 'duplicate_differs')`)).toEqual({ n: 0 });
  });
});
