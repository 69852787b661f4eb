import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { fr } from '../../server/i18n/fr.js';
import { csrfToken, htmxVersion, wsVersion } from '../../server/web/context.js';
import { PINS, seedBatch, seedProduct, testShop, type TestShop } from '../support/harness.js';
import { repoRoot } from '../support/process.js';

let t: TestShop;
let productId: string;

beforeAll(async () => {
  t = await testShop({ now: new Date('2026-11-26T10:00:00Z') });
  const p = await seedProduct(t, { name: 'Paracétamol 500 mg', unitPrice: 800 });
  productId = p.id;
  await seedBatch(t, { productId, lotNumber: 'P-1', expirationDate: '2027-01-31', quantity: 10 });
});

/** A browser session on the pages: the cookie, and the form token the layout carries. */
async function browserAs(role: keyof typeof PINS) {
  const agent = request.agent(t.app);
  const res = await agent.post('/connexion').type('form').send({ pin: PINS[role] });
  expect(res.status).toBe(303);
  const token = /comptoir_session=([^;]+)/.exec(String(res.headers['set-cookie']))![1]!;
  return { agent, csrf: csrfToken(decodeURIComponent(token)) };
}

describe('pages and fragments', () => {
  it('answers htmx with the fragment and anything else with the whole page, always varying on HX-Request', async () => {
    const { agent } = await browserAs('cashier');
    const full = await agent.get('/caisse');
    expect(full.status).toBe(200);
    expect(full.headers.vary).toMatch(/HX-Request/);
    expect(full.text).toMatch(/^<!doctype html>/);
    expect(full.text).toContain(`/assets/htmx-${htmxVersion}.min.js`);
    const fragment = await agent.get('/caisse').set('HX-Request', 'true');
    expect(fragment.text).toMatch(/^<section id="cart"/);
    const restore = await agent.get('/caisse').set('HX-Request', 'true').set('HX-History-Restore-Request', 'true');
    expect(restore.text).toMatch(/^<!doctype html>/);
    const boosted = await agent.get('/ventes').set('HX-Request', 'true').set('HX-Boosted', 'true');
    expect(boosted.text).toMatch(/^<!doctype html>/);
    const search = await agent.get('/caisse/recherche').query({ q: 'paracetamol' }).set('HX-Request', 'true');
    expect(search.text).toContain('Paracétamol 500 mg');
    expect(search.text).toContain('10 en stock');
  });

  it('sends a visitor without a session to Connexion, and tells htmx to go there', async () => {
    const plain = await request(t.app).get('/stock');
    expect(plain.status).toBe(303);
    expect(plain.headers.location).toBe('/connexion');
    const htmx = await request(t.app).get('/stock').set('HX-Request', 'true');
    expect(htmx.headers['hx-redirect']).toBe('/connexion');
    const login = await request(t.app).get('/connexion');
    expect(login.text).toContain('Code PIN');
  });

  it('shows a wrong PIN next to the pad, in French', async () => {
    const res = await request(t.app).post('/connexion').set('HX-Request', 'true').type('form').send({ pin: '9999' });
    expect(res.status).toBe(401);
    expect(res.text).toContain('Code PIN incorrect.');
    expect(res.text).toMatch(/^<form id="login-form"/);
  });

  it('refuses a form post without the session’s token, writing nothing', async () => {
    const { agent, csrf } = await browserAs('cashier');
    const before = await t.counts();
    const forged = await agent.post('/caisse/panier').type('form').send({ productId });
    expect(forged.status).toBe(403);
    // A page's refusal is HTML, with the French message, never JSON.
    expect(forged.headers['content-type']).toMatch(/text\/html/);
    expect(forged.text).toContain('Requête refusée : elle ne vient pas d’un poste de cette boutique.');
    const wrong = await agent.post('/caisse/panier').set('X-CSRF-Token', 'nope').type('form').send({ productId });
    expect(wrong.status).toBe(403);
    expect(await t.db.one<{ n: number }>('select count(*)::int as n from cart_lines')).toEqual({ n: 0 });
    const ok = await agent.post('/caisse/panier').set('X-CSRF-Token', csrf).set('HX-Request', 'true').type('form').send({ productId });
    expect(ok.status).toBe(200);
    expect(ok.text).toContain('Lot P-1');
    expect(await t.counts()).toEqual(before); // a cart is not a sale
    await agent.post('/caisse/vider').set('X-CSRF-Token', csrf);
  });

  it('refuses manager pages to a cashier', async () => {
    const { agent, csrf } = await browserAs('cashier');
    const res = await agent.post('/stock/reception').set('X-CSRF-Token', csrf).type('form').send({ product: 'x' });
    expect(res.status).toBe(403);
    expect((await agent.post('/parametres/boutique').set('X-CSRF-Token', csrf).type('form').send({ name: 'x' })).status).toBe(403);
  });

  it('re-renders the form with the service’s message and 422, keeping what was typed', async () => {
    const { agent, csrf } = await browserAs('pharmacist');
    const before = await t.counts();
    const res = await agent.post('/produits').set('X-CSRF-Token', csrf).set('HX-Request', 'true').type('form')
      .send({ name: 'Crème', sku: 'CR1', gtin: '3400935955839', unitPrice: '100' });
    expect(res.status).toBe(422);
    expect(res.text).toMatch(/^<form id="product-form"/);
    expect(res.text).toContain('n’est pas valide (chiffre de contrôle incorrect)');
    expect(res.text).toContain('value="Crème"');
    expect(await t.counts()).toEqual(before);
  });

  it('pays the cart, empties it in the same transaction, and keeps it whole on a refusal', async () => {
    const { agent, csrf } = await browserAs('cashier');
    const post = (url: string, body: Record<string, string> = {}) => agent.post(url).set('X-CSRF-Token', csrf).set('HX-Request', 'true').type('form').send(body);
    await post('/caisse/scan', { q: 'paracetamol' });
    await post('/caisse/panier', { productId });
    const before = await t.counts();
    const low = await post('/caisse/payer', { method: 'cash', tendered: '100' });
    expect(low.status).toBe(422);
    expect(low.text).toContain('Montant remis insuffisant');
    expect(low.text).toContain('Paracétamol 500 mg');
    expect(await t.counts()).toEqual(before);
    const paid = await post('/caisse/payer', { method: 'cash', tendered: '2000' });
    expect(paid.status).toBe(200);
    expect(paid.text).toContain('Monnaie à rendre');
    expect(paid.text).toContain('400\u00a0FCFA');
    expect(JSON.parse(String(paid.headers['hx-trigger']))['sale-completed'].receiptUrl).toMatch(/receipt\.pdf$/);
    expect(await t.db.one<{ n: number }>('select count(*)::int as n from cart_lines')).toEqual({ n: 0 });
  });

  it('serves htmx and its ws extension from the installed packages, cached for good', async () => {
    const htmx = await request(t.app).get(`/assets/htmx-${htmxVersion}.min.js`);
    expect(htmx.status).toBe(200);
    expect(htmx.headers['cache-control']).toContain('immutable');
    expect(htmx.text).toContain('htmx');
    expect((await request(t.app).get(`/assets/htmx-ext-ws-${wsVersion}.min.js`)).status).toBe(200);
    expect(htmxVersion).toBe('2.0.11');
    expect(wsVersion).toBe('2.0.4');
  });

  it('renders every page for a manager without a missing French word', async () => {
    const { agent } = await browserAs('manager');
    for (const url of ['/caisse', '/ventes', '/stock', '/stock?filtre=expired', '/produits', '/tableau-de-bord', '/parametres']) {
      const res = await agent.get(url);
      expect(res.status, url).toBe(200);
      expect(res.text, url).not.toMatch(/\bui\.[a-z_]+\.[a-z_.]+/);
    }
  });
});

