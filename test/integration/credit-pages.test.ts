import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { csrfToken } from '../../server/web/context.js';
import { PINS, seedBatch, seedProduct, testShop, type TestShop } from '../support/harness.js';

let t: TestShop;

beforeAll(async () => {
  t = await testShop({ now: new Date('2026-11-26T09:00:00Z') });
  const p = await seedProduct(t, { name: 'Doliprane 1000', unitPrice: 1500 });
  await seedBatch(t, { productId: p.id, lotNumber: 'DOL-1', expirationDate: '2028-12-31', quantity: 100 });
});

async function browserAs(role: keyof typeof PINS) {
  const agent = request.agent(t.app);
  const res = await agent.post('/connexion').type('form').send({ pin: PINS[role] });
  const token = /comptoir_session=([^;]+)/.exec(String(res.headers['set-cookie']))![1]!;
  return { agent, csrf: csrfToken(decodeURIComponent(token)) };
}

const hiddenId = (html: string, form: string) => new RegExp(`id="${form}"[\\s\\S]*?name="id" value="([0-9a-f-]{36})"`).exec(html)![1]!;
const plain = (html: string) => html.replace(/\u00a0/g, ' ');

describe('the Clients and Dépenses pages', () => {
  it('sells on credit at the till with a cash deposit, then takes a payment on account from the customer’s page, once for a form sent twice', async () => {
    const { agent: manager, csrf: mcsrf } = await browserAs('manager');
    const created = await manager.post('/clients').type('form').send({ _csrf: mcsrf, id: '0193a000-0000-7000-8000-000000000001', name: 'Mariama Cissé', phone: '76 000 11 22', creditLimit: '30000' });
    expect(created.status).toBe(303);
    const customerUrl = created.headers.location!;

    const { agent, csrf } = await browserAs('cashier');
    const product = (await t.db.one<{ id: string }>('select id from products limit 1'))!.id;
    await agent.post('/caisse/panier').type('form').set('HX-Request', 'true').send({ _csrf: csrf, productId: product });
    await agent.post('/caisse/panier').type('form').set('HX-Request', 'true').send({ _csrf: csrf, productId: product });
    const found = await agent.get('/caisse/clients').query({ client: 'mariama' }).set('HX-Request', 'true');
    expect(plain(found.text)).toContain('Mariama Cissé');
    const paid = await agent.post('/caisse/payer').type('form').set('HX-Request', 'true')
      .send({ _csrf: csrf, method: 'credit', tendered: '1000', customerId: '0193a000-0000-7000-8000-000000000001' });
    expect(paid.status).toBe(200);
    expect(plain(paid.text)).toMatch(/Reste dû sur cette vente \(à crédit\) <strong>2 000 FCFA<\/strong>/);
    expect(plain(paid.text)).toMatch(/Nouveau solde de Mariama Cissé <strong>2 000 FCFA<\/strong>/);

    const page = await agent.get(customerUrl);
    expect(plain(page.text)).toContain('id="customer-balance">2 000 FCFA');
    const id = hiddenId(page.text, 'account-payment');
    const form = { _csrf: csrf, id, amount: '1500', method: 'cash' };
    const first = await agent.post(`${customerUrl}/reglement`).type('form').send(form);
    expect(first.status).toBe(303);
    const second = await agent.post(`${customerUrl}/reglement`).type('form').send(form);
    expect(second.headers.location).toContain('deja=1');
    const after = await agent.get(second.headers.location!);
    expect(plain(after.text)).toContain('id="customer-balance">500 FCFA');
    expect(plain(after.text)).toContain('Ce règlement était déjà enregistré');
    expect((await t.db.one<{ n: number }>("select count(*)::int as n from account_entries where kind = 'payment'"))!.n).toBe(1);

    const list = await manager.get('/clients');
    expect(plain(list.text)).toContain('Créances : 500 FCFA');
  });

  it('records a drawer expense and lists it in the month with its CSV; a refusal keeps the form and writes nothing', async () => {
    const { agent, csrf } = await browserAs('pharmacist');
    await agent.post('/caisse/session/ouvrir').type('form').send({ _csrf: csrf, float: '5000' });
    const page = await agent.get('/depenses');
    const id = hiddenId(page.text, 'expense-form');
    const over = await agent.post('/depenses').type('form').send({ _csrf: csrf, id, category: 'eau', amount: '90000', paidFrom: 'drawer' });
    expect(over.status).toBe(422);
    expect(plain(over.text)).toContain('role="alert"');
    expect((await t.db.one<{ n: number }>('select count(*)::int as n from expenses'))!.n).toBe(0);
    const ok = await agent.post('/depenses').type('form').send({ _csrf: csrf, id, category: 'eau', amount: '2000', paidFrom: 'drawer', payee: 'SDE' });
    expect(ok.status).toBe(303);
    const listed = await agent.get('/depenses');
    expect(plain(listed.text)).toContain('Total du mois (hors annulées) : 2 000 FCFA');
    const csv = await agent.get('/depenses/export.csv?mois=2026-11');
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.text).toContain('2026-11-26;eau;2000;en caisse;SDE');
  });

  it('keeps the allowance of advances and the expense categories in Paramètres', async () => {
    const { agent, csrf } = await browserAs('manager');
    const saved = await agent.post('/parametres/boutique').type('form').send({ _csrf: csrf, allowAdvance: ['0', '1'], expenseCategories: 'loyer\r\ntransport\r\n' });
    expect(saved.status).toBe(200);
    const settings = await t.services.settings.get();
    expect(settings).toMatchObject({ allowAdvance: true, expenseCategories: ['loyer', 'transport'] });
  });
});
