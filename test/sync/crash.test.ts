import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { testHq } from '../support/harness.js';
import { freePort, startServer, tempDataDir, waitHealthy, type RunningServer } from '../support/process.js';

const dirs: string[] = [];
const children: RunningServer[] = [];
afterAll(async () => {
  for (const c of children) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGTERM');
  await Promise.all(children.map((c) => c.exited));
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

async function api(port: number, method: string, path: string, body?: unknown, cookie?: string) {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json().catch(() => null)) as any, cookie: res.headers.get('set-cookie')?.split(';')[0] };
}

describe('a shop killed in the middle of a push', () => {
  it('after head office committed but before the ack was recorded: no duplicate, nothing missing', { timeout: 90_000 }, async () => {
    const hq = await testHq();
    await hq.listen();
    const token = await hq.registerShop('KIL01');

    // Between the shop and head office: first down, then it kills the shop right after head office answers.
    let mode: 'down' | 'kill' | 'pass' = 'down';
    let shop: RunningServer | undefined;
    let killed = false;
    const proxy = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', async () => {
        if (mode === 'down') {
          res.writeHead(503).end();
          return;
        }
        const upstream = await fetch(`${hq.url}${req.url}`, {
          method: req.method!,
          headers: Object.fromEntries(['authorization', 'content-type', 'content-encoding'].filter((h) => req.headers[h]).map((h) => [h, String(req.headers[h])])),
          ...(chunks.length ? { body: new Blob([new Uint8Array(Buffer.concat(chunks))]) } : {}),
        });
        const text = await upstream.text();
        if (mode === 'kill' && req.url!.startsWith('/api/sync/push') && upstream.status === 200) {
          mode = 'pass';
          killed = true;
          shop!.child.kill('SIGKILL');
          req.socket.destroy();
          return;
        }
        res.writeHead(upstream.status, { 'content-type': 'application/json' }).end(text);
      });
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;

    const dataDir = tempDataDir('comptoir-kill-');
    dirs.push(dataDir);
    const port = await freePort();
    const env = {
      DATA_DIR: dataDir, PORT: String(port), EMBEDDED_PG_PORT: String(await freePort()), COMPTOIR_ADMIN_PIN: '2468',
      SHOP_CODE: 'KIL01', HQ_URL: proxyUrl, HQ_TOKEN: token,
    };
    shop = startServer(env);
    children.push(shop);
    await waitHealthy(port, shop);
    const cookie = (await api(port, 'POST', '/api/session', { pin: '2468' })).cookie!;
    const product = (await api(port, 'POST', '/api/products', { sku: 'K9', name: 'Produit', unitPrice: 1000 }, cookie)).body;
    const lot = (await api(port, 'POST', '/api/batches', { productId: product.id, lotNumber: 'K9-1', expirationDate: '2030-01-31', quantity: 40 }, cookie)).body;
    const saleIds: string[] = [];
    for (let i = 0; i < 5; i++) {
      const sale = await api(port, 'POST', '/api/sales', { lines: [{ productId: product.id, quantity: 2 }], payment: { method: 'card' } }, cookie);
      expect(sale.status).toBe(201);
      saleIds.push(sale.body.id);
    }

    mode = 'kill';
    expect((await api(port, 'POST', '/api/sync/run', undefined, cookie)).status).toBe(202);
    await shop.exited;
    expect(killed).toBe(true);
    const committed = await hq.db.one<{ n: number }>(`select count(*)::int as n from sales where shop_id = (select id from shops where code = 'KIL01')`);
    expect(committed!.n).toBe(5); // head office has them; the shop never heard so

    const again = startServer(env);
    children.push(again);
    await waitHealthy(port, again);
    const cookie2 = (await api(port, 'POST', '/api/session', { pin: '2468' })).cookie!;
    await api(port, 'POST', '/api/sync/run', undefined, cookie2);
    const until = Date.now() + 30_000;
    let status = (await api(port, 'GET', '/api/sync/status', undefined, cookie2)).body;
    while (status.pendingChanges > 0 && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 300));
      status = (await api(port, 'GET', '/api/sync/status', undefined, cookie2)).body;
    }
    expect(status).toMatchObject({ pendingChanges: 0, lastError: null });

    const sales = await hq.db.rows<{ id: string }>(`select id from sales where shop_id = (select id from shops where code = 'KIL01') order by id`);
    expect(sales.map((s) => s.id)).toEqual([...saleIds].sort());
    expect(await hq.count('sale_items')).toBe(5);
    const movements = await hq.db.rows<{ kind: string }>('select kind from stock_movements where batch_id = $1', [lot.id]);
    expect(movements).toHaveLength(6);
    expect((await hq.db.one<{ quantity: number }>('select quantity from product_batches where id = $1', [lot.id]))!.quantity).toBe(30);
    expect(await hq.count('sync_conflicts')).toBe(0);
    // The killed push did reach head office, and was sent again after the restart: 18 changes in all.
    const received = await hq.db.one<{ changesReceived: number }>(`select changes_received from hq_shop_sync where shop_id = (select id from shops where code = 'KIL01')`);
    expect(received!.changesReceived).toBeGreaterThan(18);

    again.child.kill('SIGTERM');
    expect(await again.exited).toBe(0);
    proxy.close();
  });
});
