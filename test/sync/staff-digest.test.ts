import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { copyOfDatabase, testHq, testShop, type TestHq, type TestShop } from '../support/harness.js';

/*
 * Issue 24: staff in the nightly digest. Head office restored from a backup
 * taken before people were made at a shop (Paramètres) gets them back from
 * the shop's next nightly run, as the shop holds them; people head office
 * made are head office's, and no shop resends them.
 */

let first: TestHq;
let shop: TestShop;
let token: string;

beforeAll(async () => {
  first = await testHq();
  await first.listen();
  token = await first.registerShop('STF01');
  shop = await testShop({ code: 'STF01', hq: { url: first.url, token } });
}, 60_000);

const person = (db: TestShop['db'] | TestHq['db'], id: string) =>
  db.one<{ name: string; role: string; shopIds: string[]; active: boolean }>('select name, role, shop_ids, active from hq_staff where id = $1', [id]);

describe('a head office restored from a backup taken before people were made at the shop', () => {
  it('has them back after one nightly run of the shop (role, shops, active), the report names staff, and head office’s own people are not resent', { timeout: 120_000 }, async () => {
    // Before the backup: one person made at head office, one made at the shop whose role head office then set.
    const fromHq = randomUUID();
    await first.admin('post', '/api/staff').send({ id: fromHq, name: 'Awa Faye', role: 'cashier', shops: ['STF01'] }).expect(201);
    const early = await shop.services.users.createUser({ name: 'Modou Kane', role: 'cashier', pin: '7171' });
    await shop.services.sync.runNow({ force: true });
    await first.admin('patch', `/api/staff/${early.id}`).send({ role: 'pharmacist' }).expect(200);
    await shop.services.sync.runNow({ force: true });
    expect(await shop.db.one('select role, made_here from users where id = $1', [early.id])).toEqual({ role: 'pharmacist', madeHere: true });
    expect(await shop.db.one('select made_here from users where id = $1', [fromHq])).toEqual({ madeHere: false });
    expect(await shop.services.nightly.run()).toMatchObject({ mismatches: 0, rowsResent: 0 });
    const backup = await copyOfDatabase(first.dbUrl);

    // After it: two people made at the shop (one deactivated since), one more made at head office.
    const made = await shop.services.users.createUser({ name: 'Fatou Ndiaye', role: 'pharmacist', pin: '7272' });
    const gone = await shop.services.users.createUser({ name: 'Lamine Sarr', role: 'cashier', pin: '7373' });
    await shop.services.users.setActive(gone.id, false, 'Test manager');
    const laterFromHq = randomUUID();
    await first.admin('post', '/api/staff').send({ id: laterFromHq, name: 'Khady Diallo', role: 'manager', shops: ['STF01'] }).expect(201);
    await shop.services.sync.runNow({ force: true });
    expect((await shop.services.sync.status()).pendingChanges).toBe(0);
    expect(await person(first.db, gone.id)).toEqual({ name: 'Lamine Sarr', role: 'cashier', shopIds: [shop.shop.id], active: false });
    expect(await shop.db.one('select made_here from users where id = $1', [laterFromHq])).toEqual({ madeHere: false });

    await first.stop();
    const restored = await testHq({ url: backup });
    await restored.listen();
    expect(await person(restored.db, made.id)).toBeUndefined();
    expect(await person(restored.db, gone.id)).toBeUndefined();

    const again = await testShop({ code: 'STF01', url: shop.url, hq: { url: restored.url, token } });
    const r = await again.services.nightly.run();
    expect(r).toMatchObject({ mismatches: 0, error: null, rowsRefused: 0 });
    // A differing day goes again whole: the shop's three people of today (the two the backup lacked, and the one head
    // office set, unchanged by it), never the two head office made (its own, whatever it lost).
    expect(r.resent).toEqual({ staff: 3 });

    expect(await person(restored.db, made.id)).toEqual({ name: 'Fatou Ndiaye', role: 'pharmacist', shopIds: [shop.shop.id], active: true });
    expect(await person(restored.db, gone.id)).toEqual({ name: 'Lamine Sarr', role: 'cashier', shopIds: [shop.shop.id], active: false });
    expect(await restored.db.one('select set_by_hq, origin_shop_id from hq_staff where id = $1', [made.id])).toEqual({ setByHq: false, originShopId: shop.shop.id });
    // Head office's own: the one it lost stays lost (its to make again), the one it set keeps what it set.
    expect(await person(restored.db, laterFromHq)).toBeUndefined();
    expect(await person(restored.db, early.id)).toMatchObject({ role: 'pharmacist' });
    expect(await restored.count('hq_refusals')).toBe(0);
    expect(await restored.db.rows('select field from sync_conflicts')).toEqual([]);
    // Never a PIN on the wire nor at head office.
    expect(JSON.stringify(await restored.db.rows('select * from hq_staff'))).not.toMatch(/scrypt|pin/i);

    // The report, at the shop and at head office, names staff.
    const page = await (await again.as('manager')).get('/parametres');
    expect(page.text).toContain('renvoyé : 3 personne(s) du personnel');
    expect(await restored.db.one('select nightly_resent from hq_shop_sync where shop_id = $1', [shop.shop.id])).toEqual({ nightlyResent: { staff: 3 } });

    // Whole again: the next night finds nothing to resend.
    const next = await again.services.nightly.run();
    expect(next).toMatchObject({ mismatches: 0, rowsResent: 0, resent: {} });
  });
});

