/**
 * `npm run bench:growth`: does a shop slow down as its history grows? The
 * till's paths (a 3-line sale, a scan answered with the cart, a product
 * search) are timed on a shop with a 5 000-product catalogue and no past
 * sales, then again after 1 000 000 past sales (3 lines each, with their
 * movements) are written in SQL with generate_series, never through the API.
 * Goal (issue 12): within 1.2 × of the empty shop.
 */
import os from 'node:os';
import { gtinCheckDigit } from '../../server/domain/gtin.js';
import { createLogger } from '../../server/logger.js';
import { sessionHash } from '../../server/users/service.js';
import { BENCH_MANAGER_PIN, benchDatabase, benchShop } from './database.js';

const PAST_SALES = Number(process.env.BENCH_PAST_SALES ?? 1_000_000);
const logger = createLogger('error');
const print = (line: string) => process.stdout.write(`${line}\n`);
const bench = await benchDatabase('growth', logger);
const { db } = bench;

try {
  const { shop, services, actor } = await benchShop(db, logger, 'GROW');
  const { token } = await services.users.login({ pin: BENCH_MANAGER_PIN }, 'bench');
  const cart = sessionHash(token);

  // A pharmacy's catalogue: 5 000 products, two lots each.
  // GTIN-13s with their check digit: a scan of a bad one is refused before any lookup.
  const gtins = Array.from({ length: 5000 }, (_, i) => {
    const body = `3400${String(i + 1).padStart(8, '0')}`;
    return body + gtinCheckDigit(body);
  });
  await db.exec(
    `insert into products (id, sku, gtin, name, search_text, unit_price, hlc)
     select gen_random_uuid(), 'P' || i, g.gtin, 'Produit ' || i || x.kind, lower('produit ' || i || x.kind || ' p' || i || ' ' || g.gtin),
       100 + i % 5000, '000000000000000:000000:GROW'
     from unnest($1::text[]) with ordinality as g(gtin, i) cross join lateral (select case when i % 3 = 0 then ' comprimes' else ' sirop' end as kind) x`,
    [gtins],
  );
  await db.exec(
    `insert into product_batches (id, shop_id, product_id, lot_number, expiration_date, initial_qty, quantity, received_date, hlc)
     select gen_random_uuid(), $1, p.id, l.lot || '-' || p.sku, l.expiry, 1000000, 1000000, current_date, '000000000000000:000000:GROW'
     from products p cross join (values ('A', date '2029-01-31'), ('B', date '2030-01-31')) as l(lot, expiry)`,
    [shop.id],
  );
  await db.exec('analyze');
  const products = await db.rows<{ id: string; gtin: string }>(`select id, gtin from products order by sku limit 50`);

  async function measure(iterations: number, fn: (i: number) => Promise<unknown>): Promise<number> {
    for (let i = 0; i < 30; i++) await fn(i); // warm-up
    const times: number[] = [];
    for (let i = 0; i < iterations; i++) {
      const started = performance.now();
      await fn(i);
      times.push(performance.now() - started);
    }
    return times.sort((a, b) => a - b)[Math.floor(iterations / 2)]!;
  }
  const paths = async () => ({
    sale: await measure(300, (i) => services.sales.recordSale(
      { lines: [0, 1, 2].map((k) => ({ productId: products[(i + k * 7) % products.length]!.id, quantity: 1 })), payment: { method: 'cash', tendered: 100_000 } }, actor)),
    scan: await measure(300, async (i) => {
      await services.till.scan(cart, products[i % products.length]!.gtin);
      if (i % 20 === 19) await services.till.clear(cart);
      return services.till.cart(cart);
    }),
    search: await measure(300, (i) => services.catalog.searchProducts(i % 2 ? 'produit 12' : 'sirop 4', 20)),
  });

  const empty = await paths();
  const started = performance.now();
  // A million past sales over three years, 3 lines each, with their `sale` movements: written in SQL.
  await db.exec(`
    create temporary table past as
      select gen_random_uuid() as id, n, now() - (interval '3 years') * (n::float8 / $1) as at from generate_series(1, $1) n`, [PAST_SALES]);
  await db.exec(
    `insert into sales (id, shop_id, number, cashier_id, cashier_name, total, tendered, change, payment_method, hlc, created_at, updated_at, subtotal, payments)
     select id, $1, 'GROW-P' || lpad(n::text, 7, '0'), $2, 'Responsable', 900, 1000, 100, 'cash', '000000000000000:000000:GROW', at, at, 900,
       '[{"method":"cash","amount":900}]'::jsonb
     from past`,
    [shop.id, actor.id],
  );
  await db.exec(
    `create temporary table past_items as
       select gen_random_uuid() as id, p.id as sale_id, k as line_no, b.product_id, b.id as batch_id, p.at
       from past p cross join generate_series(1, 3) k
       join lateral (select id, product_id from product_batches where lot_number = 'A-P' || (1 + (p.n * 3 + k) % 5000)) b on true`,
  );
  await db.exec(
    `insert into sale_items (id, sale_id, line_no, product_id, batch_id, product_name, lot_number, expiration_date, quantity, unit_price, line_total, created_at)
     select id, sale_id, line_no, product_id, batch_id, 'Produit', 'A', date '2029-01-31', 1, 300, 300, at from past_items`,
  );
  await db.exec(
    `insert into stock_movements (id, shop_id, batch_id, kind, delta, sale_item_id, user_id, hlc, created_at)
     select gen_random_uuid(), $1, batch_id, 'sale', -1, id, $2, '000000000000000:000000:GROW', at from past_items`,
    [shop.id, actor.id],
  );
  await db.exec(`update receipt_counters set last_number = last_number + $2 where shop_id = $1`, [shop.id, PAST_SALES]);
  await db.exec('analyze');
  const generatedS = (performance.now() - started) / 1000;
  const grown = await paths();
  const counts = await db.one<{ sales: number; items: number; movements: number }>(
    'select (select count(*) from sales)::int as sales, (select count(*) from sale_items)::int as items, (select count(*) from stock_movements)::int as movements');

  print(`\n${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length}, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`);
  print(`history written in ${generatedS.toFixed(0)} s: ${counts!.sales} sales, ${counts!.items} lines, ${counts!.movements} movements`);
  for (const k of ['sale', 'scan', 'search'] as const) {
    const ratio = grown[k] / empty[k];
    print(`${k.padEnd(6)}: empty shop ${empty[k].toFixed(2)} ms, after ${PAST_SALES.toLocaleString('en')} sales ${grown[k].toFixed(2)} ms = ${ratio.toFixed(2)} × (goal ≤ 1.2 ×: ${ratio <= 1.2 ? 'met' : 'NOT met'})`);
  }
} finally {
  await bench.stop();
}
