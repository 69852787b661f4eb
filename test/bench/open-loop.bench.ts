/**
 * `npm run bench:open-loop`: latency where the cashier is (issue 26, « Latency
 * where the cashier is »). An open loop, not a closed one at saturation: 8
 * tills, each scanning 2 items a second and paying every 20 s, each request
 * sent at its time on the clock whatever the answers before it (a slow answer
 * makes the next ones wait in the server's queue, and that wait is counted:
 * latency is from the request's planned time to its answer's last byte).
 * Meanwhile the shop pushes and pulls every minute against a head office
 * process (its job runner's push each minute, and a manager's
 * « Synchroniser » each minute for the pull, which the runner does every 5),
 * and the live socket broadcasts every commit to the 8 tills' browsers.
 * This process is the load tool; the shop server, head office
 * and PostgreSQL are processes of their own. Then the same with the shop
 * server and its PostgreSQL pinned to one core (`taskset -c 0`, a Pi's
 * budget). Goals: scan → cart fragment p99 < 15 ms, sale p99 < 30 ms.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import WebSocket from 'ws';
import { gtinCheckDigit } from '../../server/domain/gtin.js';
import { hqService } from '../../server/hq/service.js';
import { createLogger } from '../../server/logger.js';
import { initClock } from '../../server/outbox/clock.js';
import { csrfToken } from '../../server/web/context.js';
import { freePort, startServer, tempDataDir, waitHealthy, type RunningServer } from '../support/process.js';
import { BENCH_MANAGER_PIN, benchDatabase, benchShop } from './database.js';
import { pct } from './stats.js';

// Over a minute and a quarter: the shop's job runner pushes and pulls once a minute, so each run holds at least one of each.
const SECONDS = Number(process.env.BENCH_OPEN_SECONDS ?? 75);
const TILLS = 8;
const SCAN_EVERY_MS = 500;
const SALE_EVERY_MS = 20_000;
const CODE = 'OPN01';
const adminToken = 'bench-admin-token-0123456789abcdef';
const logger = createLogger('error');
const print = (line: string) => process.stdout.write(`${line}\n`);
const verdict = (ok: boolean) => (ok ? 'met' : 'NOT MET');
const shopDb = await benchDatabase('open-shop', logger);
const hqDb = await benchDatabase('open-hq', logger);
const servers: RunningServer[] = [];
const sockets: WebSocket[] = [];
const dirs: string[] = [];

/** The process and every thread of it, and of its children (PostgreSQL's backends), on core 0. */
function pinTree(pid: number): void {
  const children = (p: number) => fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number).filter((c) => {
    try {
      return Number(fs.readFileSync(`/proc/${c}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]) === p;
    } catch {
      return false;
    }
  });
  for (const p of [pid, ...children(pid)]) {
    try {
      execFileSync('taskset', ['-a', '-pc', '0', String(p)], { stdio: 'ignore' });
    } catch {
      /* a backend that ended meanwhile */
    }
  }
}

try {
  await initClock(hqDb.db, 'HQ');
  const hq = hqService({ db: hqDb.db, logger, now: () => new Date() });
  const { token } = await hq.registerShop({ code: CODE, name: 'Boutique ouverte', timezone: 'Africa/Dakar' });
  const { services, actor } = await benchShop(shopDb.db, logger, CODE);
  const gtins: string[] = [];
  for (let i = 0; i < 40; i++) {
    const body = `340${String(700_000 + i).padStart(9, '0')}`;
    const gtin = `${body}${gtinCheckDigit(body)}`;
    const p = await services.catalog.createProduct({ sku: `OPN-${i}`, gtin, name: `Produit ${i} boîte de 30`, unitPrice: 500 + i * 25 }, actor);
    await services.stock.receiveBatch({ productId: p.id, lotNumber: `L-${i}`, expirationDate: '2029-06-30', quantity: 1_000_000, unitCost: null }, actor);
    gtins.push(gtin);
  }
  const pins = Array.from({ length: TILLS }, (_, i) => String(200_000 + i * 41));
  for (const [i, pin] of pins.entries()) await services.users.createUser({ name: `Caisse ${i + 1}`, role: 'cashier', pin });

  const hqPort = await freePort();
  const hqDir = tempDataDir('comptoir-bench-open-hq-');
  dirs.push(hqDir);
  const hqServer = startServer({ DATABASE_URL: hqDb.url, PORT: String(hqPort), COMPTOIR_HQ_ADMIN_TOKEN: adminToken, DATA_DIR: hqDir, LOG_LEVEL: 'error' }, ['--hq']);
  servers.push(hqServer);
  await waitHealthy(hqPort, hqServer, 60_000);
  const port = await freePort();
  const dataDir = tempDataDir('comptoir-bench-open-data-');
  dirs.push(dataDir);
  const server = startServer({
    DATABASE_URL: shopDb.url, PORT: String(port), SHOP_CODE: CODE, TZ: 'Africa/Dakar', DATA_DIR: dataDir, LOG_LEVEL: 'error',
    HQ_URL: `http://127.0.0.1:${hqPort}`, HQ_TOKEN: token, HQ_ALLOW_HTTP: '1',
  });
  servers.push(server);
  await waitHealthy(port, server, 60_000);
  const base = `http://127.0.0.1:${port}`;

  const signIn = async (pin: string) => {
    const res = await fetch(`${base}/connexion`, {
      method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ pin }),
    });
    const cookie = String(res.headers.get('set-cookie')).split(';')[0]!;
    return { cookie, csrf: csrfToken(decodeURIComponent(cookie.split('=')[1]!)) };
  };
  const tills = await Promise.all(pins.map(signIn));
  // The job runner pushes every minute and pulls every 5; the issue asks for both every minute: the manager's « Synchroniser » (push, then pull) each minute too.
  const manager = await signIn(BENCH_MANAGER_PIN);
  // Each till's browser holds the live socket open, as the till page does.
  let broadcasts = 0;
  for (const t of tills) {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/live`, { headers: { cookie: t.cookie, origin: base } });
    ws.on('message', () => broadcasts++);
    ws.on('error', () => undefined);
    sockets.push(ws);
  }
  const post = (t: (typeof tills)[number], path: string, form: Record<string, string>) => fetch(`${base}${path}`, {
    method: 'POST', redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: t.cookie, 'x-csrf-token': t.csrf, 'hx-request': 'true' },
    body: new URLSearchParams(form),
  }).then(async (res) => {
    await res.arrayBuffer();
    return res.status;
  });

  /** One open-loop run of `seconds`: every request at its planned time; latency from that time to the answer's end. */
  async function openLoop(seconds: number) {
    const scans: number[] = [];
    const sales: number[] = [];
    let failed = 0;
    const broadcastsBefore = broadcasts;
    const syncBefore = (await shopDb.db.one<{ pushed: Date | null; pulled: Date | null }>('select s.last_push_at as pushed, s.last_pull_at as pulled from (select 1) o left join sync_state s on true'))!;
    const t0 = performance.now() + 200;
    const end = t0 + seconds * 1000;
    const pending: Promise<void>[] = [];
    const at = (when: number, work: () => Promise<number>, into: number[]) => {
      pending.push(new Promise<void>((resolve) => {
        setTimeout(() => {
          work().then((status) => {
            if (status >= 400) failed++;
            else into.push(performance.now() - when);
          }, () => failed++).finally(resolve);
        }, Math.max(0, when - performance.now()));
      }));
    };
    for (let when = t0 + 30_000; when < end; when += 60_000) {
      at(when, () => fetch(`${base}/api/sync/run`, { method: 'POST', headers: { cookie: manager.cookie, 'x-csrf-token': manager.csrf } }).then(async (res) => {
        await res.arrayBuffer();
        return res.status;
      }), []);
    }
    tills.forEach((t, i) => {
      let k = 0;
      for (let when = t0 + (i * SCAN_EVERY_MS) / TILLS; when < end; when += SCAN_EVERY_MS, k++) {
        at(when, () => post(t, '/caisse/scan', { q: gtins[(i * 5 + k) % gtins.length]! }), scans);
      }
      for (let when = t0 + 1_000 + (i * SALE_EVERY_MS) / TILLS; when < end; when += SALE_EVERY_MS) at(when, () => post(t, '/caisse/payer', { method: 'card' }), sales);
    });
    await Promise.all(pending);
    const syncAfter = (await shopDb.db.one<{ pushed: Date | null; pulled: Date | null }>('select s.last_push_at as pushed, s.last_pull_at as pulled from (select 1) o left join sync_state s on true'))!;
    return {
      scans, sales, failed, broadcasts: broadcasts - broadcastsBefore,
      pushed: String(syncAfter.pushed) !== String(syncBefore.pushed), pulled: String(syncAfter.pulled) !== String(syncBefore.pulled),
      load: os.loadavg()[0]!,
      // A push or pull that did not land: what the shop recorded of its last failure.
      lastError: (await shopDb.db.one<{ e: string | null }>('select s.last_error as e from (select 1) o left join sync_state s on true'))!.e,
    };
  }
  const report = (label: string, r: Awaited<ReturnType<typeof openLoop>>) => {
    const scanP99 = pct(r.scans, 0.99);
    const saleP99 = pct(r.sales, 0.99);
    print(`${label}: ${r.scans.length} scans, ${r.sales.length} sales, ${r.failed} failed; ${r.broadcasts} live messages received; meanwhile the shop pushed: ${r.pushed ? 'yes' : 'no'}, pulled: ${r.pulled ? 'yes' : 'no'}; the machine's load average ${r.load.toFixed(1)}${r.pushed && r.pulled ? '' : `; the shop's last sync error: ${r.lastError ?? 'none'}`}`);
    print(`  scan → cart fragment p50 ${pct(r.scans, 0.5).toFixed(1)} ms, p99 ${scanP99.toFixed(1)} ms (goal < 15 ms: ${verdict(scanP99 < 15)}); sale p50 ${pct(r.sales, 0.5).toFixed(1)} ms, p99 ${saleP99.toFixed(1)} ms (goal < 30 ms: ${verdict(saleP99 < 30)})`);
  };

  print(`\n${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length}, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}; open loop: ${TILLS} tills × (a scan every ${SCAN_EVERY_MS} ms, a sale every ${SALE_EVERY_MS / 1000} s), ${SECONDS} s a run`);
  await openLoop(5); // warm-up: the first sale of each till opens its session
  report('all cores', await openLoop(SECONDS));
  const backend = (await shopDb.db.one<{ pid: number }>('select pg_backend_pid() as pid'))!.pid;
  const postmaster = Number(fs.readFileSync(`/proc/${backend}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
  pinTree(postmaster);
  pinTree(server.child.pid!);
  report('shop server and its PostgreSQL on one core (taskset -c 0)', await openLoop(SECONDS));
} finally {
  for (const ws of sockets) ws.terminate();
  for (const s of servers) {
    s.child.kill('SIGTERM');
    await s.exited;
  }
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  await shopDb.stop();
  await hqDb.stop();
}
