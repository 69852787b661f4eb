import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeHlc } from '../../server/domain/hlc.js';
import { staffService } from '../../server/staff/service.js';
import { csrfToken } from '../../server/web/context.js';
import { managerActor, PINS, seedProduct, testHq, testShop, type TestHq, type TestShop } from '../support/harness.js';

/*
 * Issue 19, item 3: a chain product's name, price and on-sale flag are head
 * office's. A shop's edit of one stays at that shop and reaches head office as
 * a proposal, which head office accepts (then it reaches every shop) or
 * refuses (then the shop goes back to head office's value).
 */

// Real time: head office's sessions expire by the database's clock.
const HQ_NOW = new Date();
const PASSWORD = 'un-mot-de-passe-solide';
let hq: TestHq;

beforeAll(async () => {
  hq = await testHq({ now: HQ_NOW });
  await hq.listen();
  const staff = staffService({ db: hq.db, now: () => new Date() });
  await staff.addUser({ login: 'awa', name: 'Awa Diop', role: 'admin', password: PASSWORD });
  await staff.addUser({ login: 'moussa', name: 'Moussa Ba', role: 'lecture', password: PASSWORD });
});

async function connectedShop(code: string): Promise<TestShop & { token: string }> {
  const token = await hq.registerShop(code);
  return Object.assign(await testShop({ code, now: HQ_NOW, hq: { url: hq.url, token } }), { token });
}

let unique = 0;
/** A product made at head office, already pulled by the shops given. */
async function chainProduct(shops: TestShop[], unitPrice = 900) {
  const p = (await hq.admin('post', '/api/products').send({ sku: `CHAIN-${unique++}`, name: 'Sérum physiologique', unitPrice }).expect(201)).body;
  for (const s of shops) await s.services.sync.runNow({ force: true });
  return p as { id: string; sku: string };
}

const hqRow = (id: string) => hq.db.one('select name, unit_price, active, gtin, field_clocks, hlc from products where id = $1', [id]);
const feedOf = (id: string) => hq.db.rows('select id, shop_id, payload from change_feed where entity_id = $1 order by id', [id]);
const shopRow = (s: TestShop, id: string) => s.db.one('select name, unit_price, active from products where id = $1', [id]);
type Proposal = { id: string; shopCode: string; productId: string; field: string; proposedValue: unknown; currentValue: unknown; status: string; decidedBy: string | null };
const proposals = async (productId: string, status = 'all'): Promise<Proposal[]> =>
  ((await hq.admin('get', '/api/catalogue/proposals').query({ status }).expect(200)).body as Proposal[]).filter((p) => p.productId === productId);
const pushAs = (token: string, body: object) => request(hq.app).post('/api/sync/push').set('authorization', `Bearer ${token}`).send(body);

/** A browser session at head office: its cookie and the form token its pages carry. */
async function staffBrowser(login: string) {
  const agent = request.agent(hq.app);
  const res = await agent.post('/connexion').type('form').send({ login, password: PASSWORD });
  expect(res.status).toBe(303);
  const token = /comptoir_siege=([^;]+)/.exec(String(res.headers['set-cookie']))![1]!;
  return { agent, csrf: csrfToken(decodeURIComponent(token)) };
}

