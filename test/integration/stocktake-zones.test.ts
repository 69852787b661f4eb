import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { csrfToken } from '../../server/web/context.js';
import { PINS, seedBatch, seedProduct, testHq, testShop, type TestHq, type TestShop } from '../support/harness.js';
import { pdfPages, pdfText, requireTool } from '../support/tools.js';

// Issue 23: a stocktake of one zone or shelf of the shop, its count sheets grouped by zone.
const poppler = requireTool('pdftotext', 'poppler-utils');
let hq: TestHq;
let shop: TestShop;

beforeAll(async () => {
  hq = await testHq();
  await hq.listen();
  shop = await testShop({ code: 'ZON01', hq: { url: hq.url, token: await hq.registerShop('ZON01') } });
});

const pdfOf = async (agent: ReturnType<typeof request.agent>, path: string) =>
  agent.get(path).buffer(true).parse((r, cb) => {
    const chunks: Buffer[] = [];
    r.on('data', (c: Buffer) => chunks.push(c));
    r.on('end', () => cb(null, Buffer.concat(chunks)));
  });

async function browserAs(role: keyof typeof PINS) {
  const agent = request.agent(shop.app);
  const res = await agent.post('/connexion').type('form').send({ pin: PINS[role] });
  const token = /comptoir_session=([^;]+)/.exec(String(res.headers['set-cookie']))![1]!;
  const csrf = csrfToken(decodeURIComponent(token));
  return { get: (path: string) => agent.get(path), post: (path: string) => agent.post(path).set('X-CSRF-Token', csrf).set('HX-Request', 'true') };
}

describe('zones and stocktakes of one zone', () => {
  it('counts only the zone’s products, leaves every other lot alone at finalising, prints its sheet, and the zone reaches head office', async () => {
    const fridge = [await seedProduct(shop, { name: 'Insuline rapide' }), await seedProduct(shop, { name: 'Vaccin grippe' })];
    const shelf = await seedProduct(shop, { name: 'Paracétamol 500 mg' });
    const lots = [
      await seedBatch(shop, { productId: fridge[0]!.id, lotNumber: 'INS-1', expirationDate: '2027-06-30', quantity: 10 }),
      await seedBatch(shop, { productId: fridge[1]!.id, lotNumber: 'VAC-1', expirationDate: '2027-03-31', quantity: 8 }),
    ];
    const other = await seedBatch(shop, { productId: shelf.id, lotNumber: 'PAR-9', expirationDate: '2028-01-31', quantity: 50 });
    const pharmacist = await shop.as('pharmacist');
    for (const p of fridge) expect((await pharmacist.put(`/api/products/${p.id}/zone`).send({ zone: '  Frigo ' }).expect(200)).body).toEqual({ productId: p.id, zone: 'Frigo' });
    await pharmacist.put(`/api/products/${shelf.id}/zone`).send({ zone: 'Rayon A' }).expect(200);
    expect((await pharmacist.get('/api/stocktakes/zones').expect(200)).body).toEqual([{ zone: 'Frigo', products: 2 }, { zone: 'Rayon A', products: 1 }]);

    const manager = await shop.as('manager');
    const st = (await manager.post('/api/stocktakes').send({ scope: { zone: 'Frigo' } }).expect(201)).body;
    expect(st.scope).toEqual({ zone: 'Frigo', productIds: expect.arrayContaining(fridge.map((p) => p.id)) });
    expect(st.lines.map((l: { lotNumber: string; zone: string }) => [l.lotNumber, l.zone]).sort()).toEqual([['INS-1', 'Frigo'], ['VAC-1', 'Frigo']]);

    // A lot of another zone is not this stocktake's: refused, nothing written.
    const before = await shop.db.one('select count(*)::int as n from stocktake_counts');
    const outside = await manager.post(`/api/stocktakes/${st.id}/counts`).send({ batchId: other.id, countedQty: 49 });
    expect(outside.status).toBe(422);
    expect(outside.body.error.message).toBe('Ce produit ne fait pas partie de cet inventaire.');
    expect(await shop.db.one('select count(*)::int as n from stocktake_counts')).toEqual(before);

    // Count sheets by zone name the zone; by product too.
    if (poppler.available) {
      const byZone = await pdfOf(manager, `/api/stocktakes/${st.id}/sheet.pdf?by=zone`);
      expect(byZone.headers['content-type']).toBe('application/pdf');
      const text = pdfText(byZone.body as Buffer);
      expect(text).toContain('Zone : Frigo');
      expect(text).toMatch(/Insuline rapide[\s\S]*Vaccin grippe/);
      expect(text).not.toContain('Paracétamol');
      expect(text).not.toMatch(/\b10\b/); // never the expected quantity
    }

    await manager.post(`/api/stocktakes/${st.id}/counts`).send({ batchId: lots[0]!.id, countedQty: 9 }).expect(201);
    const done = (await manager.post(`/api/stocktakes/${st.id}/finalise`).send({ zeroUncounted: true }).expect(200)).body;
    // The fridge's uncounted lot is zeroed (asked); the shelf's lot, outside the zone, is not touched.
    expect(done.summary).toMatchObject({ lotsCounted: 1, lotsZeroed: 1 });
    expect((await shop.services.stock.getBatch(lots[0]!.id)).quantity).toBe(9);
    expect((await shop.services.stock.getBatch(lots[1]!.id)).quantity).toBe(0);
    expect((await shop.services.stock.getBatch(other.id)).quantity).toBe(50);

    await shop.services.sync.pushNow({ force: true });
    expect(await hq.db.one('select scope from stocktakes where id = $1', [st.id])).toEqual({ scope: { zone: 'Frigo', productIds: expect.arrayContaining(fridge.map((p) => p.id)) } });
    // The zones stay at the shop: nothing of them travels.
    expect(await hq.count('product_zones')).toBe(0);
  });

  it('prints a whole-shop sheet a page per zone, the products shelved nowhere last under « Sans zone »', async () => {
    const loose = await seedProduct(shop, { name: 'Zinc sirop' });
    await seedBatch(shop, { productId: loose.id, lotNumber: 'ZIN-1', expirationDate: '2027-09-30', quantity: 4 });
    const manager = await shop.as('manager');
    const st = (await manager.post('/api/stocktakes').send({}).expect(201)).body;
    if (poppler.available) {
      const pdf = await pdfOf(manager, `/api/stocktakes/${st.id}/sheet.pdf?by=zone`);
      const text = pdfText(pdf.body as Buffer);
      expect(text.indexOf('Zone : Frigo')).toBeLessThan(text.indexOf('Zone : Rayon A'));
      expect(text.indexOf('Zone : Rayon A')).toBeLessThan(text.indexOf('Zone : Sans zone'));
      expect(text.slice(text.indexOf('Zone : Sans zone'))).toContain('Zinc sirop');
      expect(pdfPages(pdf.body as Buffer).pages).toBe(3);
    }
    await manager.post(`/api/stocktakes/${st.id}/cancel`).expect(200);
  });

  it('refuses a zone with no product, a zone with a list of products, a blank or long zone, an unknown product and a cashier, writing nothing', async () => {
    const p = await seedProduct(shop, { name: 'Refus zone' });
    const manager = await shop.as('manager');
    const before = await shop.db.one('select (select count(*) from stocktakes)::int as st, (select count(*) from product_zones)::int as z');
    const cases: [request.Test, number, RegExp][] = [
      [manager.post('/api/stocktakes').send({ scope: { zone: 'Cave' } }), 422, /Aucun produit n’est rangé dans la zone « Cave »/],
      [manager.post('/api/stocktakes').send({ scope: { zone: 'Frigo', productIds: [p.id] } }), 422, /une zone ou sur une liste de produits/],
      [manager.put(`/api/products/${p.id}/zone`).send({ zone: '   ' }), 400, /Nommez la zone/],
      [manager.put(`/api/products/${p.id}/zone`).send({ zone: 'x'.repeat(41) }), 400, /40 caractères/],
      [manager.put('/api/products/0193a000-0000-7000-8000-00000000dead/zone').send({ zone: 'Frigo' }), 404, /Produit introuvable/],
      [(await shop.as('cashier')).put(`/api/products/${p.id}/zone`).send({ zone: 'Frigo' }), 403, /./],
    ];
    for (const [req, status, message] of cases) {
      const res = await req;
      expect(res.status, JSON.stringify(res.body)).toBe(status);
      expect(res.body.error.message).toMatch(message);
    }
    expect(await shop.db.one('select (select count(*) from stocktakes)::int as st, (select count(*) from product_zones)::int as z')).toEqual(before);
    // `null` takes a product out of its zone.
    await manager.put(`/api/products/${p.id}/zone`).send({ zone: 'Caisse' }).expect(200);
    expect((await manager.put(`/api/products/${p.id}/zone`).send({ zone: null }).expect(200)).body).toEqual({ productId: p.id, zone: null });
  });
});

