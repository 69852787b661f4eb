import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { initFromHq } from '../../server/sync/rebuild.js';
import { staffService } from '../../server/staff/service.js';
import { csrfToken } from '../../server/web/context.js';
import { freshDatabase, testHq, testShop, type TestHq, type TestShop } from '../support/harness.js';

/*
 * Issue 24: `shop init-from-hq` brings the shop's people back, without PINs.
 * The first manager gets the operator's PIN (or one shown once); the others
 * choose theirs at their first sign-in with a one-time code head office hands
 * out: used once, expiring, counted like any PIN typed at the shop.
 */

let hq: TestHq;
let token: string;
let rebuilt: TestShop;
const ids = { manager: '', cashier: '', pharmacist: randomUUID() };

beforeAll(async () => {
  hq = await testHq();
  await hq.listen();
  token = await hq.registerShop('STF01');
  const first = await testShop({ code: 'STF01', hq: { url: hq.url, token } });
  ids.manager = (await first.services.users.createUser({ name: 'Aïssatou Responsable', role: 'manager', pin: '909090' })).id;
  ids.cashier = (await first.services.users.createUser({ name: 'Lamine Camara', role: 'cashier', pin: '5656' })).id;
  await hq.admin('post', '/api/staff').send({ id: ids.pharmacist, name: 'Codou Faye', role: 'pharmacist', shops: ['STF01'] }).expect(201);
  await first.services.sync.runNow({ force: true });
  await first.close();

  // The machine dies: a new one, an empty database, the same code and token.
  const { url } = await freshDatabase();
  rebuilt = await testShop({ code: 'STF01', url, hq: { url: hq.url, token } });
});

const firstPin = (app: TestShop['app'], body: { code: string; pin: string }) => request(app).post('/api/session/first-pin').send(body);