describe('a shop’s edit of a head-office product', () => {
  it('stays at that shop, leaves head office’s row as it was, and never reaches another shop', async () => {
    const a = await connectedShop('PRA01');
    const b = await connectedShop('PRB01');
    const p = await chainProduct([a, b]);
    const before = await hqRow(p.id);
    const feed = await feedOf(p.id);

    await a.services.catalog.updateProduct(p.id, { name: 'Sérum renommé', unitPrice: 0, active: false }, managerActor(a));
    await a.services.sync.runNow({ force: true });
    expect((await a.services.sync.status()).pendingChanges).toBe(0);

    expect(await hqRow(p.id)).toEqual(before);
    expect(await feedOf(p.id)).toEqual(feed);
    await b.services.sync.runNow({ force: true });
    expect(await shopRow(b, p.id)).toEqual({ name: 'Sérum physiologique', unitPrice: 900, active: true });
    // The manager may have a reason: the shop keeps selling at its own values until head office decides.
    expect(await shopRow(a, p.id)).toEqual({ name: 'Sérum renommé', unitPrice: 0, active: false });

    const pending = await proposals(p.id, 'pending');
    expect(pending.map((x) => [x.shopCode, x.field, x.proposedValue, x.currentValue]).sort()).toEqual([
      ['PRA01', 'active', false, true],
      ['PRA01', 'name', 'Sérum renommé', 'Sérum physiologique'],
      ['PRA01', 'unitPrice', 0, 900],
    ]);
  });

  it('is only a proposal when a token holder pushes it with no shop software, whatever clocks it claims, and a replay adds nothing', async () => {
    const a = await connectedShop('PRT01');
    const b = await connectedShop('PRT02');
    const p = await chainProduct([a, b]);
    const before = await hqRow(p.id) as { fieldClocks: Record<string, string> };
    const feed = await feedOf(p.id);
    const clock = encodeHlc({ wall: HQ_NOW.getTime() + 23 * 3_600_000, counter: 0, node: 'PRT01' });
    // It names head office's clocks as its base, as a real successor would, and re-creates the product with another GTIN.
    const body = {
      shopCode: 'PRT01', hlc: clock,
      changes: [
        { seq: 1, entity: 'product', id: p.id, op: 'insert', hlc: clock, tx: '1',
          data: { id: p.id, sku: p.sku, gtin: '3400930000014', name: 'Volé', unitPrice: 1, active: false, createdAt: HQ_NOW.toISOString() } },
        { seq: 2, entity: 'product', id: p.id, op: 'update', hlc: clock, tx: '2',
          data: { id: p.id, unitPrice: 0, active: false, fieldClocks: { unitPrice: clock, active: clock }, baseClocks: before.fieldClocks } },
      ],
    };
    expect((await pushAs(a.token, body)).status).toBe(200);
    expect((await pushAs(a.token, body)).status).toBe(200);

    expect(await hqRow(p.id)).toEqual(before);
    expect(await feedOf(p.id)).toEqual(feed);
    await b.services.sync.runNow({ force: true });
    expect(await shopRow(b, p.id)).toEqual({ name: 'Sérum physiologique', unitPrice: 900, active: true });
    expect((await proposals(p.id)).map((x) => [x.field, x.proposedValue, x.status]).sort()).toEqual([
      ['active', false, 'pending'],
      ['unitPrice', 0, 'pending'],
    ]);
  });

  it('replaces that shop’s earlier proposal of the same field, and is withdrawn when the shop goes back to head office’s value', async () => {
    const a = await connectedShop('PRN01');
    const p = await chainProduct([a]);
    await a.services.catalog.updateProduct(p.id, { unitPrice: 950 }, managerActor(a));
    await a.services.sync.runNow({ force: true });
    await a.services.catalog.updateProduct(p.id, { unitPrice: 990 }, managerActor(a));
    await a.services.sync.runNow({ force: true });
    expect((await proposals(p.id)).map((x) => [x.proposedValue, x.status]).sort()).toEqual([[950, 'superseded'], [990, 'pending']]);

    await a.services.catalog.updateProduct(p.id, { unitPrice: 900 }, managerActor(a));
    await a.services.sync.runNow({ force: true });
    expect(await proposals(p.id, 'pending')).toEqual([]);
  });
});

describe('the shop’s Produits page', () => {
  it('tells the manager that a new price of a head-office product is this shop’s only, and proposed to head office', async () => {
    const a = await connectedShop('PRP01');
    const p = await chainProduct([a]);
    const own = await seedProduct(a, { unitPrice: 500 });
    const agent = request.agent(a.app);
    const login = await agent.post('/connexion').type('form').send({ pin: PINS.manager });
    const csrf = csrfToken(decodeURIComponent(/comptoir_session=([^;]+)/.exec(String(login.headers['set-cookie']))![1]!));
    const chain = await agent.post(`/produits/${p.id}`).set('HX-Request', 'true').set('X-CSRF-Token', csrf).type('form').send({ unitPrice: '850' });
    expect(chain.status).toBe(200);
    expect(chain.text).toContain('Produit du siège : ce prix ne vaut que dans cette boutique ; il est proposé au siège');
    const mine = await agent.post(`/produits/${own.id}`).set('HX-Request', 'true').set('X-CSRF-Token', csrf).type('form').send({ unitPrice: '550' });
    expect(mine.status).toBe(200);
    expect(mine.text).not.toContain('Produit du siège');
    await a.services.sync.runNow({ force: true });
    expect((await proposals(p.id, 'pending')).map((x) => x.proposedValue)).toEqual([850]);
  });
});

