/**
 * `npm run bench:http`: the till's paths over HTTP, driven by autocannon, each
 * against one-row commits on the same PostgreSQL cluster in the same run
 * (the goals of issue 12 are ratios to those, so they hold across machines):
 * a 3-line sale with 1 till and with 8 tills on the same products, and a
 * scan answering with the cart fragment at 20 tills.
 */
import fs from 'node:fs';
import os from 'node:os';
// @ts-expect-error autocannon ships no types; the two calls below are its documented API.
import autocannon from 'autocannon';
import pg from 'pg';
import { createLogger } from '../../server/logger.js';
import { csrfToken } from '../../server/web/context.js';
import { freePort, startServer, tempDataDir, waitHealthy } from '../support/process.js';
import { benchDatabase, benchShop } from './database.js';

interface Result {
  requests: { average: number };
  latency: { p50: number; p97_5: number };
  non2xx: number;
}
type Options = { url: string; method: string; connections: number; body: string; headers: Record<string, string> };

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const logger = createLogger('error');
const print = (line: string) => process.stdout.write(`${line}\n`);
const bench = await benchDatabase('http', logger);
const { db, url } = bench;

/**
 * One-row commits by `clients` connections for the run's duration, as a
 * transaction does it (BEGIN, UPDATE of a row of one's own, COMMIT: the
 * baseline of test/bench/sales.bench.ts and of issue 12's figures): commits per second.
 */
async function commitRate(clients: number): Promise<{ perSecond: number; ms: number }> {
  await db.exec('create table if not exists bench_commit (id int primary key, n bigint not null)');
  await db.exec('insert into bench_commit select i, 0 from generate_series(1, 64) i on conflict do nothing');
  const conns = await Promise.all(Array.from({ length: clients }, async () => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    return c;
  }));
  const until = performance.now() + SECONDS * 1000;
  let done = 0;
  await Promise.all(conns.map(async (c, i) => {
    while (performance.now() < until) {
      await c.query('begin');
      await c.query('update bench_commit set n = n + 1 where id = $1', [i + 1]);
      await c.query('commit');
      done++;
    }
  }));
  await Promise.all(conns.map((c) => c.end()));
  const perSecond = done / SECONDS;
  return { perSecond, ms: (1000 * clients) / perSecond };
}

const run = (opts: Options) => new Promise<Result>((resolve, reject) => {
  (autocannon as (o: unknown, cb: (err: Error | null, r: Result) => void) => void)({ ...opts, duration: SECONDS }, (err, result) => (err ? reject(err) : resolve(result)));
});

