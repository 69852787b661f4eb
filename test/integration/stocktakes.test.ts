import { beforeAll, describe, expect, it } from 'vitest';
import { cashierActor, managerActor, seedBatch, seedProduct, testHq, testShop, type TestHq, type TestShop } from '../support/harness.js';

let hq: TestHq;
let shop: TestShop;
let other: TestShop;

beforeAll(async () => {
  hq = await testHq();
  await hq.listen();
  shop = await testShop({ code: 'DKR01', hq: { url: hq.url, token: await hq.registerShop('DKR01') } });
  other = await testShop({ code: 'THS02' });
});

const qty = async (id: string) => (await shop.services.stock.getBatch(id)).quantity;
const sell = (productId: string, quantity: number) =>
  shop.services.sales.recordSale({ lines: [{ productId, quantity }], payment: { method: 'card' } }, cashierActor(shop));

async function noDrift(t: TestShop) {
  const drift = await t.db.rows(
    `select b.id from product_batches b left join (select batch_id, sum(delta) as s from stock_movements group by batch_id) m on m.batch_id = b.id
     where b.quantity <> coalesce(m.s, 0)`,
  );
  expect(drift).toEqual([]);
}

describe('a stocktake while the shop keeps selling', () => {
  it('adjusts each lot by its count minus the ledger at the moment of the count, the sales before and after it counted once', async () => {
    const p = await seedProduct(shop, { name: 'Paracétamol 1 g' });
    const lot = await seedBatch(shop, { productId: p.id, lotNumber: 'PAR-1', expirationDate: '2028-01-31', quantity: 100 });
    await shop.db.exec('update product_batches set unit_cost = 250 where id = $1', [lot.id]);
    const manager = await shop.as('manager');
    const st = (await manager.post('/api/stocktakes').send({ scope: { productIds: [p.id] } }).expect(201)).body;
    expect(st).toMatchObject({ status: 'open' });
    expect(st.lines).toHaveLength(1);
    // Never prefilled: a line not counted has no count, and is not a zero.
    expect(st.lines[0]).toMatchObject({ snapshotQty: 100, counted: null, variance: null });

    const sheet = await manager.get(`/api/stocktakes/${st.id}/sheet.pdf`).buffer(true).expect(200);
    expect(sheet.headers['content-type']).toBe('application/pdf');
    expect(sheet.body.subarray(0, 5).toString()).toBe('%PDF-');

    await sell(p.id, 3); // before the count: the shelf holds 97
    const counted = await (await shop.as('cashier')).post(`/api/stocktakes/${st.id}/counts`).send({ batchId: lot.id, countedQty: 95 });
    expect(counted.status).toBe(201);
    await sell(p.id, 4); // after the count: applies on top

    const report = (await manager.get(`/api/stocktakes/${st.id}`).expect(200)).body;
    expect(report.lines[0]).toMatchObject({ expected: 97, counted: 95, variance: -2, varianceValue: -500, movedSinceCount: true });
    expect(report.totals).toMatchObject({ varianceUnits: -2, varianceValue: -500, counted: 1, uncounted: 0 });

    const done = (await manager.post(`/api/stocktakes/${st.id}/finalise`).send({}).expect(200)).body;
    expect(done.status).toBe('finalised');
    expect(done.summary).toMatchObject({ lotsCounted: 1, varianceUnits: -2, varianceValue: -500 });
    // 95 counted, 4 sold since: not 95 (set to the count) and not 100 − 2 − 3 − 4 twice.
    expect(await qty(lot.id)).toBe(91);
    const kinds = (await shop.services.stock.getBatch(lot.id)).movements.map((m) => [m.kind, m.delta, m.countedQty]);
    expect(kinds).toContainEqual(['count', -2, 95]);
    await noDrift(shop);

    // Finalising twice is refused and writes nothing.
    const before = await shop.counts();
    const again = await manager.post(`/api/stocktakes/${st.id}/finalise`).send({});
    expect(again.status).toBe(409);
    expect(again.body.error.message).toMatch(/clôturé ou annulé/);
    expect(await shop.counts()).toEqual(before);

    // It travels to head office with its variance, and head office's ledger agrees.
    await shop.services.sync.pushNow({ force: true });
    const listed = (await hq.admin('get', '/api/stocktakes').query({ shop: 'DKR01' }).expect(200)).body;
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ id: st.id, status: 'finalised', shopCode: 'DKR01', summary: { varianceValue: -500 } });
    expect((await hq.admin('get', `/api/batches/${lot.id}`)).body.quantity).toBe(91);
  });

  it('sets lots not counted to zero only when asked, adds a lot found that the system did not know, and leaves a lot counted again since to that count', async () => {
    const p = await seedProduct(shop, { name: 'Vitamine C' });
    const counted = await seedBatch(shop, { productId: p.id, lotNumber: 'VC-1', expirationDate: '2028-01-31', quantity: 10 });
    const missing = await seedBatch(shop, { productId: p.id, lotNumber: 'VC-2', expirationDate: '2028-02-28', quantity: 7 });
    const recounted = await seedBatch(shop, { productId: p.id, lotNumber: 'VC-3', expirationDate: '2028-03-31', quantity: 5 });
    const manager = await shop.as('manager');
    const st = (await manager.post('/api/stocktakes').send({ scope: { productIds: [p.id] } }).expect(201)).body;
    const count = (body: object) => manager.post(`/api/stocktakes/${st.id}/counts`).send(body).expect(201);
    await count({ batchId: counted.id, countedQty: 9 });
    await count({ batchId: counted.id, countedQty: 10 }); // a second count replaces the first
    await count({ productId: p.id, lotNumber: 'VC-NEW', expirationDate: '2029-06-30', countedQty: 4 });
    await count({ batchId: recounted.id, countedQty: 2 });
    await shop.services.stock.recordMovement(recounted.id, { kind: 'count', countedQty: 3, reason: 'Recompté' }, managerActor(shop));

    const done = (await manager.post(`/api/stocktakes/${st.id}/finalise`).send({ zeroUncounted: true }).expect(200)).body;
    expect(done.summary).toMatchObject({ lotsCounted: 2, lotsZeroed: 1, lotsRecounted: 1 });
    const lots = await shop.services.stock.batchesOfProduct(p.id);
    expect(lots.map((l) => [l.lotNumber, l.expirationDate, l.quantity])).toEqual([
      ['VC-1', '2028-01-31', 10],
      ['VC-2', '2028-02-28', 0],
      ['VC-3', '2028-03-31', 3],
      ['VC-NEW', '2029-06-30', 4],
    ]);
    expect(missing.id).toBeDefined();
    await noDrift(shop);
  });

  it('keeps lots not counted as they are when zeroing is not asked', async () => {
    const p = await seedProduct(shop, { name: 'Sans zéro' });
    const lot = await seedBatch(shop, { productId: p.id, lotNumber: 'SZ-1', expirationDate: '2028-01-31', quantity: 6 });
    const manager = await shop.as('manager');
    const st = (await manager.post('/api/stocktakes').send({ scope: { productIds: [p.id] } }).expect(201)).body;
    await manager.post(`/api/stocktakes/${st.id}/finalise`).send({}).expect(200);
    expect(await qty(lot.id)).toBe(6);
  });

  it('counts 500 lots from two terminals while a third sells, with zero unexplained variance', async () => {
    const products = await Promise.all(Array.from({ length: 50 }, (_, i) => seedProduct(shop, { name: `Produit ${i}`, sku: `BULK-${i}` })));
    const lots: { id: string; productId: string }[] = [];
    for (const p of products) {
      for (let j = 0; j < 10; j++) {
        const b = await seedBatch(shop, { productId: p.id, lotNumber: `B-${j}`, expirationDate: `2028-${String(j + 1).padStart(2, '0')}-28`, quantity: 20 });
        lots.push({ id: b.id, productId: p.id });
      }
    }
    const manager = await shop.as('manager');
    const st = (await manager.post('/api/stocktakes').send({ scope: { productIds: products.map((p) => p.id) } }).expect(201)).body;
    expect(st.lines).toHaveLength(500);
    const terminals = [await shop.as('cashier'), await shop.as('pharmacist')];
    // Each lot is counted one short of what its shelf holds when counted.
    const countHalf = async (k: number) => {
      for (let i = k; i < lots.length; i += 2) {
        const held = await qty(lots[i]!.id);
        await terminals[k]!.post(`/api/stocktakes/${st.id}/counts`).send({ batchId: lots[i]!.id, countedQty: Math.max(0, held - 1) }).expect(201);
      }
    };
    let selling = true;
    const seller = (async () => {
      let n = 0;
      while (selling && n < 200) await sell(products[n++ % products.length]!.id, 1);
    })();
    await Promise.all([countHalf(0), countHalf(1)]);
    selling = false;
    await seller;
    await manager.post(`/api/stocktakes/${st.id}/finalise`).send({}).expect(200);

    // Each lot: its count, then every sale after the count's clock.
    const rows = await shop.db.rows<{ batchId: string; countedQty: number; ledgerQty: number; quantity: number; after: number }>(
      `select c.batch_id, c.counted_qty, c.ledger_qty, b.quantity,
         coalesce((select sum(m.delta) from stock_movements m where m.batch_id = c.batch_id and m.kind <> 'count' and m.hlc collate "C" > c.hlc collate "C"), 0)::int as after
       from stocktake_counts c join product_batches b on b.id = c.batch_id where c.stocktake_id = $1 and not c.superseded`,
      [st.id],
    );
    expect(rows).toHaveLength(500);
    for (const r of rows) expect(r.quantity).toBe(r.countedQty + r.after);
    const report = (await manager.get(`/api/stocktakes/${st.id}`).expect(200)).body;
    // A shelf read one short: −1 each, or 0 where a sale fell between the terminal's read and its count (the ledger saw it too).
    for (const r of rows) expect([-1, 0]).toContain(r.countedQty - r.ledgerQty);
    expect(report.totals.varianceUnits).toBe(rows.reduce((s, r) => s + r.countedQty - r.ledgerQty, 0));
    expect(report.summary.varianceUnits).toBe(report.totals.varianceUnits);
    await noDrift(shop);
  }, 120_000);
});

