import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { addDays, dateInZone } from '../../server/domain/dates.js';
import { newId } from '../../server/ids.js';
import { cashierActor, pushBodyOf, seedBatch, seedProduct, testHq, testShop, type TestHq, type TestShop } from '../support/harness.js';

let hq: TestHq;
let a: TestShop;
let b: TestShop;
const tokens: Record<string, string> = {};

/** What head office answers when a shop's last push is sent again (a shop killed before it read the answer). */
const pushAgain = (shop: TestShop, body: object) =>
  request(hq.app).post('/api/sync/push').set('authorization', `Bearer ${tokens[shop.shop.code]}`).send(body).expect(200);

beforeAll(async () => {
  hq = await testHq();
  await hq.listen();
  tokens.DKR01 = await hq.registerShop('DKR01');
  tokens.THS02 = await hq.registerShop('THS02');
  a = await testShop({ code: 'DKR01', hq: { url: hq.url, token: tokens.DKR01 } });
  b = await testShop({ code: 'THS02', hq: { url: hq.url, token: tokens.THS02 } });
  // Each shop learns the chain's shops from head office's feed.
  await a.services.sync.pullNow({ force: true });
  await b.services.sync.pullNow({ force: true });
});

/** Each lot's cached quantity is the sum of its movements, at this end. */
async function expectLedgerExact(db: TestShop['db']) {
  const drift = await db.rows(
    `select b.id from product_batches b left join (select batch_id, sum(delta) as s from stock_movements group by batch_id) m on m.batch_id = b.id
     where b.quantity <> coalesce(m.s, 0)`,
  );
  expect(drift).toEqual([]);
}
const qty = async (db: TestShop['db'], id: string) => (await db.one<{ quantity: number }>('select quantity from product_batches where id = $1', [id]))?.quantity;

async function productAtBoth(name: string) {
  const p = await seedProduct(a, { name, unitPrice: 1200 });
  await a.services.sync.runNow({ force: true });
  await b.services.sync.pullNow({ force: true });
  return p;
}

async function shipped(lots: { batchId: string; quantity: number }[], reason = 'Péremption proche') {
  const agent = await a.as('pharmacist');
  const created = await agent.post('/api/transfers').send({ toShop: 'THS02', lines: lots, reason }).expect(201);
  expect(created.body.status).toBe('draft');
  const res = await agent.post(`/api/transfers/${created.body.id}/ship`).expect(200);
  expect(res.body.status).toBe('shipped');
  return res.body as { id: string; number: string; lines: { id: string; quantity: number; batchId: string }[] };
}