describe('head office decides', () => {
  it('accepting a proposal makes it head office’s edit: it reaches the other shop on its next pull', async () => {
    const a = await connectedShop('PRC01');
    const b = await connectedShop('PRC02');
    const p = await chainProduct([a, b]);
    await a.services.catalog.updateProduct(p.id, { unitPrice: 1100 }, managerActor(a));
    await a.services.sync.runNow({ force: true });
    const [proposal] = await proposals(p.id, 'pending');

    const res = await hq.admin('post', `/api/catalogue/proposals/${proposal!.id}/accept`).expect(200);
    expect(res.body).toMatchObject({ status: 'accepted', field: 'unitPrice', proposedValue: 1100, currentValue: 1100 });
    expect(await hqRow(p.id)).toMatchObject({ unitPrice: 1100 });
    expect(((await hqRow(p.id)) as { fieldClocks: Record<string, string> }).fieldClocks.unitPrice).toMatch(/:HQ$/);
    await b.services.sync.runNow({ force: true });
    expect(await shopRow(b, p.id)).toMatchObject({ unitPrice: 1100 });
    await a.services.sync.runNow({ force: true });
    expect(await shopRow(a, p.id)).toMatchObject({ unitPrice: 1100 });

    // Decided once: a second decision is refused and writes nothing.
    const again = await hq.admin('post', `/api/catalogue/proposals/${proposal!.id}/refuse`);
    expect(again.status).toBe(409);
    expect(again.body.error.message).toBe('Cette proposition a déjà été traitée (acceptée).');
    expect((await proposals(p.id)).map((x) => x.status)).toEqual(['accepted']);
  });

  it('refusing keeps head office’s value, records who refused, and brings the proposing shop back to it', async () => {
    const a = await connectedShop('PRR01');
    const b = await connectedShop('PRR02');
    const p = await chainProduct([a, b]);
    await a.services.catalog.updateProduct(p.id, { unitPrice: 1, name: 'Sérum à 1 franc' }, managerActor(a));
    await a.services.sync.runNow({ force: true });
    const before = await hqRow(p.id);

    const { agent, csrf } = await staffBrowser('awa');
    const page = await agent.get('/catalogue');
    expect(page.status).toBe(200);
    expect(page.text).toContain('Propositions des boutiques');
    expect(page.text).toContain('Sérum à 1 franc');
    const price = (await proposals(p.id, 'pending')).find((x) => x.field === 'unitPrice')!;
    expect(page.text).toContain(`hx-post="/catalogue/propositions/${price.id}/refuser"`);
    const refused = await agent.post(`/catalogue/propositions/${price.id}/refuser`).set('HX-Request', 'true').set('X-CSRF-Token', csrf);
    expect(refused.status).toBe(200);
    expect(refused.text).toContain('Proposition refusée');
    expect(refused.text).not.toContain(`/catalogue/propositions/${price.id}/refuser`);
    // The product's row is swapped out of band with head office's price, which it kept.
    expect(refused.text).toMatch(new RegExp(`<tr id="product-${p.id}"[^>]*hx-swap-oob="true"`));
    expect(refused.text).toContain('value="900"');

    expect(await hqRow(p.id)).toEqual(before);
    expect((await proposals(p.id)).find((x) => x.id === price.id)).toMatchObject({ status: 'refused', decidedBy: 'Awa Diop' });
    for (const s of [a, b]) await s.services.sync.runNow({ force: true });
    expect(await shopRow(b, p.id)).toEqual({ name: 'Sérum physiologique', unitPrice: 900, active: true });
    // The refused price goes back to head office's at the shop that proposed it; its name, still pending, stays.
    expect(await shopRow(a, p.id)).toEqual({ name: 'Sérum à 1 franc', unitPrice: 900, active: true });
    expect(await a.db.one(`select reason, winner from sync_conflicts where entity_id = $1 and field = 'unitPrice'`, [p.id]))
      .toEqual({ reason: 'decided_by_hq', winner: 'remote' });
  });

  it('does not undo, with a refusal, a newer edit the shop made before it heard of it', async () => {
    const a = await connectedShop('PRR03');
    const p = await chainProduct([a]);
    await a.services.catalog.updateProduct(p.id, { unitPrice: 1 }, managerActor(a));
    await a.services.sync.runNow({ force: true });
    const [first] = await proposals(p.id, 'pending');
    await hq.admin('post', `/api/catalogue/proposals/${first!.id}/refuse`).expect(200);
    // Before pulling the refusal, the manager sets another price: pushed first, it is a new proposal, and stays.
    await a.services.catalog.updateProduct(p.id, { unitPrice: 1000 }, managerActor(a));
    await a.services.sync.runNow({ force: true });
    expect(await shopRow(a, p.id)).toMatchObject({ unitPrice: 1000 });
    expect((await proposals(p.id)).map((x) => [x.proposedValue, x.status]).sort()).toEqual([[1, 'refused'], [1000, 'pending']]);
  });

  it('lets a lecture account see the proposals but not decide them, writing nothing', async () => {
    const a = await connectedShop('PRL01');
    const p = await chainProduct([a]);
    await a.services.catalog.updateProduct(p.id, { unitPrice: 1200 }, managerActor(a));
    await a.services.sync.runNow({ force: true });
    const [proposal] = await proposals(p.id, 'pending');
    const { agent, csrf } = await staffBrowser('moussa');
    const page = await agent.get('/catalogue');
    expect(page.text).toContain('Propositions des boutiques');
    expect(page.text).not.toContain(`/catalogue/propositions/${proposal!.id}/accepter`);
    const res = await agent.post(`/catalogue/propositions/${proposal!.id}/accepter`).set('HX-Request', 'true').set('X-CSRF-Token', csrf);
    expect(res.status).toBe(403);
    expect(await proposals(p.id, 'pending')).toHaveLength(1);
    expect(await hqRow(p.id)).toMatchObject({ unitPrice: 900 });
  });

  it('lets head office’s own later edit of the field win at the shop that kept a local value, and closes the proposal', async () => {
    const a = await connectedShop('PRH01');
    const p = await chainProduct([a]);
    await a.services.catalog.updateProduct(p.id, { unitPrice: 700 }, managerActor(a));
    await a.services.sync.runNow({ force: true });
    hq.clock.set(new Date(HQ_NOW.getTime() + 60_000));
    try {
      await hq.admin('patch', `/api/products/${p.id}`).send({ unitPrice: 950 }).expect(200);
    } finally {
      hq.clock.set(HQ_NOW);
    }
    await a.services.sync.runNow({ force: true });
    expect(await shopRow(a, p.id)).toMatchObject({ unitPrice: 950 });
    expect((await proposals(p.id)).map((x) => x.status)).toEqual(['superseded']);
  });
});

