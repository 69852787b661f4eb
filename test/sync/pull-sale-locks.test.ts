/**
 * A pull's page applied while the tills sell the products and lots it
 * touches. The link bench saw one sale in 1 145 refused for a deadlock
 * against a first pull: the page took each product's row FOR UPDATE in the
 * feed's order, and every price edit rewrote the unit pack's GTIN (a key),
 * while a sale's lines take their products' and packs' keys (the sale items'
 * foreign keys) in the sale's order, holding its lots; the page's lot edits
 * took lots in the feed's order, a sale in id order. Here eight tills
 * sell while head office's edits of the same products and lots are pulled,
 * and PostgreSQL itself says how many deadlocks it broke: none.
 */
import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { cashierActor, seedBatch, seedProduct, testHq, testShop, type TestHq, type TestShop } from '../support/harness.js';

const PRODUCTS = 16;
const TILLS = 8;
const ROUNDS = 6;

let hq: TestHq;
let shop: TestShop;
const products: { id: string; lotId: string }[] = [];

beforeAll(async () => {
  hq = await testHq();
  await hq.listen();
  shop = await testShop({ code: 'LCK01', poolSize: 12, hq: { url: hq.url, token: await hq.registerShop('LCK01') } });
  for (let i = 0; i < PRODUCTS; i++) {
    const p = await seedProduct(shop, { sku: `LCK-${i}`, name: `Produit ${i}`, unitPrice: 1000 });
    const lot = await seedBatch(shop, { productId: p.id, lotNumber: `L${i}`, expirationDate: '2029-06-30', quantity: 100_000 });
    products.push({ id: p.id, lotId: lot.id });
  }
  // Head office learns them; the first pull brings them back (head office's clocks), as a fresh shop's would.
  await shop.services.sync.runNow({ force: true });
  await shop.services.sync.runNow({ force: true });
}, 120_000);

async function deadlocksOf(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const res = await client.query<{ n: string }>('select deadlocks as n from pg_stat_database where datname = current_database()');
    return Number(res.rows[0]!.n);
  } finally {
    await client.end();
  }
}

describe('a pull applied while the tills sell the same products', () => {
  it('never meets a sale in a deadlock: every sale goes through, every edit arrives, the lots count what was sold', async () => {
    const before = await deadlocksOf(shop.url);
    const stockBefore = await shop.db.rows<{ id: string; quantity: number }>('select id, quantity from product_batches');
    let pulling = true;
    let sold = 0;
    const refused: string[] = [];
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const till = async () => {
      while (pulling) {
        // Four products in any order: the order the sale's lines take their products' keys.
        const lines = [...products].sort(() => random() - 0.5).slice(0, 4).map((p) => ({ productId: p.id, quantity: 1 }));
        try {
          await shop.services.sales.recordSale({ lines, payment: { method: 'card' } }, cashierActor(shop));
          sold++;
        } catch (err) {
          refused.push((err as Error).message);
        }
      }
    };
    const tills = Array.from({ length: TILLS }, till);
    let price = 1000;
    let applied = 0;
    for (let round = 0; round < ROUNDS; round++) {
      price += 5;
      // Head office edits every product's price and every lot's cost in an order of its own: the page applies them in it.
      for (const p of [...products].sort(() => random() - 0.5)) {
        await hq.admin('patch', `/api/products/${p.id}`).send({ unitPrice: price }).expect(200);
        await hq.admin('patch', `/api/batches/${p.lotId}`).send({ unitCost: price - 500 }).expect(200);
      }
      applied += (await shop.services.sync.pullNow({ force: true })).applied;
    }
    pulling = false;
    await Promise.all(tills);
    // Head office's feed shows a change once every older transaction of its cluster has ended: the last ones come now.
    await shop.services.sync.pullNow({ force: true });
    expect(applied).toBeGreaterThan(PRODUCTS * ROUNDS / 2);

    expect(refused).toEqual([]);
    expect(sold).toBeGreaterThan(0);
    const prices = await shop.db.rows<{ unitPrice: number }>('select distinct unit_price from products where id = any($1::uuid[])', [products.map((p) => p.id)]);
    expect(prices).toEqual([{ unitPrice: price }]);
    const costs = await shop.db.rows<{ unitCost: number }>('select distinct unit_cost from product_batches where id = any($1::uuid[])', [products.map((p) => p.lotId)]);
    expect(costs).toEqual([{ unitCost: price - 500 }]);
    const stockAfter = await shop.db.rows<{ id: string; quantity: number }>('select id, quantity from product_batches');
    const taken = stockBefore.reduce((n, b) => n + b.quantity, 0) - stockAfter.reduce((n, b) => n + b.quantity, 0);
    expect(taken).toBe(sold * 4);

    // A backend counts the deadlocks it was chosen for when it reports its statistics: at the latest when it ends.
    await shop.close();
    await new Promise((r) => setTimeout(r, 1500));
    expect(await deadlocksOf(shop.url)).toBe(before);
  }, 240_000);
});
