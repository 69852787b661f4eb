import { beforeAll, describe, expect, it } from 'vitest';
import { COUNTS_PER_CHANGE } from '../../server/stocktakes/merge.js';
import { MAX_CHANGES_PER_PUSH } from '../../server/sync/service.js';
import { appendOutbox } from '../../server/outbox/queries.js';
import type { Movement } from '../../server/stock/queries.js';
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
    for (let p = 0; p < 26; p++) {
      const product = await seedProduct(shop, { sku: `BIG-${p}`, name: `Produit ${p}` });
      for (let l = 0; l < 100; l++) {
        lots.push((await seedBatch(shop, { productId: product.id, lotNumber: `L${p}-${l}`, expirationDate: '2029-06-30', quantity: 10 })).id);
      }
    }
    while ((await shop.services.sync.pushNow({ force: true })).sent > 0);
    expect(await shop.db.rows('select 1 from sync_outbox')).toHaveLength(0);

    // 520 lots counted (more than one change's worth of counts), the other 2 080 set to zero: 2 600 count movements in one transaction.
    const manager = await shop.as('manager');
    const st = (await manager.post('/api/stocktakes').send({}).expect(201)).body as { id: string };
    const counted = lots.slice(0, 520);
    for (const [i, batchId] of counted.entries()) await manager.post(`/api/stocktakes/${st.id}/counts`).send({ batchId, countedQty: i % 3 === 0 ? 9 : 10 }).expect(201);
    await manager.post(`/api/stocktakes/${st.id}/finalise`).send({ zeroUncounted: true }).expect(200);
    expect(await shop.db.rows("select 1 from stock_movements where kind = 'count' and reason is not null")).toHaveLength(2600);
    // The 520 counts' movements travel as the counts (head office writes them); the 2 080 lots set to zero, counted by no one, as movements.
    const outbox = await shop.db.rows<{ entity: string; n: number }>('select entity, count(*)::int as n from sync_outbox group by entity order by entity');
    expect(outbox).toEqual([
      { entity: 'movement', n: 2080 },
      { entity: 'stocktake', n: 1 },
      { entity: 'stocktake_counts', n: Math.ceil(2600 / COUNTS_PER_CHANGE) - 1 },
    ]);
    expect(2080).toBeGreaterThan(MAX_CHANGES_PER_PUSH);
    // « Clôturer » wrote no 2 600 counts out as JSON: each stocktake row names its slice, read from the counts when pushed.
    const biggest = await shop.db.one<{ n: number }>(`select max(octet_length(payload::text))::int as n from sync_outbox where entity like 'stocktake%'`);
    expect(biggest!.n).toBeLessThan(2000);

    // One push goes on until the outbox is empty: more than one request's worth, every change accepted.
    const r = await shop.services.sync.pushNow({ force: true });
    expect(r).toMatchObject({ sent: 2080 + Math.ceil(2600 / COUNTS_PER_CHANGE) });
    expect(r.refused ?? 0).toBe(0);
    expect(await shop.db.rows('select 1 from sync_outbox')).toHaveLength(0);
    expect(await shop.db.rows('select 1 from sync_refused')).toHaveLength(0);

    const atHq = async (sql: string) => (await hq.db.one<{ n: number }>(sql, [st.id]))!.n;
    expect(await atHq("select count(*)::int as n from stocktakes where id = $1 and status = 'finalised'")).toBe(1);
    expect(await atHq('select count(*)::int as n from stocktake_counts where stocktake_id = $1')).toBe(520);
    expect(await atHq('select count(*)::int as n from stocktake_lines where stocktake_id = $1')).toBe(2600);
    // Head office's lots say what the shop's say: 174 counted at 9, 346 at 10, the rest at zero.
    const quantities = async (db: TestShop['db'] | TestHq['db']) =>
      (await db.rows<{ quantity: number; n: number }>('select quantity, count(*)::int as n from product_batches where id = any($1::uuid[]) group by quantity order by quantity', [lots]));
    expect(await quantities(hq.db)).toEqual([{ quantity: 0, n: 2080 }, { quantity: 9, n: 174 }, { quantity: 10, n: 346 }]);
    expect(await quantities(hq.db)).toEqual(await quantities(shop.db));
    // The same ledger at both ends, movement for movement (id, clock, day and all): the nightly digest and a rebuild agree.
    const ledger = (db: TestShop['db'] | TestHq['db']) =>
      db.rows(`select id, batch_id, kind, delta, counted_qty, reason, user_id, hlc, created_at from stock_movements where batch_id = any($1::uuid[]) order by id`, [lots]);
    expect(await ledger(hq.db)).toEqual(await ledger(shop.db));

    // Head office restored from before the stocktake: one nightly run sends it again, in the same slices, and it is whole again.
    await hq.db.exec('delete from stocktake_counts where stocktake_id = $1', [st.id]);
    await hq.db.exec('delete from stocktake_lines where stocktake_id = $1', [st.id]);
    await hq.db.exec('delete from stocktakes where id = $1', [st.id]);
    const night = await shop.services.nightly.run();
    expect(night.resent).toMatchObject({ stocktake: 1 });
    expect(night.rowsRefused).toBe(0);
    expect(night.differing).toEqual([]);
    expect(await atHq('select count(*)::int as n from stocktake_counts where stocktake_id = $1')).toBe(520);
    expect(await atHq('select count(*)::int as n from stocktake_lines where stocktake_id = $1')).toBe(2600);
  });
});

