import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { staffService } from '../../server/staff/service.js';
import { initFromHq } from '../../server/sync/rebuild.js';
import { csrfToken } from '../../server/web/context.js';
import { cashierActor, freshDatabase, seedBatch, seedProduct, testHq, testShop, type TestHq, type TestShop } from '../support/harness.js';

// Issue 19, item 5: a thief holding DKR01's sync token (and the shop software, on a database of its own) cannot
// forge DKR01's history at head office: far-ahead receipt numbers are held, future sales refused, and a recall is
// « appliqué » only where the shop's pull passed it.
let hq: TestHq;
let shop: TestShop;
let thief: TestShop;
let token: string;
const PASSWORD = 'un-mot-de-passe-solide';

const sell = (t: TestShop, productId: string, quantity = 1) =>
  t.services.sales.recordSale({ lines: [{ productId, quantity }], payment: { method: 'card' } }, cashierActor(t));
const takings = async () =>
  (await hq.db.one<{ sales: number; total: number }>(
    'select coalesce(sum(sales), 0)::int as sales, coalesce(sum(total), 0)::float8 as total from hq_daily_takings where shop_id = $1', [shop.shop.id],
  ))!;

async function admin() {
  const agent = request.agent(hq.app);
  const res = await agent.post('/connexion').type('form').send({ login: 'awa', password: PASSWORD });
  const session = /comptoir_siege=([^;]+)/.exec(String(res.headers['set-cookie']))![1]!;
  return { agent, csrf: csrfToken(decodeURIComponent(session)) };
}

/** The thief's own database says the next receipt is DKR01-999999, and its product is priced 5,000,000 FCFA. */
async function forgedSale(number: number, price = 5_000_000) {
  const p = await seedProduct(thief, { name: 'Produit fictif', unitPrice: price });
  await seedBatch(thief, { productId: p.id, expirationDate: '2030-01-31', quantity: 5 });
  await thief.db.exec('update receipt_counters set last_number = $2 where shop_id = $1', [thief.shop.id, number - 1]);
  return sell(thief, p.id);
}

beforeAll(async () => {
  hq = await testHq();
  await hq.listen();
  await staffService({ db: hq.db, now: () => new Date() }).addUser({ login: 'awa', name: 'Awa Diop', role: 'admin', password: PASSWORD });
  token = await hq.registerShop('DKR01');
  shop = await testShop({ code: 'DKR01', hq: { url: hq.url, token } });
  const p = await seedProduct(shop, { name: 'Doliprane 500 mg', unitPrice: 1500 });
  await seedBatch(shop, { productId: p.id, lotNumber: 'DOL-1', expirationDate: '2030-01-31', quantity: 100 });
  for (let i = 0; i < 3; i++) await sell(shop, p.id);
  await shop.services.sync.runNow({ force: true });
  thief = await testShop({ code: 'DKR01', hq: { url: hq.url, token } });
  // The thief's counter row exists once it has sold; its first sale is made under a number far from the shop's.
  await thief.db.exec('insert into receipt_counters (shop_id, last_number) values ($1, 0) on conflict do nothing', [thief.shop.id]);
});