describe('the Inventaires page', () => {
  it('shelves a product by its name, lists the zones, and opens a stocktake of one zone', async () => {
    const p = await seedProduct(shop, { name: 'Collyre antiseptique' });
    await seedBatch(shop, { productId: p.id, lotNumber: 'COL-Z', expirationDate: '2027-02-28', quantity: 6 });
    const pharmacist = await browserAs('pharmacist');
    const shelved = await pharmacist.post('/inventaires/zones').type('form').send({ product: 'Collyre antiseptique', zone: 'Vitrine' }).expect(200);
    expect(shelved.text).toContain('Collyre antiseptique rangé dans la zone « Vitrine ».');
    expect(shelved.text).toMatch(/<td>Vitrine<\/td><td>1<\/td>/);
    const unknown = await pharmacist.post('/inventaires/zones').type('form').send({ product: 'Introuvable 999', zone: 'Vitrine' });
    expect(unknown.status).toBe(404);
    expect(unknown.text).toContain('Aucun produit ne correspond à « Introuvable 999 »');
    // A cashier reads the zones but does not shelve.
    expect((await (await browserAs('cashier')).get('/inventaires').expect(200)).text).not.toContain('name="product"');
    expect((await (await browserAs('cashier')).post('/inventaires/zones').type('form').send({ product: 'Collyre', zone: 'X' })).status).toBe(403);

    const manager = await browserAs('manager');
    const page = await manager.get('/inventaires').expect(200);
    expect(page.text).toContain('<option value="Vitrine">Zone Vitrine (1 produit(s))</option>');
    const opened = await manager.post('/inventaires').type('form').send({ zone: 'Vitrine' }).expect(200);
    expect(opened.text).toContain('zone « Vitrine »');
    expect(opened.text).toContain('COL-Z');
    expect(opened.text).not.toContain('INS-1');
    expect(opened.text).toContain('Feuilles de comptage par zone (PDF)');
    const st = (await shop.services.stocktakes.list()).find((s) => s.status === 'open')!;
    await manager.post(`/inventaires/${st.id}/annuler`).expect(200);
  });
});
