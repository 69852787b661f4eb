import { beforeAll, describe, expect, it } from 'vitest';
import { staffService } from '../../server/staff/service.js';
import { seedBatch, seedProduct, testHq, testShop, type TestHq, type TestShop, staffBrowser } from '../support/harness.js';

// Issue 22: head office may change a customer's credit limit; it travels down the shop's feed, a shop's later push never raises it, the shop may lower it.
const PASSWORD = 'un-mot-de-passe-solide';
const poste = { 'x-comptoir-poste': 'Caisse 1' };
let hq: TestHq;
let shop: TestShop;
let other: TestShop;
let product: string;
let awa: string;


/** French numbers are spaced with a no-break space. */
const spaced = (text: string) => text.replace(/[\u00a0\u202f]/g, ' ');
const limitAt = async (db: TestShop['db'] | TestHq['db'], id: string) => (await db.one<{ creditLimit: number }>('select credit_limit from customers where id = $1', [id]))!.creditLimit;
const sync = async (s: TestShop = shop) => {
  await s.services.sync.pushNow({ force: true });
  await s.services.sync.pullNow({ force: true });
};
const creditSale = async (quantity: number) =>
  (await shop.as('cashier')).post('/api/sales').set(poste).send({ lines: [{ productId: product, quantity }], payments: [{ method: 'credit', customerId: awa }] });

beforeAll(async () => {
  hq = await testHq();
  await hq.listen();
  const staff = staffService({ db: hq.db, now: () => new Date() });
  await staff.addUser({ login: 'fatou', name: 'Fatou Sarr', role: 'admin', password: PASSWORD });
  await staff.addUser({ login: 'ibou', name: 'Ibou Fall', role: 'lecture', password: PASSWORD });
  shop = await testShop({ code: 'LIM01', hq: { url: hq.url, token: await hq.registerShop('LIM01') } });
  other = await testShop({ code: 'LIM02', hq: { url: hq.url, token: await hq.registerShop('LIM02') } });
  const p = await seedProduct(shop, { name: 'Amoxicilline 500 mg', unitPrice: 1000 });
  await seedBatch(shop, { productId: p.id, lotNumber: 'AMX-1', expirationDate: '2028-12-31', quantity: 500 });
  product = p.id;
  awa = (await (await shop.as('manager')).post('/api/customers').send({ name: 'Awa Diop', phone: '771234567', creditLimit: 20_000 }).expect(201)).body.id;
  await (await shop.as('cashier')).post('/api/cash/sessions').set(poste).send({ float: 5000 }).expect(201);
  expect((await creditSale(5)).status).toBe(201);
  await sync();
  await other.services.sync.pullNow({ force: true });
}, 60_000);

