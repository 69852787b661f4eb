/**
 * `npm run bench:moves`: stock moving inside a shop and between shops, on a
 * real PostgreSQL, reported as ratios to a 3-line sale measured in the same
 * run (issue 23's goal: finalising a stocktake of 5 000 lots ≤ 20 × that
 * sale) and to the one-row write transaction of sales.bench.ts.
 * The lots and the counts are loaded in bulk (the count path is not what is
 * measured); finalising and receiving go through the services as the pages do.
 */
import os from 'node:os';
import { createLogger } from '../../server/logger.js';
import { newId } from '../../server/ids.js';
import { stampTransaction } from '../../server/outbox/clock.js';
import { receiveUnits } from '../../server/stock/lot-moves.js';
import { insertLines, insertTransferIfAbsent, upsertChainShop } from '../../server/transfers/queries.js';
import { benchDatabase, benchShop } from './database.js';
import { seedDemo } from '../../server/demo/seed.js';

const LOTS = Number(process.env.BENCH_STOCKTAKE_LOTS ?? 5000);
const ROUNDS = 3;
const TRANSFER_LINES = 100;
const TRANSFERS = 20;

const logger = createLogger((process.env.BENCH_LOG as 'warn' | 'debug' | undefined) ?? 'warn');
const bench = await benchDatabase('moves', logger);
const { db } = bench;

