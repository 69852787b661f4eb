import { beforeAll, describe, expect, it } from 'vitest';
import { dateInZone } from '../../server/domain/dates.js';
import { copyOfDatabase, testHq, testShop, type TestHq, type TestShop } from '../support/harness.js';
import { clocks, tillDay } from '../support/till-day.js';

// Issue 24: head office restored from a backup taken two days earlier is made whole by one nightly run of each shop.
const DAY = 86_400_000;
const today = new Date();
const dayAgo = (n: number) => dateInZone(new Date(today.getTime() - n * DAY), 'Africa/Dakar');

/** Every row a shop owns, entity by entity, as one end holds it: ids with what may change of them. */
async function owned(db: TestShop['db'] | TestHq['db'], shopId: string) {
  const ids = async (sql: string) => (await db.rows<{ k: string }>(sql, [shopId])).map((r) => r.k);
  return {
    products: await ids('select id::text as k from products where origin_shop_id = $1 order by id'),
    lots: await ids(`select id || ':' || quantity as k from product_batches where shop_id = $1 order by id`),
    sessions: await ids(`select id || ':' || status || ':' || coalesce(z_number, '') as k from till_sessions where shop_id = $1 order by id`),
    sales: await ids(`select id || ':' || status as k from sales where shop_id = $1 order by id`),
    lines: await ids('select i.id::text as k from sale_items i join sales s on s.id = i.sale_id where s.shop_id = $1 order by i.id'),
    movements: await ids('select id::text as k from stock_movements where shop_id = $1 order by id'),
    returns: await ids('select id || \':\' || number as k from sale_returns where shop_id = $1 order by id'),
    cash: await ids('select id::text as k from cash_movements where shop_id = $1 order by id'),
  };
}

let first: TestHq;
let shop: TestShop;
let token: string;

beforeAll(async () => {
  first = await testHq();
  await first.listen();
  token = await first.registerShop('HQR01');
  shop = await testShop({ code: 'HQR01', hq: { url: first.url, token } });
}, 60_000);

describe('head office restored from a backup taken two days earlier', () => {
  it('is whole again after one nightly run: every entity equals what the shop holds, nothing set aside, the report names what was resent', { timeout: 180_000 }, async () => {
    let backup = '';
    for (const ago of [5, 4, 3, 2, 1]) {
      await tillDay(shop, clocks(shop, first, dayAgo(ago)));
      await shop.services.sync.pushNow({ force: true });
      if (ago === 3) backup = await copyOfDatabase(first.dbUrl);
    }
    shop.clock.set(today);
    first.clock.set(today);
    expect((await shop.services.sync.status()).pendingChanges).toBe(0);
    const atShop = await owned(shop.db, shop.shop.id);
    expect(await owned(first.db, shop.shop.id)).toEqual(atShop);

    // Head office is restored from the backup of three days ago: the last two days' products, lots, sessions, sales… are gone.
    await first.stop();
    const restored = await testHq({ url: backup });
    await restored.listen();
    const before = await owned(restored.db, shop.shop.id);
    expect(before.sales.length).toBeLessThan(atShop.sales.length);
    expect(before.products.length).toBeLessThan(atShop.products.length);
    expect(before.sessions.length).toBeLessThan(atShop.sessions.length);

    const again = await testShop({ code: 'HQR01', url: shop.url, hq: { url: restored.url, token } });
    const r = await again.services.nightly.run();
    expect(r).toMatchObject({ mismatches: 0, error: null, rowsRefused: 0 });
    // The two lost days' rows, and the parents they name (a stock movement made today names a lot of any day, and its product).
    expect(r.resent).toMatchObject({ till_session: 4, sale: 12, sale_return: 4, cash_movement: 4 });
    expect(r.resent.product).toBeGreaterThanOrEqual(6);
    expect(r.resent.batch).toBeGreaterThanOrEqual(6);

    expect(await owned(restored.db, shop.shop.id)).toEqual(atShop);
    expect(await restored.count('hq_refusals')).toBe(0);
    expect(await restored.count('hq_held_sales')).toBe(0);
    expect((await again.services.sync.status()).refusedChanges).toBe(0);
    // Paramètres and Boutiques say what was resent, per entity.
    const page = await (await again.as('manager')).get('/parametres');
    expect(page.text).toContain(`renvoyé : ${r.resent.product} produit(s), ${r.resent.batch} lot(s), 4 session(s) de caisse, 12 vente(s)`);
    const boutique = await restored.admin('get', '/api/shops');
    expect(boutique.status).toBe(200);
    expect(await restored.db.one('select nightly_resent from hq_shop_sync where shop_id = $1', [shop.shop.id])).toEqual({ nightlyResent: r.resent });

    // Head office's takings of those days are the shops' again.
    const takings = await restored.db.one<{ returns: number }>('select sum(returns)::int as returns from hq_daily_takings where shop_id = $1', [shop.shop.id]);
    expect(takings).toEqual({ returns: 10 });

    // A second night finds nothing to resend.
    expect(await again.services.nightly.run()).toMatchObject({ rowsResent: 0, mismatches: 0 });
  });
});
