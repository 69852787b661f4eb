import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { csrfToken } from '../../server/web/context.js';
import { PINS, seedBatch, seedProduct, testShop, type TestShop } from '../support/harness.js';

let t: TestShop;
const OTHER_PIN = '5555';

beforeAll(async () => {
  t = await testShop({ now: new Date('2026-11-26T10:00:00Z') });
  await t.services.users.createUser({ name: 'Autre caissier', role: 'cashier', pin: OTHER_PIN });
  const p = await seedProduct(t, { name: 'Sirop', unitPrice: 1000 });
  await seedBatch(t, { productId: p.id, expirationDate: '2028-01-31', quantity: 10 });
});

/** The same person on both surfaces: the API (its cookie) and the pages (with the form token). */
async function asPin(pin: string) {
  const api = request.agent(t.app);
  expect((await api.post('/api/session').send({ pin })).status).toBe(200);
  const pages = request.agent(t.app);
  const res = await pages.post('/connexion').type('form').send({ pin });
  const token = /comptoir_session=([^;]+)/.exec(String(res.headers['set-cookie']))![1]!;
  return { api, pages, csrf: csrfToken(decodeURIComponent(token)) };
}

describe('one rule for what a cashier may read, on the pages and the API alike', () => {
  it('shows a cashier the X and Z reports of their own sessions only; a manager sees every one', async () => {
    const other = await asPin(OTHER_PIN);
    const theirs = (await other.api.post('/api/cash/sessions').set('x-comptoir-poste', 'Caisse 9').send({ float: 1000 })).body.id as string;
    const cashier = await asPin(PINS.cashier);
    const mine = (await cashier.api.post('/api/cash/sessions').set('x-comptoir-poste', 'Caisse 1').send({ float: 500 })).body.id as string;

    for (const path of [`/api/cash/sessions/${theirs}`, `/api/cash/sessions/${theirs}/x.pdf`]) {
      const res = await cashier.api.get(path);
      expect(res.status, path).toBe(403);
      expect(res.body.error.message).toBe('Cette session de caisse est celle d’un autre caissier : seul un responsable peut la consulter.');
    }
    expect((await cashier.pages.get(`/caisse/session/${theirs}`)).status).toBe(403);
    expect((await cashier.api.get(`/api/cash/sessions/${mine}`)).status).toBe(200);
    expect((await cashier.pages.get(`/caisse/session/${mine}`)).status).toBe(200);
    const listed = (await cashier.api.get('/api/cash/sessions')).body;
    expect(listed.open.map((s: { id: string }) => s.id)).toEqual([mine]);

    // Closed, its Z report stays its cashier's and the managers'.
    expect((await other.api.post(`/api/cash/sessions/${theirs}/close`).send({ counted: { cash: 1000 } })).status).toBe(200);
    expect((await cashier.api.get(`/api/cash/sessions/${theirs}/z.pdf`)).status).toBe(403);
    expect((await other.api.get(`/api/cash/sessions/${theirs}/z.pdf`)).status).toBe(200);
    const manager = await asPin(PINS.manager);
    for (const path of [`/api/cash/sessions/${theirs}`, `/api/cash/sessions/${theirs}/z.pdf`, `/api/cash/sessions/${mine}/x.pdf`]) {
      expect((await manager.api.get(path)).status, path).toBe(200);
    }
    expect((await manager.pages.get(`/caisse/session/${theirs}`)).status).toBe(200);
    expect((await manager.api.get('/api/cash/sessions')).body.closed.map((s: { id: string }) => s.id)).toContain(theirs);
  });

  it('keeps the conflict log a manager’s on the page as in the API', async () => {
    const cashier = await asPin(PINS.cashier);
    expect((await cashier.api.get('/api/conflicts')).status).toBe(403);
    const page = await cashier.pages.get('/parametres/conflits');
    expect(page.status).toBe(403);
    expect((await cashier.pages.get('/parametres')).text).not.toContain('href="/parametres/conflits"');
    const manager = await asPin(PINS.manager);
    expect((await manager.api.get('/api/conflicts')).status).toBe(200);
    expect((await manager.pages.get('/parametres/conflits')).status).toBe(200);
    expect((await manager.pages.get('/parametres')).text).toContain('href="/parametres/conflits"');
  });
});
