/**
 * `npm run bench:hq-open-loop`: head office at its normal rate (issue 26,
 * « Head office: a push alone p95 < 100 ms while 200 shops push at their
 * normal rate »). An open loop: 200 shops each push once a minute on their
 * own schedule, their start times spread evenly over the minute, and each
 * push is sent at its time whether or not the ones before it have been
 * answered (a slow answer makes later pushes queue at head office, and that
 * wait is counted: latency runs from the push's planned time to its
 * answer's last byte).
 * A push carries what a shop makes in a minute at a busy hour: 1, 2 or 3
 * cash sales (2 on average) of 3 lines, each line with its `sale` movement,
 * and in one push out of ten a cash-out from the drawer; gzipped as the
 * shop sends it. Head office keeps the owner's tables (takings, product
 * sales, lot month-ends, margins: the shops' lots carry a cost) as it
 * applies them, as in production.
 * Every body is built before the run; this process is only the load tool:
 * head office and PostgreSQL run in processes of their own. Before the
 * run, each shop's opening push (its 6 lots with their receipts, its cash
 * session) is applied, out of the measure. The whole-day burst (200 shops'
 * days at once: < 2 min, ≥ 0.2 × COPY) is bench:ingest's.
 */
import fs from 'node:fs';
import os from 'node:os';
import { shopIdFor } from '../../server/ids.js';
import { createLogger } from '../../server/logger.js';
import { benchDatabase } from './database.js';
import { cutPushes, gzippedPush, ShopLedger, startHeadOffice } from './shop-pushes.js';
import { pct } from './stats.js';

const SHOPS = Number(process.env.BENCH_SHOPS ?? 200);
// Three minutes: 600 pushes at 200 shops, enough for a p99 of its own.
const SECONDS = Number(process.env.BENCH_HQ_SECONDS ?? 180);
const PERIOD_MS = 60_000;
const PRODUCTS = 24;
const LOTS_PER_SHOP = 6;
const GOAL_P95_MS = 100;
const ALONE = Math.min(30, SHOPS);
const TICK_MS = 10; // Linux's clock tick (USER_HZ 100)

/** CPU a process has used (user + system), and that of its children it has reaped. */
function cpuMs(pid: number, reaped = false): number {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ').map(Number);
  return (f[11]! + f[12]! + (reaped ? f[13]! + f[14]! : 0)) * TICK_MS;
}

/** PostgreSQL's CPU: the postmaster, its live backends and the ones that ended. */
function clusterCpuMs(postmaster: number): number {
  let ms = cpuMs(postmaster, true);
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const f = fs.readFileSync(`/proc/${d}/stat`, 'utf8').split(') ')[1]!.split(' ');
      if (Number(f[1]) === postmaster) ms += cpuMs(Number(d));
    } catch {
      /* a process that ended meanwhile */
    }
  }
  return ms;
}
const print = (line: string) => process.stdout.write(`${line}\n`);
const logger = createLogger('error');

/** Head office's debug log of the run, summed per statement: the top ones by time, per push. */
function statementProfile(log: string, pushes: number): string[] {
  const bySql = new Map<string, { n: number; ms: number }>();
  let total = 0;
  let count = 0;
  for (const line of log.split('\n')) {
    if (!line.includes('"msg":"query"')) continue;
    const { ms, sql } = JSON.parse(line) as { ms: number; sql: string };
    const key = sql.replace(/\s+/g, ' ').trim().slice(0, 90);
    const e = bySql.get(key) ?? { n: 0, ms: 0 };
    e.n += 1;
    e.ms += ms;
    total += ms;
    count += 1;
    bySql.set(key, e);
  }
  const top = [...bySql].sort((a, b) => b[1].ms - a[1].ms).slice(0, Number(process.env.BENCH_PROFILE_TOP ?? 20));
  return [`all statements: ${(count / pushes).toFixed(1)} a push, ${(total / pushes).toFixed(1)} ms (BEGIN and COMMIT not timed)`,
    ...top.map(([sql, e]) => `${(e.ms / pushes).toFixed(2).padStart(6)} ms  ${(e.n / pushes).toFixed(1).padStart(4)} ×  ${sql}`)];
}
const bench = await benchDatabase('hq-open', logger);

