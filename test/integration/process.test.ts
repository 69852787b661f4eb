import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, startServer, tempDataDir, waitHealthy, type RunningServer } from '../support/process.js';

const dirs: string[] = [];
const running: RunningServer[] = [];
afterAll(async () => {
  for (const s of running) if (s.child.exitCode === null) s.child.kill('SIGTERM');
  await Promise.all(running.map((s) => s.exited));
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function launch(env: Record<string, string>): RunningServer {
  const s = startServer(env);
  running.push(s);
  return s;
}

async function json(port: number, method: string, url: string, body?: unknown, cookie?: string) {
  const res = await fetch(`http://127.0.0.1:${port}${url}`, {
    method,
    headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any, cookie: res.headers.get('set-cookie')?.split(';')[0] };
}

describe('the shop process on its embedded PostgreSQL', () => {
  it('keeps every sale it answered 201 for after kill -9, and restarts cleanly', async () => {
    const dataDir = tempDataDir('comptoir-proc-');
    dirs.push(dataDir);
    const env = { DATA_DIR: dataDir, PORT: String(await freePort()), EMBEDDED_PG_PORT: String(await freePort()), COMPTOIR_ADMIN_PIN: '246810' };
    const port = Number(env.PORT);

    const first = launch(env);
    expect(await waitHealthy(port, first)).toBeLessThan(20_000);
    const login = await json(port, 'POST', '/api/session', { pin: '246810' });
    expect(login.status).toBe(200);
    const cookie = login.cookie!;
    const product = (await json(port, 'POST', '/api/products', { sku: 'KILL9', name: 'Paracétamol 500 mg', unitPrice: 800 }, cookie)).body;
    await json(port, 'POST', '/api/batches', { productId: product.id, lotNumber: 'K1', expirationDate: '2030-01-31', quantity: 50 }, cookie);
    const saleIds: string[] = [];
    for (let i = 0; i < 8; i++) {
      const sale = await json(port, 'POST', '/api/sales', { lines: [{ productId: product.id, quantity: 2 }], payment: { method: 'cash', tendered: 2000 } }, cookie);
      expect(sale.status).toBe(201);
      saleIds.push(sale.body.id);
    }

    first.child.kill('SIGKILL');
    await first.exited;

    // Only the orphaned postgres is left running: the next start stops it and takes over.
    const second = launch(env);
    await waitHealthy(port, second);
    const again = (await json(port, 'POST', '/api/session', { pin: '246810' })).cookie!;
    for (const id of saleIds) expect((await json(port, 'GET', `/api/sales/${id}`, undefined, again)).status).toBe(200);
    const lots = (await json(port, 'GET', `/api/products/${product.id}/batches`, undefined, again)).body;
    expect(lots[0].quantity).toBe(50 - 16);

    // SIGTERM: finishes, stops PostgreSQL, exits 0.
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    expect(fs.existsSync(path.join(dataDir, 'pg', 'postmaster.pid'))).toBe(false);
  });

  it('says clearly that the database port is taken instead of hanging', async () => {
    const dataDir = tempDataDir('comptoir-port-');
    dirs.push(dataDir);
    const blocker = net.createServer();
    const pgPort = await freePort();
    await new Promise<void>((r) => blocker.listen(pgPort, '127.0.0.1', r));
    try {
      const started = Date.now();
      const s = launch({ DATA_DIR: dataDir, PORT: String(await freePort()), EMBEDDED_PG_PORT: String(pgPort) });
      expect(await s.exited).toBe(1);
      expect(Date.now() - started).toBeLessThan(20_000);
      expect(s.output()).toContain(`Le port ${pgPort} est déjà utilisé`);
    } finally {
      blocker.close();
    }
  });

  it('refuses a second Comptoir on a data directory already in use', async () => {
    const dataDir = tempDataDir('comptoir-twice-');
    dirs.push(dataDir);
    const env = { DATA_DIR: dataDir, PORT: String(await freePort()), EMBEDDED_PG_PORT: String(await freePort()), COMPTOIR_ADMIN_PIN: '1357' };
    const first = launch(env);
    await waitHealthy(Number(env.PORT), first);
    const twin = launch({ ...env, PORT: String(await freePort()) });
    expect(await twin.exited).toBe(1);
    expect(twin.output()).toContain('déjà utilisées par un autre Comptoir en marche');
    expect((await fetch(`http://127.0.0.1:${env.PORT}/healthz`)).status).toBe(200);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
  });
});

describe('a shutdown under load', () => {
  it('lets sales under way finish and their receipts print (or say why not) before the database closes', { timeout: 90_000 }, async () => {
    const dataDir = tempDataDir('comptoir-drain-');
    dirs.push(dataDir);
    const env = { DATA_DIR: dataDir, PORT: String(await freePort()), EMBEDDED_PG_PORT: String(await freePort()), COMPTOIR_ADMIN_PIN: '97531', LOG_LEVEL: 'info' };
    const port = Number(env.PORT);
    // A slow receipt printer: it takes each ticket, then answers after a moment.
    const printer = net.createServer((socket) => {
      socket.on('data', () => undefined);
      setTimeout(() => socket.end(), 300);
    });
    await new Promise<void>((r) => printer.listen(0, '127.0.0.1', r));
    try {
      const server = launch(env);
      await waitHealthy(port, server);
      const cookie = (await json(port, 'POST', '/api/session', { pin: '97531' })).cookie!;
      await json(port, 'PATCH', '/api/settings', { printerKind: 'escpos', printerTarget: `127.0.0.1:${(printer.address() as net.AddressInfo).port}` }, cookie);
      const product = (await json(port, 'POST', '/api/products', { sku: 'DRAIN', name: 'Produit', unitPrice: 100 }, cookie)).body;
      await json(port, 'POST', '/api/batches', { productId: product.id, lotNumber: 'D1', expirationDate: '2030-01-31', quantity: 100_000 }, cookie);

      const answered: string[] = [];
      let stop = false;
      const till = async () => {
        while (!stop) {
          try {
            const sale = await json(port, 'POST', '/api/sales', { lines: [{ productId: product.id, quantity: 1 }], payment: { method: 'card' } }, cookie);
            if (sale.status === 201) answered.push(sale.body.id);
          } catch {
            return; // the server has stopped listening
          }
        }
      };
      const tills = Array.from({ length: 8 }, till);
      await new Promise((r) => setTimeout(r, 1500));
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
      stop = true;
      await Promise.all(tills);
      expect(answered.length).toBeGreaterThan(8);
      expect(server.output()).not.toContain('Cannot use a pool after calling end');
      expect(server.output()).not.toContain('receipt print crashed');

      // Every sale answered 201 is there after a restart, and each has its print recorded or none (stopped before it began).
      const again = launch(env);
      await waitHealthy(port, again);
      const c2 = (await json(port, 'POST', '/api/session', { pin: '97531' })).cookie!;
      for (const id of answered) expect((await json(port, 'GET', `/api/sales/${id}`, undefined, c2)).status).toBe(200);
      again.child.kill('SIGTERM');
      expect(await again.exited).toBe(0);
    } finally {
      printer.close();
    }
  });
});
