import { beforeAll, describe, expect, it } from 'vitest';
import { COUNTS_PER_CHANGE } from '../../server/stocktakes/merge.js';
import { MAX_CHANGES_PER_PUSH } from '../../server/sync/service.js';
import { seedBatch, seedProduct, testHq, testShop, type TestHq, type TestShop } from '../support/harness.js';

// Issue 23: a whole pharmacy's stocktake (thousands of lots) reaches head office. It used to travel as one change
// and one transaction of more than 2 000 changes, refused at every push, so the shop's sync stopped for good.
let hq: TestHq;
let shop: TestShop;

beforeAll(async () => {
  hq = await testHq();
  await hq.listen();
  const token = await hq.registerShop('BIGST');
  shop = await testShop({ code: 'BIGST', hq: { url: hq.url, token } });
  await shop.services.sync.pullNow({ force: true });
}, 60_000);

describe('a whole-shop stocktake of thousands of lots', () => {
  it('reaches head office whole, in pushes the shop and head office accept, and nothing is left behind', { timeout: 300_000 }, async () => {
    const lots: string[] = [];
    for (let p = 0; p < 21; p++) {
      const product = await seedProduct(shop, { sku: `BIG-${p}`, name: `Produit ${p}` });
      for (let l = 0; l < 100; l++) {
        lots.push((await seedBatch(shop, { productId: product.id, lotNumber: `L${p}-${l}`, expirationDate: '2029-06-30', quantity: 10 })).id);
      }
    }
    while ((await shop.services.sync.pushNow({ force: true })).sent > 0);
    expect(await shop.db.rows('select 1 from sync_outbox')).toHaveLength(0);

    // 520 lots counted (more than one change's worth of counts), the other 1 580 set to zero: 2 100 count movements in one transaction.
    const manager = await shop.as('manager');
    const st = (await manager.post('/api/stocktakes').send({}).expect(201)).body as { id: string };
    const counted = lots.slice(0, 520);
    for (const [i, batchId] of counted.entries()) await manager.post(`/api/stocktakes/${st.id}/counts`).send({ batchId, countedQty: i % 3 === 0 ? 9 : 10 }).expect(201);
    await manager.post(`/api/stocktakes/${st.id}/finalise`).send({ zeroUncounted: true }).expect(200);
    const outbox = await shop.db.rows<{ entity: string; n: number }>('select entity, count(*)::int as n from sync_outbox group by entity order by entity');
    expect(outbox).toEqual([
      { entity: 'movement', n: 2100 },
      { entity: 'stocktake', n: 1 },
      { entity: 'stocktake_counts', n: Math.ceil(2100 / COUNTS_PER_CHANGE) - 1 },
    ]);
    expect(2100).toBeGreaterThan(MAX_CHANGES_PER_PUSH);

    // One push goes on until the outbox is empty: more than one request's worth, every change accepted.
    const r = await shop.services.sync.pushNow({ force: true });
    expect(r).toMatchObject({ sent: 2100 + Math.ceil(2100 / COUNTS_PER_CHANGE) });
    expect(r.refused ?? 0).toBe(0);
    expect(await shop.db.rows('select 1 from sync_outbox')).toHaveLength(0);
    expect(await shop.db.rows('select 1 from sync_refused')).toHaveLength(0);

    const atHq = async (sql: string) => (await hq.db.one<{ n: number }>(sql, [st.id]))!.n;
    expect(await atHq("select count(*)::int as n from stocktakes where id = $1 and status = 'finalised'")).toBe(1);
    expect(await atHq('select count(*)::int as n from stocktake_counts where stocktake_id = $1')).toBe(520);
    expect(await atHq('select count(*)::int as n from stocktake_lines where stocktake_id = $1')).toBe(2100);
    // Head office's lots say what the shop's say: 174 counted at 9, 346 at 10, the rest at zero.
    const quantities = async (db: TestShop['db'] | TestHq['db']) =>
      (await db.rows<{ quantity: number; n: number }>('select quantity, count(*)::int as n from product_batches where id = any($1::uuid[]) group by quantity order by quantity', [lots]));
    expect(await quantities(hq.db)).toEqual([{ quantity: 0, n: 1580 }, { quantity: 9, n: 174 }, { quantity: 10, n: 346 }]);
    expect(await quantities(hq.db)).toEqual(await quantities(shop.db));

    // Head office restored from before the stocktake: one nightly run sends it again, in the same slices, and it is whole again.
    await hq.db.exec('delete from stocktake_counts where stocktake_id = $1', [st.id]);
    await hq.db.exec('delete from stocktake_lines where stocktake_id = $1', [st.id]);
    await hq.db.exec('delete from stocktakes where id = $1', [st.id]);
    const night = await shop.services.nightly.run();
    expect(night.resent).toMatchObject({ stocktake: 1 });
    expect(night.rowsRefused).toBe(0);
    expect(night.differing).toEqual([]);
    expect(await atHq('select count(*)::int as n from stocktake_counts where stocktake_id = $1')).toBe(520);
    expect(await atHq('select count(*)::int as n from stocktake_lines where stocktake_id = $1')).toBe(2100);
  });
});
