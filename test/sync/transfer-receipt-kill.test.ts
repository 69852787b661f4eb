import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { freshDatabase, seedBatch, seedProduct, testHq, testShop } from '../support/harness.js';
import { freePort, type RunningServer, serverApi, startServer, tempDataDir, until, waitHealthy } from '../support/process.js';

// Issue 23: the receiving shop's server killed (kill -9) in the middle of « Valider », restarted, and the receipt tried again.
const dirs: string[] = [];
const children: RunningServer[] = [];
const clients: pg.Client[] = [];
afterAll(async () => {
  for (const c of clients) await c.end().catch(() => undefined);
  for (const c of children) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGTERM');
  await Promise.all(children.map((c) => c.exited));
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

describe('the receiving shop killed during « Valider »', () => {
  it('restarted and retried, each lot and movement exists once at the receiver and at head office, and the sender sees the receipt once', { timeout: 180_000 }, async () => {
    const hq = await testHq();
    await hq.listen();
    const tokenA = await hq.registerShop('KLA01');
    const tokenB = await hq.registerShop('KLB02');
    const a = await testShop({ code: 'KLA01', hq: { url: hq.url, token: tokenA } });
    await a.services.sync.pullNow({ force: true });

    // B reaches head office through a link the test can cut.
    let link: 'up' | 'down' = 'up';
    const proxy = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', async () => {
        if (link === 'down') {
          res.writeHead(503).end();
          return;
        }
        try {
          const upstream = await fetch(`${hq.url}${req.url}`, {
            method: req.method!,
            headers: Object.fromEntries(['authorization', 'content-type', 'content-encoding', 'accept-encoding'].filter((h) => req.headers[h]).map((h) => [h, String(req.headers[h])])),
            ...(chunks.length ? { body: new Blob([new Uint8Array(Buffer.concat(chunks))]) } : {}),
          });
          const body = Buffer.from(await upstream.arrayBuffer());
          res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' }).end(body);
        } catch {
          res.writeHead(502).end();
        }
      });
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const { url: dbB } = await freshDatabase();
    const dataDir = tempDataDir('comptoir-receipt-kill-');
    dirs.push(dataDir);
    const port = await freePort();
    const env = {
      DATABASE_URL: dbB, DATA_DIR: dataDir, PORT: String(port), COMPTOIR_ADMIN_PIN: '2468', SHOP_CODE: 'KLB02',
      HQ_URL: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`, HQ_TOKEN: tokenB,
    };
    const start = async () => {
      const s = startServer(env);
      children.push(s);
      await waitHealthy(port, s);
      return { server: s, cookie: (await serverApi(port, 'POST', '/api/session', { pin: '2468' })).cookie! };
    };
    const b = new pg.Client({ connectionString: dbB });
    await b.connect();
    clients.push(b);
    const atB = async (sql: string, params: unknown[] = []) => (await b.query(sql, params)).rows;

    // A ships two lines to B.
    const p = await seedProduct(a, { name: 'Ciprofloxacine 500 mg', unitPrice: 1500 });
    const l1 = await seedBatch(a, { productId: p.id, lotNumber: 'CIP-1', expirationDate: '2027-08-31', quantity: 30 });
    const l2 = await seedBatch(a, { productId: p.id, lotNumber: 'CIP-2', expirationDate: '2028-02-29', quantity: 20 });
    const agentA = await a.as('pharmacist');
    const draft = (await agentA.post('/api/transfers').send({ toShop: 'KLB02', lines: [{ batchId: l1.id, quantity: 12 }, { batchId: l2.id, quantity: 7 }] }).expect(201)).body;
    const t = (await agentA.post(`/api/transfers/${draft.id}/ship`).expect(200)).body as { id: string; lines: { id: string; quantity: number }[] };
    await a.services.sync.runNow({ force: true });

    let { server, cookie } = await start();
    await serverApi(port, 'POST', '/api/sync/run', undefined, cookie);
    await until('the shipment at B', async () => ((await serverApi(port, 'GET', `/api/transfers/${t.id}`, undefined, cookie)).body?.status === 'shipped' ? true : undefined));
    const receipt = { lines: [{ lineId: t.lines[0]!.id, receivedQty: 12 }, { lineId: t.lines[1]!.id, receivedQty: 6, note: 'Une boîte manquante' }] };

    // « Valider »: held at the receipt's insert (its lots and movements already written in the transaction), then kill -9.
    await b.query('begin');
    await b.query('lock table transfer_receipts in share mode');
    const valider = serverApi(port, 'POST', `/api/transfers/${t.id}/receive`, receipt, cookie).catch((err: Error) => err);
    // Watched from another connection: inside a transaction, pg_stat_activity stays as first read.
    const watch = new pg.Client({ connectionString: dbB });
    await watch.connect();
    clients.push(watch);
    await until('« Valider » waiting on its receipt', async () =>
      (await watch.query(`select 1 from pg_stat_activity where wait_event_type = 'Lock' and query like 'insert into transfer_receipts%'`)).rows.length > 0 ? true : undefined);
    server.child.kill('SIGKILL');
    await server.exited;
    expect(await valider).toBeInstanceOf(Error);
    await b.query('rollback');
    // The killed transaction left nothing: no lot, no movement, no receipt, nothing to push.
    await until('the killed transaction rolled back', async () =>
      (await atB(`select 1 from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() and state <> 'idle'`)).length === 0 ? true : undefined);
    expect(await atB('select count(*)::int as n from product_batches')).toEqual([{ n: 0 }]);
    expect(await atB(`select count(*)::int as n from stock_movements where kind = 'transfer_in'`)).toEqual([{ n: 0 }]);
    expect(await atB('select count(*)::int as n from transfer_receipts')).toEqual([{ n: 0 }]);
    expect(await atB(`select count(*)::int as n from sync_outbox where entity in ('batch', 'movement', 'transfer_receipt')`)).toEqual([{ n: 0 }]);

    // Restarted, head office out of reach: the retry is received; killed again before its push.
    link = 'down';
    ({ server, cookie } = await start());
    const retried = await serverApi(port, 'POST', `/api/transfers/${t.id}/receive`, receipt, cookie);
    expect(retried.status, JSON.stringify(retried.body)).toBe(200);
    expect(retried.body).toMatchObject({ status: 'received', receipt: { receivedUnits: 18 } });
    server.child.kill('SIGKILL');
    await server.exited;
    expect((await atB(`select count(*)::int as n from sync_outbox where entity = 'transfer_receipt'`))[0].n).toBe(1);

    // Restarted with the link back: the receipt pushes once; the person who never saw the answer tries again and is told.
    link = 'up';
    ({ server, cookie } = await start());
    const third = await serverApi(port, 'POST', `/api/transfers/${t.id}/receive`, receipt, cookie);
    expect(third.status).toBe(409);
    expect(third.body.error.message).toMatch(/déjà été réceptionné/);
    await serverApi(port, 'POST', '/api/sync/run', undefined, cookie);
    await until('B’s outbox drained', async () => ((await serverApi(port, 'GET', '/api/sync/status', undefined, cookie)).body?.pendingChanges === 0 ? true : undefined));

    // At B: one lot per line, one movement each, the quantities received.
    const lotsB = await atB(`select b.id, b.lot_number, b.quantity from product_batches b order by b.lot_number`);
    expect(lotsB.map((l) => [l.lot_number, l.quantity])).toEqual([['CIP-1', 12], ['CIP-2', 6]]);
    const movesB = await atB(`select id, batch_id, delta from stock_movements where kind = 'transfer_in' order by delta desc`);
    expect(movesB.map((m) => [m.batch_id, m.delta])).toEqual([[lotsB[0].id, 12], [lotsB[1].id, 6]]);
    expect(await atB('select count(*)::int as n from transfer_receipts')).toEqual([{ n: 1 }]);

    // At head office: the same lots and movements, once; each lot's quantity is its ledger; the missing box on the record.
    const ids = lotsB.map((l) => l.id as string);
    expect(await hq.db.rows('select id, quantity from product_batches where id = any($1::uuid[]) order by lot_number', [ids])).toEqual(lotsB.map((l) => ({ id: l.id, quantity: l.quantity })));
    expect((await hq.db.rows<{ id: string }>(`select id from stock_movements where batch_id = any($1::uuid[]) order by delta desc`, [ids])).map((m) => m.id)).toEqual(movesB.map((m) => m.id));
    expect(await hq.db.rows('select received_units from transfer_receipts where transfer_id = $1', [t.id])).toEqual([{ receivedUnits: 18 }]);
    const reasons = (await hq.admin('get', '/api/conflicts')).body.map((c: { reason: string }) => c.reason);
    expect(reasons.filter((r: string) => r === 'transfer_difference')).toHaveLength(1);

    // A sees the receipt once, read-only, with the line one short.
    await a.services.sync.pullNow({ force: true });
    await a.services.sync.pullNow({ force: true });
    expect(await a.db.one('select count(*)::int as n from transfer_receipts where transfer_id = $1', [t.id])).toEqual({ n: 1 });
    const seen = (await (await a.as('cashier')).get(`/api/transfers/${t.id}`).expect(200)).body;
    expect(seen).toMatchObject({ status: 'received', inTransitUnits: 0 });
    expect(seen.lines.map((l: { difference: number }) => l.difference)).toEqual([0, -1]);
    expect(await a.db.one('select quantity from product_batches where id = $1', [l1.id])).toEqual({ quantity: 18 });

    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    proxy.close();
  });
});