describe('back-office pages', () => {
  it('receives a delivery of several lots at once, a scanned DataMatrix filling GTIN, lot and expiry', async () => {
    const p = await t.services.catalog.createProduct({ sku: 'AMOX', gtin: '3400935955838', name: 'Amoxicilline', unitPrice: 2200 }, { id: t.userIds.manager, name: 'm', role: 'manager' });
    const { agent, csrf } = await browserAs('manager');
    const row = await agent.post('/stock/reception/ligne').set('X-CSRF-Token', csrf).set('HX-Request', 'true').type('form')
      .send({ scan: '(01)03400935955838(17)270800(10)AMX-77' });
    expect(row.text).toContain('value="3400935955838"');
    expect(row.text).toContain('value="AMX-77"');
    expect(row.text).toContain('value="2027-08-31"'); // day 00: the end of that month
    const res = await agent.post('/stock/reception').set('X-CSRF-Token', csrf).set('HX-Request', 'true').type('form')
      .send('product=3400935955838&lotNumber=AMX-77&expirationDate=2027-08-31&quantity=12&unitCost=1500&product=AMOX&lotNumber=AMX-78&expirationDate=2027-10-31&quantity=6&unitCost=');
    expect(res.status).toBe(200);
    expect(res.text).toContain('2 lot(s) réceptionné(s).');
    expect((await t.services.stock.batchesOfProduct(p.id)).map((b) => [b.lotNumber, b.quantity])).toEqual([['AMX-77', 12], ['AMX-78', 6]]);
    const before = await t.counts();
    const bad = await agent.post('/stock/reception').set('X-CSRF-Token', csrf).set('HX-Request', 'true').type('form')
      .send('product=AMOX&lotNumber=AMX-79&expirationDate=2027-10-31&quantity=3&product=NOPE&lotNumber=X&expirationDate=2027-10-31&quantity=1');
    expect(bad.status).toBe(404);
    expect(bad.text).toContain('Ligne 2 : aucun produit n’a le code-barres ou la référence NOPE.');
    expect(bad.text).toContain('value="AMX-79"'); // what was typed stays
    expect(await t.counts()).toEqual(before); // all or none
  });

  it('counts a lot from its row, and shows a refusal in that row', async () => {
    const [lot] = await t.services.stock.batchesOfProduct(productId);
    const { agent, csrf } = await browserAs('manager');
    const ok = await agent.post(`/stock/lots/${lot!.id}/mouvement`).set('X-CSRF-Token', csrf).set('HX-Request', 'true').type('form')
      .send({ kind: 'count', value: '7', reason: 'Inventaire' });
    expect(ok.status).toBe(200);
    expect(ok.text).toMatch(new RegExp(`^<tr id="batch-${lot!.id}"`));
    expect(ok.text).toContain('data-quantity="7"');
    const refused = await agent.post(`/stock/lots/${lot!.id}/mouvement`).set('X-CSRF-Token', csrf).set('HX-Request', 'true').type('form')
      .send({ kind: 'adjustment', value: '-50', reason: 'Casse' });
    expect(refused.status).toBe(422);
    expect(refused.text).toContain('deviendrait négatif (7 en stock)');
  });

  it('changes a price from the product list', async () => {
    const { agent, csrf } = await browserAs('manager');
    const res = await agent.post(`/produits/${productId}`).set('X-CSRF-Token', csrf).set('HX-Request', 'true').type('form').send({ unitPrice: '850' });
    expect(res.status).toBe(200);
    expect(res.text).toContain('value="850"');
    expect((await t.services.catalog.getProduct(productId)).unitPrice).toBe(850);
  });

  it('saves the shop’s details and adds a user from Paramètres, and says when there is no head office', async () => {
    const { agent, csrf } = await browserAs('manager');
    const post = (url: string, body: Record<string, string>) => agent.post(url).set('X-CSRF-Token', csrf).set('HX-Request', 'true').type('form').send(body);
    const saved = await post('/parametres/boutique', { name: 'Pharmacie du Port', address: 'Rue 1', phone: '33', taxId: 'N1', receiptFooter: 'Merci', receiptWidthMm: '58', printerKind: 'none', printerTarget: '' });
    expect(saved.status).toBe(200);
    expect(saved.text).toContain('Enregistré.');
    expect(await t.services.settings.get()).toMatchObject({ name: 'Pharmacie du Port', receiptWidthMm: 58 });
    const user = await post('/parametres/utilisateurs', { name: 'Fatou', role: 'cashier', pin: '8642' });
    expect(user.text).toContain('« Fatou » peut se connecter avec son code PIN.');
    const taken = await post('/parametres/utilisateurs', { name: 'Autre', role: 'cashier', pin: '8642' });
    expect(taken.status).toBe(409);
    expect(taken.text).toContain('déjà utilisé');
    const sync = await post('/parametres/synchroniser', {});
    expect(sync.text).toContain('Synchronisation non configurée');
  });
});

