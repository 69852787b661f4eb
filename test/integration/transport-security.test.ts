import fs from 'node:fs';
import os from 'node:os';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../server/app.js';
import { loadConfig } from '../../server/config.js';
import { hashToken } from '../../server/http/bearer.js';
import { createLogger } from '../../server/logger.js';
import { staffService } from '../../server/staff/service.js';
import { csrfToken } from '../../server/web/context.js';
import { freePort, startServer, tempDataDir, waitHealthy, type RunningServer } from '../support/process.js';
import { PINS, testHq, testShop, type TestHq, type TestShop } from '../support/harness.js';

let hq: TestHq;
let shop: TestShop;
const PASSWORD = 'un-mot-de-passe-solide';

beforeAll(async () => {
  hq = await testHq();
  await staffService({ db: hq.db, now: () => new Date() }).addUser({ login: 'awa', name: 'Awa Diop', role: 'admin', password: PASSWORD });
  shop = await testShop({ code: 'TLS01' });
});

/** Head office's app over the same database, built as boot builds it from these settings. */
function hqApp(settings: Record<string, string>) {
  const config = loadConfig('hq', { ...settings, TZ: 'Africa/Dakar' });
  return createApp({
    role: 'hq', db: hq.db, logger: createLogger('silent'), now: () => new Date(), hqAdminTokenHash: hashToken(hq.adminToken),
    trustProxy: config.trustProxy, publicUrl: config.publicUrl,
  }).app;
}

const signIn = (app: ReturnType<typeof hqApp>, headers: Record<string, string> = {}) =>
  request(app).post('/connexion').set(headers).type('form').send({ login: 'awa', password: PASSWORD });

describe('head office behind TLS', () => {
  it('marks its session cookie Secure and sends HSTS when a proxy named in TRUST_PROXY says the request came over https', async () => {
    const app = hqApp({ TRUST_PROXY: 'loopback' });
    const res = await signIn(app, { 'X-Forwarded-Proto': 'https' });
    expect(res.status).toBe(303);
    expect(String(res.headers['set-cookie'])).toMatch(/comptoir_siege=[^;]+;.*Secure/);
    expect(res.headers['strict-transport-security']).toBe('max-age=31536000');
  });

  it('believes no forwarded header unless TRUST_PROXY names the proxy: a client saying https itself gets neither', async () => {
    const app = hqApp({});
    const res = await signIn(app, { 'X-Forwarded-Proto': 'https' });
    expect(res.status).toBe(303);
    expect(String(res.headers['set-cookie'])).not.toContain('Secure');
    expect(res.headers['strict-transport-security']).toBeUndefined();
    // A proxy elsewhere is not this client either.
    const other = await signIn(hqApp({ TRUST_PROXY: '10.0.0.5' }), { 'X-Forwarded-Proto': 'https' });
    expect(String(other.headers['set-cookie'])).not.toContain('Secure');
  });

  it('is always https when PUBLIC_URL says so, even for a request its proxy did not label', async () => {
    const app = hqApp({ PUBLIC_URL: 'https://siege.example.com' });
    const res = await signIn(app);
    expect(String(res.headers['set-cookie'])).toMatch(/Secure/);
    expect(res.headers['strict-transport-security']).toBe('max-age=31536000');
    const session = String(res.headers['set-cookie']).split(';')[0]!;
    const out = await request(app).post('/deconnexion').set('Cookie', session).set('X-CSRF-Token', csrfToken(decodeURIComponent(session.split('=')[1]!)));
    expect(out.status).toBe(303);
    expect(String(out.headers['set-cookie'])).toMatch(/comptoir_siege=;.*Secure/);
  });

  it('keeps the shop’s tills on plain http: no Secure cookie, no HSTS by default', async () => {
    const res = await request(shop.app).post('/api/session').set('X-Forwarded-Proto', 'https').send({ pin: PINS.cashier });
    expect(res.status).toBe(200);
    expect(String(res.headers['set-cookie'])).not.toContain('Secure');
    expect(res.headers['strict-transport-security']).toBeUndefined();
  });

  it('refuses a TRUST_PROXY, LISTEN_ADDRESS or PUBLIC_URL it cannot use, in French, before starting', () => {
    expect(() => loadConfig('hq', { TRUST_PROXY: 'true' })).toThrow(/TRUST_PROXY/);
    expect(() => loadConfig('hq', { TRUST_PROXY: '10.0.0.0/33' })).toThrow(/TRUST_PROXY/);
    expect(() => loadConfig('hq', { LISTEN_ADDRESS: 'partout' })).toThrow(/LISTEN_ADDRESS/);
    expect(() => loadConfig('hq', { PUBLIC_URL: 'ftp://siege.example.com' })).toThrow(/PUBLIC_URL/);
    expect(loadConfig('hq', { TRUST_PROXY: 'loopback, 10.0.0.0/8,fd00::1' }).trustProxy).toBe('loopback, 10.0.0.0/8,fd00::1');
    expect(loadConfig('hq', {}).trustProxy).toBe(false);
  });
});