describe('a product the shop created', () => {
  it('still takes that shop’s edits as before: they reach every shop and make no proposal', async () => {
    const a = await connectedShop('PRO01');
    const b = await connectedShop('PRO02');
    const p = await seedProduct(a, { name: 'Baume du dépôt', unitPrice: 500 });
    await a.services.sync.runNow({ force: true });
    await b.services.sync.runNow({ force: true });
    await a.services.catalog.updateProduct(p.id, { unitPrice: 650, name: 'Baume du dépôt 50 g', active: false }, managerActor(a));
    await a.services.sync.runNow({ force: true });
    await b.services.sync.runNow({ force: true });
    expect(await hqRow(p.id)).toMatchObject({ name: 'Baume du dépôt 50 g', unitPrice: 650, active: false });
    expect(await shopRow(b, p.id)).toEqual({ name: 'Baume du dépôt 50 g', unitPrice: 650, active: false });
    expect(await proposals(p.id)).toEqual([]);

    // Another shop's edit of it is a proposal like any chain product's.
    await b.services.catalog.updateProduct(p.id, { unitPrice: 1 }, managerActor(b));
    await b.services.sync.runNow({ force: true });
    await a.services.sync.runNow({ force: true });
    expect(await shopRow(a, p.id)).toMatchObject({ unitPrice: 650 });
    expect((await proposals(p.id)).map((x) => [x.shopCode, x.proposedValue])).toEqual([['PRO02', 1]]);
  });
});
