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
