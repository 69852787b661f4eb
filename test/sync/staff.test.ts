import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { staffService } from '../../server/staff/service.js';
import { csrfToken } from '../../server/web/context.js';
import { PINS, testHq, testShop, type TestHq, type TestShop } from '../support/harness.js';

/*
 * Issue 24, « Staff at head office »: head office keeps each person (name,
 * role, shops, active) and never a PIN; they travel down to their shops only.
 */

let hq: TestHq;
let dkr: TestShop & { token: string };
let ths: TestShop & { token: string };

async function connectedShop(code: string) {
  const token = await hq.registerShop(code);
  return Object.assign(await testShop({ code, hq: { url: hq.url, token } }), { token });
}

beforeAll(async () => {
  hq = await testHq();
  await hq.listen();
  dkr = await connectedShop('DKR01');
  ths = await connectedShop('THS01');
});
afterAll(async () => {
  await hq.close();
});

const person = (shops: string[], name = 'Fatou Ndiaye') => ({ id: randomUUID(), name, role: 'cashier', shops });
const shopRow = (s: TestShop, id: string) => s.db.one('select name, role, active, pin_set from users where id = $1', [id]);

describe('staff made at head office', () => {
  it('is created once for the same body sent twice, answers no PIN, and reaches only its shops', async () => {
    const body = person(['DKR01']);
    const first = await hq.admin('post', '/api/staff').send(body).expect(201);
    expect(first.body).toMatchObject({ id: body.id, name: 'Fatou Ndiaye', role: 'cashier', shops: ['DKR01'], active: true });
    const again = await hq.admin('post', '/api/staff').send(body).expect(200);
    expect(again.body.id).toBe(body.id);
    expect(await hq.db.one('select count(*)::int as n from hq_staff where id = $1', [body.id])).toEqual({ n: 1 });
    expect(JSON.stringify(first.body)).not.toMatch(/pin|hash|scrypt/i);

    await dkr.services.sync.runNow({ force: true });
    await ths.services.sync.runNow({ force: true });
    expect(await shopRow(dkr, body.id)).toEqual({ name: 'Fatou Ndiaye', role: 'cashier', active: true, pinSet: false });
    expect(await shopRow(ths, body.id)).toBeUndefined();
  });

  it('refuses an unknown shop in French and writes nothing', async () => {
    const body = person(['XXX99']);
    const res = await hq.admin('post', '/api/staff').send(body).expect(422);
    expect(res.body.error.message).toBe('Boutique « XXX99 » inconnue du siège.');
    expect(await hq.db.one('select count(*)::int as n from hq_staff where id = $1', [body.id])).toEqual({ n: 0 });
  });

  it('cannot sign in before a PIN is set at the shop, then signs in at the shop while head office is unreachable', async () => {
    const body = person(['DKR01'], 'Awa Sarr');
    await hq.admin('post', '/api/staff').send(body).expect(201);
    await dkr.services.sync.runNow({ force: true });
    const refused = await request(dkr.app).post('/api/session').send({ pin: '5151', userId: body.id });
    expect(refused.status).toBe(401);

    await dkr.services.users.changePin(body.id, '5151', 'test-manager');
    expect(await shopRow(dkr, body.id)).toMatchObject({ pinSet: true });
    await hq.stop();
    try {
      const agent = request.agent(dkr.app);
      const res = await agent.post('/api/session').send({ pin: '5151' }).expect(200);
      expect(res.body.user).toMatchObject({ id: body.id, name: 'Awa Sarr', role: 'cashier' });
    } finally {
      await hq.listen(Number(new URL(hq.url).port));
    }
  });

  it('deactivated at head office while signed in at the shop, is signed out and refused after the next pull, and it is logged', async () => {
    const body = person(['DKR01'], 'Moussa Diallo');
    await hq.admin('post', '/api/staff').send(body).expect(201);
    await dkr.services.sync.runNow({ force: true });
    await dkr.services.users.changePin(body.id, '6262', 'test-manager');
    const agent = request.agent(dkr.app);
    await agent.post('/api/session').send({ pin: '6262' }).expect(200);
    await agent.get('/api/session').expect(200);

    // A concurrent edit at the shop: head office's deactivation still wins.
    await dkr.db.exec('update users set name = $2 where id = $1', [body.id, 'Moussa D.']);
    const off = await hq.admin('post', `/api/staff/${body.id}/deactivate`).expect(200);
    expect(off.body.active).toBe(false);
    await agent.get('/api/session').expect(200);

    await dkr.services.sync.runNow({ force: true });
    await agent.get('/api/session').expect(401);
    await request(dkr.app).post('/api/session').send({ pin: '6262' }).expect(401);
    expect(await shopRow(dkr, body.id)).toEqual({ name: 'Moussa Diallo', role: 'cashier', active: false, pinSet: true });
    const audit = await dkr.db.rows<{ actor: string; detail: { sessionsEnded: number } }>(
      `select actor, detail from access_audit where action = 'user_disabled_by_hq' and target like $1`, [`%${body.id}%`],
    );
    expect(audit).toEqual([{ actor: 'siège', detail: { sessionsEnded: 1 } }]);
  });
});

