import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { accessCommand, type AccessContext, type AccessIo } from '../../bin/access.js';
import { createLogger } from '../../server/logger.js';
import { staffService } from '../../server/staff/service.js';
import { csrfToken } from '../../server/web/context.js';
import { PINS, testHq, testShop, type TestHq, type TestShop } from '../support/harness.js';

// Issue 19, item 6: nothing could be revoked. Each act here is done as the operator would (the CLI's own functions, head office's pages and API).

const PASSWORD = 'un-mot-de-passe-solide';

/** The CLI as an operator runs it: what it prints, and what is typed at its prompt. */
function cli(ctx: AccessContext, typed: string[] = []) {
  const printed: string[] = [];
  const io: AccessIo = { print: (l) => printed.push(l), secret: async () => typed.shift() ?? '', operator: 'cli:awa' };
  return {
    printed,
    async run(command: string, values: Record<string, string> = {}) {
      const c = accessCommand(command)!;
      const refusal = c.refuse?.(values);
      if (refusal) return refusal;
      return c.run(ctx, values, io);
    },
  };
}

describe('at the shop', () => {
  let shop: TestShop;
  let ctx: AccessContext;
  beforeAll(async () => {
    shop = await testShop({ code: 'REV01' });
    ctx = { db: shop.db, logger: shop.deps.logger, shop: shop.shop, services: shop.services, timezone: 'Africa/Dakar' };
  });
  const audit = () => shop.db.rows<{ actor: string; action: string }>('select actor, action from access_audit order by at');

  it('`user disable` ends the person’s sessions at once and refuses their PIN like a wrong one; `user enable` lets them in again', async () => {
    const till = await shop.as('cashier');
    expect((await till.get('/api/session')).status).toBe(200);
    const c = cli(ctx);
    expect(await c.run('user disable', { id: shop.userIds.cashier })).toBe(0);
    expect(c.printed).toEqual(['Test cashier est désactivé(e) ; 1 session(s) terminée(s).']);
    expect((await till.get('/api/session')).status).toBe(401);
    const again = await request(shop.app).post('/api/session').send({ pin: PINS.cashier });
    expect([again.status, again.body.error.message]).toEqual([401, 'Code PIN incorrect.']);
    expect(await c.run('user enable', { id: shop.userIds.cashier })).toBe(0);
    expect((await request(shop.app).post('/api/session').send({ pin: PINS.cashier })).status).toBe(200);
    expect(await audit()).toEqual([{ actor: 'cli:awa', action: 'user_disabled' }, { actor: 'cli:awa', action: 'user_enabled' }]);
  });

  it('keeps the shop’s last active manager, and writes nothing when it refuses', async () => {
    await shop.services.users.setActive(shop.userIds.admin, false, 'test');
    const before = await audit();
    await expect(shop.services.users.setActive(shop.userIds.manager, false, 'test')).rejects.toMatchObject({
      status: 409, code: 'last_manager', message: 'C’est le dernier responsable actif de la boutique : activez-en un autre avant de le désactiver.',
    });
    expect(await shop.db.one('select active from users where id = $1', [shop.userIds.manager])).toEqual({ active: true });
    expect(await audit()).toEqual(before);
    await shop.services.users.setActive(shop.userIds.admin, true, 'test');
  });

  it('`user pin` reads the new PIN at the prompt, signs its holder out, and the old PIN no longer opens', async () => {
    const till = await shop.as('pharmacist');
    const c = cli(ctx, ['2468', '1111']);
    expect(await c.run('user pin', { id: shop.userIds.pharmacist })).toBe(0);
    expect(c.printed).toEqual(['Code PIN de Test pharmacist changé ; 1 session(s) terminée(s).']);
    expect((await till.get('/api/session')).status).toBe(401);
    expect((await request(shop.app).post('/api/session').send({ pin: PINS.pharmacist })).status).toBe(401);
    expect((await request(shop.app).post('/api/session').send({ pin: '2468' })).body.user.name).toBe('Test pharmacist');
    // Someone else's PIN is refused, and nothing changes.
    await expect(c.run('user pin', { id: shop.userIds.pharmacist })).rejects.toMatchObject({ status: 409, code: 'pin_taken' });
    expect((await request(shop.app).post('/api/session').send({ pin: '2468' })).status).toBe(200);
  });

  it('`session list` shows who is signed in from where, and `session end` ends one by its id or all of a person’s', async () => {
    await shop.db.exec('delete from sessions');
    const a = await shop.as('manager');
    const b = await shop.as('cashier');
    const c = cli(ctx);
    await c.run('session list');
    expect(c.printed).toHaveLength(2);
    expect(c.printed.join('\n')).toMatch(/Test manager \(responsable\)  ouverte le \d{2}\/\d{2}\/\d{4} \d{2}:\d{2}, expire le .*, depuis 127\.0\.0\.1/);
    const [managerSession] = await shop.services.users.listSessions().then((s) => s.filter((x) => x.userId === shop.userIds.manager));
    expect(await c.run('session end', { id: managerSession!.id })).toBe(0);
    expect((await a.get('/api/session')).status).toBe(401);
    expect((await b.get('/api/session')).status).toBe(200);
    expect(await c.run('session end', { user: shop.userIds.cashier })).toBe(0);
    expect((await b.get('/api/session')).status).toBe(401);
    expect(await c.run('session end', {})).toBe('cli.access.session_end_usage');
    await expect(c.run('session end', { id: managerSession!.id })).rejects.toMatchObject({ status: 404 });
    const actions = (await audit()).map((r) => r.action);
    expect(actions.slice(-2)).toEqual(['session_ended', 'sessions_ended']);
    await c.run('audit');
    expect(c.printed.at(-1)).toMatch(/cli:awa {2}utilisateur désactivé {2}Test cashier/);
  });
});

