/**
 * `npm run bench:ingest`: head office ingesting a day of 200 shops at once.
 * Each shop pushes its day (its 3 lots and its cash session, then 500 sales
 * of 3 lines, each line with its `sale` movement), gzipped and cut as the
 * shop's sync client cuts it, all shops concurrently, to head office
 * running in its own process. Against the same rows written with COPY into
 * copies of the same tables (same indexes) in the same run. Goals (issue 12):
 * all applied in < 2 min, p95 push < 1 s, ≥ 0.2 × the COPY rate.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { gzipSync } from 'node:zlib';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { shopIdFor } from '../../server/ids.js';
import { createLogger } from '../../server/logger.js';
import type { OutboxRow } from '../../server/outbox/queries.js';
import { MAX_CHANGES_PER_PUSH, nextPushBatch } from '../../server/sync/service.js';
import { freePort, startServer, tempDataDir, waitHealthy } from '../support/process.js';
import { benchDatabase } from './database.js';

const SHOPS = Number(process.env.BENCH_SHOPS ?? 200);
const SALES = Number(process.env.BENCH_SALES ?? 500);
const print = (line: string) => process.stdout.write(`${line}\n`);
const logger = createLogger('error');
const bench = await benchDatabase('ingest', logger);
const { db, url } = bench;
const adminToken = 'bench-admin-token-0123456789abcdef';

type Change = { seq: number; entity: string; id: string; op: 'insert'; hlc: string; tx: string; data: Record<string, unknown> };

/** A clock of this shop, `ms` milliseconds into the day. */
const clock = (code: string, wall: number, n: number) => `${String(wall).padStart(15, '0')}:${String(n).padStart(6, '0')}:${code}`;

function dayOf(code: string, shopId: string, productIds: string[], start: number) {
  const changes: Change[] = [];
  let seq = 0;
  let tx = 1;
  const at = (i: number) => start + i * 50;
  const lots = productIds.slice(0, 3).map((productId, k) => ({ id: randomUUID(), productId, k }));
  for (const l of lots) {
    const hlc = clock(code, at(0), l.k);
    changes.push({ seq: ++seq, entity: 'batch', id: l.id, op: 'insert', hlc, tx: String(tx), data: {
      id: l.id, shopId, productId: l.productId, lotNumber: `${code}-L${l.k}`, expirationDate: '2029-12-31', initialQty: 100_000,
      unitCost: null, receivedDate: '2026-11-26', status: 'active', statusReason: null, createdAt: new Date(at(0)).toISOString(),
    } });
    const m = randomUUID();
    changes.push({ seq: ++seq, entity: 'movement', id: m, op: 'insert', hlc, tx: String(tx), data: {
      id: m, shopId, batchId: l.id, kind: 'receipt', delta: 100_000, countedQty: null, reason: null, saleItemId: null, userId: null, hlc,
      createdAt: new Date(at(0)).toISOString(),
    } });
  }
  // The day's cash session: every sale names it, as a shop's do.
  const sessionId = randomUUID();
  changes.push({ seq: ++seq, entity: 'till_session', id: sessionId, op: 'insert', hlc: clock(code, at(0), 9), tx: String(++tx), data: {
    id: sessionId, shopId, terminal: 'Caisse 1', cashierId: shopId, cashierName: 'Caisse', openedAt: new Date(at(0)).toISOString(), openingFloat: 0, openingCounts: null,
  } });
  const rows = { sales: [] as unknown[][], items: [] as unknown[][], movements: [] as unknown[][] };
  for (let s = 1; s <= SALES; s++) {
    tx += 1;
    const hlc = clock(code, at(s), 0);
    const createdAt = new Date(at(s)).toISOString();
    const saleId = randomUUID();
    const sale = {
      id: saleId, shopId, number: `${code}-${String(s).padStart(6, '0')}`, cashierId: shopId, cashierName: 'Caisse', total: 3000, tendered: 3000,
      change: 0, paymentMethod: 'cash', status: 'completed', voidedAt: null, voidedBy: null, createdAt, sessionId, subtotal: 3000,
      discount: 0, discountLabel: null, discountApprovedBy: null, rounding: 0, payments: [{ method: 'cash', amount: 3000 }],
    };
    changes.push({ seq: ++seq, entity: 'sale', id: saleId, op: 'insert', hlc, tx: String(tx), data: sale });
    rows.sales.push([saleId, shopId, sale.number, shopId, 'Caisse', 3000, 3000, 0, 'cash', hlc, createdAt, 3000, JSON.stringify(sale.payments), sessionId]);
    for (const l of lots) {
      const itemId = randomUUID();
      changes.push({ seq: ++seq, entity: 'sale_item', id: itemId, op: 'insert', hlc, tx: String(tx), data: {
        id: itemId, saleId, lineNo: l.k + 1, productId: l.productId, batchId: l.id, productName: `Produit ${l.k}`, lotNumber: `${code}-L${l.k}`,
        expirationDate: '2029-12-31', quantity: 1, unitPrice: 1000, lineTotal: 1000, discount: 0, discountLabel: null,
      } });
      rows.items.push([itemId, saleId, l.k + 1, l.productId, l.id, `Produit ${l.k}`, `${code}-L${l.k}`, '2029-12-31', 1, 1000, 1000]);
      const m = randomUUID();
      changes.push({ seq: ++seq, entity: 'movement', id: m, op: 'insert', hlc, tx: String(tx), data: {
        id: m, shopId, batchId: l.id, kind: 'sale', delta: -1, countedQty: null, reason: null, saleItemId: itemId, userId: shopId, hlc, createdAt,
      } });
      rows.movements.push([m, shopId, l.id, 'sale', -1, itemId, shopId, hlc, createdAt]);
    }
  }
  // Cut as the shop's client cuts: whole transactions, within its count and size limits.
  const pushes: Change[][] = [];
  let rest = changes.map((c) => ({ ...c, txId: c.tx, payload: c.data }) as unknown as OutboxRow & Change);
  while (rest.length > 0) {
    const next = nextPushBatch(rest) as unknown as (OutboxRow & Change)[];
    pushes.push(next.map(({ txId: _t, payload: _p, ...c }) => c as Change));
    rest = rest.slice(next.length);
  }
  return { pushes, rows, changes: changes.length };
}

