import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { staffService } from '../../server/staff/service.js';
import { csrfToken } from '../../server/web/context.js';
import { cashierActor, seedBatch, seedProduct, testHq, testShop, type TestHq, type TestShop } from '../support/harness.js';

let hq: TestHq;
let dakar: TestShop;
let thies: TestShop;
const PASSWORD = 'un-mot-de-passe-solide';

/** A browser session at head office: its cookie and the form token its pages carry. */
async function staffBrowser(login: string) {
  const agent = request.agent(hq.app);
  const res = await agent.post('/connexion').type('form').send({ login, password: PASSWORD });
  expect(res.status).toBe(303);
  expect(res.headers.location).toBe('/boutiques');
  const token = /comptoir_siege=([^;]+)/.exec(String(res.headers['set-cookie']))![1]!;
  return { agent, csrf: csrfToken(decodeURIComponent(token)) };
}

beforeAll(async () => {
  hq = await testHq();
  await hq.listen();
  const staff = staffService({ db: hq.db, now: () => new Date() });
  await staff.addUser({ login: 'awa', name: 'Awa Diop', role: 'admin', password: PASSWORD });
  await staff.addUser({ login: 'moussa', name: 'Moussa Ba', role: 'lecture', password: PASSWORD });
  await staff.addUser({ login: 'cible', name: 'Compte visé', role: 'admin', password: PASSWORD });
  dakar = await testShop({ code: 'DKR01', hq: { url: hq.url, token: await hq.registerShop('DKR01') } });
  thies = await testShop({ code: 'THS02', hq: { url: hq.url, token: await hq.registerShop('THS02') } });
  for (const shop of [dakar, thies]) {
    const p = await seedProduct(shop, { name: 'Ibuprofène 400 mg', unitPrice: 1200, sku: `IBU-${shop.shop.code}`, gtin: '3400930000014' });
    await seedBatch(shop, { productId: p.id, lotNumber: 'IBU-LOT-7', expirationDate: addDaysIso(20), quantity: 30 });
    await shop.services.sales.recordSale({ lines: [{ productId: p.id, quantity: 2 }], payment: { method: 'cash', tendered: 5000 } }, cashierActor(shop));
    await shop.services.sales.recordSale({ lines: [{ productId: p.id, quantity: 1 }], payment: { method: 'mobile_money', operator: 'orange_money', reference: 'OM-1' } }, cashierActor(shop));
    await shop.services.sync.runNow({ force: true });
  }
});

function addDaysIso(n: number): string {
  return new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);
}

describe('head-office sign-in', () => {
  it('sends a visitor without a session to Connexion, in French', async () => {
    const res = await request(hq.app).get('/boutiques');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/connexion');
    const page = await request(hq.app).get('/connexion');
    expect(page.text).toContain('Mot de passe');
  });

  it('refuses a wrong password with the form again and a French message, never JSON', async () => {
    const res = await request(hq.app).post('/connexion').set('HX-Request', 'true').type('form').send({ login: 'moussa', password: 'faux-mot-de-passe' });
    expect(res.status).toBe(401);
    expect(res.type).toBe('text/html');
    expect(res.text).toContain('Identifiant ou mot de passe incorrect.');
    expect(res.text).toContain('value="moussa"');
  });

  it('makes an address wait after five wrong passwords for an account, even when forty arrive at once', async () => {
    const tries = await Promise.all(
      Array.from({ length: 40 }, () => request(hq.app).post('/connexion').type('form').send({ login: 'cible', password: 'devine-moi-1234' })),
    );
    expect(tries.filter((r) => r.status === 401).length).toBeLessThanOrEqual(5);
    expect(tries.filter((r) => r.status === 429).length).toBeGreaterThanOrEqual(35);
    const right = await request(hq.app).post('/connexion').type('form').send({ login: 'cible', password: PASSWORD });
    expect(right.status).toBe(429);
    expect(right.text).toContain('Trop d’essais incorrects');
  });
});

