import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { csrfToken } from '../../server/web/context.js';
import { PINS, seedBatch, seedProduct, testShop } from '../support/harness.js';
import { freePort, type RunningServer, startServer, tempDataDir, until, waitHealthy } from '../support/process.js';

// Issue 22: a payment on account taken while the power goes (kill -9 of the server mid-request), then the server restarted and
// the till's form sent again: the payment is recorded once or not at all, and the page says which.
const dirs: string[] = [];
const children: RunningServer[] = [];
const clients: pg.Client[] = [];
afterAll(async () => {
  for (const c of clients) await c.end().catch(() => undefined);
  for (const c of children) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGTERM');
  await Promise.all(children.map((c) => c.exited));
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

const POSTE = 'Caisse 1';
const plain = (s: string) => s.replace(/[\u00a0\u202f]/g, ' ');

describe('a payment on account during a power cut', () => {
  it('killed before its commit is not recorded (no number taken) and is recorded once when sent again; killed after it, sent again, the page says it was already recorded', { timeout: 180_000 }, async () => {
    // The shop's database with its people, a product, a customer owing 10 000 FCFA and the cashier's open session.
    const t = await testShop({ code: 'PWR01' });
    const p = await seedProduct(t, { name: 'Paracétamol 1 g', unitPrice: 1000 });
    await seedBatch(t, { productId: p.id, lotNumber: 'PAR-1', expirationDate: '2028-12-31', quantity: 100 });
    const manager = await t.as('manager');
    const customer = (await manager.post('/api/customers').send({ name: 'Awa Diop', creditLimit: 50_000 }).expect(201)).body.id as string;
    const cashier = await t.as('cashier');
    const session = (await cashier.post('/api/cash/sessions').set('x-comptoir-poste', POSTE).send({ float: 10_000 }).expect(201)).body.id as string;
    await cashier.post('/api/sales').set('x-comptoir-poste', POSTE).send({ lines: [{ productId: p.id, quantity: 10 }], payments: [{ method: 'credit', customerId: customer }] }).expect(201);
    await t.close();

    const dataDir = tempDataDir('comptoir-payment-kill-');
    dirs.push(dataDir);
    const port = await freePort();
    const env = { DATABASE_URL: t.url, DATA_DIR: dataDir, PORT: String(port), SHOP_CODE: 'PWR01', TZ: 'Africa/Dakar' };
    const base = `http://127.0.0.1:${port}`;
    /** The server started, and the cashier's page session at the till: its cookie and the form token its pages carry. */
    const start = async () => {
      const server = startServer(env);
      children.push(server);
      await waitHealthy(port, server);
      const login = await fetch(`${base}/connexion`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `pin=${PINS.cashier}` });
      const token = /comptoir_session=([^;]+)/.exec(login.headers.get('set-cookie') ?? '')![1]!;
      return { server, cookie: `comptoir_session=${token}`, csrf: csrfToken(decodeURIComponent(token)) };
    };
    /** « Encaisser » on the customer's page: the form carries the id the page made for it. */
    const payForm = (till: { cookie: string; csrf: string }, id: string, amount: number) =>
      fetch(`${base}/clients/${customer}/reglement`, {
        method: 'POST', redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: till.cookie, 'x-comptoir-poste': POSTE },
        body: new URLSearchParams({ _csrf: till.csrf, id, amount: String(amount), method: 'cash' }).toString(),
      });
    const pageAfter = async (till: { cookie: string }, res: Response) => {
      expect(res.status).toBe(303);
      return plain(await (await fetch(`${base}${res.headers.get('location')}`, { headers: { cookie: till.cookie } })).text());
    };

    const db = new pg.Client({ connectionString: t.url });
    await db.connect();
    clients.push(db);
    const watch = new pg.Client({ connectionString: t.url });
    await watch.connect();
    clients.push(watch);
    const entry = async (id: string) => (await watch.query('select number, amount, balance_after from account_entries where id = $1', [id])).rows;
    const counter = async () => Number((await watch.query("select last_number from shop_counters where kind = 'reglement'")).rows[0]?.last_number ?? 0);
    const queued = async (id: string) => Number((await watch.query("select count(*) as n from sync_outbox where entity = 'account_entry' and entity_id = $1", [id])).rows[0].n);

    // 1. The power goes while the payment is being written (held at its entry's insert, its number already taken in the transaction).
    let till = await start();
    const first = randomUUID();
    await db.query('begin');
    await db.query('lock table account_entries in share mode');
    const sent = payForm(till, first, 3000).catch((err: Error) => err);
    await until('the payment waiting on its entry', async () =>
      (await watch.query(`select 1 from pg_stat_activity where wait_event_type = 'Lock' and query like 'insert into account_entries%'`)).rows.length > 0 ? true : undefined);
    till.server.child.kill('SIGKILL');
    await till.server.exited;
    expect(await sent).toBeInstanceOf(Error);
    await db.query('rollback');
    await until('the killed transaction rolled back', async () =>
      (await watch.query(`select 1 from pg_stat_activity where query like 'insert into account_entries%' and state <> 'idle'`)).rows.length === 0 ? true : undefined);
    // Nothing of it: no entry, no number taken, nothing to send to head office.
    expect(await entry(first)).toEqual([]);
    expect(await counter()).toBe(0);
    expect(await queued(first)).toBe(0);

    // Restarted, the till sends its form again: recorded now, once, with the first number; the page says it was recorded.
    till = await start();
    const again = await payForm(till, first, 3000);
    const recorded = await pageAfter(till, again);
    expect(recorded).toContain('Règlement enregistré.');
    expect(recorded).not.toContain('Ce règlement était déjà enregistré');
    expect(recorded).toContain('id="customer-balance">7 000 FCFA');
    expect(await entry(first)).toEqual([{ number: 'PWR01-RG000001', amount: 3000, balance_after: 7000 }]);

    // 2. The power goes just after a payment committed, before the till could read the answer.
    const second = randomUUID();
    const lost = payForm(till, second, 2000).catch((err: Error) => err);
    await until('the payment committed', async () => ((await entry(second)).length > 0 ? true : undefined));
    till.server.child.kill('SIGKILL');
    await till.server.exited;
    await lost;

    // Restarted, the same form again: not counted twice, and the page says so.
    till = await start();
    const replay = await payForm(till, second, 2000);
    expect(replay.headers.get('location')).toContain('deja=1');
    const told = await pageAfter(till, replay);
    expect(told).toContain('Ce règlement était déjà enregistré : il n’a été compté qu’une fois.');
    expect(told).toContain('id="customer-balance">5 000 FCFA');
    expect(await entry(second)).toEqual([{ number: 'PWR01-RG000002', amount: 2000, balance_after: 5000 }]);
    expect(await queued(second)).toBe(1);
    expect(Number((await watch.query("select count(*) as n from account_entries where kind = 'payment'")).rows[0].n)).toBe(2);

    // The drawer counts each payment once: 10 000 float + 3 000 + 2 000 in cash.
    const api = await fetch(`${base}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ pin: PINS.cashier }) });
    const apiCookie = api.headers.get('set-cookie')!.split(';')[0]!;
    const report = (await (await fetch(`${base}/api/cash/sessions/${session}`, { headers: { cookie: apiCookie } })).json()) as { report: { accountPayments: { cash: number }; expected: { cash: number } } };
    expect(report.report.accountPayments.cash).toBe(5000);
    expect(report.report.expected.cash).toBe(15_000);
    // The next payment takes the next number: none was lost, none given twice.
    const third = await payForm(till, randomUUID(), 1000);
    expect(await pageAfter(till, third)).toContain('Règlement enregistré.');
    expect(await counter()).toBe(3);
  });
});