const csv = (rows: unknown[][]) => rows.map((r) => r.map((v) => (v === null ? '\\N' : String(v).replace(/[\\\t\n]/g, ' '))).join('\t')).join('\n') + '\n';

try {
  const port = await freePort();
  const dataDir = tempDataDir('comptoir-bench-ingest-');
  const hq = startServer({ DATABASE_URL: url, PORT: String(port), COMPTOIR_HQ_ADMIN_TOKEN: adminToken, DATA_DIR: dataDir, LOG_LEVEL: process.env.BENCH_LOG ?? 'error' }, ['--hq']);
  await waitHealthy(port, hq, 60_000);
  const base = `http://127.0.0.1:${port}`;
  const admin = (path: string, body: unknown) =>
    fetch(`${base}${path}`, { method: 'POST', headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

  const productIds: string[] = [];
  for (let i = 0; i < 3; i++) productIds.push(((await (await admin('/api/products', { sku: `ING-${i}`, name: `Produit ${i}`, unitPrice: 1000 })).json()) as { id: string }).id);
  const start = Date.now() - SALES * 50 - 60_000;
  const codes = Array.from({ length: SHOPS }, (_, i) => `S${String(i).padStart(4, '0')}`);
  const generated = codes.map((code) => ({ code, ...dayOf(code, shopIdFor(code), productIds, start) }));
  const bodies = generated.map((d) => d.pushes.map((changes) => gzipSync(Buffer.from(JSON.stringify({ shopCode: d.code, hlc: changes.at(-1)!.hlc, changes })))));
  // Generating took seconds: the socket kept alive since the products were made has timed out at the server, and fails once.
  await fetch(`${base}/healthz`).catch(() => undefined);
  const register = async (code: string) =>
    ((await (await admin('/api/shops', { code, name: `Boutique ${code}`, timezone: 'Africa/Dakar' })).json()) as { token: string }).token;
  const days: ((typeof generated)[number] & { token: string })[] = [];
  for (const d of generated) days.push({ ...d, token: await register(d.code) });
  // Shops that push once head office is idle again: what one push costs when it does not queue behind 199 others.
  const alone: { code: string; token: string; body: Buffer }[] = [];
  for (let i = 0; i < 20; i++) {
    const code = `L${String(i).padStart(4, '0')}`;
    const [first] = dayOf(code, shopIdFor(code), productIds, start).pushes;
    alone.push({ code, token: await register(code), body: gzipSync(Buffer.from(JSON.stringify({ shopCode: code, hlc: first!.at(-1)!.hlc, changes: first }))) });
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
      const res = await fetch(`${base}/api/sync/push`, {
        method: 'POST', headers: { authorization: `Bearer ${d.token}`, 'content-type': 'application/json', 'content-encoding': 'gzip' }, body,
      }).catch((err: unknown) => {
        throw new Error(`push ${i}.${k} (${body.length} B) failed, ${latencies.length} done (${String(err)} ${String((err as { cause?: unknown }).cause)}) after ${(performance.now() - t0).toFixed(0)} ms; head office said:\n${hq.output().split("\n").filter((l) => !l.includes("\"status\":200")).join("\n").slice(-4000)}`);
      });
      const answer = (await res.json()) as { refused?: unknown[] };
      latencies.push(performance.now() - t0);
      if (!res.ok) failed += 1;
      refused += answer.refused?.length ?? 0;
    }
  }));
  const ingestS = (performance.now() - began) / 1000;
  const counts = await db.one<{ sales: number; items: number; movements: number }>(
    `select (select count(*) from sales)::int as sales, (select count(*) from sale_items)::int as items, (select count(*) from stock_movements where kind = 'sale')::int as movements`);
  const aloneMs: number[] = [];
  for (const a of alone) {
    const t0 = performance.now();
    const res = await fetch(`${base}/api/sync/push`, {
      method: 'POST', headers: { authorization: `Bearer ${a.token}`, 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: new Uint8Array(a.body),
    });
    await res.json();
    aloneMs.push(performance.now() - t0);
    if (!res.ok) failed += 1;
  }
  aloneMs.sort((a, b) => a - b);
  hq.child.kill('SIGTERM');
  await hq.exited;
  fs.rmSync(dataDir, { recursive: true, force: true });
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
