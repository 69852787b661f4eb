import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../server/app.js';
import { AppError } from '../../server/errors.js';
import { cashierActor, PINS, seedBatch, seedProduct, testShop, type TestShop } from '../support/harness.js';

// Issue 19, item 2: four wrong guesses and the cashier's own PIN, repeated, used to walk the manager's PIN.

/** A PIN nobody in the test shop has: 5000, 5001, … */
let nextGuess = 5000;
const wrong = () => String(nextGuess++);

async function status(work: Promise<unknown>): Promise<number> {
  try {
    await work;
    return 200;
  } catch (err) {
    if (err instanceof AppError) return err.status;
    throw err;
  }
}

const later = (shop: TestShop, ms: number) => shop.clock.set(new Date(shop.clock.now().getTime() + ms));

describe('a walk of the manager’s PIN at the sign-in', () => {
  it('from one address, slipping in the cashier’s own PIN every fifth try, is stopped after four wrong guesses', async () => {
    const shop = await testShop({ code: 'WLK01' });
    const attacker = request.agent(shop.app);
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) statuses.push((await attacker.post('/api/session').send({ pin: i % 5 === 4 ? PINS.cashier : wrong() })).status);
    // The cashier's own PIN forgave none of the wrong ones: after the five free tries, the address waits.
    expect(statuses.filter((s) => s === 401).length).toBe(4);
    expect(statuses.slice(5).every((s) => s === 429)).toBe(true);
    const manager = await attacker.post('/api/session').send({ pin: PINS.manager });
    expect(manager.status).toBe(429);
    expect(manager.body.error.code).toBe('locked');
    expect(await shop.db.one('select count(*)::int as n from sessions where user_id = $1', [shop.userIds.manager])).toEqual({ n: 0 });
  });

  it('from one address, waiting out every delay and slipping in the cashier’s PIN, checks fewer than 80 guesses in eight hours (a 4-digit PIN has 10,000)', async () => {
    const shop = await testShop({ code: 'WLK02' });
    const attacker = request.agent(shop.app);
    const dayEnds = shop.clock.now().getTime() + 8 * 3_600_000;
    let checked = 0;
    for (let i = 0; shop.clock.now().getTime() < dayEnds; i++) {
      const res = await attacker.post('/api/session').send({ pin: i % 5 === 4 ? PINS.cashier : wrong() });
      if (res.status === 401) checked++;
      if (res.status === 429) later(shop, Number(res.headers['retry-after']) * 1000);
    }
    // About six an hour once the free tries are spent (the leak of the per-address count): weeks for 10,000 PINs, with the manager told.
    expect(checked).toBeGreaterThan(20);
    expect(checked).toBeLessThan(80);
  });

  it('from forty addresses, each with two wrong guesses and the cashier’s own PIN, is stopped for the whole shop', async () => {
    const shop = await testShop({ code: 'WLK03' });
    const login = (pin: string, address: string) => status(shop.services.users.login({ pin }, address));
    const statuses: number[] = [];
    for (let a = 1; a <= 40; a++) {
      const address = `10.0.1.${a}`;
      statuses.push(await login(wrong(), address), await login(wrong(), address), await login(PINS.cashier, address));
    }
    const wrongChecked = statuses.filter((s) => s === 401).length;
    expect(wrongChecked).toBeLessThanOrEqual(15);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(60);
    // The manager's PIN, from an address never seen, waits like the rest.
    expect(await login(PINS.manager, '10.0.9.9')).toBe(429);
  });

  it('counts every address of one IPv6 /64 as one', async () => {
    const shop = await testShop({ code: 'WLK04' });
    const statuses: number[] = [];
    for (let i = 1; i <= 8; i++) statuses.push(await status(shop.services.users.login({ pin: wrong() }, `2001:db8:7:8::${i.toString(16)}`)));
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429, 429]);
    expect(await status(shop.services.users.login({ pin: PINS.manager }, '2001:db8:7:8:ffff:ffff:ffff:1'))).toBe(429);
    // Another /64 is another address.
    expect(await status(shop.services.users.login({ pin: PINS.manager }, '2001:db8:7:9::1'))).toBe(200);
  });

  it('believes X-Forwarded-For only from a proxy the configuration names', async () => {
    const shop = await testShop({ code: 'WLK05' });
    const forwardedFrom = (app: typeof shop.app, address: string, pin: string) => request(app).post('/api/session').set('X-Forwarded-For', address).send({ pin });
    // Unconfigured: every forged address is the one socket the guesses come from.
    const plain: number[] = [];
    for (let i = 1; i <= 7; i++) plain.push((await forwardedFrom(shop.app, `10.9.9.${i}`, wrong())).status);
    expect(plain).toEqual([401, 401, 401, 401, 401, 429, 429]);
    // Behind a configured proxy (loopback here), the forwarded address is the client's.
    later(shop, 86_400_000);
    const { app } = createApp({ role: 'shop', db: shop.db, logger: shop.deps.logger, shop: shop.shop, now: shop.clock.now, services: shop.services, trustProxy: 'loopback' });
    for (let i = 0; i < 5; i++) expect((await forwardedFrom(app, '10.9.8.1', wrong())).status).toBe(401);
    expect((await forwardedFrom(app, '10.9.8.1', PINS.manager)).status).toBe(429);
    expect((await forwardedFrom(app, '10.9.8.2', PINS.manager)).status).toBe(200);
  });
});

