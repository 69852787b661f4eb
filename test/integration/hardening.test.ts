import { pino } from 'pino';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../server/app.js';
import { csrfToken } from '../../server/web/context.js';
import { PINS, seedBatch, seedProduct, testShop, type TestShop } from '../support/harness.js';

let t: TestShop;
let agent: ReturnType<typeof request.agent>;
let csrf = '';
beforeAll(async () => {
  t = await testShop({ code: 'HRD01' });
  agent = request.agent(t.app);
  const login = await agent.post('/api/session').send({ pin: PINS.manager });
  csrf = csrfToken(decodeURIComponent(/comptoir_session=([^;]+)/.exec(login.headers['set-cookie']![0]!)![1]!));
});

describe('inputs that used to answer 500', () => {
  it('refuses NUL and lone surrogates in any text with a 422 naming the field, writing nothing', async () => {
    const p = await seedProduct(t, { name: 'Gaviscon' });
    const before = await t.counts();
    for (const [method, path, body, field] of [
      ['patch', `/api/products/${p.id}`, { name: 'Gavi\u0000scon' }, 'name'],
      ['patch', `/api/products/${p.id}`, { name: 'Gaviscon \ud800' }, 'name'],
      ['post', '/api/products', { sku: 'A\u0000', name: 'x', unitPrice: 1 }, 'sku'],
      ['post', '/api/batches', { productId: p.id, lotNumber: 'L\u0000', expirationDate: '2030-01-01', quantity: 1 }, 'lotNumber'],
      ['patch', '/api/settings', { receiptFooter: 'Merci\u0000' }, 'receiptFooter'],
      ['post', '/api/users', { name: 'A\u0000', role: 'cashier', pin: '918273' }, 'name'],
    ] as const) {
      const res = await (agent as unknown as Record<string, (u: string) => request.Test>)[method]!(path).send(body);
      expect(res.status, `${method} ${path}`).toBe(422);
      expect(res.body.error).toEqual({ code: 'bad_text', message: `Texte refusé : il contient un caractère invisible ou invalide (champ ${field}).` });
    }
    expect((await agent.get('/api/products?q=%00')).status).toBe(422);
    const page = await agent.post('/produits').set('X-CSRF-Token', csrf).type('form').send('sku=Z%00&name=x&unitPrice=1');
    expect(page.status).toBe(422);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(await t.counts()).toEqual(before);
  });

  it('answers 400 for a malformed percent-encoding in an id, and 404 pages for ids that are not ids', async () => {
    for (const path of ['/api/products/%ZZ', '/api/batches/%E0%A4%A', '/api/sales/%/receipt.pdf']) {
      const res = await agent.get(path);
      expect(res.status, path).toBe(400);
      expect(res.body.error.message).toBe('Requête invalide.');
    }
    const before = await t.counts();
    for (const path of ['/produits/xyz', '/ventes/xyz/annuler', '/stock/lots/xyz/mouvement', '/caisse/panier/xyz', '/caisse/panier/xyz/supprimer']) {
      const res = await agent.post(path).set('X-CSRF-Token', csrf).type('form').send('unitPrice=1&quantity=1&kind=adjustment&delta=1&reason=x');
      expect(res.status, path).toBe(404);
      expect(res.headers['content-type']).toMatch(/text\/html/);
      expect(res.text).toContain('Introuvable.');
    }
    // htmx gets the message in the page's alert area, and nothing else is swapped.
    const htmx = await agent.post('/produits/xyz').set('X-CSRF-Token', csrf).set('HX-Request', 'true').type('form').send('unitPrice=1');
    expect(htmx.status).toBe(404);
    expect(htmx.headers['hx-reswap']).toBe('none');
    expect(htmx.text).toContain('id="flash"');
    expect(htmx.text).toContain('hx-swap-oob="true"');
    expect(await t.counts()).toEqual(before);
  });

  it('refuses a cart line for a product that does not exist, and keeps a shop setting a form left out', async () => {
    const before = await t.counts();
    const res = await agent.post('/caisse/panier').set('X-CSRF-Token', csrf).type('form').send('productId=01900000-0000-7000-8000-000000000001');
    expect(res.status).toBe(404);
    expect(await t.counts()).toEqual(before);
    const settings = await agent.post('/parametres/boutique').set('X-CSRF-Token', csrf).type('form').send('name=Pharmacie%20Nouvelle&printerKind=none');
    expect(settings.status).toBe(200);
    expect((await agent.get('/api/settings')).body).toMatchObject({ name: 'Pharmacie Nouvelle', receiptWidthMm: 80 });
  });

  it('refuses a sale line naming an unknown lot or another product’s lot, writing nothing', async () => {
    const p = await seedProduct(t, { name: 'Smecta' });
    const q = await seedProduct(t, { name: 'Spasfon' });
    await seedBatch(t, { productId: p.id, expirationDate: '2030-01-01', quantity: 10 });
    const other = await seedBatch(t, { productId: q.id, expirationDate: '2030-01-01', quantity: 10 });
    const before = await t.counts();
    for (const batchId of ['01900000-0000-7000-8000-000000000001', other.id]) {
      const res = await agent.post('/api/sales').send({ lines: [{ productId: p.id, quantity: 1, batchId }], payment: { method: 'card' } });
      expect(res.status).toBe(422);
      expect(res.body.error).toMatchObject({ code: 'lot_not_sellable', message: 'Ce lot n’est pas un lot de « Smecta » dans cette boutique : scannez la boîte à nouveau.' });
    }
    expect(await t.counts()).toEqual(before);
  });
});

describe('a failure of ours', () => {
  it('is logged once with a request id, and the client sees only a French message and that id', async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
    const services = { ...t.services, catalog: { ...t.services.catalog, searchProducts: async () => { throw new Error('relation "secret_table" does not exist'); } } };
    const { app } = createApp({ role: 'shop', db: t.db, logger, shop: t.shop, now: () => new Date(), services });
    const a = request.agent(app);
    await a.post('/api/session').send({ pin: PINS.cashier }).expect(200);
    const res = await a.get('/api/products?q=x');
    expect(res.status).toBe(500);
    const id = res.headers['x-request-id'] as string;
    expect(id).toMatch(/^[0-9a-f]{10}$/);
    expect(res.body).toEqual({ error: { code: 'internal', requestId: id, message: `Une erreur inattendue est survenue (référence ${id}). Réessayez ; si cela persiste, prévenez le responsable en donnant cette référence.` } });
    expect(JSON.stringify(res.body)).not.toContain('secret_table');
    const failures = lines.filter((l) => l.msg === 'request failed');
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ requestId: id, url: '/api/products?q=x' });
    expect(lines.find((l) => l.msg === 'request' && l.status === 500)).toMatchObject({ requestId: id });
    // A page gets the same, as HTML.
    const page = await a.get('/produits?q=x');
    expect(page.status).toBe(500);
    expect(page.text).toContain(`(référence ${page.headers['x-request-id']})`);
    expect(page.text).not.toContain('secret_table');
  });
});