describe('a transfer from one shop to another through head office', () => {
  it('moves each unit exactly once in the three ledgers, under replayed pushes and pulls, with a short line recorded at both ends', async () => {
    const p = await productAtBoth('Amoxicilline 500 mg');
    const lot1 = await seedBatch(a, { productId: p.id, lotNumber: 'AMX-1', expirationDate: '2027-03-31', quantity: 50 });
    const lot2 = await seedBatch(a, { productId: p.id, lotNumber: 'AMX-2', expirationDate: '2027-09-30', quantity: 30 });
    const t = await shipped([{ batchId: lot1.id, quantity: 20 }, { batchId: lot2.id, quantity: 10 }]);

    // The transfer note travels with the boxes.
    const note = await (await a.as('cashier')).get(`/api/transfers/${t.id}/note.pdf`).buffer(true).expect(200);
    expect(note.headers['content-type']).toBe('application/pdf');
    expect(note.body.subarray(0, 5).toString()).toBe('%PDF-');

    // In transit: gone from A's sellable stock, not yet in B's.
    expect(await qty(a.db, lot1.id)).toBe(30);
    const outAtA = (await (await a.as('cashier')).get('/api/transfers?direction=out').expect(200)).body;
    expect(outAtA.find((x: { id: string }) => x.id === t.id)).toMatchObject({ status: 'shipped', inTransitUnits: 30 });

    // Killed after head office committed: the same push arrives twice.
    const body = await pushBodyOf(a);
    await pushAgain(a, body);
    await a.services.sync.pushNow({ force: true });
    await pushAgain(a, body);
    expect(await hq.count('transfers')).toBe(1);
    expect(await hq.count('transfer_lines')).toBe(2);
    expect(await hq.db.one('select count(*)::int as n from stock_movements where kind = $1', ['transfer_out'])).toEqual({ n: 2 });

    // B pulls the shipment, then reads the whole feed again: one shipment.
    await b.services.sync.pullNow({ force: true });
    await b.db.exec(`update sync_state set pull_cursor = '0:0'`);
    await b.services.sync.pullNow({ force: true });
    const inAtB = (await (await b.as('cashier')).get('/api/transfers?direction=in').expect(200)).body;
    expect(inAtB).toHaveLength(1);
    expect(inAtB[0]).toMatchObject({ id: t.id, status: 'shipped', inTransitUnits: 30, shopCode: 'DKR01' });
    expect(await b.db.one<{ n: number }>('select count(*)::int as n from product_batches')).toEqual({ n: 0 });

    // Received with one line short; a second receipt is refused.
    const [l1, l2] = inAtB[0].lines as { id: string }[];
    const agentB = await b.as('pharmacist');
    const got = await agentB.post(`/api/transfers/${t.id}/receive`).send({ lines: [{ lineId: l1!.id, receivedQty: 20 }, { lineId: l2!.id, receivedQty: 8, note: '2 boîtes écrasées' }] }).expect(200);
    expect(got.body.status).toBe('received');
    expect(got.body.lines.map((l: { difference: number }) => l.difference)).toEqual([0, -2]);
    const before = await b.counts();
    const twice = await agentB.post(`/api/transfers/${t.id}/receive`).send({ lines: [{ lineId: l1!.id, receivedQty: 20 }, { lineId: l2!.id, receivedQty: 10 }] });
    expect(twice.status).toBe(409);
    expect(twice.body.error.message).toMatch(/déjà été réceptionné/);
    expect(await b.counts()).toEqual(before);

    // B's lots: same product, lot number, expiry, selling.
    const bLots = await b.services.stock.batchesOfProduct(p.id);
    expect(bLots.map((l) => [l.lotNumber, l.expirationDate, l.quantity, l.sellable])).toEqual([
      ['AMX-1', '2027-03-31', 20, true],
      ['AMX-2', '2027-09-30', 8, true],
    ]);

    const bBody = await pushBodyOf(b);
    await b.services.sync.pushNow({ force: true });
    await pushAgain(b, bBody);
    expect(await hq.count('transfer_receipts')).toBe(1);
    await a.services.sync.pullNow({ force: true });
    await a.db.exec(`update sync_state set pull_cursor = '0:0'`);
    await a.services.sync.pullNow({ force: true });
    const atA = (await (await a.as('cashier')).get(`/api/transfers/${t.id}`).expect(200)).body;
    expect(atA).toMatchObject({ status: 'received', inTransitUnits: 0 });
    expect(atA.receipt.receivedUnits).toBe(28);
    expect(atA.lines[1]).toMatchObject({ quantity: 10, receivedQty: 8, difference: -2, note: '2 boîtes écrasées' });

    // Head office's view: each lot equals its movements, and the difference is on the record.
    for (const s of [a, b]) await expectLedgerExact(s.db);
    await expectLedgerExact(hq.db);
    expect((await hq.admin('get', `/api/batches/${lot1.id}`)).body.quantity).toBe(30);
    for (const l of bLots) expect((await hq.admin('get', `/api/batches/${l.id}`)).body.quantity).toBe(l.quantity);
    const reasons = (await hq.admin('get', '/api/conflicts')).body.map((c: { reason: string; message: string }) => c.reason);
    expect(reasons).toContain('transfer_difference');
    expect(await a.db.one('select count(*)::int as n from sync_outbox')).toEqual({ n: 0 });
  });

  it('lets the sender cancel a shipment not yet received: the units go back, and the receiver can no longer receive it', async () => {
    const p = await productAtBoth('Ibuprofène 400 mg');
    const lot = await seedBatch(a, { productId: p.id, lotNumber: 'IBU-1', expirationDate: '2027-05-31', quantity: 12 });
    const t = await shipped([{ batchId: lot.id, quantity: 5 }]);
    await a.services.sync.pushNow({ force: true });
    await b.services.sync.pullNow({ force: true });
    const res = await (await a.as('manager')).post(`/api/transfers/${t.id}/cancel`).expect(200);
    expect(res.body.status).toBe('cancelled');
    expect(await qty(a.db, lot.id)).toBe(12);
    await a.services.sync.pushNow({ force: true });
    await b.services.sync.pullNow({ force: true });
    const before = await b.counts();
    const refused = await (await b.as('pharmacist')).post(`/api/transfers/${t.id}/receive`).send({ lines: [{ lineId: t.lines[0]!.id, receivedQty: 5 }] });
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toMatch(/annulé/);
    expect(await b.counts()).toEqual(before);
    expect((await hq.admin('get', `/api/batches/${lot.id}`)).body.quantity).toBe(12);
  });

  for (const first of ['receipt', 'cancel'] as const) {
    it(`resolves a cancel racing the receipt one way (the receipt wins), with the ${first} reaching head office first, and logs it`, async () => {
      const p = await productAtBoth(`Course ${first}`);
      const lot = await seedBatch(a, { productId: p.id, lotNumber: `RACE-${first}`, expirationDate: '2027-05-31', quantity: 40 });
      const t = await shipped([{ batchId: lot.id, quantity: 15 }]);
      await a.services.sync.pushNow({ force: true });
      await b.services.sync.pullNow({ force: true });
      // Both offline from each other: A cancels, B receives.
      await (await a.as('manager')).post(`/api/transfers/${t.id}/cancel`).expect(200);
      expect(await qty(a.db, lot.id)).toBe(40);
      await (await b.as('pharmacist')).post(`/api/transfers/${t.id}/receive`).send({ lines: [{ lineId: t.lines[0]!.id, receivedQty: 15 }] }).expect(200);
      const order = first === 'receipt' ? [b, a] : [a, b];
      for (const s of order) await s.services.sync.pushNow({ force: true });
      for (const s of [a, b, a, b]) await s.services.sync.runNow({ force: true });

      // Never both: the units are at B, out of A, once.
      expect(await qty(a.db, lot.id)).toBe(25);
      const [bLot] = await b.services.stock.batchesOfProduct(p.id);
      expect(bLot!.quantity).toBe(15);
      expect((await hq.admin('get', `/api/batches/${lot.id}`)).body.quantity).toBe(25);
      expect((await hq.admin('get', `/api/batches/${bLot!.id}`)).body.quantity).toBe(15);
      for (const s of [a, b]) expect((await s.services.transfers.get(t.id)).status).toBe('received');
      const atHq = await hq.db.one<{ status: string }>('select status from transfers where id = $1', [t.id]);
      expect(atHq!.status).toBe('shipped');
      const logged = (await hq.admin('get', '/api/conflicts')).body.filter((c: { entityId: string }) => c.entityId === t.id).map((c: { reason: string }) => c.reason);
      expect(logged).toEqual([first === 'receipt' ? 'transfer_received_first' : 'transfer_cancel_overruled']);
      if (first === 'cancel') {
        const atA = await a.db.rows<{ reason: string }>('select reason from sync_conflicts where entity_id = $1', [t.id]);
        expect(atA.map((c) => c.reason)).toEqual(['transfer_cancel_overruled']);
      }
      for (const s of [a, b]) await expectLedgerExact(s.db);
      await expectLedgerExact(hq.db);
    });
  }

  it('stops the receiver selling a lot recalled while it was in transit', async () => {
    const p = await productAtBoth('Sirop rappelé');
    const lot = await seedBatch(a, { productId: p.id, lotNumber: 'SIR-9', expirationDate: '2027-05-31', quantity: 10 });
    const t = await shipped([{ batchId: lot.id, quantity: 6 }]);
    await a.services.sync.pushNow({ force: true });
    await hq.admin('post', '/api/recalls').send({ productId: p.id, lotNumber: 'SIR-9', reason: 'Contamination' }).expect(201);
    await b.services.sync.pullNow({ force: true });
    await (await b.as('pharmacist')).post(`/api/transfers/${t.id}/receive`).send({ lines: [{ lineId: t.lines[0]!.id, receivedQty: 6 }] }).expect(200);
    const [bLot] = await b.services.stock.batchesOfProduct(p.id);
    expect(bLot).toMatchObject({ quantity: 6, status: 'recalled', sellable: false });
    const sale = await (await b.as('cashier')).post('/api/sales').send({ lines: [{ productId: p.id, quantity: 1 }], payment: { method: 'card' } });
    expect(sale.status).toBe(422);
    expect(b.services.sales).toBeDefined();
    await expect(b.services.sales.recordSale({ lines: [{ productId: p.id, quantity: 1 }], payment: { method: 'card' } }, cashierActor(b))).rejects.toThrow();
  });
});

