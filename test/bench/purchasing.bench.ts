/**
 * `npm run bench:purchasing` (and in `npm run bench`): issue 21's two figures,
 * each against a baseline measured in the same run.
 * - Suggested quantities over a 5 000-product catalogue with a year of sales
 *   (≈ 330 000 sale movements, written in SQL), against the one-row commit:
 *   goal ≤ 2 000 ×.
 * - Validating an 80-line delivery note in one transaction, against a 3-line
 *   sale: goal ≤ 10 ×.
 */
import os from 'node:os';
import { createLogger } from '../../server/logger.js';
import { linkIdFor } from '../../server/suppliers/service.js';
import { benchDatabase, benchShop } from './database.js';

const logger = createLogger('error');
const print = (line: string) => process.stdout.write(`${line}\n`);
const bench = await benchDatabase('purchasing', logger);
const { db } = bench;
const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function timed(iterations: number, warmUp: number, fn: (i: number) => Promise<unknown>): Promise<number> {
  for (let i = 0; i < warmUp; i++) await fn(-1 - i);
  const times: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const started = performance.now();
    await fn(i);
    times.push(performance.now() - started);
  }
  return median(times);
}

try {
  const { shop, services, actor } = await benchShop(db, logger, 'BUY');
  const { supplier } = await services.suppliers.create({ name: 'Grossiste Bench', leadTimeDays: 2 }, actor);

  // 5 000 products, two lots each, a min/max on one in ten, all linked to the supplier in cartons of 10.
  await db.exec(
    `insert into products (id, sku, name, search_text, unit_price, hlc, min_stock, max_stock)
     select gen_random_uuid(), 'P' || i, 'Produit ' || i, 'produit ' || i, 100 + i, '000000000000000:000000:BUY',
       case when i % 10 = 0 then 50 end, case when i % 10 = 0 then 200 end
     from generate_series(1, 5000) i`,
  );
  await db.exec(
    `insert into product_batches (id, shop_id, product_id, lot_number, expiration_date, initial_qty, quantity, received_date, hlc)
     select gen_random_uuid(), $1, p.id, l.lot || '-' || p.sku, l.expiry, 400, (hashtext(p.sku || l.lot) & 255), current_date - 400, '000000000000000:000000:BUY'
     from products p cross join (values ('A', current_date + 200), ('B', current_date + 600)) as l(lot, expiry)`,
    [shop.id],
  );
  // Links by the id the service gives them (one per supplier and product).
  const catalogue = await db.rows<{ id: string }>('select id from products');
  await db.exec(
    `insert into product_suppliers (id, supplier_id, product_id, supplier_code, pack_units, preferred, hlc)
     select l.id, $1, p.id, 'F-' || p.sku, 10, true, '000000000000000:000000:BUY'
     from unnest($2::uuid[], $3::uuid[]) as l(id, product_id) join products p on p.id = l.product_id`,
    [supplier.id, catalogue.map((p) => linkIdFor(supplier.id, p.id)), catalogue.map((p) => p.id)],
  );
  // A year of sales: 300 sales a day of 3 lines, as `sale` movements of the A lots.
  await db.exec(
    `insert into stock_movements (id, shop_id, batch_id, kind, delta, user_id, hlc, created_at)
     select gen_random_uuid(), $1, b.id, 'sale', -1, $2, '000000000000000:000000:BUY', now() - interval '365 days' * (n::float8 / 330000)
     from generate_series(1, 330000) n
     join product_batches b on b.lot_number = 'A-P' || (1 + (n::bigint * 7919) % 5000)`,
    [shop.id, actor.id],
  );
  await db.exec('analyze');

  const baseline = await timed(400, 20, () =>
    db.withTransaction((tx) => tx.exec('update receipt_counters set last_number = last_number where shop_id = $1', [shop.id])));
  let lines = 0;
  const suggestions = await timed(7, 2, async () => {
    lines = (await services.purchaseOrders.suggestions({ supplierId: supplier.id })).length;
  });
  const wholeCatalogue = await timed(7, 2, () => services.purchaseOrders.suggestions({}));

  // A 3-line sale, then an 80-line delivery validated, on lots the year of sales left alone.
  const products = await db.rows<{ id: string }>('select id from products order by sku limit 300');
  for (const p of products.slice(0, 30)) {
    await services.stock.receiveBatch({ productId: p.id, lotNumber: `SALE-${p.id.slice(-6)}`, expirationDate: '2031-12-31', quantity: 100_000, unitCost: 50 }, actor);
  }
  const sale = await timed(200, 20, (i) => services.sales.recordSale(
    { lines: [0, 1, 2].map((k) => ({ productId: products[(Math.abs(i) + k * 7) % 30]!.id, quantity: 1 })), payment: { method: 'cash', tendered: 100_000 } }, actor));
  // Only the validation is timed: the draft is typed line by line over minutes.
  const validations: number[] = [];
  for (let round = 0; round < 18; round++) {
    const { delivery: d } = await services.deliveries.create({
      supplierId: supplier.id, purchaseOrderId: null, deliveryNote: `BL-${round}`, invoiceNumber: null, invoiceTotal: null, receivedDate: null,
      lines: products.slice((round % 3) * 80, (round % 3) * 80 + 80).map((p, k) => ({
        productId: p.id, packId: null, lotNumber: `BL${round}-${k}`, expirationDate: '2029-12-31', quantity: 20, freeQty: 0, unitCost: 75, invoicedQty: null,
        purchaseOrderLineId: null, confirmShortDated: false,
      })),
    }, actor);
    const started = performance.now();
    await services.deliveries.validate(d!.id, { lines: [] }, actor);
    if (round >= 3) validations.push(performance.now() - started);
  }
  const delivery = median(validations);

  print(`\n${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length}, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`);
  print(`baseline: one-row write transaction ${baseline.toFixed(2)} ms; 3-line sale ${sale.toFixed(2)} ms`);
  const s = suggestions / baseline;
  print(`suggested quantities, one supplier's ${lines} products, a year of sales: ${suggestions.toFixed(0)} ms = ${s.toFixed(0)} × the commit (goal ≤ 2 000 ×: ${s <= 2000 ? 'met' : 'NOT met'})`);
  print(`suggested quantities, whole catalogue: ${wholeCatalogue.toFixed(0)} ms = ${(wholeCatalogue / baseline).toFixed(0)} × the commit`);
  const v = delivery / sale;
  print(`validating an 80-line delivery: ${delivery.toFixed(1)} ms = ${v.toFixed(1)} × a 3-line sale (goal ≤ 10 ×: ${v <= 10 ? 'met' : 'NOT met'})`);
} finally {
  await bench.stop();
}
