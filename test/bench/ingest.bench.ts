/**
 * `npm run bench:ingest`: head office ingesting a day of 200 shops at once.
 * Each shop pushes its day (its 3 lots and its cash session, then 500 sales
 * of 3 lines, each line with its `sale` movement), gzipped and cut as the
 * shop's sync client cuts it, all shops concurrently, to head office
 * running in its own process. Against the same rows written with COPY into
 * copies of the same tables (same indexes) in the same run. Goals (issue 12):
 * all applied in < 2 min, p95 push < 1 s, ≥ 0.2 × the COPY rate.
 */
import os from 'node:os';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { shopIdFor } from '../../server/ids.js';
import { createLogger } from '../../server/logger.js';
import { MAX_CHANGES_PER_PUSH } from '../../server/sync/service.js';
import { benchDatabase } from './database.js';
import { cutPushes, gzippedPush, ShopLedger, startHeadOffice } from './shop-pushes.js';

const SHOPS = Number(process.env.BENCH_SHOPS ?? 200);
const SALES = Number(process.env.BENCH_SALES ?? 500);
const print = (line: string) => process.stdout.write(`${line}\n`);
const logger = createLogger('error');
const bench = await benchDatabase('ingest', logger);
const { db, url } = bench;

/** A shop's day: its 3 lots and cash session, then SALES sales of 3 lines 50 ms apart. */
function dayOf(code: string, shopId: string, productIds: string[], start: number) {
  const ledger = new ShopLedger(code, shopId);
  const changes = ledger.open(start, productIds.slice(0, 3));
  for (let s = 1; s <= SALES; s++) changes.push(...ledger.sale(start + s * 50));
  return { pushes: cutPushes(changes), rows: ledger.rows, changes: changes.length };
}

const csv = (rows: unknown[][]) => rows.map((r) => r.map((v) => (v === null ? '\\N' : String(v).replace(/[\\\t\n]/g, ' '))).join('\t')).join('\n') + '\n';

