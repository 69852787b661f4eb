import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { newId, shopIdFor } from '../../server/ids.js';
import { cashierActor, seedBatch, seedProduct, testHq, testShop, type TestHq, type TestShop, pushBodyOf } from '../support/harness.js';

let hq: TestHq;
let tokenA: string;
let tokenB: string;
let shopA: TestShop;
let shopB: TestShop;

beforeAll(async () => {
  hq = await testHq();
  tokenA = await hq.registerShop('SECA');
  tokenB = await hq.registerShop('SECB');
  shopA = await testShop({ code: 'SECA' });
  shopB = await testShop({ code: 'SECB' });
});

const push = (token: string, body: unknown) => request(hq.app).post('/api/sync/push').set('authorization', `Bearer ${token}`).send(body as object);
const tables = ['products', 'product_batches', 'stock_movements', 'sales', 'sale_items', 'sync_conflicts', 'change_feed'];
const counts = async () => Object.fromEntries(await Promise.all(tables.map(async (t) => [t, await hq.count(t)] as const)));


describe('who may push', () => {
  it('refuses a wrong or missing token with 401', async () => {
    expect((await push('not-a-token', { shopCode: 'SECA', hlc: '000000000000001:000000:SECA', changes: [] })).status).toBe(401);
    const none = await request(hq.app).post('/api/sync/push').send({});
    expect(none.status).toBe(401);
    expect(none.body.error).toEqual({ code: 'bad_token', message: 'Jeton de boutique invalide.' });
    expect((await request(hq.app).get('/api/conflicts').set('authorization', 'Bearer nope')).status).toBe(401);
  });

  it("refuses shop A pushing shop B's rows with 403, writing nothing", async () => {
    const p = await seedProduct(shopB, {});
    await seedBatch(shopB, { productId: p.id, expirationDate: '2030-01-31', quantity: 5 });
    const bodyB = await pushBodyOf(shopB);
    const before = await counts();
    const asA = await push(tokenA, { ...bodyB, shopCode: 'SECA' });
    expect(asA.status).toBe(403);
    expect(asA.body.error.code).toBe('wrong_shop');
    const claimed = await push(tokenA, bodyB);
    expect(claimed.status).toBe(403);
    expect(await counts()).toEqual(before);
    expect((await push(tokenB, bodyB)).status).toBe(200);
  });
});