describe('suggestions from head office', () => {
  it('proposes moving a near-expiry lot from a shop that does not sell it to one that does', async () => {
    const p = await productAtBoth('Collyre suggéré');
    const soon = addDays(dateInZone(new Date(), 'UTC'), 40);
    const lot = await seedBatch(a, { productId: p.id, lotNumber: 'COL-1', expirationDate: soon, quantity: 50 });
    await seedBatch(b, { productId: p.id, lotNumber: 'COL-B', expirationDate: '2029-01-31', quantity: 100 });
    for (let i = 0; i < 3; i++) await b.services.sales.recordSale({ lines: [{ productId: p.id, quantity: 5 }], payment: { method: 'card' } }, cashierActor(b));
    await a.services.sync.pushNow({ force: true });
    await b.services.sync.pushNow({ force: true });
    const res = await hq.admin('get', '/api/transfers/suggestions').query({ days: '60', period: '30' }).expect(200);
    expect(res.body.filter((s: { batchId: string }) => s.batchId === lot.id)).toEqual([
      expect.objectContaining({ shopCode: 'DKR01', toShopCode: 'THS02', lotNumber: 'COL-1', quantity: 20, lotQuantity: 50, soldThere: 15, daysLeft: 40 }),
    ]);
  });
});

describe('the chain’s shops', () => {
  it('reach every shop by its feed, and a shop rebuilt from head office by the snapshot', async () => {
    expect((await a.services.transfers.destinations()).map((s) => s.code)).toEqual(['THS02']);
    expect((await b.services.transfers.destinations()).map((s) => s.code)).toEqual(['DKR01']);
    const head = await request(hq.app).get('/api/sync/snapshot').set('authorization', `Bearer ${tokens.DKR01}`).expect(200);
    expect(head.body.chainShops.map((s: { code: string }) => s.code)).toEqual(['DKR01', 'THS02']);
  });
});

