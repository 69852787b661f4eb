import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stampTransaction } from '../../server/outbox/clock.js';
import { appendOutbox } from '../../server/outbox/queries.js';
import { PINS, testHq, testShop, type TestHq, type TestShop } from '../support/harness.js';

/*
 * Issue 24: staff travel both ways. A person made at a shop reaches head
 * office (never their PIN); once head office has set a person, a shop's push
 * cannot raise their role nor undo a deactivation (logged, head office's kept).
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

const atHq = (id: string) => hq.db.one('select name, role, shop_ids, active, set_by_hq from hq_staff where id = $1', [id]);
const conflictsOf = (id: string) =>
  hq.db.rows<{ field: string; localValue: unknown; remoteValue: unknown; winner: string; reason: string }>(
    'select field, local_value, remote_value, winner, reason from sync_conflicts where entity_id = $1 order by created_at, field',
    [id],
  );

/** What an older or tampered shop could push about a person: written to its outbox as the service would. */
async function forgedStaffChange(shop: TestShop, data: Record<string, unknown>) {
  await shop.db.withTransaction(async (tx) => {
    const hlc = await stampTransaction(tx, new Date());
    await appendOutbox(tx, [{ entity: 'staff', entityId: String(data.id), op: 'update', payload: data, hlc }]);
  });
}

describe('a person made at a shop', () => {
  it('reaches head office on the push without any PIN, as that shop’s person, and a deactivation there follows', async () => {
    const made = await dkr.services.users.createUser({ name: 'Binta Sy', role: 'pharmacist', pin: '8181' });
    const pending = await dkr.db.rows<{ payload: Record<string, unknown> }>(`select payload from sync_outbox where entity = 'staff'`);
    expect(pending).toHaveLength(1);
    expect(Object.keys(pending[0]!.payload).sort()).toEqual(['active', 'createdAt', 'id', 'name', 'role', 'shopId']);

    await dkr.services.sync.runNow({ force: true });
    expect(await atHq(made.id)).toEqual({ name: 'Binta Sy', role: 'pharmacist', shopIds: [dkr.shop.id], active: true, setByHq: false });
    const listed = await hq.admin('get', '/api/staff').query({ shop: 'DKR01' }).expect(200);
    expect(listed.body.find((p: { id: string }) => p.id === made.id)).toMatchObject({ name: 'Binta Sy', role: 'pharmacist', shops: ['DKR01'], active: true, setByHq: false });
    expect(JSON.stringify([listed.body, await hq.db.rows('select * from hq_staff')])).not.toMatch(/scrypt|pin_?hash/i);

    await dkr.services.users.setActive(made.id, false, 'Test manager');
    await dkr.services.sync.runNow({ force: true });
    expect(await atHq(made.id)).toMatchObject({ active: false, setByHq: false });
    // The same push replayed changes nothing.
    expect(await conflictsOf(made.id)).toEqual([]);
  });

  it('is the shop’s to edit until head office sets it, and is never fed to another shop', async () => {
    const made = await dkr.services.users.createUser({ name: 'Ousmane Gaye', role: 'cashier', pin: '8282' });
    await dkr.services.sync.runNow({ force: true });
    await ths.services.sync.runNow({ force: true });
    expect(await ths.db.one('select 1 from users where id = $1', [made.id])).toBeUndefined();
    // Its own person: a role the shop gives is taken.
    await forgedStaffChange(dkr, { id: made.id, shopId: dkr.shop.id, name: 'Ousmane Gaye', role: 'manager', active: true, createdAt: made.createdAt.toISOString() });
    await dkr.services.sync.runNow({ force: true });
    expect(await atHq(made.id)).toMatchObject({ role: 'manager', setByHq: false });
  });
});

