import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../server/errors.js';
import { staffService } from '../../server/staff/service.js';
import { csrfToken } from '../../server/web/context.js';
import { testHq, testShop, type TestHq, type TestShop } from '../support/harness.js';

// Issue 19, item 2 (a burst is told to the manager and to head office) and the low item (wrong bearer tokens are throttled).

let hq: TestHq;
let shop: TestShop;
let token: string;
const PASSWORD = 'un-mot-de-passe-solide';

async function staffBrowser() {
  const agent = request.agent(hq.app);
  const res = await agent.post('/connexion').type('form').send({ login: 'awa', password: PASSWORD });
  expect(res.status).toBe(303);
  const session = /comptoir_siege=([^;]+)/.exec(String(res.headers['set-cookie']))![1]!;
  return { agent, csrf: csrfToken(decodeURIComponent(session)) };
}

beforeAll(async () => {
  hq = await testHq();
  await hq.listen();
  await staffService({ db: hq.db, now: () => new Date() }).addUser({ login: 'awa', name: 'Awa Diop', role: 'admin', password: PASSWORD });
  token = await hq.registerShop('ALR01');
  shop = await testShop({ code: 'ALR01', hq: { url: hq.url, token } });
});

describe('a burst of wrong PINs', () => {
  it('is shown to the shop’s managers on Paramètres and the dashboard, not to cashiers, and reaches head office’s Boutiques', async () => {
    for (let i = 0; i < 5; i++) {
      await expect(shop.services.users.login({ pin: String(7000 + i) }, '192.168.1.66')).rejects.toBeInstanceOf(AppError);
    }
    const line = '5 codes PIN faux depuis l’adresse 192.168.1.66';
    expect(await shop.db.rows('select kind, scope, subject, failures from security_alerts')).toEqual([{ kind: 'pin', scope: 'address', subject: '192.168.1.66', failures: 5 }]);

    const manager = await shop.as('manager');
    for (const url of ['/parametres', '/tableau-de-bord']) {
      const page = await manager.get(url);
      expect(page.status).toBe(200);
      expect(page.text).toContain('Alertes de sécurité');
      expect(page.text).toContain(line);
    }
    const cashierPage = await (await shop.as('cashier')).get('/parametres');
    expect(cashierPage.text).not.toContain(line);

    await shop.services.sync.runNow({ force: true });
    const received = await hq.db.one<{ shopId: string; receivedAt: Date | null }>('select shop_id, received_at from security_alerts');
    expect(received).toMatchObject({ shopId: shop.shop.id });
    expect(received!.receivedAt).toBeInstanceOf(Date);
    const { agent } = await staffBrowser();
    const shops = await agent.get('/boutiques');
    expect(shops.text).toContain('Alertes de sécurité');
    expect(shops.text).toContain(`<a href="/boutiques/ALR01">ALR01</a> : ${line}`);
    expect((await agent.get('/boutiques/ALR01')).text).toContain(line);
    // Pushed again (a retry), it is still one alert.
    await shop.db.exec(`insert into sync_outbox (entity, entity_id, op, payload, hlc) select 'security_alert', id, 'insert', jsonb_build_object('id', id, 'shopId', shop_id, 'kind', kind, 'scope', scope, 'subject', subject, 'failures', failures, 'since', since, 'createdAt', created_at), hlc from security_alerts`);
    await shop.services.sync.runNow({ force: true });
    expect(await hq.count('security_alerts')).toBe(1);
  });
});

describe('wrong bearer tokens', () => {
  it('slow their address down, for a shop’s sync and for the admin API, and are told on Boutiques', async () => {
    const before = await hq.count('security_alerts');
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await request(hq.app).get('/api/sync/pull').set('authorization', 'Bearer not-a-token')).status);
    for (let i = 0; i < 6; i++) statuses.push((await request(hq.app).get('/api/shops').set('authorization', 'Bearer not-the-admin')).status);
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(statuses.slice(10)).toEqual([429, 429]);
    // The address waits, the right token included; the wait doubles and runs out.
    const waiting = await hq.admin('get', '/api/shops');
    expect(waiting.status).toBe(429);
    expect(waiting.body.error).toMatchObject({ code: 'locked', message: 'Trop d’essais incorrects. Réessayez dans 1 s.' });
    expect(waiting.headers['retry-after']).toBe('1');
    hq.clock.set(new Date(hq.clock.now().getTime() + 1000));
    expect((await request(hq.app).get('/api/shops').set('authorization', 'Bearer not-the-admin')).status).toBe(401);
    expect((await hq.admin('get', '/api/shops')).headers['retry-after']).toBe('2');
    hq.clock.set(new Date(hq.clock.now().getTime() + 2000));
    expect((await hq.admin('get', '/api/shops')).status).toBe(200);

    // A shop's right token is never held back (shops share NAT addresses); a wrong one from a waiting address waits.
    for (let i = 0; i < 4; i++) await request(hq.app).get('/api/sync/pull').set('authorization', 'Bearer not-a-token');
    expect((await request(hq.app).get('/api/sync/pull').set('authorization', 'Bearer not-a-token')).status).toBe(429);
    expect((await request(hq.app).get('/api/sync/pull').set('authorization', `Bearer ${token}`)).status).toBe(200);

    expect(await hq.count('security_alerts')).toBe(before + 1);
    hq.clock.set(new Date(hq.clock.now().getTime() + 86_400_000));
    const { agent } = await staffBrowser();
    expect((await agent.get('/boutiques')).text).toContain('Siège : 10 jetons refusés depuis l’adresse 127.0.0.1');
    expect((await agent.get('/comptes')).text).toContain('10 jetons refusés depuis l’adresse 127.0.0.1');
  });
});