describe('refusals', () => {
  it('refuses a transfer to an unknown shop, to itself, of more than a lot holds, and writes nothing', async () => {
    const p = await seedProduct(a, { name: 'Refus' });
    const lot = await seedBatch(a, { productId: p.id, lotNumber: 'REF-1', expirationDate: '2027-05-31', quantity: 4 });
    const agent = await a.as('pharmacist');
    const before = await a.counts();
    const transfersBefore = await a.db.one('select count(*)::int as n from transfers');
    const cases: [object, number, RegExp][] = [
      [{ toShop: 'XYZ99', lines: [{ batchId: lot.id, quantity: 1 }] }, 422, /n’est pas une boutique de la chaîne/],
      [{ toShop: 'DKR01', lines: [{ batchId: lot.id, quantity: 1 }] }, 422, /autre boutique/],
      [{ toShop: 'THS02', lines: [{ batchId: lot.id, quantity: 5 }] }, 422, /n’a que 4 unité/],
      [{ toShop: 'THS02', lines: [{ batchId: lot.id, quantity: 3 }, { batchId: lot.id, quantity: 2 }] }, 422, /n’a que 4 unité/],
      [{ toShop: 'THS02', lines: [] }, 400, /au moins une ligne/],
    ];
    for (const [body, status, message] of cases) {
      const res = await agent.post('/api/transfers').send(body);
      expect(res.status, JSON.stringify(body)).toBe(status);
      expect(res.body.error.message).toMatch(message);
    }
    expect(await a.counts()).toEqual(before);
    expect(await a.db.one('select count(*)::int as n from transfers')).toEqual(transfersBefore);
  });

  it('writes nothing of a receipt that fails part-way (a lot known at the receiver with another expiry), so it can be received again', async () => {
    const p = await productAtBoth('Réception interrompue');
    const ok = await seedBatch(a, { productId: p.id, lotNumber: 'INT-1', expirationDate: '2027-05-31', quantity: 5 });
    const clash = await seedBatch(a, { productId: p.id, lotNumber: 'INT-2', expirationDate: '2027-06-30', quantity: 5 });
    await seedBatch(b, { productId: p.id, lotNumber: 'INT-2', expirationDate: '2027-07-31', quantity: 1 });
    const t = await shipped([{ batchId: ok.id, quantity: 2 }, { batchId: clash.id, quantity: 3 }]);
    await a.services.sync.pushNow({ force: true });
    await b.services.sync.pullNow({ force: true });
    const before = await b.counts();
    const lines = [{ lineId: t.lines[0]!.id, receivedQty: 2 }, { lineId: t.lines[1]!.id, receivedQty: 3 }];
    const res = await (await b.as('pharmacist')).post(`/api/transfers/${t.id}/receive`).send({ lines });
    expect(res.status).toBe(409);
    expect(res.body.error.message).toMatch(/Le lot INT-2 existe déjà/);
    expect(await b.counts()).toEqual(before);
    expect(await b.db.one('select count(*)::int as n from transfer_receipts where transfer_id = $1', [t.id])).toEqual({ n: 0 });
    expect((await b.services.transfers.get(t.id)).status).toBe('shipped');
  });

  it('refuses to ship more than a lot holds now (sold since the draft), writing nothing', async () => {
    const p = await seedProduct(a, { name: 'Vendu entre-temps' });
    const lot = await seedBatch(a, { productId: p.id, lotNumber: 'VEN-1', expirationDate: '2027-05-31', quantity: 4 });
    const agent = await a.as('pharmacist');
    const draft = (await agent.post('/api/transfers').send({ toShop: 'THS02', lines: [{ batchId: lot.id, quantity: 4 }] }).expect(201)).body;
    await a.services.sales.recordSale({ lines: [{ productId: p.id, quantity: 1 }], payment: { method: 'card' } }, cashierActor(a));
    const before = await a.counts();
    const res = await agent.post(`/api/transfers/${draft.id}/ship`);
    expect(res.status).toBe(422);
    expect(res.body.error.message).toMatch(/n’a que 3 unité/);
    expect(await a.counts()).toEqual(before);
    expect((await a.services.transfers.get(draft.id)).status).toBe('draft');
  });

  it('creates one transfer when the same body with its id is sent twice', async () => {
    const p = await seedProduct(a, { name: 'Deux fois' });
    const lot = await seedBatch(a, { productId: p.id, lotNumber: 'DEU-1', expirationDate: '2027-05-31', quantity: 4 });
    const agent = await a.as('pharmacist');
    const body = { id: newId(), toShop: 'THS02', lines: [{ batchId: lot.id, quantity: 2 }] };
    const first = await agent.post('/api/transfers').send(body).expect(201);
    const second = await agent.post('/api/transfers').send(body).expect(200);
    expect(second.body.id).toBe(first.body.id);
    expect(second.body.number).toBe(first.body.number);
    expect(await a.db.one('select count(*)::int as n from transfers where id = $1', [body.id])).toEqual({ n: 1 });
  });

  it('refuses, at head office, a shipment a shop pushes in another shop’s name, writing nothing', async () => {
    const p = await productAtBoth('Usurpation');
    const lot = await seedBatch(a, { productId: p.id, lotNumber: 'USU-1', expirationDate: '2027-05-31', quantity: 4 });
    await shipped([{ batchId: lot.id, quantity: 2 }]);
    const body = await pushBodyOf(a);
    await a.db.exec('delete from sync_outbox');
    const before = await hq.count('transfers');
    const res = await request(hq.app).post('/api/sync/push').set('authorization', `Bearer ${tokens.THS02}`).send({ ...body, shopCode: 'THS02' });
    expect(res.status).toBe(403);
    expect(await hq.count('transfers')).toBe(before);
  });
});