describe('a stocktake from a shop older than head office writing its count movements', () => {
  /** A small stocktake finalised at the shop, its changes still in the outbox; the lots are head office's already. */
  async function finalised(tag: string) {
    const product = await seedProduct(shop, { sku: `OLD-${tag}`, name: `Ancien ${tag}` });
    const lots: string[] = [];
    for (let l = 0; l < 3; l++) lots.push((await seedBatch(shop, { productId: product.id, lotNumber: `${tag}-${l}`, expirationDate: '2029-06-30', quantity: 10 })).id);
    while ((await shop.services.sync.pushNow({ force: true })).sent > 0);
    const manager = await shop.as('manager');
    const st = (await manager.post('/api/stocktakes').send({ scope: { productIds: [product.id] } }).expect(201)).body as { id: string };
    for (const [i, batchId] of lots.entries()) await manager.post(`/api/stocktakes/${st.id}/counts`).send({ batchId, countedQty: 8 + i }).expect(201);
    await manager.post(`/api/stocktakes/${st.id}/finalise`).send({}).expect(200);
    const movements = await shop.db.rows<Movement>(
      `select id, shop_id, batch_id, kind, delta, counted_qty, reason, sale_item_id, user_id, hlc, created_at from stock_movements
       where kind = 'count' and batch_id = any($1::uuid[]) and reason is not null order by id`,
      [lots],
    );
    expect(movements).toHaveLength(3);
    /** The count movements as an older shop sent them: one change each. */
    const sendOneByOne = () => shop.db.withTransaction((tx) => appendOutbox(tx, movements.map((m) => ({ entity: 'movement', entityId: m.id, op: 'insert', payload: m, hlc: m.hlc }))));
    const ledger = (db: TestShop['db'] | TestHq['db']) =>
      db.rows(`select id, kind, delta, counted_qty, reason, user_id, hlc, created_at from stock_movements where batch_id = any($1::uuid[]) order by id`, [lots]);
    const quantities = (db: TestShop['db'] | TestHq['db']) => db.rows<{ id: string; quantity: number }>('select id, quantity from product_batches where id = any($1::uuid[]) order by id', [lots]);
    return { lots, sendOneByOne, ledger, quantities };
  }

  it('takes its count movements sent one by one, and the stocktake without them: one ledger at both ends', { timeout: 120_000 }, async () => {
    const s = await finalised('A');
    // What such a shop sent: no word that head office writes the movements, and the movements themselves.
    await shop.db.exec(`update sync_outbox set payload = payload - 'countMovements' where entity in ('stocktake', 'stocktake_counts')`);
    await s.sendOneByOne();
    const r = await shop.services.sync.pushNow({ force: true });
    expect(r.refused ?? 0).toBe(0);
    expect(await s.ledger(hq.db)).toEqual(await s.ledger(shop.db));
    expect((await s.quantities(hq.db)).map((q) => q.quantity)).toEqual([8, 9, 10]);
  });

  it('writes each count movement once when the counts and the movements both arrive, with nothing logged as differing', { timeout: 120_000 }, async () => {
    const s = await finalised('B');
    await s.sendOneByOne();
    const r = await shop.services.sync.pushNow({ force: true });
    expect(r.refused ?? 0).toBe(0);
    expect(await s.ledger(hq.db)).toEqual(await s.ledger(shop.db));
    expect(await hq.db.rows("select 1 from sync_conflicts where reason = 'duplicate_differs'")).toEqual([]);
    expect((await s.quantities(hq.db)).map((q) => q.quantity)).toEqual([8, 9, 10]);
    // Sent again (a replay), nothing changes.
    await s.sendOneByOne();
    await shop.services.sync.pushNow({ force: true });
    expect(await s.ledger(hq.db)).toEqual(await s.ledger(shop.db));
  });

  it('refuses a stocktake whose counts would become movements under another node\'s clock, and writes none of it', { timeout: 120_000 }, async () => {
    const s = await finalised('C');
    await shop.db.exec(`update stocktake_counts set hlc = regexp_replace(hlc, ':[A-Z0-9]+$', ':HQ') where batch_id = $1`, [s.lots[0]]);
    const r = await shop.services.sync.pushNow({ force: true });
    expect(r.refused ?? 0).toBeGreaterThan(0);
    expect((await s.ledger(hq.db)).filter((m) => (m as { kind: string }).kind === 'count')).toEqual([]);
    expect((await s.quantities(hq.db)).map((q) => q.quantity)).toEqual([10, 10, 10]);
  });
});