describe('a person the shop holds as its own that head office made (a guess of migration 0032)', () => {
  it('is resent once, head office answers who made them, and the next night compares equal without a conflict', { timeout: 60_000 }, async () => {
    const hq = await testHq();
    await hq.listen();
    const t = await hq.registerShop('STF02');
    const s = await testShop({ code: 'STF02', hq: { url: hq.url, token: t } });
    const id = randomUUID();
    await hq.admin('post', '/api/staff').send({ id, name: 'Ibou Seck', role: 'cashier', shops: ['STF02'] }).expect(201);
    await s.services.sync.runNow({ force: true });
    // As an install from before 0032 would hold them once they had set their PIN.
    await s.db.exec('update users set made_here = true where id = $1', [id]);

    const r = await s.services.nightly.run();
    expect(r.resent).toEqual({ staff: 1 });
    expect(await person(hq.db, id)).toEqual({ name: 'Ibou Seck', role: 'cashier', shopIds: [s.shop.id], active: true });
    await s.services.sync.pullNow({ force: true });
    expect(await s.db.one('select made_here from users where id = $1', [id])).toEqual({ madeHere: false });
    expect(await s.services.nightly.run()).toMatchObject({ mismatches: 0, rowsResent: 0 });
    expect(await hq.db.rows('select field from sync_conflicts')).toEqual([]);
  });
});

describe('a person the shop deactivated that head office keeps active (it set them, for two shops)', () => {
  it('stays deactivated at the shop after its next pull and nightly run: head office’s answer never re-activates, the disagreement is logged', { timeout: 60_000 }, async () => {
    const hq = await testHq();
    await hq.listen();
    const a = await testShop({ code: 'STF03', hq: { url: hq.url, token: await hq.registerShop('STF03') } });
    await hq.registerShop('STF04');
    const made = await a.services.users.createUser({ name: 'Daba Thiam', role: 'cashier', pin: '7474' });
    await a.services.sync.runNow({ force: true });
    await hq.admin('patch', `/api/staff/${made.id}`).send({ shops: ['STF03', 'STF04'] }).expect(200);
    await a.services.sync.runNow({ force: true });

    await a.services.users.setActive(made.id, false, 'Test manager');
    await a.services.sync.runNow({ force: true });
    await a.services.nightly.run();
    expect(await a.db.one('select active from users where id = $1', [made.id])).toEqual({ active: false });
    expect(await person(hq.db, made.id)).toMatchObject({ active: true });
    const logged = await hq.db.rows<{ field: string; remoteValue: unknown }>('select field, remote_value from sync_conflicts where entity_id = $1', [made.id]);
    expect(logged.map((c) => [c.field, c.remoteValue])).toContainEqual(['staffActive', false]);
    const shown = await hq.admin('get', '/api/conflicts').query({ shop: 'STF03' }).expect(200);
    expect((shown.body as { entityId: string; message: string }[]).find((c) => c.entityId === made.id)?.message)
      .toBe('Personne du personnel : la boutique STF03 a voulu changer actif en non ; la valeur fixée par le siège est gardée (oui).');
  });
});