describe('refusals', () => {
  it('refuses a second open stocktake, counting a lot of another shop, counting a cancelled one, and a cashier finalising; a cancel writes nothing', async () => {
    const manager = await shop.as('manager');
    const st = (await manager.post('/api/stocktakes').send({}).expect(201)).body;
    const second = await manager.post('/api/stocktakes').send({});
    expect(second.status).toBe(409);
    expect(second.body.error.message).toMatch(/déjà ouvert/);

    const p = await seedProduct(other, { name: 'Ailleurs' });
    const foreign = await seedBatch(other, { productId: p.id, lotNumber: 'AIL-1', expirationDate: '2028-01-31', quantity: 3 });
    const before = await shop.counts();
    const wrong = await manager.post(`/api/stocktakes/${st.id}/counts`).send({ batchId: foreign.id, countedQty: 1 });
    expect(wrong.status).toBe(404);
    expect(wrong.body.error.message).toMatch(/Lot introuvable/);
    const cashier = await (await shop.as('cashier')).post(`/api/stocktakes/${st.id}/finalise`).send({});
    expect(cashier.status).toBe(403);

    const own = await seedProduct(shop, { name: 'Annulé' });
    const lot = await seedBatch(shop, { productId: own.id, lotNumber: 'ANN-1', expirationDate: '2028-01-31', quantity: 8 });
    await manager.post(`/api/stocktakes/${st.id}/counts`).send({ batchId: lot.id, countedQty: 1 }).expect(201);
    const afterCount = await shop.counts();
    await manager.post(`/api/stocktakes/${st.id}/cancel`).send({}).expect(200);
    expect(await shop.counts()).toEqual(afterCount);
    expect(await qty(lot.id)).toBe(8);
    const late = await manager.post(`/api/stocktakes/${st.id}/counts`).send({ batchId: lot.id, countedQty: 1 });
    expect(late.status).toBe(409);
    expect(before.stock_movements).toBe(afterCount.stock_movements - 1);
  });
});