describe('a receipt number far beyond the shop’s sequence', () => {
  let heldId: string;

  it('is held: acknowledged, but not applied, not counted, not imported, and the real shop goes on unharmed', async () => {
    const before = await takings();
    const forged = await forgedSale(999_999);
    expect(forged.number).toBe('DKR01-999999');
    await thief.services.sync.pushNow({ force: true });
    // The thief's software sees its changes go through: nothing tells it what head office did.
    expect(await thief.services.sync.status()).toMatchObject({ pendingChanges: 0, refusedChanges: 0 });

    expect(await hq.db.one('select count(*)::int as n from sales where id = $1', [forged.id])).toEqual({ n: 0 });
    expect(await hq.db.one('select count(*)::int as n from stock_movements where sale_item_id = $1', [forged.items[0]!.id])).toEqual({ n: 0 });
    const held = await hq.admin('get', '/api/shops/DKR01/held-sales').expect(200);
    expect(held.body).toEqual([expect.objectContaining({ numbers: ['DKR01-999999'], total: 5_000_000, lastReceipt: 3, status: 'held' })]);
    heldId = held.body[0].id;
    expect(await takings()).toEqual(before);
    expect((await hq.admin('get', '/api/shops').expect(200)).body.find((s: { code: string }) => s.code === 'DKR01')).toMatchObject({ lastReceipt: 3 });

    // The real shop: not red, and its next receipt is its own next number.
    await shop.services.sync.runNow({ force: true });
    expect((await shop.services.sync.status()).behindHq).toBeNull();
    const next = await sell(shop, (await shop.db.one<{ id: string }>('select id from products limit 1'))!.id);
    expect(next.number).toBe('DKR01-000004');
    await shop.services.sync.runNow({ force: true });
    expect(await hq.db.one('select number from sales where id = $1', [next.id])).toEqual({ number: 'DKR01-000004' });

    // A shop rebuilt from head office imports the shop's sales only, and numbers after them.
    const rebuilt = await testShop({ code: 'DKR01', url: (await freshDatabase()).url, hq: { url: hq.url, token } });
    const result = await initFromHq(rebuilt.deps);
    expect(result).toMatchObject({ sales: 4, lastReceipt: 4 });
    expect(await rebuilt.db.one('select count(*)::int as n from sales where number = $1', ['DKR01-999999'])).toEqual({ n: 0 });
    await rebuilt.close();

    // Head office's page for the shop shows it, in French, with what an administrator can do.
    const { agent } = await admin();
    const page = await agent.get('/boutiques/DKR01').expect(200);
    expect(page.text).toContain('Ventes retenues : numéro de ticket hors séquence');
    expect(page.text).toMatch(/DKR01-999999 — 5\s000\s000\sFCFA/);
    expect(page.text).toContain('dernier ticket reçu avant elles : n° DKR01-000003');
    expect(page.text).toContain(`/boutiques/DKR01/retenues/${heldId}/ecarter`);
  });

  it('stays held when sent again, and is never applied once an administrator discards it', async () => {
    const { agent, csrf } = await admin();
    const before = await takings();
    const res = await agent.post(`/boutiques/DKR01/retenues/${heldId}/ecarter`).set('HX-Request', 'true').set('X-CSRF-Token', csrf).expect(200);
    expect(res.text).toContain('Ventes DKR01-999999 écartées.');
    expect(res.text).not.toContain('Ventes retenues : numéro de ticket hors séquence');
    // Sent again by the thief's nightly (head office's day lacks it): it stays where the person put it.
    const forged = await thief.db.one<{ id: string }>(`select id from sales where number = 'DKR01-999999'`);
    expect((await thief.services.nightly.run()).rowsResent).toBeGreaterThan(0);
    expect(await hq.db.one('select count(*)::int as n from sales where id = $1', [forged!.id])).toEqual({ n: 0 });
    expect(await takings()).toEqual(before);
    expect((await hq.admin('post', `/api/held-sales/${heldId}/release`)).status).toBe(409);
  });

  it('is applied and counted once an administrator releases it, and the numbering moves on after it', async () => {
    // A shop whose numbers really jumped (say a counter set by hand): its administrator accepts the sale.
    const jumped = await forgedSale(5_000, 2_000);
    await thief.services.sync.pushNow({ force: true });
    const held = (await hq.admin('get', '/api/shops/DKR01/held-sales').expect(200)).body;
    expect(held.map((h: { numbers: string[] }) => h.numbers)).toEqual([['DKR01-005000']]);
    const before = await takings();
    const released = await hq.admin('post', `/api/held-sales/${held[0].id}/release`).expect(200);
    expect(released.body).toMatchObject({ status: 'released' });
    expect(await hq.db.one('select number, total::int as total from sales where id = $1', [jumped.id])).toEqual({ number: 'DKR01-005000', total: 2_000 });
    expect(await hq.db.one('select count(*)::int as n from stock_movements where sale_item_id = $1', [jumped.items[0]!.id])).toEqual({ n: 1 });
    expect(await takings()).toEqual({ sales: before.sales + 1, total: before.total + 2_000 });
    expect((await hq.admin('get', '/api/shops').expect(200)).body.find((s: { code: string }) => s.code === 'DKR01')).toMatchObject({ lastReceipt: 5_000 });
    expect((await hq.admin('get', '/api/shops/DKR01/held-sales?all=1').expect(200)).body.map((h: { status: string }) => h.status).sort()).toEqual(['discarded', 'released']);
  });
});