try {
  const { services, actor } = await benchShop(db, logger, 'BENCH');
  const products: { id: string; gtin: string }[] = [];
  for (let i = 0; i < 3; i++) {
    const gtin = `340093${String(100000 + i)}`;
    const body = gtin.slice(0, 12);
    const check = (10 - ([...body].reverse().reduce((s, d, k) => s + Number(d) * (k % 2 === 0 ? 3 : 1), 0) % 10)) % 10;
    const p = await services.catalog.createProduct({ sku: `BENCH-${i}`, gtin: body + check, name: `Produit ${i}`, unitPrice: 500 + i * 100 }, actor);
    for (const lot of ['A', 'B']) {
      await services.stock.receiveBatch({ productId: p.id, lotNumber: `${lot}-${i}`, expirationDate: lot === 'A' ? '2029-01-31' : '2030-01-31', quantity: 1_000_000, unitCost: null }, actor);
    }
    products.push({ ...p, gtin: body + check });
  }
  const cashiers = [];
  for (let i = 0; i < 20; i++) cashiers.push(await services.users.createUser({ name: `Caisse ${i + 1}`, role: 'cashier', pin: String(100000 + i * 37) }));

  // The shop server in its own process, as `npm start` runs it (the load tool must not share its event loop).
  const port = await freePort();
  const dataDir = tempDataDir('comptoir-bench-http-data-');
  const server = startServer({ DATABASE_URL: url, PORT: String(port), SHOP_CODE: 'BENCH', TZ: 'Africa/Dakar', DATA_DIR: dataDir, LOG_LEVEL: 'error' });
  const coldStartMs = await waitHealthy(port, server);
  const base = `http://127.0.0.1:${port}`;
  const rssOf = () => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${server.child.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  const rssAtStart = rssOf();

  /** A till's browser session: its cookie and form token. */
  async function till(i: number) {
    const res = await fetch(`${base}/connexion`, {
      method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ pin: String(100000 + i * 37) }),
    });
    const cookie = String(res.headers.get('set-cookie')).split(';')[0]!;
    return { cookie, csrf: csrfToken(decodeURIComponent(cookie.split('=')[1]!)) };
  }
  const sessions = await Promise.all(cashiers.map((_, i) => till(i)));
  const saleBody = JSON.stringify({ lines: products.map((p) => ({ productId: p.id, quantity: 1 })), payment: { method: 'cash', tendered: 10_000 } });
  const sale = (connections: number) => run({
    url: `${base}/api/sales`, method: 'POST', connections, body: saleBody,
    headers: { 'content-type': 'application/json', cookie: sessions[0]!.cookie },
  });

  const commit1 = await commitRate(1);
  const commit8 = await commitRate(8);
  await sale(1); // warm-up
  const before = await db.one<{ n: number }>('select count(*)::int as n from sales');
  const one = await sale(1);
  const eight = await sale(8);
  const scans = await Promise.all(sessions.map((s, i) => run({
    url: `${base}/caisse/scan`, method: 'POST', connections: 1,
    body: new URLSearchParams({ q: products[i % products.length]!.gtin }).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: s.cookie, 'x-csrf-token': s.csrf, 'hx-request': 'true' },
  })));
  // The RSS goal is after 10 000 sales: the rest are made now, by 2 tills, as fast as they go.
  const made = (await db.one<{ n: number }>('select count(*)::int as n from sales'))!.n;
  if (made < 10_000) {
    await new Promise((resolve, reject) => {
      (autocannon as (o: unknown, cb: (err: Error | null, r: Result) => void) => void)({
        url: `${base}/api/sales`, method: 'POST', connections: 2, amount: 10_000 - made, body: saleBody,
        headers: { 'content-type': 'application/json', cookie: sessions[0]!.cookie },
      }, (err, r) => (err ? reject(err) : resolve(r)));
    });
  }
  const rssMb = rssOf();
  server.child.kill('SIGTERM');
  await server.exited;
  fs.rmSync(dataDir, { recursive: true, force: true });

  const after = await db.one<{ n: number }>('select count(*)::int as n from sales');
  const ledger = await db.one<{ drift: number; negative: number }>(
    `select (select count(*)::int from product_batches b where quantity <> (select coalesce(sum(delta), 0) from stock_movements m where m.batch_id = b.id)) as drift,
       (select count(*)::int from product_batches where quantity < 0) as negative`,
  );
  const non2xx = one.non2xx + eight.non2xx + scans.reduce((n, s) => n + s.non2xx, 0);
  const scanP975 = Math.max(...scans.map((s) => s.latency.p97_5));
  const scanP50 = scans.map((s) => s.latency.p50).sort((a, b) => a - b)[scans.length >> 1]!;
  const scanRate = scans.reduce((n, s) => n + s.requests.average, 0);
  const oneMs = 1000 / one.requests.average;

  print(`\n${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length}, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}, ${SECONDS} s a run`);
  print(`one-row commits, 1 client:  ${commit1.perSecond.toFixed(0)}/s (${commit1.ms.toFixed(2)} ms each)`);
  print(`one-row commits, 8 clients: ${commit8.perSecond.toFixed(0)}/s`);
  print(`3-line sale, 1 till:   ${one.requests.average.toFixed(1)}/s, ${oneMs.toFixed(2)} ms each = ${(oneMs / commit1.ms).toFixed(1)} × a commit (goal ≤ 4 ×); p97.5 ${one.latency.p97_5} ms`);
  print(`3-line sale, 8 tills:  ${eight.requests.average.toFixed(1)}/s = ${(eight.requests.average / commit8.perSecond).toFixed(3)} × the 8-client commit rate (goal ≥ 0.25 ×); p97.5 ${eight.latency.p97_5} ms (goal < 25 ms)`);
  print(`scan → cart, 20 tills: ${scanRate.toFixed(0)}/s in all; p50 ${scanP50} ms, p97.5 ${scanP975} ms (goal: p95 < 15 ms)`);
  print(`shop process: cold start to /healthz ${coldStartMs} ms (goal < 5 s), RSS ${rssAtStart.toFixed(0)} MB at start, ${rssMb.toFixed(0)} MB after ${after!.n} sales (goal < 150 MB after 10 000)`);
  print(`sales recorded: ${after!.n - before!.n}; answers other than 2xx: ${non2xx}; lots off their ledger: ${ledger!.drift}; negative lots: ${ledger!.negative}`);
} finally {
  await bench.stop();
}
