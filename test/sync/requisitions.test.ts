import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { initFromHq } from '../../server/sync/rebuild.js';
import { pushBodyOf, seedBatch, seedProduct, testHq, testShop, type TestHq, type TestShop } from '../support/harness.js';

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
  await a.services.sync.pullNow({ force: true });
  await b.services.sync.pullNow({ force: true });
});

async function productAtBoth(name: string) {
  const p = await seedProduct(a, { name, unitPrice: 1500 });
  await a.services.sync.runNow({ force: true });
  await b.services.sync.pullNow({ force: true });
  return p;
}

/** B's push reaches head office twice (killed before reading the answer), then A reads its feed twice. */
async function bToA() {
  const body = await pushBodyOf(b);
  await b.services.sync.pushNow({ force: true });
  await pushAgain(b, body);
  await a.services.sync.pullNow({ force: true });
  await a.db.exec(`update sync_state set pull_cursor = '0:0'`);
  await a.services.sync.pullNow({ force: true });
}

async function aToB() {
  const body = await pushBodyOf(a);
  await a.services.sync.pushNow({ force: true });
  await pushAgain(a, body);
  await b.services.sync.pullNow({ force: true });
  await b.db.exec(`update sync_state set pull_cursor = '0:0'`);
  await b.services.sync.pullNow({ force: true });
}

const requisitionsIn = async (shop: TestShop, direction: 'in' | 'out') => (await (await shop.as('cashier')).get(`/api/requisitions?direction=${direction}`).expect(200)).body;
const rowsOf = async (shop: TestShop) => ({
  requisitions: (await shop.db.one<{ n: number }>('select count(*)::int as n from requisitions'))!.n,
  outbox: (await shop.db.one<{ n: number }>(`select count(*)::int as n from sync_outbox where entity = 'requisition'`))!.n,
  transfers: (await shop.db.one<{ n: number }>('select count(*)::int as n from transfers'))!.n,
});

