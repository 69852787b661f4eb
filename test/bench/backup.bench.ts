/**
 * `npm run bench:backup`: what sealing a backup costs, in time and in the
 * shop process's memory, on a shop with years of history (300 000 past
 * sales by default, 3 lines each with their movements, written in SQL as in
 * the growth bench). The dump streams through age 64 KiB at a time, so the
 * process's memory must not grow with the size of the dump.
 */
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createLogger } from '../../server/logger.js';
import { backupDatabase, restoreDatabase } from '../../server/ops/backup.js';
import { benchDatabase, benchShop } from './database.js';

const PAST_SALES = Number(process.env.BENCH_PAST_SALES ?? 300_000);
const logger = createLogger('error');
const print = (line: string) => process.stdout.write(`${line}\n`);
const bench = await benchDatabase('backup', logger);
const { db } = bench;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'comptoir-bench-dumps-'));
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/** Runs `work` while sampling the process's RSS every 20 ms: its duration and the peak above where it started. */
async function measured(label: string, work: () => Promise<unknown>): Promise<void> {
  global.gc?.();
  const start = process.memoryUsage().rss;
  let peak = start;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const began = performance.now();
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  peak = Math.max(peak, process.memoryUsage().rss);
  print(`${label.padEnd(16)} ${((performance.now() - began) / 1000).toFixed(1).padStart(6)} s   RSS ${mb(start)} → peak ${mb(peak)} (+${mb(peak - start)})`);
}

try {
  const { shop, actor } = await benchShop(db, logger, 'BKUP');
  await db.exec(
    `insert into products (id, sku, gtin, name, search_text, unit_price, hlc)
     select gen_random_uuid(), 'P' || i, null, 'Produit ' || i, 'produit ' || i, 100 + i, '000000000000000:000000:BKUP' from generate_series(1, 2000) i`,
  );
  await db.exec(
    `insert into product_batches (id, shop_id, product_id, lot_number, expiration_date, initial_qty, quantity, received_date, hlc)
     select gen_random_uuid(), $1, p.id, 'A-' || p.sku, date '2030-01-31', 1000000, 1000000, current_date, '000000000000000:000000:BKUP' from products p`,
    [shop.id],
  );
  await db.exec(`create temporary table past as
    select gen_random_uuid() as id, n, now() - (interval '3 years') * (n::float8 / $1) as at from generate_series(1, $1) n`, [PAST_SALES]);
  await db.exec(
    `insert into sales (id, shop_id, number, cashier_id, cashier_name, total, tendered, change, payment_method, hlc, created_at, updated_at, subtotal, payments)
     select id, $1, 'BKUP-P' || lpad(n::text, 7, '0'), $2, 'Responsable', 900, 1000, 100, 'cash', '000000000000000:000000:BKUP', at, at, 900,
       '[{"method":"cash","amount":900}]'::jsonb from past`,
    [shop.id, actor.id],
  );
  await db.exec(`create temporary table past_items as
    select gen_random_uuid() as id, p.id as sale_id, k as line_no, b.product_id, b.id as batch_id, p.at
    from past p cross join generate_series(1, 3) k
    join lateral (select id, product_id from product_batches where lot_number = 'A-P' || (1 + (p.n * 3 + k) % 2000)) b on true`);
  await db.exec(
    `insert into sale_items (id, sale_id, line_no, product_id, batch_id, product_name, lot_number, expiration_date, quantity, unit_price, line_total, created_at)
     select id, sale_id, line_no, product_id, batch_id, 'Produit', 'A', date '2030-01-31', 1, 300, 300, at from past_items`,
  );
  await db.exec(
    `insert into stock_movements (id, shop_id, batch_id, kind, delta, sale_item_id, user_id, hlc, created_at)
     select gen_random_uuid(), $1, batch_id, 'sale', -1, id, $2, '000000000000000:000000:BKUP', at from past_items`,
    [shop.id, actor.id],
  );
  const size = await db.one<{ bytes: number }>('select pg_database_size(current_database())::float8 as bytes');

  const identity = await generateX25519Identity();
  const recipient = await identityToRecipient(identity);
  print(`\n${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length}, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`);
  print(`${PAST_SALES.toLocaleString('en')} past sales, database ${mb(size!.bytes)}`);
  let plainBytes = 0;
  let sealedFile = '';
  await measured('backup, plain', async () => (plainBytes = (await backupDatabase(bench.url, path.join(dir, 'plain.dump'))).bytes));
  await measured('backup, sealed', async () => (sealedFile = (await backupDatabase(bench.url, path.join(dir, 'sealed.dump'), { recipient })).file));
  print(`dump ${mb(plainBytes)} plain, ${mb(fs.statSync(sealedFile).size)} sealed`);

  // Restored into a second database of the same cluster.
  const target = new URL(bench.url);
  target.pathname = '/restored';
  const admin = new pg.Client({ connectionString: bench.url });
  await admin.connect();
  await admin.query('create database restored');
  await admin.end();
  await measured('restore, sealed', () => restoreDatabase(target.toString(), sealedFile, { identities: [identity] }));
  const check = new pg.Client({ connectionString: target.toString() });
  await check.connect();
  const restored = (await check.query<{ n: number }>('select count(*)::int as n from sales')).rows[0]!.n;
  await check.end();
  print(`restored ${restored.toLocaleString('en')} sales`);
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
  await bench.stop();
}
