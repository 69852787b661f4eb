import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../server/errors.js';
import { usersService } from '../../server/users/service.js';
import { PINS, testShop, type TestShop } from '../support/harness.js';

let t: TestShop;
beforeAll(async () => {
  t = await testShop();
});

describe('sessions by PIN', () => {
  it('opens a session with a correct PIN in an HTTP-only cookie', async () => {
    const res = await request(t.app).post('/api/session').send({ pin: PINS.cashier });
    expect(res.status).toBe(200);
    expect(res.body.user).toMatchObject({ name: 'Test cashier', role: 'cashier' });
    expect(res.body.user.pinHash).toBeUndefined();
    const cookie = res.headers['set-cookie']![0]!;
    expect(cookie).toMatch(/^comptoir_session=/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const stored = await t.db.one<{ tokenHash: string }>('select token_hash from sessions limit 1');
    expect(cookie).not.toContain(stored!.tokenHash); // only a hash of the token is kept
  });

  it('refuses a wrong PIN, and after five from one terminal makes it wait, the right PIN included, twice as long each time', async () => {
    const shop = await testShop({ code: 'WAIT1' });
    const terminal = request.agent(shop.app);
    for (let i = 1; i <= 5; i++) {
      const res = await terminal.post('/api/session').send({ pin: '000000' });
      expect(res.status).toBe(401);
      expect(res.body.error).toMatchObject({ code: 'pin_wrong', message: 'Code PIN incorrect.' });
    }
    // The right PIN waits like any other: a wait says nothing of what was typed.
    const right = await terminal.post('/api/session').send({ pin: PINS.manager });
    expect(right.status).toBe(429);
    expect(right.body.error).toMatchObject({ code: 'locked', message: 'Trop d’essais incorrects. Réessayez dans 1 s.' });
    expect(right.headers['retry-after']).toBe('1');
    shop.clock.set(new Date(shop.clock.now().getTime() + 1000));
    expect((await terminal.post('/api/session').send({ pin: '000000' })).status).toBe(401);
    const longer = await terminal.post('/api/session').send({ pin: PINS.manager });
    expect(longer.status).toBe(429);
    expect(longer.body.error.message).toBe('Trop d’essais incorrects. Réessayez dans 2 s.');
    shop.clock.set(new Date(shop.clock.now().getTime() + 2000));
    expect((await terminal.post('/api/session').send({ pin: PINS.manager })).status).toBe(200);
  });

  it('slows down whoever names a user with wrong PINs, answers an unknown user the same, and never locks the user out', async () => {
    const shop = await testShop({ code: 'WAIT2' });
    const answers = async (userId: string, address: string) => {
      const seen: [number, string][] = [];
      for (let i = 0; i < 7; i++) {
        const pin = i < 5 ? '999999' : PINS.pharmacist;
        try {
          await shop.services.users.login({ pin, userId }, address);
          seen.push([200, '']);
        } catch (err) {
          seen.push([(err as AppError).status, err instanceof AppError ? err.message : String(err)]);
        }
      }
      return seen;
    };
    const known = await answers(shop.userIds.pharmacist, '192.168.1.50');
    const unknown = await answers('01900000-0000-7000-8000-000000000000', '192.168.1.51');
    expect(known).toEqual(unknown);
    expect(known.map(([status]) => status)).toEqual([401, 401, 401, 401, 401, 429, 429]);
    // From her own till she signs in at once, by name or by PIN alone: nothing was counted against her there.
    expect((await shop.services.users.login({ pin: PINS.pharmacist, userId: shop.userIds.pharmacist }, '192.168.1.20')).user.role).toBe('pharmacist');
    expect((await shop.services.users.login({ pin: PINS.pharmacist }, '192.168.1.21')).user.role).toBe('pharmacist');
  });

  it('refuses a malformed PIN as a validation error', async () => {
    const res = await request(t.app).post('/api/session').send({ pin: '12' });
    expect(res.status).toBe(400);
    expect(res.body.error.details.fields[0].field).toBe('pin');
  });

  it('forgets expired sessions, and their carts, when someone logs in', async () => {
    const agent = await t.as('cashier');
    await t.db.exec(`update sessions set expires_at = now() - interval '1 minute'`);
    expect((await agent.get('/api/session')).status).toBe(401);
    await t.as('manager');
    expect(await t.db.one<{ n: number }>('select count(*)::int as n from sessions')).toEqual({ n: 1 });
  });

  it('ends the session on logout', async () => {
    const agent = await t.as('cashier');
    expect((await agent.get('/api/session')).status).toBe(200);
    expect((await agent.delete('/api/session')).status).toBe(204);
    expect((await agent.get('/api/session')).status).toBe(401);
  });

  it('refuses a state change sent from another site', async () => {
    const agent = await t.as('manager');
    const before = await t.counts();
    const res = await agent.post('/api/products').set('Origin', 'http://evil.example').send({ sku: 'EVIL', name: 'x', unitPrice: 1 });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('csrf');
    expect(await t.counts()).toEqual(before);
  });

  it('refuses a PIN already used by someone else in the shop', async () => {
    const manager = await t.as('manager');
    const res = await manager.post('/api/users').send({ name: 'Awa', role: 'cashier', pin: PINS.cashier });
    expect(res.status).toBe(409);
    expect(res.body.error.message).toBe('Ce code PIN est déjà utilisé par un autre utilisateur.');
    expect((await manager.post('/api/users').send({ name: 'Awa', role: 'cashier', pin: '5678' })).status).toBe(201);
  });

  it('makes the first manager once, from the configured PIN or a generated one', async () => {
    const empty = await testShop({ code: 'THS02' });
    await empty.db.exec('delete from sessions');
    await empty.db.exec('delete from users');
    const svc = usersService(empty.deps);
    const first = await svc.ensureFirstManager(undefined);
    expect(first.created).toBe(true);
    expect(first.generatedPin).toMatch(/^\d{6}$/);
    expect(await svc.ensureFirstManager('4321')).toEqual({ created: false });
    const login = await svc.login({ pin: first.generatedPin! }, 'test');
    expect(login.user.role).toBe('manager');
  });
});

describe('the PIN count under a burst of parallel guesses', () => {
  it('lets at most five of 50 simultaneous guesses be checked, for a chosen user and for a terminal', async () => {
    const shop = await testShop({ code: 'LCK01', poolSize: 20 });
    for (const userId of [shop.userIds.pharmacist, undefined]) {
      shop.clock.set(new Date(shop.clock.now().getTime() + 86_400_000));
      const guesses = Array.from({ length: 50 }, (_, i) => (i === 25 ? PINS.pharmacist : String(100_000 + i)));
      const answers = await Promise.all(guesses.map((pin) => request(shop.app).post('/api/session').send({ pin, ...(userId ? { userId } : {}) })));
      const statuses = answers.map((a) => a.status);
      expect(statuses.filter((s) => s !== 429).length).toBeLessThanOrEqual(5);
      expect(statuses.every((s) => [200, 401, 429].includes(s))).toBe(true);
      // Once waiting, the right PIN does not open either, however many times it is sent at once.
      const after = await Promise.all(Array.from({ length: 20 }, () => request(shop.app).post('/api/session').send({ pin: PINS.pharmacist, ...(userId ? { userId } : {}) })));
      expect(after.map((a) => a.status)).toEqual(Array(20).fill(429));
    }
  });

  it('never opens a session past the limit, even for a success racing the failures', async () => {
    const shop = await testShop({ code: 'LCK02', poolSize: 20 });
    for (let i = 0; i < 4; i++) await request(shop.app).post('/api/session').send({ pin: '000001', userId: shop.userIds.cashier });
    const burst = await Promise.all([
      ...Array.from({ length: 10 }, () => request(shop.app).post('/api/session').send({ pin: '000002', userId: shop.userIds.cashier })),
      ...Array.from({ length: 10 }, () => request(shop.app).post('/api/session').send({ pin: PINS.cashier, userId: shop.userIds.cashier })),
    ]);
    // One attempt was left: at most one of the twenty was checked.
    expect(burst.filter((r) => r.status !== 429).length).toBeLessThanOrEqual(1);
    const opened = burst.filter((r) => r.status === 200).length;
    expect(await shop.db.one<{ n: number }>('select count(*)::int as n from sessions where user_id = $1', [shop.userIds.cashier])).toEqual({ n: opened });
  });
});
