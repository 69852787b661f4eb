/**
 * `npm run bench:owner`: the owner's numbers (issue 25) over the chain of
 * `npm run bench:hq` (200 shops × 90 days × 300 sales of 3 lines: 5.4 M
 * sales), with what the reports read added in SQL: the per-day margins and
 * hourly takings the pushes keep, a box of 10 for every product, a receipt
 * movement for every lot, and the first shop's full ledger (a sale movement
 * per line) for the valuation at a past date. Each page is asked over HTTP as
 * a browser would, against two of bench:hq's pages measured in the same run
 * as the baseline (a shared machine's load moves both alike).
 *
 * BENCH_KEEP_DIR=/var/tmp/owner-chain keeps the cluster in that folder (not
 * under /root: PostgreSQL runs as `postgres`) and, when a run finds there a
 * chain of the same scale marked complete (a row written after its last
 * step), measures it without generating it again; an incomplete one is
 * thrown away and made again. BENCH_PAGES=risk,dashboard measures only the
 * pages whose key starts with one of those words (the two baselines always).
 */
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { createApp } from '../../server/app.js';
import { addDays } from '../../server/domain/dates.js';
import { hashToken } from '../../server/http/bearer.js';
import { createLogger } from '../../server/logger.js';
import { initClock } from '../../server/outbox/clock.js';
import { staffService } from '../../server/staff/service.js';
import { generateChain, scaleFromEnv } from './chain.js';
import { benchDatabase } from './database.js';

const logger = createLogger('warn');
const print = (line: string) => process.stdout.write(`${line}\n`);
const keepDir = process.env.BENCH_KEEP_DIR || undefined;
const scale = scaleFromEnv();
const marginProducts = Number(process.env.BENCH_MARGIN_PRODUCTS ?? 200);
// What a kept chain must match to be reused: a chain of another size would measure something else.
const chainKey = JSON.stringify({ ...scale, marginProducts });
let bench = await benchDatabase('owner', logger, { keepDir });
const complete = async () => Boolean(await bench.db.one(`select to_regclass('bench_owner_chain') as t`).then((r) => (r as { t: string | null }).t))
  && Boolean(await bench.db.one('select 1 from bench_owner_chain where chain = $1', [chainKey]));
let reused = keepDir !== undefined && (await complete());
if (keepDir !== undefined && !reused && Number((await bench.db.one<{ n: string }>('select count(*) as n from shops'))!.n) > 0) {
  print(`\n${keepDir} holds an incomplete chain or one of another size: made again.`);
  await bench.stop({ remove: true });
  bench = await benchDatabase('owner', logger, { keepDir });
  reused = false;
}
const { db } = bench;

