import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { staffService } from '../../server/staff/service.js';
import { pushBodyOf, seedBatch, seedProduct, testHq, testShop, type TestHq, type TestShop } from '../support/harness.js';

const DAY = '2026-11-26';
let hq: TestHq;
let shop: TestShop;
let other: TestShop;
let product: string;
let awa: string;
let sessionId: string;
let creditSaleId: string;

const push = (token: string, body: unknown) =>
  fetch(`${hq.url}/api/sync/push`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

let tokenB: string;

beforeAll(async () => {
  hq = await testHq({ now: new Date(`${DAY}T08:00:00Z`) });
  await hq.listen();
  shop = await testShop({ code: 'DKR01', now: new Date(`${DAY}T08:00:00Z`), hq: { url: hq.url, token: await hq.registerShop('DKR01') } });
  tokenB = await hq.registerShop('DKR02');
  other = await testShop({ code: 'DKR02', now: new Date(`${DAY}T08:00:00Z`), hq: { url: hq.url, token: tokenB } });
  const p = await seedProduct(shop, { name: 'Ibuprofène 400 mg', unitPrice: 1000 });
  await seedBatch(shop, { productId: p.id, lotNumber: 'IBU-1', expirationDate: '2028-12-31', quantity: 100 });
  product = p.id;

  const manager = await shop.as('manager');
  const poste = { 'x-comptoir-poste': 'Caisse 1' };
  awa = (await manager.post('/api/customers').send({ name: 'Awa Diop', phone: '771234567', creditLimit: 20_000 })).body.id;
  sessionId = (await manager.post('/api/cash/sessions').set(poste).send({ float: 10_000 })).body.id;
  const sold = await manager.post('/api/sales').set(poste).send({ lines: [{ productId: product, quantity: 8 }], payments: [{ method: 'cash', tendered: 2000 }, { method: 'credit', customerId: awa }] });
  expect(sold.status).toBe(201);
  creditSaleId = sold.body.id;
  shop.clock.set(`${DAY}T09:00:00Z`);
  expect((await manager.post(`/api/customers/${awa}/payments`).set(poste).send({ amount: 2500, method: 'cash' })).status).toBe(201);
  const [item] = sold.body.items;
  expect((await manager.post(`/api/sales/${creditSaleId}/returns`).set(poste).send({ lines: [{ saleItemId: item.id, quantity: 1 }] })).status).toBe(201);
  expect((await manager.post('/api/expenses').set(poste).send({ category: 'transport', amount: 1500, paidFrom: 'drawer', payee: 'Livreur' })).status).toBe(201);
  expect((await manager.post('/api/expenses').send({ category: 'électricité', amount: 30_000, paidFrom: 'bank' })).status).toBe(201);
  await shop.services.sync.pushNow({ force: true });
  expect((await shop.services.sync.status()).pendingChanges).toBe(0);
});

describe('customers, account entries and expenses at head office', () => {
  it('are inserted once as the shop made them, and head office shows the shop’s receivables with their ageing', async () => {
    expect(await hq.count('customers')).toBe(1);
    expect(await hq.count('account_entries')).toBe(3);
    expect(await hq.count('expenses')).toBe(2);
    const res = await hq.admin('get', '/api/shops/DKR01/customers');
    expect(res.status).toBe(200);
    // 8 000 sold, 2 000 cash deposit: 6 000 on the account; 2 500 paid; 1 000 returned to the account.
    expect(res.body.customers).toEqual([expect.objectContaining({ id: awa, name: 'Awa Diop', balance: 2500, ageing: { d0_30: 2500, d31_60: 0, d61_90: 0, over90: 0 } })]);
    expect(res.body.total).toEqual({ balance: 2500, ageing: { d0_30: 2500, d31_60: 0, d61_90: 0, over90: 0 } });
    const expenses = await hq.admin('get', '/api/shops/DKR01/expenses?from=2026-11-01&to=2026-11-30');
    expect(expenses.body.map((e: { category: string; amount: number }) => [e.category, e.amount])).toEqual([['transport', 1500], ['électricité', 30_000]]);
    const movement = await hq.db.one<{ expenseId: string }>('select expense_id from cash_movements where session_id = $1', [sessionId]);
    expect(movement!.expenseId).toBe(expenses.body[0].id);
  });

  it('keeps a replayed push a replay: nothing written twice', async () => {
    const before = [await hq.count('customers'), await hq.count('account_entries'), await hq.count('expenses')];
    const manager = await shop.as('manager');
    await manager.patch(`/api/customers/${awa}`).send({ notes: 'paie le 30' });
    const body = await pushBodyOf(shop);
    expect((await push(shop.deps.hq!.token, body)).status).toBe(200);
    expect((await push(shop.deps.hq!.token, body)).status).toBe(200);
    expect([await hq.count('customers'), await hq.count('account_entries'), await hq.count('expenses')]).toEqual(before);
  });

  it('refuses, as wrong_shop, a customer, an entry or an expense pushed by another shop, and writes nothing', async () => {
    const body = await (async () => {
      const manager = await shop.as('manager');
      await manager.post(`/api/customers/${awa}/payments`).set({ 'x-comptoir-poste': 'Caisse 1' }).send({ amount: 500, method: 'card' });
      return pushBodyOf(shop);
    })();
    const entries = await hq.count('account_entries');
    for (const entity of ['account_entry', 'customer', 'expense']) {
      const mine = body.changes.filter((c) => c.entity === entity);
      if (mine.length === 0) continue;
      const res = await push(tokenB, { ...body, shopCode: 'DKR02', changes: mine });
      expect(res.status).toBe(403);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('wrong_shop');
    }
    expect(await hq.count('account_entries')).toBe(entries);
    expect(other.shop.code).toBe('DKR02');
  });

  it('does not let a shop’s push raise a limit head office set, and logs it', async () => {
    expect((await hq.admin('patch', `/api/shops/DKR01/customers/${awa}`).send({ creditLimit: 10_000 })).status).toBe(200);
    const manager = await shop.as('manager');
    shop.clock.set(`${DAY}T10:00:00Z`);
    expect((await manager.patch(`/api/customers/${awa}`).send({ creditLimit: 90_000 })).status).toBe(200);
    await shop.services.sync.pushNow({ force: true });
    const held = await hq.db.one<{ creditLimit: number }>('select credit_limit from customers where id = $1', [awa]);
    expect(held!.creditLimit).toBe(10_000);
    const logged = await hq.db.one<{ reason: string }>("select reason from sync_conflicts where entity = 'customer' and entity_id = $1", [awa]);
    expect(logged!.reason).toBe('limit_by_hq');
    // A lower limit from the shop is taken.
    expect((await manager.patch(`/api/customers/${awa}`).send({ creditLimit: 5000 })).status).toBe(200);
    await shop.services.sync.pushNow({ force: true });
    expect((await hq.db.one<{ creditLimit: number }>('select credit_limit from customers where id = $1', [awa]))!.creditLimit).toBe(5000);
  });

  it('counts credit sales apart in head office’s takings, and credited returns as credit, so each money method equals the Z', async () => {
    const rows = await hq.db.rows<{ paymentMethod: string; total: number; refunds: number }>(
      'select payment_method, total::int, refunds::int from hq_daily_takings where shop_id = $1 and day = $2 order by payment_method', [shop.shop.id, DAY],
    );
    expect(rows).toEqual([
      { paymentMethod: 'cash', total: 2000, refunds: 0 },
      { paymentMethod: 'credit', total: 6000, refunds: 1000 },
    ]);
  });
});

describe('head office’s shop page', () => {
  it('shows the shop’s receivables with their ageing and the month’s expenses', async () => {
    await staffService({ db: hq.db, now: () => new Date() }).addUser({ login: 'awa', name: 'Awa Diop', role: 'lecture', password: 'un-mot-de-passe-solide' });
    const agent = request.agent(hq.app);
    expect((await agent.post('/connexion').type('form').send({ login: 'awa', password: 'un-mot-de-passe-solide' })).status).toBe(303);
    const page = (await agent.get('/boutiques/DKR01')).text.replace(/\u00a0/g, ' ');
    expect(page).toContain('Créances : 2 000 FCFA');
    expect(page).toContain('Dépenses du mois : 31 500 FCFA');
    expect(page).toMatch(/<td>transport<\/td><td>1 500 FCFA<\/td><td>en caisse<\/td><td>Livreur<\/td>/);
  });
});
