/**
 * `npm run bench`: costs of the till's hot paths on a real PostgreSQL,
 * reported as ratios to a baseline measured in the same run (the smallest
 * write transaction: lock and update one row), so figures compare across machines.
 */
import os from 'node:os';
import { createLogger } from '../../server/logger.js';
import { benchDatabase, benchShop } from './database.js';
import { seedDemo } from '../../server/demo/seed.js';

const logger = createLogger('warn');
const bench = await benchDatabase('sales', logger);
const { db } = bench;

try {
  const { shop, services, actor } = await benchShop(db, logger, 'BENCH');
  await seedDemo(services, shop, new Date(), actor);
  const products = await services.catalog.searchProducts('', 500);
  const sellable = products.filter((p) => p.sellableQuantity > 0).map((p) => p.id);
  for (const id of sellable) {
    await services.stock.receiveBatch({ productId: id, lotNumber: `BENCH-${id.slice(-6)}`, expirationDate: '2030-12-31', quantity: 100_000, unitCost: null }, actor);
  }

  async function measure(name: string, iterations: number, fn: (i: number) => Promise<unknown>) {
    for (let i = 0; i < 20; i++) await fn(i); // warm-up
    const started = performance.now();
    for (let i = 0; i < iterations; i++) await fn(i);
    const ms = (performance.now() - started) / iterations;
    return { name, ms };
  }

  const baseline = await measure('baseline: one-row write transaction', 400, () =>
    db.withTransaction((tx) => tx.exec('update receipt_counters set last_number = last_number where shop_id = $1', [shop.id])),
  );
  const results = [
    await measure('sale, 1 line', 200, (i) =>
      services.sales.recordSale({ lines: [{ productId: sellable[i % sellable.length]!, quantity: 1 }], payment: { method: 'card' } }, actor)),
    await measure('sale, 5 lines', 200, (i) =>
      services.sales.recordSale(
        { lines: Array.from({ length: 5 }, (_, k) => ({ productId: sellable[(i + k * 7) % sellable.length]!, quantity: 1 })), payment: { method: 'cash', tendered: 1_000_000 } },
        actor,
      )),
    await measure('product search, 2 words', 400, () => services.catalog.searchProducts('paracetamol 500', 20)),
    await measure('lots of a product (FEFO list)', 400, (i) => services.stock.batchesOfProduct(sellable[i % sellable.length]!)),
  ];
  process.stdout.write(`\n${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length}, Node ${process.version}\n`);
  process.stdout.write(`${baseline.name}: ${baseline.ms.toFixed(2)} ms\n`);
  for (const r of results) process.stdout.write(`${r.name}: ${r.ms.toFixed(2)} ms (${(r.ms / baseline.ms).toFixed(1)} × baseline)\n`);
} finally {
  await bench.stop();
}
