import pg from 'pg';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeHlc } from '../../server/domain/hlc.js';
import { newId } from '../../server/ids.js';
import { outboxHead } from '../../server/outbox/queries.js';
import { MAX_CHANGES_PER_PUSH, MAX_RAW_BYTES_PER_PUSH, nextPushBatch } from '../../server/sync/service.js';
import { cashierActor, seedBatch, seedProduct, testHq, testShop, type TestHq, copyOfDatabase } from '../support/harness.js';
import { freePort } from '../support/process.js';

let hq: TestHq;
beforeAll(async () => {
  hq = await testHq();
});
afterAll(async () => hq.stop());

const sell = (shop: Awaited<ReturnType<typeof testShop>>, productId: string, quantity = 1) =>
  shop.services.sales.recordSale({ lines: [{ productId, quantity }], payment: { method: 'card' } }, cashierActor(shop));

function pushBody(shopCode: string, hlc: string, rows: Awaited<ReturnType<typeof outboxHead>>) {
  return { shopCode, hlc, changes: rows.map((r) => ({ seq: r.seq, entity: r.entity, id: r.entityId, op: r.op, hlc: r.hlc, tx: r.txId, data: r.payload })) };
}

describe('when head office is unreachable', () => {
  it('keeps selling through the outage; when it is back, 500 sales arrive in order, once', async () => {
    const port = await freePort();
    const token = await hq.registerShop('OUT01');
    const shop = await testShop({ code: 'OUT01', hq: { url: `http://127.0.0.1:${port}`, token } });
    const p = await seedProduct(shop, { unitPrice: 100 });
    await seedBatch(shop, { productId: p.id, expirationDate: '2030-01-31', quantity: 1000 });
    for (let i = 0; i < 500; i++) await sell(shop, p.id);

    await expect(shop.services.sync.pushNow()).rejects.toThrow();
    const down = await shop.services.sync.status();
    expect(down.pendingChanges).toBe(3 + 1 + 500 * 3); // product, lot, receipt; the cashier's cash session; then sale, item, movement each
    expect(down.lastError).toMatch(/^Siège injoignable/);
    expect(down.failures).toBe(1);
    expect(down.nextAttemptAt!.getTime()).toBeGreaterThan(Date.now());
    // Backoff: a routine kick does not hammer head office, a manual one does.
    expect(await shop.services.sync.pushNow()).toEqual({ sent: 0, skipped: 'backoff' });

    await hq.listen(port);
    const res = await shop.services.sync.pushNow({ force: true });
    expect(res.sent).toBe(1504);
    const up = await shop.services.sync.status();
    expect(up).toMatchObject({ pendingChanges: 0, lastError: null, failures: 0 });
    expect(up.bytesSent).toBeGreaterThan(0);

    const sales = await hq.db.rows<{ number: string }>(
      `select s.number from sales s join shops sh on sh.id = s.shop_id where sh.code = 'OUT01' order by s.created_at, s.number`);
    expect(sales).toHaveLength(500);
    expect(sales.map((s) => s.number)).toEqual(Array.from({ length: 500 }, (_, i) => `OUT01-${String(i + 1).padStart(6, '0')}`));
    const q = await hq.db.one<{ quantity: number }>('select quantity from product_batches where product_id = $1', [p.id]);
    expect(q!.quantity).toBe(500);
  });
});

describe('replays and out-of-order delivery', () => {
  it('changes nothing when the same push arrives twice, and converges when pushes arrive out of order', async () => {
    const token = await hq.registerShop('RPL01');
    const shop = await testShop({ code: 'RPL01' });
    const p = await seedProduct(shop, { unitPrice: 250 });
    const lot = await seedBatch(shop, { productId: p.id, expirationDate: '2030-01-31', quantity: 50 });
    const firstRows = await outboxHead(shop.db, 1000);
    await sell(shop, p.id, 3);
    await sell(shop, p.id, 4);
    const allRows = await outboxHead(shop.db, 1000);
    const secondRows = allRows.filter((r) => !firstRows.some((f) => f.seq === r.seq));
    const hlc = allRows.at(-1)!.hlc;
    const first = pushBody('RPL01', hlc, firstRows);
    const second = pushBody('RPL01', hlc, secondRows);
    const send = (body: object) => request(hq.app).post('/api/sync/push').set('authorization', `Bearer ${token}`).send(body);

    const early = await send(second); // its lot has not arrived yet: every group is refused, with its reason, and nothing written
    expect(early.status).toBe(200);
    expect(early.body.acked).toEqual([]);
    expect(early.body.refused.map((r: { seq: number }) => r.seq)).toEqual(secondRows.map((r) => r.seq));
    expect(new Set(early.body.refused.map((r: { code: string }) => r.code))).toEqual(new Set(['unknown_entity']));
    expect(early.body.refused[0].message).toMatch(/inconnu du siège/);
    expect(await hq.db.one(`select 1 from sales where shop_id = (select id from shops where code = 'RPL01')`)).toBeUndefined();

    expect((await send(first)).status).toBe(200);
    const ok = await send(second);
    expect(ok.status).toBe(200);
    expect(ok.body.acked).toEqual(secondRows.map((r) => r.seq));
    const counts = async () => ({
      sales: await hq.count('sales'), items: await hq.count('sale_items'), movements: await hq.count('stock_movements'),
      conflicts: await hq.count('sync_conflicts'), quantity: (await hq.db.one<{ quantity: number }>('select quantity from product_batches where id = $1', [lot.id]))!.quantity,
    });
    const before = await counts();
    expect(before.quantity).toBe(43);
    expect((await send(second)).status).toBe(200);
    expect((await send(first)).status).toBe(200);
    expect(await counts()).toEqual(before);
  });

  it('never skips a transaction that commits after a later one while a push runs', async () => {
    const token = await hq.registerShop('SEQ01');
    await hq.listen().catch(() => undefined);
    const shop = await testShop({ code: 'SEQ01', hq: { url: hq.url, token } });
    // T1 takes its outbox seq first but commits last.
    const client = new pg.Client({ connectionString: shop.url });
    await client.connect();
    await client.query('begin');
    const late = newId();
    const hlc = encodeHlc({ wall: Date.now(), counter: 0, node: 'SEQ01' });
    await client.query(
      `insert into products (id, sku, name, search_text, unit_price, hlc, field_clocks) values ($1, 'LATE', 'Produit tardif', 'produit tardif late', 100, $2, '{}')`,
      [late, hlc]);
    await client.query(
      `insert into sync_outbox (entity, entity_id, op, payload, hlc) values ('product', $1, 'insert', $2, $3)`,
      [late, JSON.stringify({ id: late, sku: 'LATE', gtin: null, name: 'Produit tardif', unitPrice: 100, active: true, createdAt: new Date().toISOString() }), hlc]);
    const early = await seedProduct(shop, { name: 'Produit pressé' }); // T2: a later seq, committed now

    await shop.services.sync.pushNow({ force: true });
    expect(await hq.db.one('select 1 from products where id = $1', [early.id])).toBeDefined();
    expect(await hq.db.one('select 1 from products where id = $1', [late])).toBeUndefined();

    await client.query('commit');
    await client.end();
    await shop.services.sync.pushNow({ force: true });
    expect(await hq.db.one('select 1 from products where id = $1', [late])).toBeDefined();
    expect((await shop.services.sync.status()).pendingChanges).toBe(0);
  });
});