try {
  const hq = await startHeadOffice(url, 'ingest');

  const productIds: string[] = [];
  for (let i = 0; i < 3; i++) productIds.push(await hq.product(`ING-${i}`, `Produit ${i}`, 1000));
  const start = Date.now() - SALES * 50 - 60_000;
  const codes = Array.from({ length: SHOPS }, (_, i) => `S${String(i).padStart(4, '0')}`);
  const generated = codes.map((code) => ({ code, ...dayOf(code, shopIdFor(code), productIds, start) }));
  const bodies = generated.map((d) => d.pushes.map((changes) => gzippedPush(d.code, changes)));
  // Generating took seconds: the socket kept alive since the products were made has timed out at the server, and fails once.
  await fetch(`${hq.base}/healthz`).catch(() => undefined);
  const register = (code: string) => hq.register(code);
  const days: ((typeof generated)[number] & { token: string })[] = [];
  for (const d of generated) days.push({ ...d, token: await register(d.code) });
  // Shops that push once head office is idle again: what one push costs when it does not queue behind 199 others.
  const alone: { code: string; token: string; body: Buffer }[] = [];
  for (let i = 0; i < 20; i++) {
    const code = `L${String(i).padStart(4, '0')}`;
    const [first] = dayOf(code, shopIdFor(code), productIds, start).pushes;
    alone.push({ code, token: await register(code), body: gzippedPush(code, first!) });
  }
  const totalChanges = days.reduce((n, d) => n + d.changes, 0);
  const gzBytes = bodies.flat().reduce((n, b) => n + b.length, 0);

  const latencies: number[] = [];
  let refused = 0;
  let failed = 0;
  const began = performance.now();
  await Promise.all(days.map(async (d, i) => {
    for (const [k, body] of bodies[i]!.entries()) {
      const t0 = performance.now();
      const answer = await hq.push(d.token, body).catch((err: unknown) => {
        throw new Error(`push ${i}.${k} (${body.length} B) failed, ${latencies.length} done (${String(err)} ${String((err as { cause?: unknown }).cause)}) after ${(performance.now() - t0).toFixed(0)} ms; head office said:\n${hq.said()}`);
      });
      latencies.push(performance.now() - t0);
      if (!answer.ok) failed += 1;
      refused += answer.refused;
    }
  }));
  const ingestS = (performance.now() - began) / 1000;
  const counts = await db.one<{ sales: number; items: number; movements: number }>(
    `select (select count(*) from sales)::int as sales, (select count(*) from sale_items)::int as items, (select count(*) from stock_movements where kind = 'sale')::int as movements`);
  const aloneMs: number[] = [];
  for (const a of alone) {
    const t0 = performance.now();
    const answer = await hq.push(a.token, a.body);
    aloneMs.push(performance.now() - t0);
    if (!answer.ok) failed += 1;
  }
  aloneMs.sort((a, b) => a - b);
  await hq.stop();
  latencies.sort((a, b) => a - b);

  // The floor: the same rows with COPY into copies of the same tables (same indexes, no foreign keys to check).
  for (const t of ['sales', 'sale_items', 'stock_movements']) await db.exec(`create table copy_${t} (like ${t} including defaults including indexes)`);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const copyOne = async (table: string, columns: string, rows: unknown[][]) =>
    pipeline(Readable.from([csv(rows)]), client.query(copyFrom(`copy ${table} (${columns}) from stdin`)));
  const copyBegan = performance.now();
  for (const d of days) {
    await client.query('begin');
    await copyOne('copy_sales', 'id, shop_id, number, cashier_id, cashier_name, total, tendered, change, payment_method, hlc, created_at, subtotal, payments, session_id', d.rows.sales);
    await copyOne('copy_sale_items', 'id, sale_id, line_no, product_id, batch_id, product_name, lot_number, expiration_date, quantity, unit_price, line_total', d.rows.items);
    await copyOne('copy_stock_movements', 'id, shop_id, batch_id, kind, delta, sale_item_id, user_id, hlc, created_at', d.rows.movements);
    await client.query('commit');
  }
  const copyS = (performance.now() - copyBegan) / 1000;
  await client.end();
  const rowsWritten = counts!.sales + counts!.items + counts!.movements;
  const ingestRate = rowsWritten / ingestS;
  const copyRate = rowsWritten / copyS;

  print(`\n${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length}, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`);
  print(`${SHOPS} shops × ${SALES} sales of 3 lines: ${totalChanges} changes in ${bodies.flat().length} gzipped pushes (${(gzBytes / 1e6).toFixed(1)} MB)`);
  print(`applied in ${ingestS.toFixed(1)} s (goal < 120 s): ${counts!.sales} sales, ${counts!.items} lines, ${counts!.movements} sale movements; refused ${refused}, failed pushes ${failed}`);
  const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor(xs.length * p))]!.toFixed(0);
  print(`push latency, all ${SHOPS} shops at once: p50 ${pct(latencies, 0.5)} ms, p95 ${pct(latencies, 0.95)} ms (goal < 1 000 ms), max ${latencies.at(-1)!.toFixed(0)} ms`);
  print(`  (${SHOPS} shops each waiting on its push: by Little's law the mean wait is ${SHOPS} ÷ ${(latencies.length / ingestS).toFixed(1)} pushes/s = ${((SHOPS / latencies.length) * ingestS * 1000).toFixed(0)} ms)`);
  print(`push latency, one shop alone (${alone.length} pushes of ${MAX_CHANGES_PER_PUSH} changes at most): p50 ${pct(aloneMs, 0.5)} ms, p95 ${pct(aloneMs, 0.95)} ms`);
  print(`rows/s: ingest ${ingestRate.toFixed(0)}, COPY of the same rows ${copyRate.toFixed(0)} (${copyS.toFixed(1)} s) = ${(ingestRate / copyRate).toFixed(2)} × COPY (goal ≥ 0.2 ×)`);
} finally {
  await bench.stop();
}