describe('at head office', () => {
  let hq: TestHq;
  let ctx: AccessContext;
  let shopToken: string;
  beforeAll(async () => {
    hq = await testHq();
    ctx = { db: hq.db, logger: createLogger('silent'), timezone: 'Africa/Dakar' };
    const staff = staffService({ db: hq.db, now: hq.clock.now });
    await staff.addUser({ login: 'awa', name: 'Awa Diop', role: 'admin', password: PASSWORD });
    await staff.addUser({ login: 'moussa', name: 'Moussa Ba', role: 'lecture', password: PASSWORD });
    shopToken = await hq.registerShop('REV02');
  });
  const pull = (token: string) => request(hq.app).get('/api/sync/pull').set('authorization', `Bearer ${token}`);
  async function browser(login: string, password = PASSWORD) {
    const agent = request.agent(hq.app);
    const res = await agent.post('/connexion').type('form').send({ login, password });
    expect(res.status).toBe(303);
    const session = /comptoir_siege=([^;]+)/.exec(String(res.headers['set-cookie']))![1]!;
    return { agent, csrf: csrfToken(decodeURIComponent(session)) };
  }

  it('rotates a shop’s token from the API, the shop’s page and the CLI: each time the old one is refused at once', async () => {
    expect((await pull(shopToken)).status).toBe(200);
    const api = await hq.admin('post', '/api/shops/REV02/token');
    expect(api.status).toBe(201);
    expect(api.body).toEqual({ code: 'REV02', token: expect.stringMatching(/^[\w-]{40,}$/) });
    expect((await pull(shopToken)).status).toBe(401);
    expect((await pull(api.body.token)).status).toBe(200);

    const { agent, csrf } = await browser('awa');
    const page = await agent.post('/boutiques/REV02/jeton').type('form').send({ _csrf: csrf });
    expect(page.status).toBe(200);
    const fromPage = /HQ_TOKEN=([\w-]+)/.exec(page.text)![1]!;
    expect((await pull(api.body.token)).status).toBe(401);
    expect((await pull(fromPage)).status).toBe(200);
    // A read-only account may not.
    const reader = await browser('moussa');
    expect((await reader.agent.post('/boutiques/REV02/jeton').type('form').send({ _csrf: reader.csrf })).status).toBe(403);

    const c = cli(ctx);
    expect(await c.run('shop rotate-token', { code: 'REV02' })).toBe(0);
    const fromCli = c.printed[0]!.split('\n')[1]!;
    expect((await pull(fromPage)).status).toBe(401);
    expect((await pull(fromCli)).status).toBe(200);
    expect(await hq.db.rows('select actor, action, target from access_audit order by at')).toEqual([
      { actor: 'api:admin', action: 'shop_token_rotated', target: 'REV02' },
      { actor: expect.stringMatching(/^hq:Awa Diop </), action: 'shop_token_rotated', target: 'REV02' },
      { actor: 'cli:awa', action: 'shop_token_rotated', target: 'REV02' },
    ]);
    expect((await hq.admin('post', '/api/shops/NOPE1/token')).status).toBe(404);
  });

  it('Comptes disables an account (its sessions end, its password is refused), re-enables it, and keeps the last admin', async () => {
    await hq.db.exec('delete from hq_sessions');
    const admin = await browser('awa');
    const reader = await browser('moussa');
    expect((await reader.agent.get('/boutiques')).status).toBe(200);
    const off = await admin.agent.post('/comptes/moussa/desactiver').type('form').send({ _csrf: admin.csrf });
    expect(off.status).toBe(200);
    expect(off.text).toContain('Compte moussa désactivé ; 1 session(s) terminée(s).');
    expect((await reader.agent.get('/boutiques')).status).toBe(303);
    const refused = await request(hq.app).post('/connexion').type('form').send({ login: 'moussa', password: PASSWORD });
    expect(refused.status).toBe(401);
    expect(refused.text).toContain('Identifiant ou mot de passe incorrect.');
    await admin.agent.post('/comptes/moussa/activer').type('form').send({ _csrf: admin.csrf });
    await browser('moussa');
    const last = await admin.agent.post('/comptes/awa/desactiver').type('form').send({ _csrf: admin.csrf });
    expect(last.status).toBe(409);
    expect(last.text).toContain('dernier compte administrateur actif');
    expect(await hq.db.one('select active from hq_users where login = $1', ['awa'])).toEqual({ active: true });
  });

  it('a new password, from Comptes or the CLI, ends every session of the account', async () => {
    await hq.db.exec('delete from hq_sessions');
    const admin = await browser('awa');
    const reader = await browser('moussa');
    const changed = await admin.agent.post('/comptes/moussa/mot-de-passe').type('form').send({ _csrf: admin.csrf, password: 'un-tout-nouveau-mot' });
    expect(changed.text).toContain('Mot de passe de moussa changé ; 1 session(s) terminée(s).');
    expect((await reader.agent.get('/boutiques')).status).toBe(303);
    const short = await admin.agent.post('/comptes/moussa/mot-de-passe').type('form').send({ _csrf: admin.csrf, password: 'court' });
    expect(short.status).toBe(422);
    await browser('moussa', 'un-tout-nouveau-mot');
    const c = cli(ctx, ['encore-un-autre-mot', 'encore-un-autre-mot']);
    expect(await c.run('hq user password', { login: 'moussa' })).toBe(0);
    expect(c.printed).toEqual(['Mot de passe de moussa changé ; 1 session(s) terminée(s).']);
    await browser('moussa', 'encore-un-autre-mot');
    expect(await c.run('hq user password', { login: 'moussa', password: 'en-clair-ici' })).toBe('cli.access.password_on_command_line');
  });

  it('Comptes lists open sessions and ends one; `hq session end` ends all of an account’s', async () => {
    await hq.db.exec('delete from hq_sessions');
    const admin = await browser('awa');
    const reader = await browser('moussa', 'encore-un-autre-mot');
    const list = await admin.agent.get('/comptes');
    expect(list.text).toContain('Sessions ouvertes');
    const ids = [...list.text.matchAll(/data-session="([0-9a-f-]{36})"/g)].map((m) => m[1]!);
    expect(ids).toHaveLength(2);
    const readerSession = (await hq.db.one<{ id: string }>(`select s.id from hq_sessions s join hq_users u on u.id = s.user_id where u.login = 'moussa'`))!.id;
    const ended = await admin.agent.post(`/comptes/sessions/${readerSession}/terminer`).type('form').send({ _csrf: admin.csrf });
    expect(ended.text).toContain('Session terminée.');
    expect((await reader.agent.get('/boutiques')).status).toBe(303);
    const c = cli(ctx);
    await c.run('hq session list');
    expect(c.printed).toHaveLength(1);
    expect(await c.run('hq session end', { login: 'awa' })).toBe(0);
    expect((await admin.agent.get('/boutiques')).status).toBe(303);
    const audit = await hq.db.rows<{ action: string }>('select action from access_audit order by at');
    expect(audit.map((r) => r.action)).toEqual(expect.arrayContaining(['staff_disabled', 'staff_enabled', 'staff_password_changed', 'staff_session_ended', 'staff_sessions_ended']));
  });
});