describe('where each role listens', () => {
  it('head office on 127.0.0.1 unless LISTEN_ADDRESS names another address; the shop on every interface, for its tills', () => {
    expect(loadConfig('hq', {}).listenAddress).toBe('127.0.0.1');
    expect(loadConfig('hq', { LISTEN_ADDRESS: '0.0.0.0' }).listenAddress).toBe('0.0.0.0');
    expect(loadConfig('shop', {}).listenAddress).toBeUndefined();
    expect(loadConfig('shop', { LISTEN_ADDRESS: '192.168.1.20' }).listenAddress).toBe('192.168.1.20');
  });

  describe('the real head-office process', () => {
    let server: RunningServer | undefined;
    const dataDir = tempDataDir('comptoir-hq-listen-');
    afterAll(async () => {
      if (server && server.child.exitCode === null) server.child.kill('SIGTERM');
      await server?.exited;
      fs.rmSync(dataDir, { recursive: true, force: true });
    });

    it('answers on loopback and not on the machine’s network address', { timeout: 90_000 }, async () => {
      const port = await freePort();
      server = startServer({ DATA_DIR: dataDir, PORT: String(port), EMBEDDED_PG_PORT: String(await freePort()), LOG_LEVEL: 'info' }, ['--hq']);
      await waitHealthy(port, server);
      expect(server.output()).toContain(`listening on http://127.0.0.1:${port}`);
      const lan = Object.values(os.networkInterfaces()).flat().find((a) => a && a.family === 'IPv4' && !a.internal);
      if (lan) await expect(fetch(`http://${lan.address}:${port}/healthz`)).rejects.toThrow();
    });
  });
});

describe('security headers', () => {
  const CSP = /default-src 'self'; script-src 'self'; style-src 'self'.*frame-ancestors 'none'/;

  it('head office’s pages forbid framing, inline scripts and sniffing, and send no referrer elsewhere', async () => {
    const res = await request(hq.app).get('/connexion');
    expect(res.status).toBe(200);
    expect(res.headers['content-security-policy']).toMatch(CSP);
    expect(res.headers['content-security-policy']).toContain("object-src 'none'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['referrer-policy']).toBe('same-origin');
  });

  it('the shop’s pages too, and its JSON API is never sniffed', async () => {
    const page = await request(shop.app).get('/connexion');
    expect(page.headers['content-security-policy']).toMatch(CSP);
    expect(page.headers['x-frame-options']).toBe('DENY');
    const api = await request(shop.app).get('/api/products');
    expect(api.status).toBe(401);
    expect(api.headers['x-content-type-options']).toBe('nosniff');
  });

  it('head office’s CSV exports are never stored by a browser or a proxy', async () => {
    const agent = request.agent(hq.app);
    await agent.post('/connexion').type('form').send({ login: 'awa', password: PASSWORD });
    for (const url of ['/ventes/export.csv', '/peremptions/export.csv']) {
      const res = await agent.get(url);
      expect(res.status).toBe(200);
      expect(res.type).toBe('text/csv');
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
    }
  });
});
