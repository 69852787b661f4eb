import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { initFromHq } from '../../server/sync/rebuild.js';
import { freshDatabase, testHq, testShop } from '../support/harness.js';

/*
 * Issue 24: a first-PIN code head office handed out before a shop's machine
 * died still works on the machine rebuilt from head office (the rebuild
 * carries its SHA-256 and expiry, never the code); one expired does not.
 */

const firstPin = (app: Parameters<typeof request>[0], body: { code: string; pin: string }) => request(app).post('/api/session/first-pin').send(body);

describe('a first-PIN code handed out before a rebuild', () => {
  it('is still valid after it, once, while one already expired is not carried', { timeout: 60_000 }, async () => {
    const hq = await testHq();
    await hq.listen();
    const token = await hq.registerShop('PIN01');
    const first = await testShop({ code: 'PIN01', hq: { url: hq.url, token } });
    const fresh = randomUUID();
    const stale = randomUUID();
    for (const [id, name] of [[fresh, 'Mame Diarra Sow'], [stale, 'Ousseynou Gueye']] as const) {
      await hq.admin('post', '/api/staff').send({ id, name, role: 'cashier', shops: ['PIN01'] }).expect(201);
    }
    const code = (await hq.admin('post', `/api/staff/${fresh}/first-pin-code`).expect(201)).body.code as string;
    // Handed out 8 days ago by head office's clock: past its 7 days.
    const now = hq.clock.now();
    hq.clock.set(new Date(now.getTime() - 8 * 86_400_000));
    const old = (await hq.admin('post', `/api/staff/${stale}/first-pin-code`).expect(201)).body.code as string;
    hq.clock.set(now);
    await first.services.sync.runNow({ force: true });
    expect(await first.db.one('select count(*)::int as n from users where first_pin_code_hash is not null')).toEqual({ n: 2 });
    await first.close();

    // The machine dies before anyone used the code: a new one, an empty database, the same code and token.
    const { url } = await freshDatabase();
    const rebuilt = await testShop({ code: 'PIN01', url, hq: { url: hq.url, token } });
    await initFromHq(rebuilt.deps);
    const back = await rebuilt.db.rows<{ id: string; pinSet: boolean; hasCode: boolean }>(
      'select id, pin_set, first_pin_code_hash is not null as has_code from users where id = any($1::uuid[]) order by name', [[fresh, stale]],
    );
    expect(back).toEqual([{ id: fresh, pinSet: false, hasCode: true }, { id: stale, pinSet: false, hasCode: false }]);
    // Only the code's hash came back, never the code.
    expect(JSON.stringify(await rebuilt.db.rows('select * from users'))).not.toContain(code.replace(/ /g, ''));

    const ok = await firstPin(rebuilt.app, { code, pin: '5252' });
    expect(ok.status).toBe(200);
    expect(ok.body.user).toMatchObject({ id: fresh, name: 'Mame Diarra Sow', pinSet: true });
    await request(rebuilt.app).post('/api/session').send({ pin: '5252' }).expect(200);
    // Used once, here as anywhere.
    expect((await firstPin(rebuilt.app, { code, pin: '5353' })).status).toBe(401);

    const expired = await firstPin(rebuilt.app, { code: old, pin: '5454' });
    expect(expired.status).toBe(401);
    expect(expired.body.error.message).toBe('Code de première connexion inconnu, déjà utilisé ou expiré. Demandez-en un nouveau au siège.');
    expect(await rebuilt.db.one('select pin_set from users where id = $1', [stale])).toEqual({ pinSet: false });
  });
});
