import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeHlc } from '../../server/domain/hlc.js';
import { shopIdFor } from '../../server/ids.js';
import { cashierActor, managerActor, seedBatch, seedProduct, testHq, testShop, type TestHq, type TestShop, pushBodyOf } from '../support/harness.js';

// A shop token in the hands of an attacker: everything it sends is refused with a 4xx and writes nothing, or is held;
// head office keeps serving the other shops.
let hq: TestHq;
let evil: TestShop;
let evilToken: string;
let honest: TestShop;
beforeAll(async () => {
  hq = await testHq();
  await hq.listen();
  evilToken = await hq.registerShop('EVL01');
  evil = await testShop({ code: 'EVL01', hq: { url: hq.url, token: evilToken } });
  honest = await testShop({ code: 'HNS01', hq: { url: hq.url, token: await hq.registerShop('HNS01') } });
});

const tables = ['products', 'product_batches', 'stock_movements', 'sales', 'sale_items', 'change_feed', 'recalls', 'hq_refusals'];
const counts = async () => Object.fromEntries(await Promise.all(tables.map(async (t) => [t, await hq.count(t)] as const)));


const post = (body: Buffer, headers: Record<string, string> = {}) =>
  fetch(`${hq.url}/api/sync/push`, {
    method: 'POST',
    headers: { authorization: `Bearer ${evilToken}`, 'content-type': 'application/json', ...headers },
    body: new Blob([new Uint8Array(body)]),
  });
const postJson = (body: unknown) => post(Buffer.from(JSON.stringify(body)));

async function honestStillServed(): Promise<void> {
  const p = await seedProduct(honest, {});
  await seedBatch(honest, { productId: p.id, expirationDate: '2029-01-31', quantity: 2 });
  await honest.services.sales.recordSale({ lines: [{ productId: p.id, quantity: 1 }], payment: { method: 'card' } }, cashierActor(honest));
  await honest.services.sync.runNow({ force: true });
  expect((await honest.services.sync.status()).pendingChanges).toBe(0);
}