describe('a requisition from one shop to another through head office', () => {
  it('travels B → head office → A once under replays, A answers it with a transfer of its first-to-expire lots, and B sees it answered', async () => {
    const p = await productAtBoth('Ceftriaxone 1 g');
    const q = await productAtBoth('Métronidazole 250 mg');
    const late = await seedBatch(a, { productId: p.id, lotNumber: 'CFX-LATE', expirationDate: '2028-06-30', quantity: 40 });
    const early = await seedBatch(a, { productId: p.id, lotNumber: 'CFX-EARLY', expirationDate: '2027-02-28', quantity: 15 });
    const mtz = await seedBatch(a, { productId: q.id, lotNumber: 'MTZ-1', expirationDate: '2027-12-31', quantity: 100 });

    const asked = await (await b.as('pharmacist'))
      .post('/api/requisitions')
      .send({ fromShop: 'dkr01', lines: [{ productId: p.id, quantity: 20 }, { productId: q.id, quantity: 12 }], note: 'Rupture avant le week-end' })
      .expect(201);
    expect(asked.body).toMatchObject({ status: 'open', direction: 'out', fromShopCode: 'DKR01', number: 'THS02-RQ00001', wantedUnits: 32, transferId: null });
    expect(asked.body.lines).toEqual([
      { productId: p.id, productName: 'Ceftriaxone 1 g', quantity: 20 },
      { productId: q.id, productName: 'Métronidazole 250 mg', quantity: 12 },
    ]);

    await bToA();
    expect(await hq.count('requisitions')).toBe(1);
    const atA = await requisitionsIn(a, 'in');
    expect(atA).toHaveLength(1);
    expect(atA[0]).toMatchObject({ id: asked.body.id, status: 'open', direction: 'in', shopCode: 'THS02', note: 'Rupture avant le week-end' });
    // The requisition is B's: A cannot cancel it.
    const notYours = await (await a.as('pharmacist')).post(`/api/requisitions/${asked.body.id}/cancel`);
    expect(notYours.status).toBe(403);
    expect(notYours.body.error.message).toMatch(/Seule la boutique qui a fait la demande/);

    // « Préparer le transfert »: the lot expiring first is emptied before the next one is touched.
    const draft = await (await a.as('pharmacist')).post(`/api/requisitions/${asked.body.id}/answer`).expect(201);
    expect(draft.body).toMatchObject({ status: 'draft', toShopCode: 'THS02', requisitionId: asked.body.id, reason: 'Réponse à la demande THS02-RQ00001' });
    expect(draft.body.lines.map((l: { batchId: string; quantity: number }) => [l.batchId, l.quantity])).toEqual([
      [early.id, 15],
      [late.id, 5],
      [mtz.id, 12],
    ]);
    expect((await requisitionsIn(a, 'in'))[0]).toMatchObject({ status: 'answered', transferNumber: draft.body.number });
    const before = await rowsOf(a);
    const twice = await (await a.as('pharmacist')).post(`/api/requisitions/${asked.body.id}/answer`);
    expect(twice.status).toBe(409);
    expect(twice.body.error.message).toBe(`La demande THS02-RQ00001 a déjà reçu une réponse (transfert ${draft.body.number}).`);
    expect(await rowsOf(a)).toEqual(before);

    await (await a.as('pharmacist')).post(`/api/transfers/${draft.body.id}/ship`).expect(200);
    await aToB();
    // At B: the shipment names the requisition, which reads answered; B receives it as any shipment.
    const out = await requisitionsIn(b, 'out');
    expect(out[0]).toMatchObject({ id: asked.body.id, status: 'answered', transferId: draft.body.id, transferNumber: draft.body.number, transferStatus: 'shipped' });
    const cancelAnswered = await (await b.as('pharmacist')).post(`/api/requisitions/${asked.body.id}/cancel`);
    expect(cancelAnswered.status).toBe(409);
    const incoming = (await (await b.as('cashier')).get(`/api/transfers/${draft.body.id}`).expect(200)).body;
    expect(incoming).toMatchObject({ status: 'shipped', requisitionId: asked.body.id, shippedUnits: 32 });
    await (await b.as('pharmacist'))
      .post(`/api/transfers/${draft.body.id}/receive`)
      .send({ lines: incoming.lines.map((l: { id: string; quantity: number }) => ({ lineId: l.id, receivedQty: l.quantity })) })
      .expect(200);
    // Head office holds the transfer with the requisition it answers.
    const atHq = (await hq.admin('get', '/api/requisitions?shop=THS02').expect(200)).body as { id: string; status: string; transferNumber: string | null }[];
    expect(atHq.find((r) => r.id === asked.body.id)).toMatchObject({ status: 'answered', transferNumber: draft.body.number, shopCode: 'THS02', fromShopCode: 'DKR01' });
    expect(await hq.db.one('select requisition_id from transfers where id = $1', [draft.body.id])).toEqual({ requisitionId: asked.body.id });
    expect(await a.db.one('select count(*)::int as n from sync_outbox')).toEqual({ n: 0 });
  });

  it('lets B cancel a requisition still waiting: A sees it cancelled and can no longer answer it', async () => {
    const p = await productAtBoth('Salbutamol inhalateur');
    await seedBatch(a, { productId: p.id, lotNumber: 'SAL-1', expirationDate: '2027-08-31', quantity: 10 });
    const asked = await (await b.as('pharmacist')).post('/api/requisitions').send({ fromShop: 'DKR01', lines: [{ productId: p.id, quantity: 4 }] }).expect(201);
    await bToA();
    expect((await (await a.as('cashier')).get(`/api/requisitions/${asked.body.id}`).expect(200)).body.status).toBe('open');

    const cancelled = await (await b.as('pharmacist')).post(`/api/requisitions/${asked.body.id}/cancel`).expect(200);
    expect(cancelled.body.status).toBe('cancelled');
    // Cancelling again answers it as it is.
    await (await b.as('pharmacist')).post(`/api/requisitions/${asked.body.id}/cancel`).expect(200);
    await bToA();
    expect((await (await a.as('cashier')).get(`/api/requisitions/${asked.body.id}`).expect(200)).body.status).toBe('cancelled');
    expect(await hq.db.one('select status from requisitions where id = $1', [asked.body.id])).toEqual({ status: 'cancelled' });

    const before = await rowsOf(a);
    const refused = await (await a.as('pharmacist')).post(`/api/requisitions/${asked.body.id}/answer`);
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toMatch(/est annulée/);
    expect(await rowsOf(a)).toEqual(before);
  });

  it('refuses a requisition to itself, to an unknown shop (422), without lines or with a quantity of zero or less (400), in French, writing nothing', async () => {
    const p = await productAtBoth('Oméprazole 20 mg');
    const agent = await b.as('pharmacist');
    const before = await rowsOf(b);
    const cases: [object, number, RegExp][] = [
      [{ fromShop: 'THS02', lines: [{ productId: p.id, quantity: 1 }] }, 422, /autre boutique de la chaîne, pas à celle-ci/],
      [{ fromShop: 'XYZ99', lines: [{ productId: p.id, quantity: 1 }] }, 422, /La boutique XYZ99 n’est pas une boutique de la chaîne/],
      [{ fromShop: 'DKR01', lines: [] }, 400, /au moins une ligne/],
      [{ fromShop: 'DKR01', lines: [{ productId: p.id, quantity: 0 }] }, 400, /nombre entier d’au moins 1/],
      [{ fromShop: 'DKR01', lines: [{ productId: p.id, quantity: -3 }] }, 400, /nombre entier d’au moins 1/],
      [{ fromShop: 'DKR01', lines: [{ productId: '0193a0e0-0000-7000-8000-000000000001', quantity: 2 }] }, 404, /introuvable/],
    ];
    for (const [body, status, message] of cases) {
      const res = await agent.post('/api/requisitions').send(body);
      expect(res.status, JSON.stringify(body)).toBe(status);
      expect(res.body.error.message).toMatch(message);
    }
    expect(await rowsOf(b)).toEqual(before);
    // A cashier reads requisitions but does not ask.
    expect((await (await b.as('cashier')).post('/api/requisitions').send({ fromShop: 'DKR01', lines: [{ productId: p.id, quantity: 1 }] })).status).toBe(403);
    expect(await rowsOf(b)).toEqual(before);
  });
  it('drops, at head office, a shipment\'s link to a requisition that is not its receiver\'s to its sender: the receiver never reads it answered', async () => {
    const p = await productAtBoth('Vitamine C 500');
    const lot = await seedBatch(a, { productId: p.id, lotNumber: 'VTC-1', expirationDate: '2027-10-31', quantity: 10 });
    // A requisition A made to B: a shipment from A cannot answer it.
    const own = await (await a.as('pharmacist')).post('/api/requisitions').send({ fromShop: 'THS02', lines: [{ productId: p.id, quantity: 2 }] }).expect(201);
    await a.services.sync.pushNow({ force: true });
    const draft = await (await a.as('pharmacist')).post('/api/transfers').send({ toShop: 'THS02', lines: [{ batchId: lot.id, quantity: 2 }] }).expect(201);
    await (await a.as('pharmacist')).post(`/api/transfers/${draft.body.id}/ship`).expect(200);
    // A forged push: the shipment names it.
    const body = await pushBodyOf(a);
    for (const c of body.changes) if (c.entity === 'transfer') (c.data as Record<string, unknown>).requisitionId = own.body.id;
    const res = await pushAgain(a, body);
    expect(res.body.refused).toEqual([]);
    await a.db.exec('delete from sync_outbox');
    expect(await hq.db.one('select requisition_id from transfers where id = $1', [draft.body.id])).toEqual({ requisitionId: null });
    await b.services.sync.pullNow({ force: true });
    expect((await (await b.as('cashier')).get(`/api/requisitions/${own.body.id}`).expect(200)).body).toMatchObject({ status: 'open', transferId: null });
  });

  it('is kept whole at head office by the nightly run, and comes back to the asking and the asked shop when they are rebuilt', async () => {
    const p = await productAtBoth('Paracétamol sirop');
    const kept = await (await b.as('pharmacist')).post('/api/requisitions').send({ fromShop: 'DKR01', lines: [{ productId: p.id, quantity: 9 }] }).expect(201);
    const dropped = await (await b.as('pharmacist')).post('/api/requisitions').send({ fromShop: 'DKR01', lines: [{ productId: p.id, quantity: 3 }] }).expect(201);
    await (await b.as('pharmacist')).post(`/api/requisitions/${dropped.body.id}/cancel`).expect(200);
    await bToA();
    const held = async () => (await hq.db.rows<{ k: string }>(`select id || ':' || status as k from requisitions where shop_id = $1 order by id`, [b.shop.id])).map((r) => r.k);
    const atHq = await held();
    expect(atHq).toEqual(expect.arrayContaining([`${kept.body.id}:open`, `${dropped.body.id}:cancelled`]));

    // Head office loses them (restored from a backup older than today): one nightly run of the asking shop sends them again.
    await hq.db.exec('delete from requisitions where shop_id = $1', [b.shop.id]);
    const night = await b.services.nightly.run();
    expect(night).toMatchObject({ mismatches: 0, error: null, rowsRefused: 0 });
    expect(night.resent.requisition).toBeGreaterThanOrEqual(2);
    expect(await held()).toEqual(atHq);
    expect(await b.services.nightly.run()).toMatchObject({ rowsResent: 0, mismatches: 0 });

    // Both shops rebuilt from head office: each has its side of the requisitions back, the answered one still answered.
    const list = async (shop: TestShop) => (await shop.services.requisitions.list('all')).map((r) => `${r.number}:${r.status}:${r.direction}`).sort();
    const beforeB = await list(b);
    const beforeA = await list(a);
    expect(beforeB).toContain('THS02-RQ00001:answered:out');
    const b3 = await testShop({ code: 'THS02', hq: { url: hq.url, token: tokens.THS02! } });
    const a3 = await testShop({ code: 'DKR01', hq: { url: hq.url, token: tokens.DKR01! } });
    expect((await initFromHq(b3.deps)).rows).toMatchObject({ requisitions: beforeB.length });
    await initFromHq(a3.deps);
    expect(await list(b3)).toEqual(beforeB);
    expect(await list(a3)).toEqual(beforeA);
    expect((await b3.services.sync.status()).pendingChanges).toBe(0);
  });
});