try {
  const hq = await startHeadOffice(bench.url, 'hq-open');
  const productIds: string[] = [];
  for (let i = 0; i < PRODUCTS; i++) productIds.push(await hq.product(`HQO-${i}`, `Produit ${i}`, 1000));

  // Each shop registered and its opening (lots, receipts, cash session) applied before the run, out of its measure.
  const opened = Date.now() - 5 * PERIOD_MS;
  const shops: { i: number; code: string; ledger: ShopLedger; token: string; pushes: { at: number; body: Buffer; sales: number }[] }[] = [];
  for (let i = 0; i < SHOPS; i++) {
    const code = `H${String(i).padStart(4, '0')}`;
    const ledger = new ShopLedger(code, shopIdFor(code));
    const token = await hq.register(code);
    const own = Array.from({ length: LOTS_PER_SHOP }, (_, k) => productIds[(i * 5 + k) % PRODUCTS]!);
    for (const changes of cutPushes(ledger.open(opened, own, 600))) {
      const answer = await hq.push(token, gzippedPush(code, changes));
      if (!answer.ok || answer.refused > 0) throw new Error(`${code}'s opening push was not applied; head office said:\n${hq.said()}`);
    }
    shops.push({ i, code, ledger, token, pushes: [] });
  }
  // The run's clock, fixed now so that every push's sales are dated in the minute before it is sent.
  const leadMs = 8_000;
  const t0 = performance.now() + leadMs;
  const wall0 = Date.now() + leadMs;
  /** What shop `i` made in the minute before `sent` (its `k`-th minute): 1–3 sales of 3 lines, a cash-out one minute in ten. */
  const minute = (shop: (typeof shops)[number], k: number, sent: number, spacingMs = 15_000) => {
    const changes = [];
    const sales = 1 + ((shop.i + k) % 3);
    for (let s = 0; s < sales; s++) {
      const lots = [0, 1, 2].map((j) => shop.ledger.lots[(s + j + k) % LOTS_PER_SHOP]!);
      changes.push(...shop.ledger.sale(sent - (sales - s + 1) * spacingMs, lots));
    }
    if ((shop.i + k) % 10 === 0) changes.push(...shop.ledger.cashOut(sent - spacingMs / 2, 2_500, 'Fournisseur'));
    const [only, ...more] = cutPushes(changes);
    if (more.length > 0) throw new Error('a minute of a shop should fit one push');
    return { body: gzippedPush(shop.code, only!), sales };
  };
  for (const shop of shops) {
    for (let k = 0, at = (shop.i * PERIOD_MS) / SHOPS; at < SECONDS * 1000; k++, at += PERIOD_MS) shop.pushes.push({ at, ...minute(shop, k, wall0 + at) });
  }
  const planned = shops.flatMap((s) => s.pushes.map((p) => ({ ...p, token: s.token })));
  const bytes = planned.reduce((n, p) => n + p.body.length, 0);
  const before = (await bench.db.one<{ n: number }>('select count(*)::int as n from sales'))!.n;
  const loadBefore = os.loadavg()[0]!;
  if (performance.now() > t0) throw new Error(`setting up took longer than its ${leadMs} ms lead: the first pushes would be late`);

  const logFrom = hq.process.output().length;
  const postmaster = Number(fs.readFileSync(`/proc/${(await bench.db.one<{ pid: number }>('select pg_backend_pid() as pid'))!.pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
  // What head office spends with no push at all (its job runner, its queue's polling), over the setup's last seconds: left out of a push's CPU.
  const idle = { hq: cpuMs(hq.process.child.pid!), pg: clusterCpuMs(postmaster), at: performance.now() };
  await new Promise((r) => setTimeout(r, Math.max(0, t0 - performance.now() - 50)));
  const idleS = (performance.now() - idle.at) / 1000;
  const cpuBefore = { hq: cpuMs(hq.process.child.pid!), pg: clusterCpuMs(postmaster) };
  const idleRate = { hq: (cpuBefore.hq - idle.hq) / idleS, pg: (cpuBefore.pg - idle.pg) / idleS };
  const latencies: number[] = [];
  let failed = 0;
  let refused = 0;
  const errors = new Map<string, number>();
  await Promise.all(planned.map((p) => new Promise<void>((resolve) => {
    const when = t0 + p.at;
    setTimeout(() => {
      hq.push(p.token, p.body).then((answer) => {
        latencies.push(performance.now() - when);
        if (!answer.ok) failed++;
        refused += answer.refused;
      }, (err: unknown) => {
        failed++;
        const why = String((err as { cause?: unknown }).cause ?? err);
        errors.set(why, (errors.get(why) ?? 0) + 1);
      }).finally(resolve);
    }, Math.max(0, when - performance.now()));
  })));
  const ranS = (performance.now() - t0) / 1000;
  const cpu = { hq: cpuMs(hq.process.child.pid!) - cpuBefore.hq - idleRate.hq * ranS, pg: clusterCpuMs(postmaster) - cpuBefore.pg - idleRate.pg * ranS };
  const loadAfter = os.loadavg()[0]!;
  const applied = (await bench.db.one<{ n: number }>('select count(*)::int as n from sales'))!.n - before;
  const expected = planned.reduce((n, p) => n + p.sales, 0);
  // The same pushes with nothing else in flight (a shop's next minute, one at a time): what the open loop's traffic adds, in the same run.
  const aloneMs: number[] = [];
  for (const shop of shops.slice(0, ALONE)) {
    const { body } = minute(shop, shop.pushes.length, Date.now(), 500);
    await new Promise((r) => setTimeout(r, 200));
    const t = performance.now();
    const answer = await hq.push(shop.token, body);
    aloneMs.push(performance.now() - t);
    if (!answer.ok || answer.refused > 0) failed++;
  }
  const profile = process.env.BENCH_LOG === 'debug' ? statementProfile(hq.process.output().slice(logFrom), latencies.length + aloneMs.length) : [];
  await hq.stop();

  const p95 = pct(latencies, 0.95);
  print(`\n${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length}, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`);
  print(`open loop: ${SHOPS} shops × a push every ${PERIOD_MS / 1000} s (starts spread over the minute), ${SECONDS} s: ${planned.length} pushes (${(planned.length / SECONDS).toFixed(1)} a second), ${(bytes / planned.length).toFixed(0)} B gzipped on average`);
  print(`  each push: 1–3 cash sales of 3 lines with their movements (2 on average), a cash-out in one push out of ten; lots with a cost (the owner's margins kept)`);
  print(`  ${latencies.length} answered in ${ranS.toFixed(0)} s, ${failed} failed${errors.size ? ` (${[...errors].map(([e, n]) => `${n} × ${e}`).join('; ')})` : ''}, ${refused} changes refused; ${applied} sales applied of ${expected}`);
  print(`  the machine's load average: ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after`);
  print(`push latency (planned time → answer read): p50 ${pct(latencies, 0.5).toFixed(1)} ms, p95 ${p95.toFixed(1)} ms, p99 ${pct(latencies, 0.99).toFixed(1)} ms, max ${Math.max(...latencies).toFixed(1)} ms`);
  print(`  one at a time, nothing else in flight (${aloneMs.length} pushes after the run): p50 ${pct(aloneMs, 0.5).toFixed(1)} ms, p95 ${pct(aloneMs, 0.95).toFixed(1)} ms`);
  print(`  CPU a push during the run: head office's process ${(cpu.hq / latencies.length).toFixed(1)} ms, PostgreSQL ${(cpu.pg / latencies.length).toFixed(1)} ms (${((cpu.hq + cpu.pg) / (ranS * 10)).toFixed(0)} % of one core), head office idle left out (${idleRate.hq.toFixed(0)} + ${idleRate.pg.toFixed(0)} ms a second)`);
  print(`  goal p95 < ${GOAL_P95_MS} ms: ${p95 < GOAL_P95_MS && failed === 0 && applied === expected ? 'met' : 'NOT MET'}`);
  print(`the whole-day burst (< 2 min, ≥ 0.2 × COPY) is measured by npm run bench:ingest`);
  if (profile.length > 0) {
    print(`where a push's time goes (BENCH_LOG=debug: head office logs each statement's time, which costs time too), per push of the run and of the one-at-a-time ones:`);
    for (const line of profile) print(`  ${line}`);
  }
} finally {
  await bench.stop();
}