describe('a hostile shop token', () => {
  it('gets a 400 for every malformed clock and for a bad envelope clock; a change with a bad clock is refused alone, writing nothing', async () => {
    const p = await seedProduct(evil, {});
    await seedBatch(evil, { productId: p.id, expirationDate: '2029-01-31', quantity: 5 });
    const body = await pushBodyOf(evil);
    const before = await counts();
    const bad = ['', 'now', '1:2:EVL01', '001764151200000:1000000:EVL01', '001764151200000:-00001:EVL01', '9001764151200000:000000:EVL01',
      '999999999999999:000000:EVL01', '000000000000000:000000:EVL01', '001764151200000:000000:evl01', '001764151200000:000000:EVL01 '];
    const tables = { product: 'products', batch: 'product_batches', movement: 'stock_movements' } as Record<string, string>;
    /** The bad change's local transaction refused for its clock and not written; other transactions go their way. */
    const refusedAlone = async (pushed: typeof body, seq: number, what: string) => {
      const res = await postJson(pushed);
      if (res.status === 400) return; // malformed: the schema refuses the request before anything is read
      expect(res.status, what).toBe(200);
      const answer = (await res.json()) as { acked: number[]; refused: { seq: number; code: string; message: string }[] };
      const bad = pushed.changes.find((c) => c.seq === seq)!;
      const group = pushed.changes.filter((c) => c.tx === bad.tx).map((c) => c.seq);
      expect(answer.refused.filter((r) => group.includes(r.seq)).map((r) => r.code), what).toEqual(group.map(() => 'clock_invalid'));
      expect(answer.refused.find((r) => r.seq === seq)!.message).toMatch(/^Horloge refusée/);
      expect(answer.acked.some((a) => group.includes(a)), what).toBe(false);
      expect(await hq.db.one(`select count(*)::int as n from ${tables[bad.entity]} where id = $1`, [bad.id]), what).toEqual({ n: 0 });
    };
    for (const hlc of bad) {
      expect((await postJson({ ...body, hlc })).status, `envelope ${hlc}`).toBe(400);
      const c = structuredClone(body);
      c.changes[0]!.hlc = hlc;
      await refusedAlone(c, c.changes[0]!.seq, `change ${hlc}`);
    }
    // Clocks of another node: head office's, or another shop's.
    for (const node of ['HQ', 'HNS01']) {
      expect((await postJson({ ...body, hlc: body.hlc.replace(/EVL01$/, node) })).status).toBe(400);
      const c = structuredClone(body);
      c.changes[1]!.hlc = c.changes[1]!.hlc.replace(/EVL01$/, node);
      await refusedAlone(c, c.changes[1]!.seq, `change of ${node}`);
      const m = structuredClone(body);
      const movement = m.changes.find((x) => x.entity === 'movement')!;
      (movement.data as { hlc: string }).hlc = movement.hlc.replace(/EVL01$/, node);
      await refusedAlone(m, movement.seq, `movement of ${node}`);
    }
    // The product's own transaction was sound and went through; nothing else did.
    const after = await counts();
    expect(after.hq_refusals).toBeGreaterThan(before.hq_refusals!);
    expect(after).toEqual({ ...before, hq_refusals: after.hq_refusals, products: before.products! + 1, change_feed: before.change_feed! + 1 });
    Object.assign(before, after);
    // Numbers the database could not hold.
    const huge = structuredClone(body);
    (huge.changes.find((x) => x.entity === 'movement')!.data as { delta: number }).delta = 2 ** 40;
    expect((await postJson(huge)).status).toBe(400);
    const nul = structuredClone(body);
    (nul.changes[0]!.data as { name: string }).name = 'Nom\u0000caché';
    expect((await postJson(nul)).status).toBe(422);
    const surrogate = structuredClone(body);
    (surrogate.changes[0]!.data as { name: string }).name = 'Nom \ud800';
    expect((await postJson(surrogate)).status).toBe(422);
    expect(await counts()).toEqual(before);
    await honestStillServed();
  });

  it('gets a 403 for rows of another shop, writing nothing', async () => {
    const p = await seedProduct(evil, {});
    await seedBatch(evil, { productId: p.id, expirationDate: '2029-01-31', quantity: 5 });
    const body = await pushBodyOf(evil);
    const before = await counts();
    const other = structuredClone(body);
    for (const c of other.changes) if ('shopId' in (c.data as object)) (c.data as { shopId: string }).shopId = shopIdFor('HNS01');
    expect((await postJson(other)).status).toBe(403);
    // A sale line or a void naming another shop's sale or lot.
    await honest.services.sales.recordSale({ lines: [{ productId: (await seedHonestLot()).productId, quantity: 1 }], payment: { method: 'card' } }, cashierActor(honest));
    await honest.services.sync.runNow({ force: true });
    const theirs = await hq.db.one<{ id: string; batchId: string; saleId: string }>(
      `select i.id, i.batch_id, i.sale_id from sale_items i join sales s on s.id = i.sale_id where s.shop_id = $1 limit 1`, [shopIdFor('HNS01')]);
    const hlc = encodeHlc({ wall: Date.now(), counter: 0, node: 'EVL01' });
    const voidTheirs = { shopCode: 'EVL01', hlc, changes: [{ seq: 1, entity: 'sale', id: theirs!.saleId, op: 'update', hlc, data: { id: theirs!.saleId, status: 'voided', voidedAt: new Date().toISOString(), voidedBy: theirs!.saleId } }] };
    const before2 = await counts();
    expect((await postJson(voidTheirs)).status).toBe(403);
    expect(await counts()).toEqual(before2);
    expect(await hq.db.one<{ status: string }>('select status from sales where id = $1', [theirs!.saleId])).toEqual({ status: 'completed' });
    expect(before).toBeDefined();
    await honestStillServed();
  });

  it('holds values dated far in the future instead of letting them win, and writes nothing to the row', async () => {
    // A product this shop made, so its edits merge (another's would only be a proposal): head office last set its price.
    const p = await seedProduct(evil, { sku: 'HOSTILE-FAR', name: 'Produit de la boutique', unitPrice: 650 });
    await evil.services.sync.runNow({ force: true });
    await hq.admin('patch', `/api/products/${p.id}`).send({ unitPrice: 700 }).expect(200);
    await evil.services.sync.runNow({ force: true });
    const far = encodeHlc({ wall: Date.now() + 30 * 86_400_000, counter: 0, node: 'EVL01' });
    const edit = (data: object) => ({ shopCode: 'EVL01', hlc: far, changes: [{ seq: 1, entity: 'product', id: p.id, op: 'update', hlc: far, data: { id: p.id, ...data } }] });
    const res = await postJson(edit({ unitPrice: 1, fieldClocks: { unitPrice: far } }));
    expect(res.status).toBe(200);
    expect(await hq.db.one('select unit_price from products where id = $1', [p.id])).toEqual({ unitPrice: 700 });
    expect(await hq.db.one(`select winner, reason from sync_conflicts where entity_id = $1 and field = 'unitPrice'`, [p.id])).toEqual({ winner: 'held', reason: 'clock_far_ahead' });
    expect(await hq.db.one<{ n: number }>('select count(*)::int as n from sync_held where entity_id = $1', [p.id])).toEqual({ n: 1 });
    const hqClock = (await hq.db.one<{ last: string }>('select last from hlc_state'))!.last;
    expect(Number(hqClock.slice(0, 15))).toBeLessThan(Date.now() + 86_400_000);

    // Even a far-dated edit that names the value it replaces only lands at head office's time: the next edit there wins.
    const clocks = (await hq.db.one<{ fieldClocks: Record<string, string> }>('select field_clocks from products where id = $1', [p.id]))!.fieldClocks;
    expect((await postJson(edit({ unitPrice: 2, fieldClocks: { unitPrice: far }, baseClocks: { unitPrice: clocks.unitPrice } }))).status).toBe(200);
    const stored = (await hq.db.one<{ fieldClocks: Record<string, string> }>('select field_clocks from products where id = $1', [p.id]))!.fieldClocks;
    expect(Number(stored.unitPrice!.slice(0, 15))).toBeLessThanOrEqual(Date.now());
    await hq.admin('patch', `/api/products/${p.id}`).send({ unitPrice: 700 }).expect(200);
    await evil.services.sync.runNow({ force: true });
    expect((await evil.services.catalog.getProduct(p.id)).unitPrice).toBe(700);
    await honestStillServed();
  });

  it('gets a 413 for an oversized body and for a gzip bomb, and a 400 for broken gzip or JSON, writing nothing', async () => {
    const before = await counts();
    expect((await postJson({ shopCode: 'EVL01', hlc: encodeHlc({ wall: Date.now(), counter: 0, node: 'EVL01' }), changes: [], pad: 'x'.repeat(1_200_000) })).status).toBe(413);
    const bomb = gzipSync(Buffer.alloc(200 * 1024 * 1024, 0x20));
    expect(bomb.length).toBeLessThan(300_000);
    const started = Date.now();
    expect((await post(bomb, { 'content-encoding': 'gzip' })).status).toBe(413);
    expect(Date.now() - started).toBeLessThan(5000);
    expect((await post(Buffer.from('not gzip at all'), { 'content-encoding': 'gzip' })).status).toBe(400);
    expect((await post(Buffer.from('{"shopCode": "EVL01", '))).status).toBe(400);
    expect((await post(Buffer.from('{}'), { 'content-encoding': 'x-unknown' })).status).toBe(415);
    expect(await counts()).toEqual(before);
    await honestStillServed();
  });

  it('cannot reach head office’s administration, nor another shop’s feed or snapshot', async () => {
    const auth = { authorization: `Bearer ${evilToken}` };
    for (const path of ['/api/shops', '/api/conflicts', '/api/shops/HNS01/sales']) {
      expect((await fetch(`${hq.url}${path}`, { headers: auth })).status).toBe(401);
    }
    expect((await fetch(`${hq.url}/api/recalls`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{}' })).status).toBe(401);
    const snap = (await (await fetch(`${hq.url}/api/sync/snapshot/sales`, { headers: auth })).json()) as { rows: { shopId: string }[] };
    expect(snap.rows.every((r) => r.shopId === shopIdFor('EVL01'))).toBe(true);
    expect((await fetch(`${hq.url}/api/sync/snapshot/users`, { headers: auth })).status).toBe(400);
    await honest.services.stock.correctBatch((await seedHonestLot()).id, { unitCost: 12 }, managerActor(honest));
  });
});

async function seedHonestLot() {
  const p = await seedProduct(honest, {});
  return seedBatch(honest, { productId: p.id, expirationDate: '2029-01-31', quantity: 5 });
}