describe('a person head office has set', () => {
  it('takes the role and shops head office gives a shop-made person: fed to the new shop, ended at the one left, whose later change of them is set aside alone', async () => {
    const made = await dkr.services.users.createUser({ name: 'Ndèye Sall', role: 'cashier', pin: '8585' });
    await dkr.services.sync.runNow({ force: true });
    const agent = request.agent(dkr.app);
    await agent.post('/api/session').send({ pin: '8585' }).expect(200);

    const set = await hq.admin('patch', `/api/staff/${made.id}`).send({ role: 'pharmacist', shops: ['THS01'] }).expect(200);
    expect(set.body).toMatchObject({ role: 'pharmacist', shops: ['THS01'], setByHq: true });
    await ths.services.sync.runNow({ force: true });
    expect(await ths.db.one('select name, role, active, pin_set from users where id = $1', [made.id])).toEqual({ name: 'Ndèye Sall', role: 'pharmacist', active: true, pinSet: false });
    await dkr.services.sync.runNow({ force: true });
    expect(await dkr.db.one('select active from users where id = $1', [made.id])).toEqual({ active: false });
    await agent.get('/api/session').expect(401);
    // Re-enabled at the shop it left: that change is refused and set aside, the rest of the push goes on.
    await dkr.services.users.setActive(made.id, true, 'Test manager');
    const other = await dkr.services.users.createUser({ name: 'Cheikh Diop', role: 'cashier', pin: '8686' });
    expect(await dkr.services.sync.pushNow({ force: true })).toEqual({ sent: 1, refused: 1 });
    expect(await atHq(other.id)).toMatchObject({ name: 'Cheikh Diop' });
    expect(await atHq(made.id)).toMatchObject({ active: true, shopIds: [ths.shop.id] });
    const aside = await dkr.services.sync.refused();
    expect(aside.map((r) => [r.code, r.reason])).toEqual([['staff_not_here', 'Cette personne ne travaille pas (ou plus) dans cette boutique selon le siège : ce changement n’est pas pris.']]);

    const refused = await hq.admin('patch', `/api/staff/${made.id}`).send({ shops: ['XXX99'] });
    expect(refused.status).toBe(422);
    expect(await atHq(made.id)).toMatchObject({ role: 'pharmacist', shopIds: [ths.shop.id] });
    expect((await hq.admin('patch', `/api/staff/${made.id}`).send({})).status).toBe(400);
  });

  it('keeps head office’s role when a shop’s push raises it: refused, logged as a conflict, the rest of the push applied', async () => {
    const id = randomUUID();
    await hq.admin('post', '/api/staff').send({ id, name: 'Mariama Ba', role: 'cashier', shops: ['DKR01'] }).expect(201);
    await dkr.services.sync.runNow({ force: true });
    const person = await dkr.db.one<{ createdAt: Date }>('select created_at from users where id = $1', [id]);

    await forgedStaffChange(dkr, { id, shopId: dkr.shop.id, name: 'Mariama Ba', role: 'admin', active: true, createdAt: person!.createdAt.toISOString(), pinHash: '$scrypt$forged' });
    const sent = await dkr.services.sync.pushNow({ force: true });
    expect(sent).toEqual({ sent: 1 });
    expect(await atHq(id)).toEqual({ name: 'Mariama Ba', role: 'cashier', shopIds: [dkr.shop.id], active: true, setByHq: true });
    expect(await conflictsOf(id)).toEqual([{ field: 'role', localValue: 'cashier', remoteValue: 'admin', winner: 'local', reason: 'staff_set_by_hq' }]);
    const shown = await hq.admin('get', '/api/conflicts').query({ shop: 'DKR01' }).expect(200);
    const line = (shown.body as { entityId: string; message: string }[]).find((c) => c.entityId === id);
    expect(line?.message).toBe('Personne du personnel : la boutique DKR01 a voulu changer rôle en « admin » ; la valeur fixée par le siège est gardée (« cashier »).');
    expect(JSON.stringify(await hq.db.rows('select * from hq_staff where id = $1', [id]))).not.toContain('scrypt');
  });

  it('deactivated at head office while signed in at the shop and edited there meanwhile: the deactivation wins, and the person is refused after the next pull', async () => {
    const made = await dkr.services.users.createUser({ name: 'Pape Ndoye', role: 'cashier', pin: '8383' });
    await dkr.services.sync.runNow({ force: true });
    const agent = request.agent(dkr.app);
    await agent.post('/api/session').send({ pin: '8383' }).expect(200);

    await hq.admin('post', `/api/staff/${made.id}/deactivate`).expect(200);
    // Meanwhile at the shop, not yet pulled: disabled and enabled again by a manager.
    await dkr.services.users.setActive(made.id, false, 'Test manager');
    await dkr.services.users.setActive(made.id, true, 'Test manager');
    await agent.post('/api/session').send({ pin: '8383' }).expect(200);

    await dkr.services.sync.runNow({ force: true });
    expect(await atHq(made.id)).toMatchObject({ active: false, setByHq: true });
    expect((await conflictsOf(made.id)).map((c) => [c.field, c.remoteValue, c.reason])).toEqual([['staffActive', true, 'staff_set_by_hq']]);
    await agent.get('/api/session').expect(401);
    await request(dkr.app).post('/api/session').send({ pin: '8383' }).expect(401);
    expect(await dkr.db.one('select active from users where id = $1', [made.id])).toEqual({ active: false });
  });
});

