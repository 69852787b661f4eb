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
import os from 'node:os';
import { shopIdFor } from '../../server/ids.js';
import { createLogger } from '../../server/logger.js';
import { benchDatabase } from './database.js';
import { cutPushes, gzippedPush, ShopLedger, startHeadOffice } from './shop-pushes.js';

const SHOPS = Number(process.env.BENCH_SHOPS ?? 200);
// Three minutes: 600 pushes at 200 shops, enough for a p99 of its own.
const SECONDS = Number(process.env.BENCH_HQ_SECONDS ?? 180);
const PERIOD_MS = 60_000;
const PRODUCTS = 24;
const LOTS_PER_SHOP = 6;
const GOAL_P95_MS = 100;
const print = (line: string) => process.stdout.write(`${line}\n`);
const pct = (xs: readonly number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] ?? NaN;
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
  const shops = [];
  for (let i = 0; i < SHOPS; i++) {
    const code = `H${String(i).padStart(4, '0')}`;
    const ledger = new ShopLedger(code, shopIdFor(code));
    const token = await hq.register(code);
    const own = Array.from({ length: LOTS_PER_SHOP }, (_, k) => productIds[(i * 5 + k) % PRODUCTS]!);
    for (const changes of cutPushes(ledger.open(opened, own, 600))) {
      const answer = await hq.push(token, gzippedPush(code, changes));
      if (!answer.ok || answer.refused > 0) throw new Error(`${code}'s opening push was not applied; head office said:\n${hq.said()}`);
    }
    shops.push({ i, code, ledger, token, pushes: [] as { at: number; body: Buffer; sales: number }[] });
  }
  // The run's clock, fixed now so that every push's sales are dated in the minute before it is sent.
  const leadMs = 3_000;
  const t0 = performance.now() + leadMs;
  const wall0 = Date.now() + leadMs;
  for (const { i, code, ledger, pushes } of shops) {
    for (let k = 0, at = (i * PERIOD_MS) / SHOPS; at < SECONDS * 1000; k++, at += PERIOD_MS) {
      const sent = wall0 + at;
      const changes = [];
      const sales = 1 + ((i + k) % 3);
      for (let s = 0; s < sales; s++) {
        const lots = [0, 1, 2].map((j) => ledger.lots[(s + j + k) % LOTS_PER_SHOP]!);
        changes.push(...ledger.sale(sent - PERIOD_MS + (s + 1) * 15_000, lots));
      }
      if ((i + k) % 10 === 0) changes.push(...ledger.cashOut(sent - 1_000, 2_500, 'Fournisseur'));
      const [only, ...more] = cutPushes(changes);
      if (more.length > 0) throw new Error('a minute of a shop should fit one push');
      pushes.push({ at, body: gzippedPush(code, only!), sales });
    }
  }
  const planned = shops.flatMap((s) => s.pushes.map((p) => ({ ...p, token: s.token })));
  const bytes = planned.reduce((n, p) => n + p.body.length, 0);
  const before = (await bench.db.one<{ n: number }>('select count(*)::int as n from sales'))!.n;
  const loadBefore = os.loadavg()[0]!;
  if (performance.now() > t0) throw new Error(`setting up took longer than its ${leadMs} ms lead: the first pushes would be late`);

  const logFrom = hq.process.output().length;
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
  const loadAfter = os.loadavg()[0]!;
  const applied = (await bench.db.one<{ n: number }>('select count(*)::int as n from sales'))!.n - before;
  const expected = planned.reduce((n, p) => n + p.sales, 0);
  const profile = process.env.BENCH_LOG === 'debug' ? statementProfile(hq.process.output().slice(logFrom), latencies.length) : [];
  await hq.stop();

  const p95 = pct(latencies, 0.95);
  print(`\n${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length}, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`);
  print(`open loop: ${SHOPS} shops × a push every ${PERIOD_MS / 1000} s (starts spread over the minute), ${SECONDS} s: ${planned.length} pushes (${(planned.length / SECONDS).toFixed(1)} a second), ${(bytes / planned.length).toFixed(0)} B gzipped on average`);
  print(`  each push: 1–3 cash sales of 3 lines with their movements (2 on average), a cash-out in one push out of ten; lots with a cost (the owner's margins kept)`);
  print(`  ${latencies.length} answered in ${ranS.toFixed(0)} s, ${failed} failed${errors.size ? ` (${[...errors].map(([e, n]) => `${n} × ${e}`).join('; ')})` : ''}, ${refused} changes refused; ${applied} sales applied of ${expected}`);
  print(`  the machine's load average: ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after`);
  print(`push latency (planned time → answer read): p50 ${pct(latencies, 0.5).toFixed(1)} ms, p95 ${p95.toFixed(1)} ms, p99 ${pct(latencies, 0.99).toFixed(1)} ms, max ${Math.max(...latencies).toFixed(1)} ms`);
  print(`  goal p95 < ${GOAL_P95_MS} ms: ${p95 < GOAL_P95_MS && failed === 0 && applied === expected ? 'met' : 'NOT MET'}`);
  print(`the whole-day burst (< 2 min, ≥ 0.2 × COPY) is measured by npm run bench:ingest`);
  if (profile.length > 0) {
    print(`where a push's time goes (BENCH_LOG=debug: head office logs each statement's time, which costs time too), per push:`);
    for (const line of profile) print(`  ${line}`);
  }
} finally {
  await bench.stop();
}