describe('a credit limit head office sets', () => {
  it('is set from the shop’s page at head office by an administrator, refused to a read-only account and to a negative amount, and reaches the shop’s till on its next pull', async () => {
    const page = await staffBrowser(hq, 'fatou', PASSWORD);
    const shown = await page.agent.get('/boutiques/LIM01');
    expect(shown.status).toBe(200);
    expect(shown.text).toContain('Awa Diop');
    expect(shown.text).toContain(`/boutiques/LIM01/clients/${awa}/plafond`);

    const negative = await page.agent.post(`/boutiques/LIM01/clients/${awa}/plafond`).set('HX-Request', 'true').set('X-CSRF-Token', page.csrf).type('form').send({ creditLimit: '-5' });
    expect(negative.status).toBe(422);
    const reader = await staffBrowser(hq, 'ibou', PASSWORD);
    const refused = await reader.agent.post(`/boutiques/LIM01/clients/${awa}/plafond`).set('X-CSRF-Token', reader.csrf).type('form').send({ creditLimit: '1000' });
    expect(refused.status).toBe(403);
    expect(await limitAt(hq.db, awa)).toBe(20_000);
    expect(await hq.count("change_feed where entity = 'customer_limit'")).toBe(0);

    const set = await page.agent.post(`/boutiques/LIM01/clients/${awa}/plafond`).set('HX-Request', 'true').set('X-CSRF-Token', page.csrf).type('form').send({ creditLimit: '8000' });
    expect(set.status).toBe(200);
    expect(spaced(set.text)).toContain('Plafond de Awa Diop fixé à 8 000 FCFA par le siège');
    expect(set.text).toContain('(fixé par le siège)');
    expect(await limitAt(hq.db, awa)).toBe(8000);

    // Before the pull the till still has 20 000; after it, 5 000 owed + 4 000 goes over 8 000: refused with the balance shown.
    await shop.services.sync.pullNow({ force: true });
    expect(await limitAt(shop.db, awa)).toBe(8000);
    // The customer's page at the shop says whose limit it is.
    const seen = await (await shop.as('manager')).get(`/clients/${awa}`);
    expect(seen.status).toBe(200);
    expect(spaced(seen.text)).toContain('8 000 FCFA (fixé par le siège)');
    const over = await creditSale(4);
    expect(over.status).toBe(403);
    expect(over.body.error.code).toBe('credit_needs_manager');
    expect(spaced(over.body.error.message)).toContain('5 000 FCFA');
    expect((await creditSale(3)).status).toBe(201);
    // Another shop's feed never carries it.
    await other.services.sync.pullNow({ force: true });
    expect(await other.db.one<{ n: number }>('select count(*)::int as n from customers')).toEqual({ n: 0 });
  });

  it('is not raised by the shop’s later push (head office keeps it, logs the conflict and sends it down again), and the shop ends on head office’s limit', async () => {
    const manager = await shop.as('manager');
    expect((await manager.patch(`/api/customers/${awa}`).send({ creditLimit: 90_000, notes: 'client fidèle' })).status).toBe(200);
    expect(await limitAt(shop.db, awa)).toBe(90_000);
    await sync();
    expect(await limitAt(hq.db, awa)).toBe(8000);
    // The rest of the edit is taken.
    expect((await hq.db.one<{ notes: string }>('select notes from customers where id = $1', [awa]))!.notes).toBe('client fidèle');
    const logged = await hq.db.rows<{ reason: string; localValue: unknown; remoteValue: unknown }>(
      "select reason, local_value, remote_value from sync_conflicts where entity = 'customer' and entity_id = $1", [awa],
    );
    expect(logged).toEqual([expect.objectContaining({ reason: 'limit_by_hq', localValue: 8000, remoteValue: 90_000 })]);
    expect(await limitAt(shop.db, awa)).toBe(8000);
    expect((await creditSale(1)).status).toBe(403);
  });

  it('may be lowered by the shop, even when head office’s feed crosses the lowering on its way up', async () => {
    const manager = await shop.as('manager');
    // Head office raises to 50 000 while the shop, offline, lowers to 6 000.
    expect((await hq.admin('patch', `/api/shops/LIM01/customers/${awa}`).send({ creditLimit: 50_000 })).status).toBe(200);
    expect((await manager.patch(`/api/customers/${awa}`).send({ creditLimit: 6000 })).status).toBe(200);
    // The pull comes first: the lowering still on its way is kept.
    await shop.services.sync.pullNow({ force: true });
    expect(await limitAt(shop.db, awa)).toBe(6000);
    await sync();
    expect(await limitAt(hq.db, awa)).toBe(6000);
    expect(await limitAt(shop.db, awa)).toBe(6000);
    // Head office raises again: the shop takes it.
    expect((await hq.admin('patch', `/api/shops/LIM01/customers/${awa}`).send({ creditLimit: 30_000 })).status).toBe(200);
    await sync();
    expect(await limitAt(shop.db, awa)).toBe(30_000);
    expect((await creditSale(4)).status).toBe(201);
    // Both ends agree, and the nightly finds nothing to send.
    expect(await limitAt(hq.db, awa)).toBe(30_000);
    expect(await shop.services.nightly.run()).toMatchObject({ mismatches: 0, error: null });
  });
});