describe('a sale dated in the future', () => {
  it('is refused beyond a day ahead of head office, with its lines and movements, and the rest of the push applied', async () => {
    const p = await seedProduct(thief, { name: 'Produit daté', unitPrice: 700 });
    await seedBatch(thief, { productId: p.id, expirationDate: '2030-01-31', quantity: 5 });
    await thief.services.sync.pushNow({ force: true });
    const lastNumber = (await hq.db.one<{ n: number }>(`select last_receipt::int as n from hq_shop_sync where shop_id = $1`, [shop.shop.id]))!.n;
    await thief.db.exec('update receipt_counters set last_number = $2 where shop_id = $1', [thief.shop.id, lastNumber]);
    thief.clock.set(new Date(Date.now() + 2 * 3_600_000));
    const soon = await sell(thief, p.id);
    thief.clock.set(new Date(Date.now() + 3 * 86_400_000));
    const future = await sell(thief, p.id);
    thief.clock.set(new Date());
    const before = await takings();
    await thief.services.sync.pushNow({ force: true });
    const refused = await thief.services.sync.refused();
    expect(refused.map((r) => r.code)).toEqual(refused.map(() => 'sale_in_future'));
    expect(refused.map((r) => r.entityId)).toContain(future.id);
    expect(refused[0]!.reason).toMatch(/^Vente DKR01-\d+ datée du \d{2}\/\d{2}\/\d{4} \d{2}:\d{2}, plus d’un jour après l’heure du siège : refusée\./);
    expect(await hq.db.one('select count(*)::int as n from sales where id = $1', [future.id])).toEqual({ n: 0 });
    expect(await hq.db.one('select count(*)::int as n from sale_items where sale_id = $1', [future.id])).toEqual({ n: 0 });
    expect(await hq.db.one('select count(*)::int as n from stock_movements where sale_item_id = $1', [future.items[0]!.id])).toEqual({ n: 0 });
    // Two hours ahead is within the tolerance: a sale.
    expect(await hq.db.one('select number from sales where id = $1', [soon.id])).toEqual({ number: soon.number });
    expect(await takings()).toEqual({ sales: before.sales + 1, total: before.total + 700 });
  });
});

describe('a recall « appliqué » at a shop', () => {
  /** What Rappels says of DKR01 for lot FORGE-1. */
  const stateAtDkr = async () => {
    const { agent } = await admin();
    const text = (await agent.get('/rappels').expect(200)).text;
    const recall = text.slice(text.indexOf('data-lot="FORGE-1"'));
    const row = recall.slice(recall.indexOf('data-shop="DKR01"'));
    return row.slice(0, row.indexOf('</tr>'));
  };

  it('is so only once the shop’s pull has passed it, not because a request claims a cursor beyond it', async () => {
    const p = (await hq.admin('post', '/api/products').send({ sku: 'FORGE-P', name: 'Sirop rappelé', unitPrice: 900 }).expect(201)).body;
    await hq.admin('post', '/api/recalls').send({ productId: p.id, lotNumber: 'FORGE-1', reason: 'Contamination' }).expect(201);
    expect(await stateAtDkr()).toContain('pas encore reçu');
    const pull = (since: string) => request(hq.app).get('/api/sync/pull').query({ since, limit: 1 }).set('authorization', `Bearer ${token}`);
    const epoch = String((await pull('0:0').expect(200)).body.cursor).split(':')[0];
    // The stolen token claims a cursor far beyond anything it was served.
    await pull(`${epoch}:99999999:99999999`).expect(200);
    expect(await stateAtDkr()).toContain('pas encore reçu');

    // The shop pulls the recall, then pulls again from the cursor it was given: applied.
    await shop.services.sync.pullNow({ force: true });
    await shop.services.sync.pullNow({ force: true });
    expect(await stateAtDkr()).toContain('appliqué');
  });
});
