/**
 * `npm run bench:packs-migration`: migration 0016 (units and packs) on a shop
 * with the growth bench's history: 5 000 products with two lots each and
 * 1 000 000 past sales of 3 lines with their movements (BENCH_PAST_SALES to
 * change it), written in SQL on the schema as it was before packs. Reports
 * how long the migration takes and checks that every product kept its price
 * and GTIN as its pack of 1 and that no quantity changed.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDb } from '../../server/db/pool.js';
import { startEmbeddedPostgres } from '../../server/db/embedded.js';
import { migrate, migrationFiles, migrationsDir } from '../../server/db/migrate.js';
import { createLogger } from '../../server/logger.js';
import { freePort } from '../support/process.js';

const PAST_SALES = Number(process.env.BENCH_PAST_SALES ?? 1_000_000);
const logger = createLogger('error');
const print = (line: string) => process.stdout.write(`${line}\n`);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'comptoir-bench-packs-'));
fs.chmodSync(dir, 0o755);
const pgServer = await startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), port: await freePort(), database: 'bench', logger });
const url = pgServer.connectionString;
const db = createDb({ connectionString: url, logger });
try {
  const before = path.join(dir, 'before');
  fs.mkdirSync(before);
  for (const f of migrationFiles().filter((m) => m.id < '0016')) fs.copyFileSync(path.join(migrationsDir, `${f.id}.sql`), path.join(before, `${f.id}.sql`));
  await migrate(url, logger, before);
  const h = '000000000000000:000000:GROW';
  await db.exec(`insert into shops (id, code, name, timezone) values ('00000000-0000-8000-8000-000000000001', 'GROW', 'Bench', 'Africa/Dakar')`);
  const started = performance.now();
  await db.exec(
    `insert into products (id, sku, gtin, name, search_text, unit_price, hlc)
     select gen_random_uuid(), 'P' || i, '3400' || lpad(i::text, 9, '0'), 'Produit ' || i, 'produit ' || i, 100 + i % 5000, $1 from generate_series(1, 5000) i`, [h]);
  await db.exec(
    `insert into product_batches (id, shop_id, product_id, lot_number, expiration_date, initial_qty, quantity, received_date, hlc)
     select gen_random_uuid(), '00000000-0000-8000-8000-000000000001', p.id, l.lot || '-' || p.sku, l.expiry, 1000000, 1000000, current_date, $1
     from products p cross join (values ('A', date '2029-01-31'), ('B', date '2030-01-31')) as l(lot, expiry)`, [h]);
  await db.exec(`create unlogged table past as select gen_random_uuid() as id, n, now() - (interval '3 years') * (n::float8 / $1) as at from generate_series(1, $1) n`, [PAST_SALES]);
  await db.exec(
    `insert into sales (id, shop_id, number, cashier_id, cashier_name, total, tendered, change, payment_method, hlc, created_at, updated_at, subtotal, payments)
     select id, '00000000-0000-8000-8000-000000000001', 'GROW-P' || lpad(n::text, 7, '0'), '00000000-0000-8000-8000-000000000002', 'Responsable', 900, 1000, 100, 'cash', $1, at, at, 900,
       '[{"method":"cash","amount":900}]'::jsonb from past`, [h]);
  await db.exec(
    `create unlogged table past_items as
       select gen_random_uuid() as id, p.id as sale_id, k as line_no, b.product_id, b.id as batch_id, p.at
       from past p cross join generate_series(1, 3) k
       join lateral (select id, product_id from product_batches where lot_number = 'A-P' || (1 + (p.n * 3 + k) % 5000)) b on true`);
  await db.exec(
    `insert into sale_items (id, sale_id, line_no, product_id, batch_id, product_name, lot_number, expiration_date, quantity, unit_price, line_total, created_at)
     select id, sale_id, line_no, product_id, batch_id, 'Produit', 'A', date '2029-01-31', 1, 300, 300, at from past_items`);
  await db.exec(
    `insert into stock_movements (id, shop_id, batch_id, kind, delta, sale_item_id, user_id, hlc, created_at)
     select gen_random_uuid(), '00000000-0000-8000-8000-000000000001', batch_id, 'sale', -1, id, null, $1, at from past_items`, [h]);
  await db.exec('drop table past_items; drop table past; analyze');
  const generated = (performance.now() - started) / 1000;
  const digest = `select (select md5(string_agg(id || ':' || unit_price || ':' || coalesce(gtin, '-'), ',' order by id)) from products) as products,
      (select sum(quantity)::bigint from sale_items) as sold, (select sum(line_total)::bigint from sale_items) as takings,
      (select md5(string_agg(id || ':' || quantity, ',' order by id)) from product_batches) as lots`;
  const was = await db.one<Record<string, string>>(digest);

  const t0 = performance.now();
  const applied = await migrate(url, logger);
  const took = (performance.now() - t0) / 1000;

  const now = await db.one<Record<string, string>>(digest);
  const packs = await db.one<{ n: number; same: number }>(
    `select count(*)::int as n, count(*) filter (where k.units = 1 and k.unit_price = p.unit_price and k.gtin is not distinct from p.gtin and k.id = unit_pack_id(p.id))::int as same
     from product_packs k join products p on p.id = k.product_id`);
  const counts = await db.one<{ sales: number; items: number; movements: number }>(
    'select (select count(*) from sales)::int as sales, (select count(*) from sale_items)::int as items, (select count(*) from stock_movements)::int as movements');
  print(`\n${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length}, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`);
  print(`history written in ${generated.toFixed(0)} s: ${counts!.sales} sales, ${counts!.items} lines, ${counts!.movements} movements`);
  print(`${applied.join(', ')} applied in ${took.toFixed(2)} s`);
  print(`products kept their price and GTIN as their pack of 1: ${packs!.same} of ${packs!.n}; quantities and amounts unchanged: ${JSON.stringify(now) === JSON.stringify(was) ? 'yes' : 'NO'}`);
  if (JSON.stringify(now) !== JSON.stringify(was) || packs!.same !== 5000) process.exitCode = 1;
} finally {
  await db.close();
  await pgServer.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}