describe('Personnel at head office', () => {
  it('lists, adds (once for a double submit) and deactivates people for an admin, and refuses a read-only account writing nothing', async () => {
    const accounts = staffService({ db: hq.db, now: () => new Date() });
    await accounts.addUser({ login: 'awa', name: 'Awa Diop', role: 'admin', password: 'un-mot-de-passe-solide' });
    await accounts.addUser({ login: 'moussa', name: 'Moussa Ba', role: 'lecture', password: 'un-mot-de-passe-solide' });
    const browser = async (login: string) => {
      const agent = request.agent(hq.app);
      const res = await agent.post('/connexion').type('form').send({ login, password: 'un-mot-de-passe-solide' });
      const token = /comptoir_siege=([^;]+)/.exec(String(res.headers['set-cookie']))![1]!;
      return { agent, csrf: csrfToken(decodeURIComponent(token)) };
    };
    const admin = await browser('awa');
    const page = await admin.agent.get('/personnel').expect(200);
    expect(page.text).toContain('Ajouter une personne');
    expect(page.text).toContain('Le siège ne garde aucun code PIN');
    const id = /name="id" value="([0-9a-f-]{36})"/.exec(page.text)![1]!;

    const form = { _csrf: admin.csrf, id, name: 'Aminata Kane', role: 'pharmacist', shops: ['DKR01', 'THS01'] };
    const added = await admin.agent.post('/personnel').set('HX-Request', 'true').type('form').send(form).expect(200);
    expect(added.text).toContain('Aminata Kane ajouté(e) ; boutiques : DKR01, THS01.');
    await admin.agent.post('/personnel').set('HX-Request', 'true').type('form').send(form).expect(200);
    expect(await hq.db.rows('select name, role, active from hq_staff where id = $1', [id])).toEqual([{ name: 'Aminata Kane', role: 'pharmacist', active: true }]);

    const reader = await browser('moussa');
    const listed = await reader.agent.get('/personnel').expect(200);
    expect(listed.text).toContain('Aminata Kane');
    expect(listed.text).not.toContain('Ajouter une personne');
    const refused = await reader.agent.post(`/personnel/${id}/desactiver`).type('form').send({ _csrf: reader.csrf });
    expect(refused.status).toBe(403);
    expect(await hq.db.one('select active from hq_staff where id = $1', [id])).toEqual({ active: true });

    const off = await admin.agent.post(`/personnel/${id}/desactiver`).set('HX-Request', 'true').type('form').send({ _csrf: admin.csrf }).expect(200);
    expect(off.text).toContain('Aminata Kane désactivé(e)');
    expect(await hq.db.one('select active from hq_staff where id = $1', [id])).toEqual({ active: false });
  });
});