describe('restoring a shop from an old backup', () => {
  it('replays what head office already has without duplicates, and keeps the sales made since', async () => {
    const token = await hq.registerShop('BAK01');
    await hq.listen().catch(() => undefined);
    const live = await testShop({ code: 'BAK01', hq: { url: hq.url, token } });
    const p = await seedProduct(live, { unitPrice: 1000 });
    const lot = await seedBatch(live, { productId: p.id, expirationDate: '2030-01-31', quantity: 100 });
    await sell(live, p.id, 10);
    // The nightly backup is taken before the outbox was pushed.
    const backup = await copyOfDatabase(live.url);
    await live.services.sync.pushNow({ force: true });
    await sell(live, p.id, 5); // made after the backup, pushed, then the disk dies
    await sell(live, p.id, 7);
    await live.services.sync.pushNow({ force: true });

    const restored = await testShop({ code: 'BAK01', url: backup, hq: { url: hq.url, token } });
    await sell(restored, p.id, 2); // reuses receipt number 2, which head office already has
    await restored.services.sync.pushNow({ force: true });

    const sales = await hq.db.rows<{ number: string; total: number }>(
      `select number, total from sales where shop_id = (select id from shops where code = 'BAK01') order by created_at`);
    expect(sales.map((s) => s.total).sort((a, b) => a - b)).toEqual([2000, 5000, 7000, 10_000]);
    expect(sales.find((s) => s.total === 2000)!.number).toMatch(/^BAK01-000002\//);
    const conflict = await hq.db.one<{ reason: string }>(`select reason from sync_conflicts where entity = 'sale' and reason = 'number_reused'`);
    expect(conflict).toBeDefined();
    const batch = await hq.db.one<{ quantity: number }>('select quantity from product_batches where id = $1', [lot.id]);
    expect(batch!.quantity).toBe(100 - 10 - 5 - 7 - 2);
    expect(await hq.db.one<{ n: number }>('select count(*)::int as n from stock_movements where batch_id = $1', [lot.id])).toEqual({ n: 5 });
  }, 60_000); // three databases and five round trips: on a loaded 2-core machine it passed 30 s
});

describe('push requests', () => {
  it('never split one local transaction, and respect the size limits', async () => {
    const shop = await testShop({ code: 'BIG01' });
    const products = [];
    for (let i = 0; i < 210; i++) products.push(await seedProduct(shop, { unitPrice: 10 }));
    for (const p of products) await seedBatch(shop, { productId: p.id, expirationDate: '2030-01-31', quantity: 5 });
    await shop.services.sales.recordSale({ lines: products.slice(0, 200).map((p) => ({ productId: p.id, quantity: 1 })), payment: { method: 'card' } }, cashierActor(shop));
    const rows = await outboxHead(shop.db, 2000);
    const saleTx = rows.find((r) => r.entity === 'sale')!.txId;
    const saleRows = rows.filter((r) => r.txId === saleTx);
    expect(saleRows).toHaveLength(402); // the cash session it opened, the sale, 200 lines and 200 movements
    let rest = rows;
    while (rest.length > 0) {
      const batch = nextPushBatch(rest);
      const txs = new Set(batch.map((r) => r.txId));
      for (const tx of txs) expect(batch.filter((r) => r.txId === tx)).toHaveLength(rest.filter((r) => r.txId === tx).length);
      if (txs.size > 1) {
        expect(batch.length).toBeLessThanOrEqual(MAX_CHANGES_PER_PUSH);
        expect(batch.reduce((n, r) => n + Buffer.byteLength(JSON.stringify(r.payload)) + 120, 0)).toBeLessThanOrEqual(MAX_RAW_BYTES_PER_PUSH);
      }
      rest = rest.filter((r) => !batch.includes(r));
    }
  });
});