describe('what may be pushed', () => {
  it('refuses a malformed body with 400 naming the field, writing nothing', async () => {
    const p = await seedProduct(shopA, {});
    await seedBatch(shopA, { productId: p.id, expirationDate: '2030-01-31', quantity: 5 });
    const body = await pushBodyOf(shopA);
    const broken = structuredClone(body);
    (broken.changes[2]!.data as Record<string, unknown>).delta = 'beaucoup';
    const before = await counts();
    const res = await push(tokenA, broken);
    expect(res.status).toBe(400);
    expect(res.body.error.details.fields.map((f: { field: string }) => f.field)).toContain('changes[2].data.delta');
    const unknownEntity = await push(tokenA, { ...body, changes: [{ ...body.changes[0], entity: 'user' }] });
    expect(unknownEntity.status).toBe(400);
    expect(await counts()).toEqual(before);
  });

  it('refuses an oversized body with 413, writing nothing, and accepts gzip', async () => {
    const before = await counts();
    const huge = { shopCode: 'SECA', hlc: '000000000000001:000000:SECA', changes: [], padding: 'x'.repeat(1_100_000) };
    const res = await push(tokenA, huge);
    expect(res.status).toBe(413);
    expect(await counts()).toEqual(before);

    const p = await seedProduct(shopA, {});
    const body = await pushBodyOf(shopA);
    await hq.listen();
    const post = (payload: Buffer) =>
      fetch(`${hq.url}/api/sync/push`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tokenA}`, 'content-type': 'application/json', 'content-encoding': 'gzip' },
        body: new Blob([new Uint8Array(payload)]),
      });
    const notGzip = await post(Buffer.from('{"not":"gzip"}'));
    expect(notGzip.status).toBe(400);
    const gz = await post(gzipSync(Buffer.from(JSON.stringify(body))));
    expect(gz.status).toBe(200);
    expect(((await gz.json()) as { acked: number[] }).acked).toEqual(body.changes.map((c) => c.seq));
    expect(await hq.db.one('select 1 from products where id = $1', [p.id])).toBeDefined();
  });
});

describe('a local transaction is all or nothing', () => {
  it('refuses only the sales the database or the checks refuse in a push of many, applying every other with its lines and movements', async () => {
    const shop = await testShop({ code: 'SECA' });
    const p = await seedProduct(shop, { sku: `BULK-${newId().slice(-6)}` });
    const q = await seedProduct(shop, { sku: `BULK-${newId().slice(-6)}` });
    const lotP = await seedBatch(shop, { productId: p.id, expirationDate: '2030-01-31', quantity: 50 });
    const lotQ = await seedBatch(shop, { productId: q.id, expirationDate: '2030-01-31', quantity: 50 });
    for (let i = 0; i < 6; i++) {
      await shop.services.sales.recordSale({ lines: [{ productId: p.id, quantity: 1 }, { productId: q.id, quantity: 2 }], payment: { method: 'card' } }, cashierActor(shop));
    }
    const body = await pushBodyOf(shop);
    await shop.db.exec('delete from sync_outbox');
    const saleTxs = [...new Set(body.changes.filter((c) => c.entity === 'sale').map((c) => c.tx))];
    // Sale 2: two lines under one number, which only the database sees. Sale 4: a line of a lot head office never received.
    const linesOf = (tx: string | null) => body.changes.filter((c) => c.tx === tx && c.entity === 'sale_item');
    const [first, second] = linesOf(saleTxs[1]!);
    (second!.data as Record<string, unknown>).lineNo = (first!.data as { lineNo: number }).lineNo;
    const unknownLot = newId();
    for (const c of body.changes.filter((c) => c.tx === saleTxs[3] && (c.entity === 'sale_item' || c.entity === 'movement'))) {
      (c.data as Record<string, unknown>).batchId = unknownLot;
    }

    const res = await push(tokenA, body);
    expect(res.status).toBe(200);
    const refusedSeqs = (tx: string | null) => body.changes.filter((c) => c.tx === tx).map((c) => c.seq);
    expect(res.body.refused.map((r: { seq: number }) => r.seq)).toEqual([...refusedSeqs(saleTxs[1]!), ...refusedSeqs(saleTxs[3]!)]);
    expect(res.body.refused[0].code).toBe('inconsistent_push');
    expect(res.body.refused.at(-1).code).toBe('unknown_entity');
    for (const [i, tx] of saleTxs.entries()) {
      const saleId = body.changes.find((c) => c.tx === tx && c.entity === 'sale')!.id;
      const lines = await hq.db.rows('select 1 from sale_items where sale_id = $1', [saleId]);
      const sold = i === 1 || i === 3 ? 0 : 1;
      expect(await hq.db.rows('select 1 from sales where id = $1', [saleId])).toHaveLength(sold);
      expect(lines).toHaveLength(sold * 2);
    }
    // Four sales left the lots at head office, as their ledgers say.
    const quantity = async (id: string) => (await hq.db.one<{ quantity: number }>('select quantity from product_batches where id = $1', [id]))!.quantity;
    expect([await quantity(lotP.id), await quantity(lotQ.id)]).toEqual([50 - 4, 50 - 4 * 2]);
    expect(await hq.db.rows("select 1 from stock_movements where batch_id = any($1::uuid[]) and kind = 'sale'", [[lotP.id, lotQ.id]])).toHaveLength(8);
  });

  it('for random corruptions of a valid push, each transaction is applied whole or refused whole with its reason, never a 5xx', async () => {
    const shop = await testShop({ code: 'SECA' });
    let round = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          change: fc.nat(),
          field: fc.nat(),
          value: fc.oneof(fc.constant(null), fc.constant(undefined), fc.string(), fc.integer(), fc.constant(-1), fc.constant(shopIdFor('SECB')), fc.uuid()),
          drop: fc.boolean(),
        }),
        async ({ change, field, value, drop }) => {
          round++;
          const p = await seedProduct(shop, { sku: `PROP-${round}-${newId().slice(-6)}` });
          await seedBatch(shop, { productId: p.id, expirationDate: '2030-01-31', quantity: 20 });
          await shop.services.sales.recordSale({ lines: [{ productId: p.id, quantity: 2 }], payment: { method: 'card' } }, cashierActor(shop));
          const body = await pushBodyOf(shop);
          await shop.db.exec('delete from sync_outbox');
          const target = body.changes[change % body.changes.length]!;
          const data = target.data as Record<string, unknown>;
          const keys = Object.keys(data);
          const key = keys[field % keys.length]!;
          if (drop) delete data[key];
          else data[key] = value;

          const res = await push(tokenA, body);
          const inserts = body.changes.filter((c) => c.op === 'insert');
          const present = new Map(
            await Promise.all(
              inserts.map(async (c) => {
                const table = { product: 'products', product_pack: 'product_packs', batch: 'product_batches', movement: 'stock_movements', sale: 'sales', sale_item: 'sale_items', till_session: 'till_sessions', cash_movement: 'cash_movements', sale_return: 'sale_returns', security_alert: 'security_alerts', supplier: 'suppliers', product_supplier: 'product_suppliers', purchase_order: 'purchase_orders', delivery: 'deliveries', supplier_return: 'supplier_returns', transfer: 'transfers', transfer_receipt: 'transfer_receipts', requisition: 'requisitions', stocktake: 'stocktakes', stocktake_counts: 'stocktakes', customer: 'customers', account_entry: 'account_entries', expense: 'expenses', staff: 'hq_staff' }[c.entity];
                return [c.seq, !!(await hq.db.one(`select 1 from ${table} where id = $1`, [c.id]))] as const;
              }),
            ),
          );
          if (res.status === 200) {
            const refused = new Set<number>(res.body.refused.map((r: { seq: number }) => r.seq));
            expect([...res.body.acked, ...refused].sort((a, b) => a - b)).toEqual(body.changes.map((c) => c.seq));
            for (const r of res.body.refused) expect(r.message).toMatch(/\S/);
            // A transaction's rows are all applied, or (refused) none of them.
            for (const tx of new Set(body.changes.map((c) => c.tx))) {
              const group = inserts.filter((c) => c.tx === tx);
              const wanted = group.some((c) => refused.has(c.seq)) ? false : true;
              for (const c of group) expect(present.get(c.seq)).toBe(wanted);
            }
          } else {
            expect(res.status).toBeGreaterThanOrEqual(400);
            expect(res.status).toBeLessThan(500);
            expect([...present.values()].some(Boolean)).toBe(false);
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