describe('a stolen shop token', () => {
  it('reading another shop’s staff gets 403 and nobody; pushing another shop’s person is refused and writes nothing', async () => {
    const theirs = await dkr.services.users.createUser({ name: 'Seynabou Diouf', role: 'manager', pin: '8484' });
    await dkr.services.sync.runNow({ force: true });

    const read = await request(hq.app).get('/api/staff').query({ shop: 'DKR01' }).set('authorization', `Bearer ${ths.token}`);
    expect(read.status).toBe(403);
    expect(read.body.error.message).toBe('Ce jeton de boutique ne peut lire que le personnel de sa boutique.');
    expect(JSON.stringify(read.body)).not.toContain('Seynabou');

    const before = await hq.db.rows('select * from hq_staff order by id');
    const conflicts = await hq.count('sync_conflicts');
    await forgedStaffChange(ths, { id: theirs.id, shopId: ths.shop.id, name: 'Seynabou Diouf', role: 'admin', active: true, createdAt: theirs.createdAt.toISOString() });
    expect(await ths.services.sync.pushNow({ force: true })).toEqual({ sent: 0, refused: 1 });
    const aside = await ths.services.sync.refused();
    expect(aside.map((r) => r.code)).toEqual(['staff_not_here']);
    expect(JSON.stringify(aside.map((r) => r.reason))).not.toContain('Seynabou');
    expect(await hq.db.rows('select * from hq_staff order by id')).toEqual(before);
    expect(await hq.count('sync_conflicts')).toBe(conflicts);
  });
});

describe('Paramètres at the shop', () => {
  it('says when head office last sent people, apart from the last pull that merely found nothing new', async () => {
    const fresh = await connectedShop('KLD01');
    const page = async () => {
      const agent = request.agent(fresh.app);
      await agent.post('/connexion').type('form').send({ pin: PINS.manager });
      return (await agent.get('/parametres').expect(200)).text;
    };
    await fresh.services.sync.runNow({ force: true });
    expect(await page()).toContain('Liste du personnel jamais reçue du siège.');
    expect(await fresh.db.one('select staff_pulled_at from sync_state')).toEqual({ staffPulledAt: null });

    await hq.admin('post', '/api/staff').send({ id: randomUUID(), name: 'Adama Touré', role: 'cashier', shops: ['KLD01'] }).expect(201);
    await fresh.services.sync.runNow({ force: true });
    const carried = (await fresh.db.one<{ staffPulledAt: Date }>('select staff_pulled_at from sync_state'))!.staffPulledAt;
    expect(carried).toBeInstanceOf(Date);
    const text = await page();
    expect(text).toContain('Liste du personnel reçue du siège le ');
    expect(text).toContain('Dernière synchronisation réussie avec le siège : ');

    // A pull that carries no one leaves the list's date where it was.
    await fresh.services.sync.runNow({ force: true });
    expect((await fresh.db.one<{ staffPulledAt: Date }>('select staff_pulled_at from sync_state'))!.staffPulledAt).toEqual(carried);
  });
});

