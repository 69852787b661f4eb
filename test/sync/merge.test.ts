import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { cashierActor, managerActor, seedBatch, seedProduct, testHq, testShop, type TestHq } from '../support/harness.js';

let hq: TestHq;
beforeAll(async () => {
  hq = await testHq({ now: new Date('2026-11-26T10:00:00Z') });
  await hq.listen();
});

async function connectedShop(code: string, now: Date) {
  return testShop({ code, now, hq: { url: hq.url, token: await hq.registerShop(code) } });
}

type Conflict = { field: string | null; winner: string; reason: string; entityId: string };
const conflictsOf = async (entityId: string) =>
  (await hq.admin('get', '/api/conflicts').query({ limit: 1000 })).body.filter((c: Conflict) => c.entityId === entityId) as Conflict[];

describe('concurrent edits of a lot', () => {
  it('keeps head office’s expiry, the shop’s cost and every sale, and logs no conflict where nothing competed', async () => {
    const shop = await connectedShop('CON01', new Date('2026-11-26T10:00:00Z'));
    const p = await seedProduct(shop, { unitPrice: 500 });
    const lot = await seedBatch(shop, { productId: p.id, lotNumber: 'CC-1', expirationDate: '2027-06-30', quantity: 100 });
    await shop.services.sync.runNow();

    hq.clock.set('2026-11-26T10:05:00Z');
    await hq.admin('patch', `/api/batches/${lot.id}`).send({ expirationDate: '2027-03-31' }).expect(200);

    // Offline, the shop sells 15 and corrects the cost.
    shop.clock.set('2026-11-26T10:06:00Z');
    for (const q of [5, 4, 6]) {
      await shop.services.sales.recordSale({ lines: [{ productId: p.id, quantity: q }], payment: { method: 'card' } }, cashierActor(shop));
    }
    await shop.services.stock.correctBatch(lot.id, { unitCost: 320 }, managerActor(shop));

    hq.clock.set('2026-11-26T10:10:00Z');
    await shop.services.sync.runNow();

    const atHq = (await hq.admin('get', `/api/batches/${lot.id}`)).body;
    expect(atHq).toMatchObject({ expirationDate: '2027-03-31', unitCost: 320, quantity: 85 });
    const atShop = await shop.services.stock.getBatch(lot.id);
    expect(atShop).toMatchObject({ expirationDate: '2027-03-31', unitCost: 320, quantity: 85 });

    // Different fields changed on each side: nothing competed, so nothing is logged.
    expect(await conflictsOf(lot.id)).toEqual([]);
  });

  it('lets the later clock win when both sides change the same field, and logs the discarded value', async () => {
    const shop = await connectedShop('CON02', new Date('2026-11-26T10:00:00Z'));
    const p = await seedProduct(shop, {});
    const lot = await seedBatch(shop, { productId: p.id, expirationDate: '2027-06-30', quantity: 10 });
    await shop.services.sync.runNow();
    hq.clock.set('2026-11-26T10:01:00Z');
    await hq.admin('patch', `/api/batches/${lot.id}`).send({ unitCost: 100 }).expect(200);
    shop.clock.set('2026-11-26T10:02:00Z');
    await shop.services.stock.correctBatch(lot.id, { unitCost: 200 }, managerActor(shop));
    await shop.services.sync.runNow();
    expect((await hq.admin('get', `/api/batches/${lot.id}`)).body.unitCost).toBe(200);
    expect((await shop.services.stock.getBatch(lot.id)).unitCost).toBe(200);
    const log = await conflictsOf(lot.id);
    expect(log).toContainEqual(expect.objectContaining({ field: 'unitCost', winner: 'remote', reason: 'newer_clock' }));
  });

  it('never lets a shop un-recall a lot', async () => {
    const shop = await connectedShop('CON03', new Date('2026-11-26T10:00:00Z'));
    const p = await seedProduct(shop, {});
    const lot = await seedBatch(shop, { productId: p.id, lotNumber: 'RC-9', expirationDate: '2027-06-30', quantity: 10 });
    await shop.services.sync.runNow();
    await shop.services.stock.correctBatch(lot.id, { status: 'quarantined' }, managerActor(shop));
    hq.clock.set('2026-11-26T10:20:00Z');
    await hq.admin('post', '/api/recalls').send({ productId: p.id, lotNumber: 'RC-9', reason: 'Rappel fabricant : défaut d’étiquetage' }).expect(201);
    shop.clock.set('2026-11-26T11:00:00Z'); // the shop's edit is later by the clock, but a recall is final
    await shop.services.stock.correctBatch(lot.id, { status: 'active' }, managerActor(shop));
    await shop.services.sync.runNow();
    expect((await hq.admin('get', `/api/batches/${lot.id}`)).body.status).toBe('recalled');
    expect((await shop.services.stock.getBatch(lot.id)).status).toBe('recalled');
    expect(await conflictsOf(lot.id)).toContainEqual(expect.objectContaining({ field: 'status', winner: 'local', reason: 'recall_final' }));
  });
});