describe('a manager’s approval of a discount', () => {
  async function shopWithStock(code: string) {
    const shop = await testShop({ code });
    const p = await seedProduct(shop, { unitPrice: 2000 });
    await seedBatch(shop, { productId: p.id, expirationDate: '2030-01-31', quantity: 500 });
    const sale = (managerPin: string) => ({ lines: [{ productId: p.id, quantity: 1 }], discount: { kind: 'percent', value: 50, reason: 'essai' }, payment: { method: 'card' }, managerPin });
    return { shop, sale };
  }

  it('answers a cashier’s valid PIN exactly as a wrong PIN, and writes nothing', async () => {
    const { shop, sale } = await shopWithStock('APR01');
    const cashier = await shop.as('cashier');
    const before = await shop.counts();
    const answers = [];
    for (const pin of [PINS.cashier, wrong(), PINS.pharmacist]) {
      const res = await cashier.post('/api/sales').send(sale(pin));
      answers.push({ status: res.status, error: res.body.error });
    }
    expect(answers).toEqual(Array(3).fill({ status: 401, error: { code: 'pin_wrong', message: 'Code PIN de responsable incorrect.' } }));
    // No sale, no movement: only the alert of a burst (three wrong approvals asked by one person) is on its way to head office.
    expect(await shop.counts()).toEqual({ ...before, sync_outbox: before.sync_outbox + 1 });
    expect(await shop.db.rows('select entity from sync_outbox order by seq desc limit 1')).toEqual([{ entity: 'security_alert' }]);
    later(shop, 5000); // the asker's three tries are spent: the next waits two seconds
    const approved = await cashier.post('/api/sales').send(sale(PINS.manager));
    expect(approved.status).toBe(201);
    expect(approved.body.discountApprovedBy).toBe(shop.userIds.manager);
  });

  it('stops a cashier walking the manager’s PIN through discounts, from several addresses, signing in again with their own PIN between tries', async () => {
    const { shop, sale } = await shopWithStock('APR02');
    const cashier = cashierActor(shop);
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      const address = `10.0.2.${i}`;
      statuses.push(await status(shop.services.sales.recordSale(sale(wrong()) as never, cashier, { client: address })));
      await shop.services.users.login({ pin: PINS.cashier }, address);
    }
    // Three free tries for the person asking, wherever they type from; the rest wait.
    expect(statuses.slice(0, 3)).toEqual([401, 401, 401]);
    expect(statuses.slice(3).every((s) => s === 429)).toBe(true);
    expect(await status(shop.services.sales.recordSale(sale(PINS.manager) as never, cashier, { client: '10.0.2.99' }))).toBe(429);
    expect(await shop.db.one('select count(*)::int as n from sales')).toEqual({ n: 0 });
  });
});
