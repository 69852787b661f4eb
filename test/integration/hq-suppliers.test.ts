import { beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../server/ids.js';
import { staffService } from '../../server/staff/service.js';
import { testHq, testShop, type TestHq, type TestShop, staffBrowser } from '../support/harness.js';

// Issue 21: suppliers are chain-wide; head office makes and edits its own (API and « Fournisseurs de la chaîne »), they go down
// to every shop; a shop's supplier stays that shop's to edit.
let hq: TestHq;
let shop: TestShop;
const PASSWORD = 'un-mot-de-passe-solide';


beforeAll(async () => {
  hq = await testHq();
  await hq.listen();
  const staff = staffService({ db: hq.db, now: () => new Date() });
  await staff.addUser({ login: 'awa', name: 'Awa Ndiaye', role: 'admin', password: PASSWORD });
  await staff.addUser({ login: 'moussa', name: 'Moussa Ba', role: 'lecture', password: PASSWORD });
  shop = await testShop({ code: 'SUP01', hq: { url: hq.url, token: await hq.registerShop('SUP01') } });
}, 60_000);

describe('the chain’s suppliers at head office', () => {
  it('makes a supplier once for one id and sends it, then its edit, down to the shop', async () => {
    const id = newId();
    const made = await hq.admin('post', '/api/suppliers').send({ id, name: 'Laborex Sénégal', phone: '33 849 00 00', leadTimeDays: 2 });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    expect(made.body).toMatchObject({ id, name: 'Laborex Sénégal', originShopId: null });
    expect((await hq.admin('post', '/api/suppliers').send({ id, name: 'Laborex Sénégal' })).status).toBe(200);
    expect(await hq.db.rows('select 1 from suppliers where id = $1', [id])).toHaveLength(1);

    await shop.services.sync.pullNow({ force: true });
    const atShop = await (await shop.as('pharmacist')).get('/api/suppliers');
    expect(atShop.body).toEqual([expect.objectContaining({ id, name: 'Laborex Sénégal', phone: '33 849 00 00', leadTimeDays: 2 })]);

    const edited = await hq.admin('patch', `/api/suppliers/${id}`).send({ phone: '33 849 11 11', paymentTerms: '30 jours fin de mois' });
    expect(edited.status).toBe(200);
    await shop.services.sync.pullNow({ force: true });
    expect((await (await shop.as('pharmacist')).get(`/api/suppliers/${id}`)).body).toMatchObject({ phone: '33 849 11 11', paymentTerms: '30 jours fin de mois' });
  });

  it('lists a shop’s supplier with the shop that made it, and refuses to edit it (409), changing nothing', async () => {
    const { supplier } = await shop.services.suppliers.create({ name: 'Grossiste du quartier' }, { id: shop.userIds.pharmacist, name: 'P', role: 'pharmacist' });
    await shop.services.sync.pushNow({ force: true });
    const list = await hq.admin('get', '/api/suppliers');
    expect(list.body.find((s: { id: string }) => s.id === supplier.id)).toMatchObject({ name: 'Grossiste du quartier', originShopCode: 'SUP01' });
    const refused = await hq.admin('patch', `/api/suppliers/${supplier.id}`).send({ name: 'Autre nom' });
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toBe('Grossiste du quartier a été créé par une boutique : c’est à elle de le modifier.');
    expect(await hq.db.one('select name from suppliers where id = $1', [supplier.id])).toEqual({ name: 'Grossiste du quartier' });

    const page = await (await staffBrowser(hq, 'moussa', PASSWORD)).agent.get('/achats/fournisseurs');
    expect(page.status).toBe(200);
    expect(page.text).toMatch(/Grossiste du quartier<\/a>.*la boutique SUP01/s);
    expect(page.text).toMatch(/Laborex Sénégal<\/a>.*le siège/s);
    // A reader sees the list, not the form.
    expect(page.text).not.toContain('action="/achats/fournisseurs"');
  });

  it('refuses a supplier without a name with a French message, writing nothing', async () => {
    const before = await hq.db.one('select count(*)::int as n from suppliers');
    const res = await hq.admin('post', '/api/suppliers').send({ name: '  ' });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(res.body.error.message).toMatch(/[a-zé]/);
    expect(await hq.db.one('select count(*)::int as n from suppliers')).toEqual(before);
  });

  it('lets an administrator make a supplier from the page, and not a reader', async () => {
    const { agent: awa, csrf } = await staffBrowser(hq, 'awa', PASSWORD);
    const made = await awa.post('/achats/fournisseurs').set('X-CSRF-Token', csrf).type('form')
      .send({ id: newId(), name: 'Copharmed', phone: '', email: '', address: 'Abidjan', taxId: 'CC-1234', deliveryDays: 'lundi', leadTimeDays: '3', paymentTerms: '' });
    expect(made.status).toBe(303);
    const one = await awa.get(made.headers.location!);
    expect(one.text).toContain('Fournisseur enregistré');
    expect(await hq.db.one("select lead_time_days, tax_id, origin_shop_id from suppliers where name = 'Copharmed'")).toEqual({ leadTimeDays: 3, taxId: 'CC-1234', originShopId: null });

    const moussa = await staffBrowser(hq, 'moussa', PASSWORD);
    const refused = await moussa.agent.post('/achats/fournisseurs').set('X-CSRF-Token', moussa.csrf).type('form').send({ name: 'Pirate' });
    expect(refused.status).toBe(403);
    expect(await hq.db.rows("select 1 from suppliers where name = 'Pirate'")).toEqual([]);
  });
});