try {
  const { shop, services, actor } = await benchShop(db, logger, 'BENCH');
  await seedDemo(services, shop, new Date(), actor);
  const products = (await services.catalog.searchProducts('', 500)).map((p) => p.id);
  const today = new Date().toISOString().slice(0, 10);
  // LOTS lots spread over the catalogue, received in slices as a big delivery would be.
  const perProduct = Math.ceil(LOTS / products.length);
  const wanted = Array.from({ length: LOTS }, (_, i) => ({
    productId: products[i % products.length]!, lotNumber: `INV-${Math.floor(i / products.length)}`, expirationDate: '2030-12-31',
    unitCost: 100 + (i % 50), quantity: 40 + (i % 20),
  }));
  for (let i = 0; i < wanted.length; i += 500) {
    await db.withTransaction((tx) => receiveUnits(tx, shop, wanted.slice(i, i + 500), { kind: 'receipt', reason: null, actor, now: new Date(), today }));
  }
  const sellable = (await services.catalog.searchProducts('', 500)).filter((p) => p.sellableQuantity > 0).map((p) => p.id);

  async function measure(name: string, iterations: number, fn: (i: number) => Promise<unknown>, warmup = 20) {
    for (let i = 0; i < warmup; i++) await fn(i);
    const times: number[] = [];
    for (let i = 0; i < iterations; i++) {
      const started = performance.now();
      await fn(i);
      times.push(performance.now() - started);
    }
    times.sort((x, y) => x - y);
    return { name, ms: times.reduce((s, t) => s + t, 0) / times.length, median: times[Math.floor(times.length / 2)]! };
  }

  const baseline = await measure('baseline: one-row write transaction', 400, () =>
    db.withTransaction((tx) => tx.exec('update receipt_counters set last_number = last_number where shop_id = $1', [shop.id])));
  const sale3 = await measure('sale, 3 lines', 200, (i) =>
    services.sales.recordSale(
      { lines: Array.from({ length: 3 }, (_, k) => ({ productId: sellable[(i + k * 7) % sellable.length]!, quantity: 1 })), payment: { method: 'card' } },
      actor,
    ));

  // A stocktake of the whole shop, every lot counted (one lot in ten one over, as a shop mostly finds what its ledger says), then « Clôturer »: finalising alone is timed.
  const finaliseOnly: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const { stocktake } = await services.stocktakes.open({}, actor);
    await db.withTransaction(async (tx) => {
      const hlc = await stampTransaction(tx, new Date());
      // Each count with the id its movement will take, as a count entered at a terminal has (UUID v7, as newId makes).
      const ids = Array.from({ length: stocktake.lines.length }, () => [newId(), newId()] as const);
      await tx.exec(
        `insert into stocktake_counts (id, stocktake_id, batch_id, counted_qty, ledger_qty, hlc, user_id, movement_id)
         select i.id, l.stocktake_id, l.batch_id, l.quantity + case when l.n % 10 = 0 then 1 else 0 end, l.quantity, $2, $3, i.movement_id
         from (select l.stocktake_id, l.batch_id, b.quantity, row_number() over (order by b.id) as n
               from stocktake_lines l join product_batches b on b.id = l.batch_id where l.stocktake_id = $1) l
         join unnest($4::uuid[], $5::uuid[]) with ordinality as i(id, movement_id, n) on i.n = l.n`,
        [stocktake.id, hlc, actor.id, ids.map((x) => x[0]), ids.map((x) => x[1])],
      );
    });
    const started = performance.now();
    await services.stocktakes.finalise(stocktake.id, {}, actor);
    finaliseOnly.push(performance.now() - started);
  }
  finaliseOnly.sort((x, y) => x - y);
  const finaliseMs = finaliseOnly[Math.floor(finaliseOnly.length / 2)]!;
  const lotsCounted = (await db.one<{ n: number }>('select count(*)::int as n from stocktake_lines where stocktake_id = (select id from stocktakes order by created_at desc limit 1)'))!.n;

  // Shipments from another shop of the chain, as head office routes them here, each of 100 lines; « Valider » with one line short.
  const from = { id: newId(), code: 'BENCHA', name: 'Bench A' };
  await upsertChainShop(db, from);
  const lots = await db.rows<{ id: string; productId: string; lotNumber: string; expirationDate: string }>(
    `select id, product_id, lot_number, to_char(expiration_date, 'YYYY-MM-DD') as expiration_date from product_batches where shop_id = $1 order by id limit $2`, [shop.id, TRANSFER_LINES]);
  const shipments: { id: string; lines: string[] }[] = [];
  for (let t = 0; t < TRANSFERS + 5; t++) {
    const id = newId();
    await db.withTransaction(async (tx) => {
      const hlc = await stampTransaction(tx, new Date());
      await insertTransferIfAbsent(tx, {
        id, shopId: from.id, shopCode: from.code, number: `TR-BENCHA-${t + 1}`, toShopId: shop.id, toShopCode: shop.code, status: 'shipped', reason: 'Bench',
        createdBy: null, createdByName: 'Bench', shippedAt: new Date(), cancelledAt: null, cancelOverruledAt: null, hlc, createdAt: new Date(),
      });
      const lines = lots.map((l, i) => ({
        id: newId(), transferId: id, lineNo: i + 1, batchId: newId(), productId: l.productId, productName: 'Produit',
        // Half the lines top up a lot this shop holds, half arrive as new lots.
        lotNumber: i % 2 === 0 ? l.lotNumber : `TR-${t}-${i}`, expirationDate: i % 2 === 0 ? l.expirationDate : '2030-12-31', unitCost: 120, quantity: 10,
      }));
      await insertLines(tx, lines);
      shipments.push({ id, lines: lines.map((l) => l.id) });
    });
  }
  const receive = await measure(`transfer of ${TRANSFER_LINES} lines, received`, TRANSFERS, (i) => {
    const s = shipments[i]!;
    return services.transfers.receive(s.id, { lines: s.lines.map((lineId, k) => ({ lineId, receivedQty: k === 0 ? 9 : 10, ...(k === 0 ? { note: 'Manque 1' } : {}) })) }, actor);
  }, 0);

  process.stdout.write(`\n${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length}, Node ${process.version}, ${perProduct} lots a product\n`);
  process.stdout.write(`${baseline.name}: ${baseline.ms.toFixed(2)} ms\n`);
  process.stdout.write(`${sale3.name}: ${sale3.ms.toFixed(2)} ms (${(sale3.ms / baseline.ms).toFixed(1)} × baseline)\n`);
  process.stdout.write(
    `stocktake of ${lotsCounted} lots, finalise alone: ${finaliseMs.toFixed(0)} ms (median of ${ROUNDS}; ${(finaliseMs / sale3.ms).toFixed(1)} × a 3-line sale, goal ≤ 20; ${(finaliseMs / baseline.ms).toFixed(0)} × baseline)\n`,
  );
  process.stdout.write(
    `${receive.name}: ${receive.ms.toFixed(1)} ms mean, ${receive.median.toFixed(1)} ms median (${(receive.median / sale3.ms).toFixed(1)} × a 3-line sale, ${(receive.median / baseline.ms).toFixed(0)} × baseline)\n`,
  );
} finally {
  await bench.stop();
}