async function step(what: string, sql: string) {
  const started = performance.now();
  await db.withTransaction(async (tx) => {
    await tx.exec('set local session_replication_role = replica');
    await tx.exec(sql);
  });
  print(`  ${what}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
}


/** The chain and what the reports read, in SQL; marked complete by a row written last. */
async function prepareChain() {
  print(`\nGenerating ${scale.shops} shops × ${scale.days} days × ${scale.salesPerDay} sales (3 lines each):`);
  await generateChain(db, scale, print);
  // What the pushes keep (server/reports/service.ts refreshReports), at the size of a chain that sells ~200 products a shop-day:
  // bench:hq's sales name only 3 lots a shop, so the margins are synthetic (each shop's first BENCH_MARGIN_PRODUCTS lots' products,
  // 1 to 8 units a day at 300 FCFA, at the lot's cost), not summed from its lines.
  await step(`margins per shop, day and product (${marginProducts} products a shop-day)`, `
    insert into hq_daily_margins (shop_id, day, product_id, quantity, takings, cost, known_takings, unknown_cost_qty)
    select b.shop_id, current_date - d, b.product_id, x.q, x.q * 300, x.q * b.unit_cost, x.q * 300, 0
    from (select shop_id, product_id, unit_cost, row_number() over (partition by shop_id order by id) as k from product_batches) b
    cross join generate_series(0, ${scale.days - 1}) d
    cross join lateral (select 1 + ((hashtext(b.product_id::text) + d) & 7) as q) x
    where b.k <= ${marginProducts}`);
  await step('takings per hour', `
    insert into hq_hourly_takings (shop_id, day, hour, sales, total)
    select shop_id, (created_at at time zone 'Africa/Dakar')::date, extract(hour from created_at at time zone 'Africa/Dakar')::int, count(*), sum(total)
    from sales where status = 'completed' group by 1, 2, 3`);
  await step('a box of 10 for every product', `
    insert into product_packs (id, product_id, name, units, unit_price, hlc)
    select gen_random_uuid(), id, 'Boîte de 10', 10, unit_price * 9, hlc from products`);
  await step('a receipt movement for every lot (100 units, 120 days ago)', `
    insert into stock_movements (id, shop_id, batch_id, kind, delta, hlc, created_at)
    select gen_random_uuid(), shop_id, id, 'receipt', 100, hlc, current_date - 120 from product_batches`);
  await step('the first shop’s ledger: a sale movement per line', `
    insert into stock_movements (id, shop_id, batch_id, kind, delta, sale_item_id, hlc, created_at)
    select gen_random_uuid(), s.shop_id, i.batch_id, 'sale', -i.quantity, i.id, s.hlc, s.created_at
    from sales s join sale_items i on i.sale_id = s.id
    where s.shop_id = (select id from shops order by code limit 1) and s.status = 'completed'`);
  // What migration 0033 backfills on a head office holding all this (its own statements): what the pushes keep from then on.
  await step('kept per product: last sale and 56-day sums (migration 0033 backfill)', `
    select hq_keep_product_sales(shop_id, array_agg(product_id))
    from (select distinct shop_id, product_id from hq_daily_margins) p group by shop_id`);
  await step('kept for the chain: margins per day and product (migration 0033 backfill)', `
    insert into hq_chain_daily_margins (day, product_id, quantity, takings, cost, known_takings, unknown_cost_qty)
    select day, product_id, sum(quantity), sum(takings), sum(cost), sum(known_takings), sum(unknown_cost_qty)
    from hq_daily_margins group by day, product_id`);
  await step('kept per lot: month-end quantities (migration 0033 backfill)', `
    select hq_keep_month_ends(array_agg(batch_id), array_agg(since))
    from (select batch_id, min(created_at) as since from stock_movements group by batch_id) m`);
  await db.exec('vacuum analyze');
  await db.exec('create table if not exists bench_owner_chain (chain text primary key, completed_at timestamptz not null default now())');
  await db.exec('insert into bench_owner_chain (chain) values ($1) on conflict do nothing', [chainKey]);
}

try {
  await initClock(db, 'HQ');
  if (reused) print(`\nReusing the chain kept in ${keepDir} (${chainKey}).`);
  else await prepareChain();
  const password = 'mot-de-passe-du-banc';
  // A kept chain has its user from the run that made it.
  if (!(await db.one(`select 1 from hq_users where login = 'bench'`))) {
    await staffService({ db, now: () => new Date() }).addUser({ login: 'bench', name: 'Banc', role: 'lecture', password });
  }
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
  const month = `${addDays(today.slice(0, 8) + '01', -1).slice(0, 7)}`;
  const code = (await db.one<{ code: string }>('select code from shops order by code limit 1'))!.code;
  const from = addDays(today, -30);
  // [key for BENCH_PAGES, name, path, runs counted, budget ms]
  const allPages: [string, string, string, number, number][] = [
    ['baseline-sales', 'baseline: Ventes, one month, all shops', `/ventes?du=${from}&au=${today}`, 40, 300],
    ['baseline-expiry', 'baseline: Stock et péremptions, 90 days', '/peremptions?horizon=90', 40, 300],
    ['dashboard', 'Tableau de bord, one month, all shops', `/tableau-de-bord?du=${from}&au=${today}`, 20, 300],
    ['dashboard-shop', 'Tableau de bord, one month, one shop', `/tableau-de-bord?du=${from}&au=${today}&boutique=${code}`, 20, 300],
    ['margins', 'Marges, one month, all shops', `/marges?du=${from}&au=${today}`, 20, 300],
    ['margins-shop', 'Marges, one month, one shop', `/marges?du=${from}&au=${today}&boutique=${code}`, 40, 300],
    ['risk', 'Stock à risque, all shops', '/stock-a-risque', 20, 300],
    ['risk-shop', 'Stock à risque, one shop', `/stock-a-risque?boutique=${code}`, 40, 300],
    ['valuation', 'Valeur du stock today, all shops', '/valeur-stock', 20, 300],
    ['valuation-past', 'Valeur du stock 60 days ago, one shop', `/valeur-stock?boutique=${code}&date=${addDays(today, -60)}`, 20, 1000],
    ['report', 'Monthly report PDF, one shop', `/rapports/mensuel.pdf?boutique=${code}&mois=${month}`, 5, 5000],
    ['journal', 'Sales journal XLSX, one month, one shop', `/ventes/${code}/journal.xlsx?du=${month}-01&au=${addDays(today.slice(0, 8) + '01', -1)}`, 3, 5000],
  ];
  const wanted = (process.env.BENCH_PAGES ?? '').split(',').map((w) => w.trim()).filter(Boolean);
  const pages = allPages
    .filter(([key]) => wanted.length === 0 || key.startsWith('baseline') || wanted.some((w) => key.startsWith(w)))
    .map(([, ...page]) => page);
  print(`\n${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length}, Node ${process.version}, ${new Date().toISOString()}, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  print(`${'page'.padEnd(44)} ${'p50'.padStart(9)} ${'p95'.padStart(9)}  budget`);
  let over = 0;
  for (const [name, p, runs, budget] of pages) {
    const times: number[] = [];
    for (let i = 0; i < runs + 2; i++) {
      const started = performance.now();
      const res = await fetch(`${base}${p}`, { headers: { cookie } });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`${p}: HTTP ${res.status}`);
      if (i >= 2) times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    const p50 = times[Math.floor(times.length * 0.5)]!;
    const p95 = times[Math.ceil(times.length * 0.95) - 1]!;
    if (p95 > budget) over++;
    print(`${name.padEnd(44)} ${p50.toFixed(1).padStart(7)} ms ${p95.toFixed(1).padStart(7)} ms  ${budget} ms ${p95 <= budget ? 'ok' : 'OVER'}`);
  }
  server.close();
  print(over === 0 ? '\nEvery page within budget.' : `\n${over} page(s) over budget.`);
} finally {
  await bench.stop();
}