describe('Paramètres at the shop', () => {
  it('shows how old the staff list is, and lets a manager, not a cashier, set the first PIN of a person made at head office', async () => {
    const body = person(['DKR01'], 'Ndeye Faye');
    await hq.admin('post', '/api/staff').send(body).expect(201);
    await dkr.services.sync.runNow({ force: true });
    const browser = async (role: keyof typeof PINS) => {
      const agent = request.agent(dkr.app);
      const res = await agent.post('/connexion').type('form').send({ pin: PINS[role] });
      const token = /comptoir_session=([^;]+)/.exec(String(res.headers['set-cookie']))![1]!;
      return { agent, csrf: csrfToken(decodeURIComponent(token)) };
    };
    const manager = await browser('manager');
    const page = await manager.agent.get('/parametres').expect(200);
    expect(page.text).toContain('Liste du personnel reçue du siège le ');
    expect(page.text).toContain(`/parametres/utilisateurs/${body.id}/pin`);
    expect(page.text).toContain('Code PIN à définir (personne créée au siège)');

    const cashier = await browser('cashier');
    const refused = await cashier.agent.post(`/parametres/utilisateurs/${body.id}/pin`).set('X-CSRF-Token', cashier.csrf).type('form').send({ pin: '7373' });
    expect(refused.status).toBe(403);
    expect(await shopRow(dkr, body.id)).toMatchObject({ pinSet: false });

    const set = await manager.agent.post(`/parametres/utilisateurs/${body.id}/pin`).set('X-CSRF-Token', manager.csrf).set('HX-Request', 'true').type('form').send({ pin: '7373' });
    expect(set.status).toBe(200);
    expect(set.text).toContain('Code PIN de Ndeye Faye défini.');
    expect(set.text).not.toContain(`/parametres/utilisateurs/${body.id}/pin`);
    const signedIn = await request(dkr.app).post('/api/session').send({ pin: '7373' }).expect(200);
    expect(signedIn.body.user.name).toBe('Ndeye Faye');
  });
});

describe('a shop token reading staff', () => {
  it('gets its own shop’s people, and 403 with nothing for another shop’s', async () => {
    const here = person(['THS01'], 'Ibrahima Fall');
    const there = person(['DKR01'], 'Khady Sow');
    await hq.admin('post', '/api/staff').send(here).expect(201);
    await hq.admin('post', '/api/staff').send(there).expect(201);

    const own = await request(hq.app).get('/api/staff').set('authorization', `Bearer ${ths.token}`).expect(200);
    expect(own.body.map((p: { id: string }) => p.id)).toContain(here.id);
    expect(own.body.map((p: { id: string }) => p.id)).not.toContain(there.id);

    // A stolen THS01 token asking for DKR01's staff.
    const stolen = await request(hq.app).get('/api/staff').query({ shop: 'DKR01' }).set('authorization', `Bearer ${ths.token}`);
    expect(stolen.status).toBe(403);
    expect(stolen.body.error.message).toBe('Ce jeton de boutique ne peut lire que le personnel de sa boutique.');
    expect(JSON.stringify(stolen.body)).not.toContain('Khady');
  });
});

describe('PINs never leave the shop', () => {
  it('no head office table and no wire body holds a PIN hash', async () => {
    const hashes = await dkr.db.rows<{ pinHash: string }>('select pin_hash from users');
    const salts = hashes.map((h) => h.pinHash.split('$')[4]).filter((s): s is string => !!s && !/^A+=*$/.test(s));
    expect(salts.length).toBeGreaterThan(0);
    const cols = await hq.db.rows<{ table: string; column: string }>(
      `select table_name as table, column_name as column from information_schema.columns
       where table_schema = 'public' and table_name like 'hq\\_%' and column_name like '%pin%'`,
    );
    expect(cols).toEqual([]);
    const dump = JSON.stringify([
      await hq.db.rows('select * from hq_staff'),
      await hq.db.rows(`select payload from change_feed where entity = 'staff'`),
      (await hq.admin('get', '/api/staff').expect(200)).body,
    ]);
    expect(dump).not.toMatch(/scrypt/);
    for (const salt of salts) expect(dump).not.toContain(salt);
  });
});
