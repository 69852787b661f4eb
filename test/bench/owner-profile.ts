/**
 * Where a page of the owner's numbers spends its time, over the chain that
 * `BENCH_KEEP_DIR=… npm run bench:owner` kept: each page is asked over HTTP
 * with every query the server runs timed (the same run's page time minus
 * the queries' is Node's: charts, labels, the template), then each of the
 * page's queries is run again under EXPLAIN (ANALYZE, BUFFERS).
 *
 *   BENCH_KEEP_DIR=/var/tmp/owner-chain node --import tsx test/bench/owner-profile.ts '/stock-a-risque' '/tableau-de-bord?du=…&au=…'
 *
 * PROFILE_EXPLAIN=0 leaves the plans out.
 */
import type { AddressInfo } from 'node:net';
import { createApp } from '../../server/app.js';
import type { Db } from '../../server/db/pool.js';
import { hashToken } from '../../server/http/bearer.js';
import { createLogger } from '../../server/logger.js';
import { benchDatabase } from './database.js';

const logger = createLogger('warn');
const print = (line: string) => process.stdout.write(`${line}\n`);
const keepDir = process.env.BENCH_KEEP_DIR;
if (!keepDir) throw new Error('BENCH_KEEP_DIR: the folder where bench:owner kept its chain');
const bench = await benchDatabase('owner', logger, { keepDir });
if (!(await bench.db.one(`select to_regclass('bench_owner_chain') as t`).then((r) => (r as { t: string | null }).t))) {
  throw new Error(`${keepDir} holds no complete chain: run bench:owner with BENCH_KEEP_DIR first`);
}

type Timed = { sql: string; params: unknown[] | undefined; ms: number };
let log: Timed[] | undefined;
const timed = (db: Db): Db => new Proxy(db, {
  get(target, key, receiver) {
    const value = Reflect.get(target, key, receiver) as unknown;
    if ((key === 'rows' || key === 'one' || key === 'exec') && typeof value === 'function') {
      return async (sql: string, params?: unknown[]) => {
        const started = performance.now();
        try {
          return await (value as (s: string, p?: unknown[]) => Promise<unknown>).call(target, sql, params);
        } finally {
          log?.push({ sql, params, ms: performance.now() - started });
        }
      };
    }
    return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
  },
});

try {
  const { db } = bench;
  const { app } = createApp({ role: 'hq', db: timed(db), logger, now: () => new Date(), hqAdminTokenHash: hashToken('bench-admin-token'), timezone: 'Africa/Dakar' });
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((r) => server.once('listening', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const login = await fetch(`${base}/connexion`, {
    method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ login: 'bench', password: 'mot-de-passe-du-banc' }),
  });
  const cookie = String(login.headers.get('set-cookie')).split(';')[0]!;
  for (const path of process.argv.slice(2)) {
    let last: Timed[] = [];
    const totals: number[] = [];
    for (let i = 0; i < 8; i++) {
      log = [];
      const started = performance.now();
      const res = await fetch(`${base}${path}`, { headers: { cookie } });
      const bytes = (await res.arrayBuffer()).byteLength;
      totals.push(performance.now() - started);
      if (res.status !== 200) throw new Error(`${path}: HTTP ${res.status}`);
      last = log;
      if (i === 7) print(`\n${path}: ${bytes} bytes`);
    }
    log = undefined;
    totals.sort((a, b) => a - b);
    const sqlMs = last.reduce((n, q) => n + q.ms, 0);
    print(`page median ${totals[4]!.toFixed(1)} ms; last run ${totals.at(-1)!.toFixed(1)} ms max; its ${last.length} queries ${sqlMs.toFixed(1)} ms`);
    for (const q of last) print(`  ${q.ms.toFixed(1).padStart(7)} ms  ${q.sql.replace(/\s+/g, ' ').slice(0, 150)}`);
    if (process.env.PROFILE_EXPLAIN === '0') continue;
    for (const q of last.filter((x) => x.ms > 5 && /^\s*(with|select)/i.test(x.sql))) {
      print(`\n--- ${q.ms.toFixed(1)} ms: ${q.sql.replace(/\s+/g, ' ').slice(0, 100)}`);
      const plan = await db.rows<Record<string, string>>(`explain (analyze, buffers) ${q.sql}`, q.params);
      for (const row of plan) print(Object.values(row)[0]!);
    }
  }
  server.close();
} finally {
  await bench.stop();
}
