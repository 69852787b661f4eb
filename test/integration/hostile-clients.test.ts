import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { staffService } from '../../server/staff/service.js';
import { PINS, testHq, testShop, type TestHq, type TestShop } from '../support/harness.js';

let shop: TestShop;
let hq: TestHq;
const BAD = '%E0%A4%A'; // a percent-encoding that does not decode

beforeAll(async () => {
  shop = await testShop({ code: 'HOS01' });
  hq = await testHq();
  await staffService({ db: hq.db, now: () => new Date() }).addUser({ login: 'awa', name: 'Awa Diop', role: 'admin', password: 'un-mot-de-passe-solide' });
});

describe('a malformed cookie', () => {
  it('is no session to the shop’s API: 401 in French, and the PIN login still works beside it', async () => {
    const me = await request(shop.app).get('/api/products').set('Cookie', `comptoir_session=${BAD}`);
    expect(me.status).toBe(401);
    expect(me.body.error.message).toBe('Veuillez vous connecter avec votre code PIN.');
    const login = await request(shop.app).post('/api/session').set('Cookie', `comptoir_session=${BAD}; comptoir_poste=${BAD}`).send({ pin: PINS.cashier });
    expect(login.status).toBe(200);
    expect(login.body.user.role).toBe('cashier');
  });

  it('is no session to the shop’s pages: Connexion, never an error page', async () => {
    const till = await request(shop.app).get('/caisse').set('Cookie', `comptoir_session=${BAD}`);
    expect(till.status).toBe(303);
    expect(till.headers.location).toBe('/connexion');
    const page = await request(shop.app).get('/connexion').set('Cookie', `comptoir_session=${BAD}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('PIN');
  });

  it('is no session at head office either', async () => {
    const res = await request(hq.app).get('/boutiques').set('Cookie', `comptoir_siege=${BAD}`);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/connexion');
  });

  it('names no terminal: a sale made beside a malformed terminal cookie is recorded', async () => {
    const login = await request(shop.app).post('/api/session').send({ pin: PINS.manager });
    const session = String(login.headers['set-cookie']).split(';')[0]!;
    const cookie = `${session}; comptoir_poste=${BAD}`;
    const product = (await request(shop.app).post('/api/products').set('Cookie', cookie).send({ sku: 'HOS-1', name: 'Paracétamol 500 mg', unitPrice: 800 })).body;
    await request(shop.app).post('/api/batches').set('Cookie', cookie).send({ productId: product.id, lotNumber: 'H1', expirationDate: '2030-01-31', quantity: 5 });
    const sale = await request(shop.app).post('/api/sales').set('Cookie', cookie).send({ lines: [{ productId: product.id, quantity: 1 }], payment: { method: 'card' } });
    expect(sale.status).toBe(201);
  });
});
