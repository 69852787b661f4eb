import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { staffService } from '../../server/staff/service.js';
import { csrfToken } from '../../server/web/context.js';
import { managerActor, seedProduct, testHq, testShop, type TestHq, type TestShop } from '../support/harness.js';

/*
 * Issue 24, « Held values »: a value a shop wrote under a clock more than a
 * day ahead of head office's is held, never lost: listed (shop, field, value,
 * clock), applied by itself when its time comes, or accepted or discarded by
 * an administrator; each outcome logged.
 */

const DAY = 86_400_000;
let hq: TestHq;
let shop: TestShop;
const start = new Date('2027-03-01T09:00:00Z');

beforeAll(async () => {
  hq = await testHq({ now: start });
  await hq.listen();
  const token = await hq.registerShop('HLD01');
  shop = await testShop({ code: 'HLD01', now: start, hq: { url: hq.url, token } });
});
afterAll(async () => {
  await hq.close();
});

const priceAtHq = async (id: string) => (await hq.db.one<{ unitPrice: number }>('select unit_price from products where id = $1', [id]))!.unitPrice;
const audit = (action: string) => hq.db.rows<{ actor: string; target: string }>('select actor, target from access_audit where action = $1 order by at', [action]);

/**
 * Head office corrects a price, and meanwhile (before its next pull) the shop
 * types another while its clock runs `aheadDays` ahead of head office's: two
 * writers, and the far clock may not win.
 */
async function farFuturePrice(productId: string, unitPrice: number, aheadDays: number) {
  await hq.admin('patch', `/api/products/${productId}`).send({ unitPrice: unitPrice - 1 }).expect(200);
  shop.clock.set(new Date(hq.clock.now().getTime() + aheadDays * DAY));
  await shop.services.catalog.updateProduct(productId, { unitPrice }, managerActor(shop));
  await shop.services.sync.pushNow({ force: true });
}