describe('recalls', () => {
  it('stops the shop selling a recalled lot after its next pull, saying why, and recalls the lot when it arrives later', async () => {
    const shop = await connectedShop('RCL01', new Date('2026-11-26T10:00:00Z'));
    const p = await seedProduct(shop, { name: 'Sirop toux enfant' });
    await seedBatch(shop, { productId: p.id, lotNumber: 'ST-77', expirationDate: '2027-06-30', quantity: 10 });
    await shop.services.sync.runNow();
    const recall = await hq.admin('post', '/api/recalls').send({ productId: p.id, lotNumber: 'ST-77', reason: 'Contamination signalée par l’ANSM' });
    expect(recall.status).toBe(201);
    expect(recall.body.batchesRecalled).toBe(1);
    await shop.services.sync.pullNow();

    const cashier = await shop.as('cashier');
    const before = await shop.counts();
    const refused = await cashier.post('/api/sales').send({ lines: [{ productId: p.id, quantity: 1 }], payment: { method: 'card' } });
    expect(refused.status).toBe(422);
    expect(refused.body.error.message).toBe(
      'Aucun lot vendable pour « Sirop toux enfant » : 10 en lot(s) rappelé(s) (motif : Contamination signalée par l’ANSM).',
    );
    expect(await shop.counts()).toEqual(before);

    // A second delivery of another product's recalled lot, received after the recall.
    const q = await seedProduct(shop, { name: 'Collyre' });
    await shop.services.sync.pushNow();
    await hq.admin('post', '/api/recalls').send({ productId: q.id, lotNumber: 'CO-1', reason: 'Stérilité non garantie' }).expect(201);
    await shop.services.sync.pullNow();
    const late = await seedBatch(shop, { productId: q.id, lotNumber: 'CO-1', expirationDate: '2027-06-30', quantity: 4 });
    expect(late).toMatchObject({ status: 'recalled', statusReason: 'Stérilité non garantie', sellable: false });
    await shop.services.sync.pushNow();
    expect((await hq.admin('get', `/api/batches/${late.id}`)).body.status).toBe('recalled');
  });
});