describe('a shop rebuilt from head office', () => {
  it('gets its people back without any PIN, and its first manager the PIN shown once', async () => {
    const result = await initFromHq(rebuilt.deps);
    expect(result.rows.staff).toBe(3);
    expect(await rebuilt.db.rows('select id, name, role, active, pin_set from users order by name')).toEqual([
      { id: ids.manager, name: 'Aïssatou Responsable', role: 'manager', active: true, pinSet: false },
      { id: ids.pharmacist, name: 'Codou Faye', role: 'pharmacist', active: true, pinSet: false },
      { id: ids.cashier, name: 'Lamine Camara', role: 'cashier', active: true, pinSet: false },
    ]);
    // The old PINs stayed on the dead machine: none opens a session here.
    for (const pin of ['909090', '5656']) await request(rebuilt.app).post('/api/session').send({ pin }).expect(401);
    expect((await rebuilt.services.sync.status()).pendingChanges).toBe(0);

    const manager = await rebuilt.services.users.managerPinAfterRebuild(undefined);
    expect(manager).toEqual({ name: 'Aïssatou Responsable', generatedPin: expect.stringMatching(/^\d{6}$/) });
    const signedIn = await request(rebuilt.app).post('/api/session').send({ pin: manager!.generatedPin }).expect(200);
    expect(signedIn.body.user).toMatchObject({ id: ids.manager, role: 'manager' });
    // Shown once: asked again, nothing more is set nor shown.
    expect(await rebuilt.services.users.managerPinAfterRebuild(undefined)).toBeUndefined();
    // The first start makes no second manager.
    expect(await rebuilt.services.users.ensureFirstManager(undefined)).toEqual({ created: false });
  });

  it('lets the others choose their PIN once with a code head office handed out, which head office never keeps', async () => {
    const given = await hq.admin('post', `/api/staff/${ids.cashier}/first-pin-code`).expect(201);
    expect(given.body).toMatchObject({ id: ids.cashier, name: 'Lamine Camara', code: expect.stringMatching(/^\d{4} \d{4} \d{4}$/) });
    const digits = String(given.body.code).replace(/ /g, '');
    const kept = JSON.stringify([await hq.db.rows('select * from hq_staff'), await hq.db.rows('select payload from change_feed'), await hq.db.rows('select * from access_audit')]);
    expect(kept).not.toContain(digits);

    // Before the shop's pull the code is unknown there.
    const early = await firstPin(rebuilt.app, { code: given.body.code, pin: '4545' });
    expect(early.status).toBe(401);
    expect(early.body.error.message).toBe('Code de première connexion inconnu, déjà utilisé ou expiré. Demandez-en un nouveau au siège.');

    await rebuilt.services.sync.pullNow({ force: true });
    const ok = await firstPin(rebuilt.app, { code: digits, pin: '4545' }).expect(200);
    expect(ok.body.user).toMatchObject({ id: ids.cashier, name: 'Lamine Camara', role: 'cashier', pinSet: true });
    expect(String(ok.headers['set-cookie'])).toContain('comptoir_session=');
    await request(rebuilt.app).post('/api/session').send({ pin: '4545' }).expect(200);

    // One use only: the same code again changes nothing.
    const again = await firstPin(rebuilt.app, { code: digits, pin: '7878' });
    expect(again.status).toBe(401);
    await request(rebuilt.app).post('/api/session').send({ pin: '7878' }).expect(401);
    const audit = await rebuilt.db.rows<{ action: string }>(`select action from access_audit where target like $1 order by at`, [`%${ids.cashier}%`]);
    expect(audit.map((a) => a.action)).toEqual(['user_first_pin']);
  });

  it('refuses an expired code, and a PIN someone here already has, using up nothing', async () => {
    // The wrong codes and PINs above have slowed this terminal down: two hours later they are forgiven.
    rebuilt.clock.set(new Date(rebuilt.clock.now().getTime() + 2 * 3_600_000));
    // A code handed out 8 days ago (head office's clock then): past its 7 days.
    const now = hq.clock.now();
    hq.clock.set(new Date(now.getTime() - 8 * 86_400_000));
    const old = (await hq.admin('post', `/api/staff/${ids.pharmacist}/first-pin-code`).expect(201)).body.code as string;
    hq.clock.set(now);
    await rebuilt.services.sync.pullNow({ force: true });
    expect((await firstPin(rebuilt.app, { code: old, pin: '3131' })).status).toBe(401);

    const fresh = (await hq.admin('post', `/api/staff/${ids.pharmacist}/first-pin-code`).expect(201)).body.code as string;
    await rebuilt.services.sync.pullNow({ force: true });
    const taken = await firstPin(rebuilt.app, { code: fresh, pin: '4545' });
    expect(taken.status).toBe(409);
    expect(await rebuilt.db.one('select pin_set from users where id = $1', [ids.pharmacist])).toEqual({ pinSet: false });
    await firstPin(rebuilt.app, { code: fresh, pin: '3131' }).expect(200);
  });

  it('counts wrong codes in the sign-in throttle: after five from one terminal even a right code waits', async () => {
    const shop = await testShop({ code: 'STF02' });
    for (let i = 0; i < 5; i++) {
      const res = await firstPin(shop.app, { code: `1234 5678 90${String(i).padStart(2, '0')}`, pin: '2468' });
      expect(res.status).toBe(401);
    }
    const waits = await firstPin(shop.app, { code: '1234 5678 9099', pin: '2468' });
    expect(waits.status).toBe(429);
    expect(waits.body.error.message).toBe('Trop d’essais incorrects. Réessayez dans 1 s.');
    // A malformed code is a validation error, French, before any lookup.
    const bad = await firstPin(shop.app, { code: '12', pin: '2468' });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('Le code de première connexion a 12 chiffres.');
  });

  it('hands the code out on head office’s Personnel page once, and takes it on the shop’s « Première connexion » page', async () => {
    const id = randomUUID();
    await hq.admin('post', '/api/staff').send({ id, name: 'Rokhaya Mbaye', role: 'cashier', shops: ['STF01'] }).expect(201);
    await staffService({ db: hq.db, now: () => new Date() }).addUser({ login: 'awa', name: 'Awa Diop', role: 'admin', password: 'un-mot-de-passe-solide' });
    const office = request.agent(hq.app);
    const signed = await office.post('/connexion').type('form').send({ login: 'awa', password: 'un-mot-de-passe-solide' });
    const csrf = csrfToken(decodeURIComponent(/comptoir_siege=([^;]+)/.exec(String(signed.headers['set-cookie']))![1]!));
    const listed = await office.get('/personnel').expect(200);
    expect(listed.text).toContain(`/personnel/${id}/code`);
    // People the shop made and pushed are marked so; the one head office made is not.
    expect(listed.text.match(/créée en boutique : la boutique la gère/g)).toHaveLength(2);
    const shown = await office.post(`/personnel/${id}/code`).set('HX-Request', 'true').type('form').send({ _csrf: csrf }).expect(200);
    const code = /Code de première connexion de Rokhaya Mbaye : (\d{4} \d{4} \d{4}) \(valable jusqu’au /.exec(shown.text)?.[1];
    expect(code).toBeDefined();
    expect(shown.headers['cache-control']).toBe('no-store');
    expect((await office.get('/personnel').expect(200)).text).not.toContain(code!);

    await rebuilt.services.sync.pullNow({ force: true });
    rebuilt.clock.set(new Date(rebuilt.clock.now().getTime() + 2 * 3_600_000));
    const till = request.agent(rebuilt.app);
    const login = await till.get('/connexion').expect(200);
    expect(login.text).toContain('Première connexion avec un code du siège');
    const form = await till.get('/connexion/code').expect(200);
    expect(form.text).toContain('Code remis par le siège (12 chiffres)');
    const wrong = await till.post('/connexion/code').set('HX-Request', 'true').type('form').send({ code: '0000 0000 0000', pin: '6464' });
    expect(wrong.text).toContain('Code de première connexion inconnu, déjà utilisé ou expiré.');
    await till.post('/connexion/code').type('form').send({ code, pin: '6464' }).expect(303);
    expect((await till.get('/api/session').expect(200)).body.user).toMatchObject({ id, name: 'Rokhaya Mbaye' });
  });
});
