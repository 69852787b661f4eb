import { beforeAll, describe, expect, it } from 'vitest';
import { staffService } from '../../server/staff/service.js';
import { staffBrowser, testHq, testShop, type TestHq, type TestShop } from '../support/harness.js';

/*
 * Issue 24: the Personnel page sets a person's role and shops (what only
 * `PATCH /api/staff/:id` did): admins only, with the page's form token; a bad
 * value is refused in French and writes nothing; the change reaches the shops
 * on their pull.
 */

let hq: TestHq;
let dkr: TestShop;
let ths: TestShop;
let admin: Awaited<ReturnType<typeof staffBrowser>>;
let reader: Awaited<ReturnType<typeof staffBrowser>>;

beforeAll(async () => {
  hq = await testHq();
  await hq.listen();
  dkr = await testShop({ code: 'DKR01', hq: { url: hq.url, token: await hq.registerShop('DKR01') } });
  ths = await testShop({ code: 'THS01', hq: { url: hq.url, token: await hq.registerShop('THS01') } });
  const accounts = staffService({ db: hq.db, now: () => new Date() });
  await accounts.addUser({ login: 'awa', name: 'Awa Diop', role: 'admin', password: 'un-mot-de-passe-solide' });
  await accounts.addUser({ login: 'moussa', name: 'Moussa Ba', role: 'lecture', password: 'un-mot-de-passe-solide' });
  admin = await staffBrowser(hq, 'awa', 'un-mot-de-passe-solide');
  reader = await staffBrowser(hq, 'moussa', 'un-mot-de-passe-solide');
}, 60_000);

const held = (id: string) => hq.db.one('select role, shop_ids, active, set_by_hq from hq_staff where id = $1', [id]);
/** Everything a change would write at head office: the person, the feed, the audit log. */
const written = async (id: string) => ({
  person: await held(id),
  feed: await hq.count('change_feed'),
  audit: await hq.count('access_audit'),
});
const change = (id: string, form: Record<string, unknown>, who = admin) =>
  who.agent.post(`/personnel/${id}/modifier`).set('HX-Request', 'true').type('form').send({ _csrf: who.csrf, ...form });

describe('the Personnel page', () => {
  it('changes a shop-made person’s role and shops for an admin: head office’s from then on, fed to the new shop and to the old', { timeout: 60_000 }, async () => {
    const made = await dkr.services.users.createUser({ name: 'Rokhaya Mbaye', role: 'cashier', pin: '6161' });
    await dkr.services.sync.runNow({ force: true });
    const page = await admin.agent.get('/personnel').expect(200);
    expect(page.text).toContain(`action="/personnel/${made.id}/modifier"`);
    expect(page.text).toContain('Rôle et boutiques de Rokhaya Mbaye');

    const res = await change(made.id, { role: 'pharmacist', shops: ['DKR01', 'THS01'] });
    expect(res.status).toBe(200);
    expect(res.text).toContain('Rokhaya Mbaye : rôle pharmacien, boutiques : DKR01, THS01. Le siège décide désormais de son rôle et de ses boutiques');
    expect(await held(made.id)).toEqual({ role: 'pharmacist', shopIds: [dkr.shop.id, ths.shop.id], active: true, setByHq: true });
    expect(await hq.db.one(`select actor, action from access_audit where target like $1`, [`%${made.id}%`])).toEqual({ actor: 'hq:Awa Diop <' + (await hq.db.one<{ id: string }>(`select id from hq_users where login = 'awa'`))!.id + '>', action: 'hq_staff_changed' });

    await ths.services.sync.runNow({ force: true });
    await dkr.services.sync.runNow({ force: true });
    expect(await ths.db.one('select role, active, pin_set, made_here from users where id = $1', [made.id])).toEqual({ role: 'pharmacist', active: true, pinSet: false, madeHere: false });
    expect(await dkr.db.one('select role, active, made_here from users where id = $1', [made.id])).toEqual({ role: 'pharmacist', active: true, madeHere: true });

    // Taken away from DKR01: the shop it left gets them inactive.
    await change(made.id, { role: 'pharmacist', shops: 'THS01' }).expect(200);
    await dkr.services.sync.runNow({ force: true });
    expect(await dkr.db.one('select active from users where id = $1', [made.id])).toEqual({ active: false });
  });

  it('refuses an unknown role, no shop, an unknown or malformed shop in French, writing nothing', { timeout: 60_000 }, async () => {
    const made = await dkr.services.users.createUser({ name: 'Babacar Fall', role: 'cashier', pin: '6262' });
    await dkr.services.sync.runNow({ force: true });
    const before = await written(made.id);
    const cases: [Record<string, unknown>, string][] = [
      [{ role: 'chef', shops: 'DKR01' }, 'Rôle inconnu : choisissez caisse, pharmacien, responsable ou administrateur.'],
      [{ role: 'manager' }, 'Cochez au moins une boutique.'],
      [{ role: 'manager', shops: ['DKR01', 'XXX99'] }, 'Boutique « XXX99 » inconnue du siège.'],
      [{ role: 'manager', shops: 'dkr 01' }, 'Code de boutique invalide : 2 à 12 lettres majuscules ou chiffres.'],
    ];
    for (const [form, message] of cases) {
      const res = await change(made.id, form);
      expect(res.status).toBe(422);
      expect(res.text).toContain(message);
      // The same fragment, this person's form left open.
      expect(res.text).toMatch(new RegExp(`<details class="staff-change" open><summary>Modifier</summary>\\s*<form method="post" action="/personnel/${made.id}/modifier"`));
    }
    expect(await written(made.id)).toEqual(before);
    expect(before.person).toMatchObject({ role: 'cashier', setByHq: false });
  });

  it('changes nothing for the same values (a shop’s person stays the shop’s), and refuses a read-only account or a missing form token', async () => {
    const made = await dkr.services.users.createUser({ name: 'Coumba Ndour', role: 'cashier', pin: '6363' });
    await dkr.services.sync.runNow({ force: true });
    const before = await written(made.id);

    const same = await change(made.id, { role: 'cashier', shops: 'DKR01' });
    expect(same.status).toBe(200);
    expect(same.text).toContain('Coumba Ndour : rien de changé.');
    expect(await written(made.id)).toEqual(before);

    expect((await change(made.id, { role: 'admin', shops: 'DKR01' }, reader)).status).toBe(403);
    const noToken = await admin.agent.post(`/personnel/${made.id}/modifier`).type('form').send({ role: 'admin', shops: 'DKR01' });
    expect(noToken.status).toBe(403);
    expect(await written(made.id)).toEqual(before);
    expect((await reader.agent.get('/personnel').expect(200)).text).not.toContain('/modifier');
  });
});