describe('head-office pages', () => {
  it('Boutiques shows every shop with its last sync, its day and its health', async () => {
    const { agent } = await staffBrowser('moussa');
    const res = await agent.get('/boutiques');
    expect(res.status).toBe(200);
    for (const code of ['DKR01', 'THS02']) expect(res.text).toContain(`data-shop="${code}"`);
    expect(res.text).toContain('à jour');
    expect(res.text).toMatch(/6\u00a0000\u00a0FCFA|7\u00a0200\u00a0FCFA/);
    const detail = await agent.get('/boutiques/DKR01');
    expect(detail.text).toContain('Dernières ventes');
    expect(detail.text).toContain('IBU-LOT-7');
  });

  it('Ventes sums takings by shop and day, and exports a CSV a French spreadsheet opens', async () => {
    const { agent } = await staffBrowser('moussa');
    const res = await agent.get('/ventes');
    expect(res.status).toBe(200);
    expect(res.text).toContain('data-shop="DKR01"');
    expect(res.text).toContain('7\u00a0200\u00a0FCFA'); // both shops: 2 × (2 400 + 1 200)
    const csv = await agent.get('/ventes/export.csv').buffer(true).parse((r, cb) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => cb(null, Buffer.concat(chunks)));
    });
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.headers['content-disposition']).toMatch(/attachment; filename="ventes-/);
    const text = (csv.body as Buffer).toString('utf8');
    expect(text.charCodeAt(0)).toBe(0xfeff);
    const lines = text.slice(1).trimEnd().split('\r\n');
    expect(lines[0]).toBe(
      'Jour;Code boutique;Boutique;Nombre de ventes;Chiffre (FCFA);Espèces;Mobile money;Carte bancaire;Ventes annulées;'
      + 'Retours;Remboursé (FCFA);Net (FCFA);Remboursé — Espèces;Remboursé — Mobile money;Remboursé — Carte bancaire;'
      + 'Net — Espèces;Net — Mobile money;Net — Carte bancaire;Montant annulé (FCFA)',
    );
    expect(lines.slice(1).map((l) => l.split(';').slice(1, 5).join(';')).sort()).toEqual(['DKR01;Boutique DKR01;2;3600', 'THS02;Boutique THS02;2;3600']);
  });

  it('keeps a period to a year at most, and reads a reversed one the right way round', async () => {
    const { agent } = await staffBrowser('moussa');
    const res = await agent.get('/ventes?du=2020-01-01&au=2026-06-30').set('HX-Request', 'true');
    expect(res.text).toContain('Du 29/06/2025 au 30/06/2026'); // 366 days
    const reversed = await agent.get('/ventes?du=2026-06-30&au=2026-06-01').set('HX-Request', 'true');
    expect(reversed.text).toContain('Du 01/06/2026 au 30/06/2026');
  });

  it('drills down from a day to a sale and its lines, with lot and expiry', async () => {
    const { agent } = await staffBrowser('moussa');
    const day = new Date().toISOString().slice(0, 10);
    const list = await agent.get(`/ventes/DKR01/${day}`);
    expect(list.status).toBe(200);
    const saleId = /href="\/ventes\/vente\/([0-9a-f-]{36})"/.exec(list.text)![1]!;
    const sale = await agent.get(`/ventes/vente/${saleId}`);
    expect(sale.text).toContain('IBU-LOT-7');
    expect(sale.text).toContain('Ibuprofène 400 mg');
  });

  it('Stock et péremptions lists lots expiring within 30 days across shops, with their value, and exports them', async () => {
    const { agent } = await staffBrowser('moussa');
    const res = await agent.get('/peremptions?horizon=30');
    expect(res.status).toBe(200);
    expect(res.text.match(/data-lot="IBU-LOT-7"/g)).toHaveLength(2);
    const filtered = await agent.get('/peremptions?horizon=30&boutique=THS02').set('HX-Request', 'true');
    expect(filtered.text.match(/data-lot="IBU-LOT-7"/g)).toHaveLength(1);
    const csv = await agent.get('/peremptions/export.csv?horizon=30&produit=ibuprofene');
    expect(csv.text).toContain('Ibuprofène 400 mg;IBU-');
  });

  it('lets a read-only account read but refuses its recall with a French page, writing nothing', async () => {
    const { agent, csrf } = await staffBrowser('moussa');
    const before = await hq.count('recalls');
    const res = await agent.post('/rappels').set('HX-Request', 'true').set('X-CSRF-Token', csrf).type('form').send({ product: 'IBU-DKR01', lotNumber: 'IBU-LOT-7', reason: 'essai' });
    expect(res.status).toBe(403);
    expect(res.type).toBe('text/html');
    expect(res.text).not.toContain('{"error"');
    expect(await hq.count('recalls')).toBe(before);
  });

  it('refuses a form without its token (CSRF) with HTML, writing nothing', async () => {
    const { agent } = await staffBrowser('awa');
    const before = await hq.count('recalls');
    const res = await agent.post('/rappels').type('form').send({ product: 'IBU-DKR01', lotNumber: 'IBU-LOT-7', reason: 'essai' });
    expect(res.status).toBe(403);
    expect(res.type).toBe('text/html');
    expect(await hq.count('recalls')).toBe(before);
  });

  it('answers a malformed recall form with the form and the reason, in the page', async () => {
    const { agent, csrf } = await staffBrowser('awa');
    const res = await agent.post('/rappels').set('HX-Request', 'true').set('X-CSRF-Token', csrf).type('form').send({ product: 'introuvable-xyz', lotNumber: 'L1', reason: 'contamination' });
    expect(res.status).toBe(404);
    expect(res.type).toBe('text/html');
    expect(res.text).toContain('Aucun produit ne correspond à « introuvable-xyz »');
    expect(res.text).toContain('value="L1"');
  });

  it('Rappels: a recall reaches both shops, and the page shows it applied in each with the units held', async () => {
    const { agent, csrf } = await staffBrowser('awa');
    const res = await agent.post('/rappels').set('HX-Request', 'true').set('X-CSRF-Token', csrf).type('form')
      .send({ product: '3400930000014', lotNumber: 'IBU-LOT-7', reason: 'Contamination signalée par le fabricant' });
    expect(res.status).toBe(200);
    expect(res.text).toContain('rappelé');
    let page = await agent.get('/rappels');
    expect(page.text).toContain('Appliqué dans 0 boutique(s) sur 2');
    // Each shop pulls the recall, then reports its cursor on its next pull.
    for (const shop of [dakar, thies]) {
      await shop.services.sync.pullNow({ force: true });
      await shop.services.sync.pullNow({ force: true });
    }
    page = await agent.get('/rappels');
    // The same GTIN made by two shops is one article: the recall reaches both products.
    expect(page.text).toContain('Appliqué dans 2 boutique(s) sur 2');
    for (const code of ['DKR01', 'THS02']) expect(page.text).toMatch(new RegExp(`data-shop="${code}"><td>[^<]*</td>\\s*<td><span class="badge badge-ok">appliqué</span></td>\\s*<td>27</td>`));
    expect(page.text).toContain('54 unité(s) encore en stock dans le réseau');
    // The page refreshes the list alone (every 20 s), never the form being typed.
    const list = await agent.get('/rappels/liste').set('HX-Request', 'true');
    expect(list.text.startsWith('<div id="recall-list"')).toBe(true);
    expect(list.text).toContain('Appliqué dans 2 boutique(s) sur 2');
    expect(list.text).not.toContain('<form');
    for (const shop of [dakar, thies]) {
      expect(await shop.db.one(`select status from product_batches where lot_number = 'IBU-LOT-7'`)).toEqual({ status: 'recalled' });
    }
  });

  it('Catalogue creates a product that flows down to the shops on their next pull', async () => {
    const { agent, csrf } = await staffBrowser('awa');
    const res = await agent.post('/catalogue').set('HX-Request', 'true').set('X-CSRF-Token', csrf).type('form')
      .send({ name: 'Sérum physiologique', sku: 'SERUM-5ML', gtin: '', unitPrice: '350' });
    expect(res.status).toBe(200);
    expect(res.text).toContain('Produit « Sérum physiologique » créé');
    const search = await agent.get('/catalogue?q=serum').set('HX-Request', 'true');
    expect(search.text).toContain('data-sku="SERUM-5ML"');
    await dakar.services.sync.pullNow({ force: true });
    expect(await dakar.db.one(`select name, unit_price from products where sku = 'SERUM-5ML'`)).toEqual({ name: 'Sérum physiologique', unitPrice: 350 });
    const bad = await agent.post('/catalogue').set('HX-Request', 'true').set('X-CSRF-Token', csrf).type('form').send({ name: 'Sans prix', sku: 'X-1', unitPrice: 'abc' });
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('unitPrice');
  });

  it('Conflits lists conflicts as French sentences, filters them, and marks them reviewed', async () => {
    const lot = await hq.db.one<{ id: string }>('select id from product_batches where shop_id = $1 limit 1', [dakar.shop.id]);
    await hq.db.exec(`insert into sync_conflicts (id, shop_id, entity, entity_id, field, local_value, remote_value, winner, reason, local_node, remote_node)
      values (gen_random_uuid(), $1, 'batch', $2, 'quantity', '5', '3', 'local', 'ledger_drift', 'HQ', 'HQ')`, [dakar.shop.id, lot!.id]);
    const { agent, csrf } = await staffBrowser('awa');
    const res = await agent.get('/conflits?boutique=DKR01&motif=ledger_drift');
    expect(res.status).toBe(200);
    expect(res.text).toContain('n’est pas la somme de ses mouvements');
    const id = /name="ids" value="([0-9a-f-]{36})"/.exec(res.text)![1]!;
    const review = await agent.post('/conflits/revus').set('X-CSRF-Token', csrf).type('form').send({ ids: id });
    expect(review.status).toBe(303);
    expect(await hq.db.one('select reviewed_at is not null as reviewed from sync_conflicts where id = $1', [id])).toEqual({ reviewed: true });
    const unreviewed = await agent.get('/conflits?boutique=DKR01&motif=ledger_drift&a-revoir=1');
    expect(unreviewed.text).toContain('Aucun conflit.');
  });
});
