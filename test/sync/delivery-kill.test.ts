import fs from 'node:fs';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { freshDatabase, testHq } from '../support/harness.js';
import { freePort, type RunningServer, serverApi, startServer, tempDataDir, until, waitHealthy } from '../support/process.js';

// Issue 21: a delivery note validated twice at once, then killed (kill -9) in the middle of « Valider » and tried again:
// each lot and movement exists once, at the shop and at head office.
const dirs: string[] = [];
const children: RunningServer[] = [];
const clients: pg.Client[] = [];
afterAll(async () => {
  for (const c of clients) await c.end().catch(() => undefined);
  for (const c of children) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGTERM');
  await Promise.all(children.map((c) => c.exited));
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

describe('a delivery note validated twice, and killed during « Valider »', () => {
  it('writes each lot and movement once at the shop and at head office', { timeout: 180_000 }, async () => {
    const hq = await testHq();
    await hq.listen();
    const token = await hq.registerShop('DLK01');
    const { url } = await freshDatabase();
    const dataDir = tempDataDir('comptoir-delivery-kill-');
    dirs.push(dataDir);
    const port = await freePort();
    const env = { DATABASE_URL: url, DATA_DIR: dataDir, PORT: String(port), COMPTOIR_ADMIN_PIN: '2468', SHOP_CODE: 'DLK01', HQ_URL: hq.url, HQ_TOKEN: token };
    const start = async () => {
      const s = startServer(env);
      children.push(s);
      await waitHealthy(port, s);
      return { server: s, cookie: (await serverApi(port, 'POST', '/api/session', { pin: '2468' })).cookie! };
    };
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    clients.push(db);
    const rows = async (sql: string, params: unknown[] = []) => (await db.query(sql, params)).rows;

    let { server, cookie } = await start();
    const supplier = (await serverApi(port, 'POST', '/api/suppliers', { name: 'Laborex Sénégal' }, cookie)).body;
    const products: string[] = [];
    for (const [i, name] of ['Paracétamol 500 mg', 'Amoxicilline 1 g', 'Oméprazole 20 mg'].entries()) {
      const p = await serverApi(port, 'POST', '/api/products', { sku: `DLK-${i}`, name, unitPrice: 1000 + i }, cookie);
      expect(p.status, JSON.stringify(p.body)).toBe(201);
      products.push(p.body.id);
    }
    const lines = products.map((productId, i) => ({ productId, lotNumber: `LOT-${i}`, expirationDate: '2029-05-31', quantity: 10 + i, unitCost: 400 + i }));
    const note = async (deliveryNote: string) => {
      const d = await serverApi(port, 'POST', '/api/deliveries', { supplierId: supplier.id, deliveryNote, lines }, cookie);
      expect(d.status, JSON.stringify(d.body)).toBe(201);
      return d.body.id as string;
    };

    // Two clicks at once on « Valider »: one writes, the other finds it validated.
    const first = await note('BL-1');
    const both = await Promise.all([1, 2].map(() => serverApi(port, 'POST', `/api/deliveries/${first}/validate`, {}, cookie)));
    expect(both.map((r) => r.status)).toEqual([200, 200]);
    expect(await rows('select lot_number, quantity from product_batches order by lot_number')).toEqual([
      { lot_number: 'LOT-0', quantity: 10 }, { lot_number: 'LOT-1', quantity: 11 }, { lot_number: 'LOT-2', quantity: 12 },
    ]);
    expect(await rows(`select count(*)::int as n from stock_movements where kind = 'receipt'`)).toEqual([{ n: 3 }]);

    // The second note of the same lots: held at its first outbox row (its lots and movements written in the transaction), then kill -9.
    const second = await note('BL-2');
    await db.query('begin');
    await db.query('lock table sync_outbox in share mode');
    const valider = serverApi(port, 'POST', `/api/deliveries/${second}/validate`, {}, cookie).catch((err: Error) => err);
    const watch = new pg.Client({ connectionString: url });
    await watch.connect();
    clients.push(watch);
    await until('« Valider » waiting on the outbox', async () =>
      (await watch.query(`select 1 from pg_stat_activity where wait_event_type = 'Lock' and query like 'insert into sync_outbox%'`)).rows.length > 0 ? true : undefined);
    server.child.kill('SIGKILL');
    await server.exited;
    expect(await valider).toBeInstanceOf(Error);
    await db.query('rollback');
    await until('the killed transaction rolled back', async () =>
      (await rows(`select 1 from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() and state <> 'idle'`)).length === 0 ? true : undefined);
    // Nothing of it stayed: the lots hold the first note only, the delivery is a draft still.
    expect(await rows('select sum(quantity)::int as n from product_batches')).toEqual([{ n: 33 }]);
    expect(await rows('select status from deliveries where id = $1', [second])).toEqual([{ status: 'draft' }]);

    // Restarted and tried again: validated once; a third try writes nothing.
    ({ server, cookie } = await start());
    expect((await serverApi(port, 'POST', `/api/deliveries/${second}/validate`, {}, cookie)).status).toBe(200);
    expect((await serverApi(port, 'POST', `/api/deliveries/${second}/validate`, {}, cookie)).status).toBe(200);
    expect(await rows('select lot_number, quantity from product_batches order by lot_number')).toEqual([
      { lot_number: 'LOT-0', quantity: 20 }, { lot_number: 'LOT-1', quantity: 22 }, { lot_number: 'LOT-2', quantity: 24 },
    ]);
    const moves = await rows(`select id from stock_movements where kind = 'receipt' order by id`);
    expect(moves).toHaveLength(6);

    await serverApi(port, 'POST', '/api/sync/run', undefined, cookie);
    await until('the outbox drained', async () => ((await serverApi(port, 'GET', '/api/sync/status', undefined, cookie)).body?.pendingChanges === 0 ? true : undefined));
    // At head office: the same lots, quantities and movements, once each, and both deliveries.
    const lots = await rows('select id, quantity from product_batches order by id');
    expect(await hq.db.rows('select id, quantity from product_batches where id = any($1::uuid[]) order by id', [lots.map((l) => l.id)])).toEqual(lots);
    expect((await hq.db.rows<{ id: string }>(`select id from stock_movements where kind = 'receipt' and batch_id = any($1::uuid[]) order by id`, [lots.map((l) => l.id)])).map((m) => m.id))
      .toEqual(moves.map((m) => m.id));
    expect(await hq.db.rows('select delivery_note from deliveries where id = any($1::uuid[]) order by delivery_note', [[first, second]])).toEqual([{ deliveryNote: 'BL-1' }, { deliveryNote: 'BL-2' }]);

    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  });
});