describe('the message catalogue', () => {
  it('has every key the templates ask for', () => {
    const dir = path.join(repoRoot, 'views');
    const files = fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.hbs'));
    const used = new Set<string>();
    for (const f of files) {
      for (const m of fs.readFileSync(path.join(dir, f), 'utf8').matchAll(/\{\{t '([a-z_.]+)'/g)) used.add(m[1]!);
    }
    const missing = [...used].filter((k) => !(k in fr));
    expect(missing).toEqual([]);
    expect(used.size).toBeGreaterThan(50);
  });
});

describe('a barcode scanned at the till', () => {
  it('refuses a product whose only lot is recalled, saying the recall’s reason, and adds nothing to the cart', async () => {
    const p = await seedProduct(t, { name: 'Sirop Toux Nuit', gtin: '3400930000014' });
    const lot = await seedBatch(t, { productId: p.id, lotNumber: 'SN-1', expirationDate: '2030-01-31', quantity: 6 });
    await t.db.exec(`update product_batches set status = 'recalled', status_reason = 'Rappel ANSM : défaut de dosage' where id = $1`, [lot.id]);
    const { agent, csrf } = await browserAs('cashier');
    const before = await t.db.one<{ n: number }>('select count(*)::int as n from cart_lines');
    const res = await agent.post('/caisse/scan').set('X-CSRF-Token', csrf).set('HX-Request', 'true').type('form').send({ q: '3400930000014' });
    expect(res.text).toContain('Aucun lot vendable pour « Sirop Toux Nuit »');
    expect(res.text).toContain('Rappel ANSM : défaut de dosage');
    expect(await t.db.one<{ n: number }>('select count(*)::int as n from cart_lines')).toEqual(before);
  });
});

describe('the icon', () => {
  it('is served, not a 404 on every page', async () => {
    const ico = await request(t.app).get('/favicon.ico');
    expect(ico.status).toBe(301);
    const svg = await request(t.app).get(ico.headers.location!);
    expect(svg.status).toBe(200);
    expect(svg.headers['content-type']).toMatch(/image\/svg\+xml/);
  });
});