describe('a price held for a far-future clock', () => {
  let applied: string;
  let discarded: string;
  let accepted: string;

  it('is listed at head office with its shop, field, value and clock, and not applied', async () => {
    applied = (await seedProduct(shop, { unitPrice: 500, name: 'Doliprane 1000' })).id;
    discarded = (await seedProduct(shop, { unitPrice: 700, name: 'Efferalgan 500' })).id;
    accepted = (await seedProduct(shop, { unitPrice: 300, name: 'Smecta' })).id;
    await shop.services.sync.runNow({ force: true });

    await farFuturePrice(applied, 900, 3);
    expect(await priceAtHq(applied)).toBe(899);
    const listed = await hq.admin('get', '/api/held-values').expect(200);
    expect(listed.body).toEqual([
      expect.objectContaining({
        shop: 'HLD01', entity: 'product', entityId: applied, field: 'unitPrice', value: 900, status: 'held',
        clock: expect.stringMatching(/:HLD01$/), clockAt: expect.stringMatching(/^2027-03-04T09:00/),
      }),
    ]);
    // Another shop's filter shows nothing of it.
    expect((await hq.admin('get', '/api/held-values').query({ shop: 'HLD01' }).expect(200)).body).toHaveLength(1);
  });

  it('discarded by an administrator: never applied, even once its time comes; kept on the list of decided ones and logged', async () => {
    await farFuturePrice(discarded, 1200, 6);
    const waiting = (await hq.admin('get', '/api/held-values').expect(200)).body as { id: string; entityId: string }[];
    const row = waiting.find((v) => v.entityId === discarded)!;
    await hq.admin('post', `/api/held-values/${row.id}/discard`).expect(200);
    const twice = await hq.admin('post', `/api/held-values/${row.id}/discard`);
    expect(twice.status).toBe(409);
    expect(twice.body.error.message).toBe('Cette valeur retenue a déjà été appliquée ou écartée.');
    expect(await priceAtHq(discarded)).toBe(1199);
    expect(await audit('held_value_discarded')).toEqual([{ actor: 'admin-token', target: `product ${discarded} (HLD01)` }]);
    const all = (await hq.admin('get', '/api/held-values').query({ all: '1' }).expect(200)).body as { entityId: string; status: string; decidedBy: string }[];
    expect(all.find((v) => v.entityId === discarded)).toMatchObject({ status: 'discarded', decidedBy: 'admin-token', value: 1200 });
  });

  it('accepted by an administrator: applied now, once, and logged', async () => {
    await farFuturePrice(accepted, 450, 6);
    const row = ((await hq.admin('get', '/api/held-values').expect(200)).body as { id: string; entityId: string }[]).find((v) => v.entityId === accepted)!;
    await hq.admin('post', `/api/held-values/${row.id}/accept`).expect(200);
    expect(await priceAtHq(accepted)).toBe(450);
    expect((await hq.admin('post', `/api/held-values/${row.id}/accept`)).status).toBe(409);
    expect(await audit('held_value_accepted')).toEqual([{ actor: 'admin-token', target: `product ${accepted} (HLD01)` }]);
  });

  it('applies by itself when head office’s clock comes within a day of it, logged, and the discarded one stays discarded', async () => {
    hq.clock.set(new Date(start.getTime() + 2.5 * DAY));
    const listed = (await hq.admin('get', '/api/held-values').expect(200)).body as { entityId: string }[];
    expect(listed.map((v) => v.entityId)).not.toContain(applied);
    expect(await priceAtHq(applied)).toBe(900);
    expect(await audit('held_value_applied')).toEqual([{ actor: 'siège (horloge)', target: `product ${applied} (HLD01)` }]);

    hq.clock.set(new Date(start.getTime() + 8 * DAY));
    await hq.admin('get', '/api/held-values').expect(200);
    expect(await priceAtHq(discarded)).toBe(1199);
    const all = (await hq.admin('get', '/api/held-values').query({ all: '1' }).expect(200)).body as { entityId: string; status: string }[];
    expect(Object.fromEntries(all.map((v) => [v.entityId, v.status]))).toEqual({ [applied]: 'applied', [discarded]: 'discarded', [accepted]: 'applied' });
    // A held value never silently disappears: every one is still on its row.
    expect(await hq.count('sync_held')).toBe(3);
  });

  it('is shown on « Valeurs retenues » to every account, and decided there by an administrator only', async () => {
    const other = (await seedProduct(shop, { unitPrice: 1000, name: 'Vogalène' })).id;
    await shop.services.sync.runNow({ force: true });
    await farFuturePrice(other, 2500, 5);
    const accounts = staffService({ db: hq.db, now: () => hq.clock.now() });
    await accounts.addUser({ login: 'awa', name: 'Awa Diop', role: 'admin', password: 'un-mot-de-passe-solide' });
    await accounts.addUser({ login: 'moussa', name: 'Moussa Ba', role: 'lecture', password: 'un-mot-de-passe-solide' });
    const browser = async (login: string) => {
      const agent = request.agent(hq.app);
      const res = await agent.post('/connexion').type('form').send({ login, password: 'un-mot-de-passe-solide' });
      return { agent, csrf: csrfToken(decodeURIComponent(/comptoir_siege=([^;]+)/.exec(String(res.headers['set-cookie']))![1]!)) };
    };
    const reader = await browser('moussa');
    const seen = await reader.agent.get('/valeurs-retenues').expect(200);
    expect(seen.text).toContain('Valeurs retenues');
    expect(seen.text).toContain('HLD01');
    expect(seen.text).toContain('prix');
    expect(seen.text).toMatch(/2\s500\sFCFA/);
    expect(seen.text).not.toContain('Écarter');
    const id = ((await hq.admin('get', '/api/held-values').expect(200)).body as { id: string; entityId: string }[]).find((v) => v.entityId === other)!.id;
    expect((await reader.agent.post(`/valeurs-retenues/${id}/ecarter`).type('form').send({ _csrf: reader.csrf })).status).toBe(403);

    const admin = await browser('awa');
    const done = await admin.agent.post(`/valeurs-retenues/${id}/ecarter`).set('HX-Request', 'true').type('form').send({ _csrf: admin.csrf }).expect(200);
    expect(done.text).toContain('Valeur écartée : elle ne sera jamais appliquée.');
    expect(await priceAtHq(other)).toBe(2499);
    expect((await audit('held_value_discarded')).map((a) => a.actor)).toContain('hq:Awa Diop <' + (await hq.db.one<{ id: string }>(`select id from hq_users where login = 'awa'`))!.id + '>');
  });
});
