/**
 * `npm run bench:hq`: head office's pages with a real chain behind them
 * (200 shops × 90 days × 300 sales of 3 lines, generated in SQL: 5.4 M sales,
 * 16.2 M lines, 60 000 lots), each page asked over HTTP as a browser would,
 * p95 against the 300 ms budget. BENCH_SHOPS, BENCH_DAYS and
 * BENCH_SALES_PER_DAY make a smaller chain for a quick look.
 */
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { createApp } from '../../server/app.js';
import { addDays } from '../../server/domain/dates.js';
import { hashToken } from '../../server/http/bearer.js';
import { createLogger } from '../../server/logger.js';
import { benchDatabase } from './database.js';
import { initClock } from '../../server/outbox/clock.js';
import { staffService } from '../../server/staff/service.js';
import { generateChain, scaleFromEnv } from './chain.js';

const BUDGET_MS = 300;
const logger = createLogger('warn');
const print = (line: string) => process.stdout.write(`${line}\n`);
const bench = await benchDatabase('hq', logger);
const { db } = bench;

try {
  await initClock(db, 'HQ');
  const scale = scaleFromEnv();
  print(`\nGenerating ${scale.shops} shops × ${scale.days} days × ${scale.salesPerDay} sales (3 lines each):`);
  await generateChain(db, scale, print);
  const counts = await db.one<{ sales: number; items: number; lots: number }>(
    'select (select count(*) from sales)::int as sales, (select count(*) from sale_items)::int as items, (select count(*) from product_batches)::int as lots',
  );
  print(`  ${counts!.sales.toLocaleString('fr-FR')} sales, ${counts!.items.toLocaleString('fr-FR')} lines, ${counts!.lots.toLocaleString('fr-FR')} lots`);

  const password = 'mot-de-passe-du-banc';
  await staffService({ db, now: () => new Date() }).addUser({ login: 'bench', name: 'Banc', role: 'lecture', password });
  const { app } = createApp({ role: 'hq', db, logger, now: () => new Date(), hqAdminTokenHash: hashToken('bench-admin-token'), timezone: 'Africa/Dakar' });
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((r) => server.once('listening', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const login = await fetch(`${base}/connexion`, {
    method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ login: 'bench', password }),
  });
  const cookie = String(login.headers.get('set-cookie')).split(';')[0]!;

  const today = new Date().toISOString().slice(0, 10);
  const shop = await db.one<{ code: string }>('select code from shops order by code limit 1');
  const returned = await db.one<{ saleId: string }>('select sale_id from sale_returns where shop_id = (select id from shops order by code limit 1) limit 1');
  const pages: [string, string][] = [
    ['Boutiques (every shop, health and day)', '/boutiques'],
    ['Ventes, one month, all shops', `/ventes?du=${addDays(today, -30)}&au=${today}`],
    ['Ventes, one month, one shop', `/ventes?du=${addDays(today, -30)}&au=${today}&boutique=${shop!.code}`],
    ['Ventes CSV, one month', `/ventes/export.csv?du=${addDays(today, -30)}&au=${today}`],
    ['A shop’s day (300 sales and their lines)', `/ventes/${shop!.code}/${addDays(today, -1)}`],
    ['Stock et péremptions, 90 days, all shops', '/peremptions?horizon=90'],
    ['Stock et péremptions, expired', '/peremptions?horizon=expired'],
    ['A sale’s page (with its return)', `/ventes/vente/${returned!.saleId}`],
    ['A shop’s page', `/boutiques/${shop!.code}`],
    ['Conflits', '/conflits'],
  ];
  print(`\n${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length}, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`);
  print(`${'page'.padEnd(46)} ${'p50'.padStart(8)} ${'p95'.padStart(8)}  budget ${BUDGET_MS} ms`);
  let over = 0;
  for (const [name, p] of pages) {
    const times: number[] = [];
    for (let i = 0; i < 45; i++) {
      const started = performance.now();
      const res = await fetch(`${base}${p}`, { headers: { cookie } });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`${p}: HTTP ${res.status}`);
      if (i >= 5) times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    const p50 = times[Math.floor(times.length * 0.5)]!;
    const p95 = times[Math.ceil(times.length * 0.95) - 1]!;
    if (p95 > BUDGET_MS) over++;
    print(`${name.padEnd(46)} ${p50.toFixed(1).padStart(6)} ms ${p95.toFixed(1).padStart(6)} ms  ${p95 <= BUDGET_MS ? 'ok' : 'OVER'}`);
  }
  server.close();
  print(over === 0 ? '\nEvery page within budget.' : `\n${over} page(s) over budget.`);
} finally {
  await bench.stop();
}