describe('clocks that lie', () => {
  it('keeps causal order with a shop clock two years behind, and flags the skew', async () => {
    const shop = await connectedShop('SKW01', new Date('2024-11-26T10:00:00Z'));
    const p = await seedProduct(shop, {});
    const lot = await seedBatch(shop, { productId: p.id, expirationDate: '2027-06-30', quantity: 10 });
    await shop.services.sales.recordSale({ lines: [{ productId: p.id, quantity: 2 }], payment: { method: 'card' } }, cashierActor(shop));
    await shop.services.sync.runNow();
    const shops = (await hq.admin('get', '/api/shops')).body as { code: string; clockSkewMs: number; clockSkewFlagged: boolean }[];
    const me = shops.find((s) => s.code === 'SKW01')!;
    expect(me.clockSkewFlagged).toBe(true);
    expect(me.clockSkewMs).toBeLessThan(-700 * 86_400_000);
    expect((await hq.admin('get', `/api/batches/${lot.id}`)).body.quantity).toBe(8); // the sale is accepted

    // Head office edits, the shop pulls it, then edits after: the shop's edit came later, so it wins.
    hq.clock.set('2026-11-26T10:30:00Z');
    await hq.admin('patch', `/api/batches/${lot.id}`).send({ unitCost: 111 }).expect(200);
    await shop.services.sync.pullNow();
    expect((await shop.services.stock.getBatch(lot.id)).unitCost).toBe(111);
    shop.clock.set('2024-11-26T10:05:00Z');
    await shop.services.stock.correctBatch(lot.id, { unitCost: 222 }, managerActor(shop));
    await shop.services.sync.pushNow();
    expect((await hq.admin('get', `/api/batches/${lot.id}`)).body.unitCost).toBe(222);
  });

  it('holds, never applies, an edit from a clock a week ahead, and does not let it drag head office’s clock', async () => {
    hq.clock.set('2026-11-26T12:00:00Z');
    const shop = await connectedShop('SKW02', new Date('2026-12-03T12:00:00Z'));
    const p = await seedProduct(shop, {});
    const lot = await seedBatch(shop, { productId: p.id, expirationDate: '2027-06-30', quantity: 10 });
    await shop.services.sync.pushNow();
    await hq.admin('patch', `/api/batches/${lot.id}`).send({ unitCost: 500 }).expect(200);
    await shop.services.stock.correctBatch(lot.id, { unitCost: 999 }, managerActor(shop));
    await shop.services.sales.recordSale({ lines: [{ productId: p.id, quantity: 1 }], payment: { method: 'card' } }, cashierActor(shop));
    await shop.services.sync.pushNow();

    const atHq = (await hq.admin('get', `/api/batches/${lot.id}`)).body;
    expect(atHq.unitCost).toBe(500);
    // The sale is dated a week ahead of head office: refused (issue 19), set aside at the shop, never lost.
    expect(atHq.quantity).toBe(10);
    const refused = await shop.services.sync.refused();
    expect(refused.map((r) => r.entity)).toEqual(expect.arrayContaining(['sale', 'sale_item', 'movement']));
    expect(new Set(refused.map((r) => r.code))).toEqual(new Set(['sale_in_future']));
    expect(await conflictsOf(lot.id)).toContainEqual(expect.objectContaining({ field: 'unitCost', winner: 'held', reason: 'clock_far_ahead' }));
    expect(await hq.db.one<{ n: number }>('select count(*)::int as n from sync_held where entity_id = $1', [lot.id])).toEqual({ n: 1 });
    const hqClock = await hq.db.one<{ last: string }>('select last from hlc_state');
    expect(Number(hqClock!.last.slice(0, 15))).toBeLessThan(Date.parse('2026-11-27T12:00:00Z'));
  });
});

describe("head office's change feed", () => {
  it('never skips a change committed out of order', async () => {
    const shop = await connectedShop('GAP01', new Date('2026-11-26T10:00:00Z'));
    await shop.services.sync.pullNow();
    const early = new pg.Client({ connectionString: hqUrl() });
    const late = new pg.Client({ connectionString: hqUrl() });
    await early.connect();
    await late.connect();
    const feedProduct = (id: string, sku: string) => ({
      id, sku, gtin: null, name: sku, unitPrice: 100, active: true, originShopId: null, createdAt: new Date().toISOString(),
      fieldClocks: { name: '000000000000001:000000:HQ', unitPrice: '000000000000001:000000:HQ', active: '000000000000001:000000:HQ' },
    });
    const insert = (c: pg.Client, id: string, sku: string) =>
      c.query(`insert into change_feed (entity, entity_id, payload, hlc) values ('product', $1, $2, '000000000000001:000000:HQ')`, [id, JSON.stringify(feedProduct(id, sku))]);
    // "late" gets its transaction id first, "early" inserts first: feed id order and commit order disagree.
    await late.query('begin');
    await late.query('select pg_current_xact_id()');
    await early.query('begin');
    const a = '01900000-0000-7000-8000-0000000000a1';
    const b = '01900000-0000-7000-8000-0000000000b2';
    await early.query('select pg_current_xact_id()');
    await insert(early, a, 'GAP-A');
    await insert(late, b, 'GAP-B');
    await late.query('commit');

    await shop.services.sync.pullNow();
    // While "early" runs, nothing newer than it is served: a cursor past it would skip it forever.
    const seen = async (id: string) => !!(await shop.db.one('select 1 from products where id = $1', [id]));
    expect(await seen(a)).toBe(false);

    await early.query('commit');
    await early.end();
    await late.end();
    await shop.services.sync.pullNow();
    expect(await seen(a)).toBe(true);
    expect(await seen(b)).toBe(true);
  });
});

function hqUrl(): string {
  return (hq.db.pool as unknown as { options: { connectionString: string } }).options.connectionString;
}
