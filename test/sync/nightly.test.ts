import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { scheduleDaily, NIGHTLY_CRON } from '../../jobs/index.js';
import { lastNightlySlot, nightlyDue, recentDays } from '../../server/domain/digest.js';
import { createLogger } from '../../server/logger.js';
import { hqService } from '../../server/hq/service.js';
import { cashierActor, seedBatch, seedProduct, testHq, testShop, type TestHq, type TestShop } from '../support/harness.js';

let hq: TestHq;
let shop: TestShop;
const DAY = 86_400_000;
const today = new Date();
const daysAgo = (n: number) => new Date(today.getTime() - n * DAY);

/** Head office's view of a shop against the shop's own: sales, lines, movements, and each lot's quantity. */
async function totals(db: TestShop['db'] | TestHq['db'], shopId: string) {
  return db.one<{ sales: number; total: number; items: number; movements: number; quantity: number }>(
    `select (select count(*)::int from sales where shop_id = $1) as sales,
       (select coalesce(sum(total), 0)::int from sales where shop_id = $1 and status = 'completed') as total,
       (select count(*)::int from sale_items i join sales s on s.id = i.sale_id where s.shop_id = $1) as items,
       (select count(*)::int from stock_movements where shop_id = $1) as movements,
       (select coalesce(sum(quantity), 0)::int from product_batches where shop_id = $1) as quantity`,
    [shopId],
  );
}

/** Removes rows behind the sync's back, as a faulty restore or a hand in the database would: triggers and keys off. */
async function deleteBehindTheBack(db: TestHq['db'], sql: string, params: unknown[]) {
  await db.withTransaction(async (tx) => {
    await tx.exec('set local session_replication_role = replica');
    await tx.exec(sql, params);
  });
}

beforeAll(async () => {
  hq = await testHq();
  await hq.listen();
  shop = await testShop({ code: 'NIT01', hq: { url: hq.url, token: await hq.registerShop('NIT01') } });
  const p = await seedProduct(shop, { name: 'Amoxicilline 500 mg', unitPrice: 2500 });
  await seedBatch(shop, { productId: p.id, lotNumber: 'AMX-1', expirationDate: '2030-01-31', quantity: 500 });
  for (const [ago, n] of [[5, 3], [3, 4], [1, 2]] as const) {
    shop.clock.set(daysAgo(ago));
    for (let i = 0; i < n; i++) {
      await shop.services.sales.recordSale({ lines: [{ productId: p.id, quantity: i + 1 }], payment: i % 2 ? { method: 'cash' } : { method: 'mobile_money', operator: 'wave', reference: `WV-${ago}-${i}` } }, cashierActor(shop));
    }
  }
  shop.clock.set(today);
  await shop.services.sync.pushNow({ force: true });
});

afterEach(() => {
  vi.useRealTimers();
});

describe('the nightly reconciliation', () => {
  it('finds nothing to resend when head office holds what the shop holds', async () => {
    const r = await shop.services.nightly.run();
    expect(r).toMatchObject({ daysChecked: 30, rowsResent: 0, mismatches: 0, error: null });
    expect(await totals(hq.db, shop.shop.id)).toEqual(await totals(shop.db, shop.shop.id));
  });

  it('finds the days head office lost behind the sync’s back, sends them again, and the totals match', async () => {
    const lost = await hq.db.one<{ id: string }>(
      `select id from sales where shop_id = $1 order by created_at limit 1 offset 4`, [shop.shop.id],
    );
    await deleteBehindTheBack(hq.db, `delete from stock_movements where sale_item_id in (select id from sale_items where sale_id = $1)`, [lost!.id]);
    await deleteBehindTheBack(hq.db, 'delete from sale_items where sale_id = $1', [lost!.id]);
    await deleteBehindTheBack(hq.db, 'delete from sales where id = $1', [lost!.id]);
    await deleteBehindTheBack(hq.db, `delete from stock_movements where id = (select id from stock_movements where shop_id = $1 and kind = 'receipt' limit 1)`, [shop.shop.id]);
    expect((await totals(hq.db, shop.shop.id))!.sales).toBe(8);

    const r = await shop.services.nightly.run();
    expect(r.rowsResent).toBeGreaterThan(0);
    expect(r.mismatches).toBe(0);
    const atHq = await totals(hq.db, shop.shop.id);
    expect(atHq).toEqual(await totals(shop.db, shop.shop.id));
    expect(atHq!.sales).toBe(9);
    // Head office's takings for the day are summed again from the sales.
    const takings = await hq.db.one<{ sales: number; total: number }>(
      'select sum(sales)::int as sales, sum(total)::int as total from hq_daily_takings where shop_id = $1', [shop.shop.id],
    );
    expect(takings).toEqual({ sales: 9, total: atHq!.total });
    // The result is kept at both ends, for Paramètres and Boutiques.
    expect((await shop.services.sync.status()).nightly).toMatchObject({ daysChecked: 30, mismatches: 0 });
    expect(await hq.db.one('select nightly_days_checked, nightly_mismatches, nightly_rows_resent > 0 as resent from hq_shop_sync where shop_id = $1', [shop.shop.id]))
      .toEqual({ nightlyDaysChecked: 30, nightlyMismatches: 0, resent: true });
  });

  it('sends again a sale whose outbox rows were lost at the shop', async () => {
    const p = await shop.db.one<{ id: string }>('select id from products limit 1');
    const sale = await shop.services.sales.recordSale({ lines: [{ productId: p!.id, quantity: 1 }], payment: { method: 'card' } }, cashierActor(shop));
    await shop.db.exec('delete from sync_outbox');
    const r = await shop.services.nightly.run();
    expect(r.rowsResent).toBeGreaterThan(0);
    expect(r.mismatches).toBe(0);
    expect(await hq.db.one('select number from sales where id = $1', [sale.id])).toEqual({ number: sale.number });
  });

  it('is idempotent: run again, it resends nothing', async () => {
    const before = await totals(hq.db, shop.shop.id);
    const r = await shop.services.nightly.run();
    expect(r).toMatchObject({ rowsResent: 0, mismatches: 0 });
    expect(await totals(hq.db, shop.shop.id)).toEqual(before);
  });
});

describe('the ledger check', () => {
  it('logs a lot whose quantity is not the sum of its movements at the shop, once, and corrects nothing', async () => {
    const lot = await shop.db.one<{ id: string; quantity: number }>('select id, quantity from product_batches limit 1');
    await shop.db.exec('update product_batches set quantity = quantity + 7 where id = $1', [lot!.id]);
    expect((await shop.services.nightly.localChecks()).ledgerDrift).toBe(1);
    await shop.services.nightly.localChecks();
    const logged = await shop.db.rows<{ localValue: number; remoteValue: number }>(
      `select local_value, remote_value from sync_conflicts where reason = 'ledger_drift' and entity_id = $1`, [lot!.id],
    );
    expect(logged).toEqual([{ localValue: lot!.quantity + 7, remoteValue: lot!.quantity }]);
    expect(await shop.db.one('select quantity from product_batches where id = $1', [lot!.id])).toEqual({ quantity: lot!.quantity + 7 });
    const text = (await shop.services.sync.conflicts(10)).find((c) => c.reason === 'ledger_drift')!.message;
    expect(text).toContain('n’est pas la somme de ses mouvements');
    await shop.db.exec('update product_batches set quantity = quantity - 7 where id = $1', [lot!.id]);
  });

  it('logs drift at head office too, naming the shop', async () => {
    const lot = await hq.db.one<{ id: string; quantity: number }>('select id, quantity from product_batches where shop_id = $1 limit 1', [shop.shop.id]);
    await hq.db.exec('update product_batches set quantity = quantity - 3 where id = $1', [lot!.id]);
    const checks = hqService({ db: hq.db, logger: createLogger('silent'), now: () => new Date() });
    expect(await checks.ledgerCheck()).toEqual({ drifted: 1, logged: 1 });
    expect(await hq.db.one(`select shop_id, local_node from sync_conflicts where reason = 'ledger_drift'`)).toEqual({ shopId: shop.shop.id, localNode: 'HQ' });
    await hq.db.exec('update product_batches set quantity = quantity + 3 where id = $1', [lot!.id]);
  });
});

describe('the expiry scan', () => {
  it('raises each level of a lot once: 90, 60 and 30 days, then expired with stock', async () => {
    const p = await seedProduct(shop, { name: 'Sirop bientôt périmé' });
    const lot = await seedBatch(shop, { productId: p.id, lotNumber: 'SOON', expirationDate: recentDays(new Date(today.getTime() + 45 * DAY), 'Africa/Dakar', 1)[0]!, quantity: 5 });
    await shop.services.nightly.localChecks();
    await shop.services.nightly.localChecks();
    expect(await shop.db.rows('select level from expiry_alerts where batch_id = $1', [lot.id])).toEqual([{ level: '60' }]);
    // The dashboard lists the week's alerts.
    expect((await shop.services.stock.recentExpiryAlerts()).find((a) => a.batchId === lot.id)).toMatchObject({ level: '60', lotNumber: 'SOON', quantity: 5 });
    const levels = async () => (await shop.db.rows<{ level: string }>('select level from expiry_alerts where batch_id = $1 order by level', [lot.id])).map((r) => r.level);
    shop.clock.set(new Date(today.getTime() + 20 * DAY));
    await shop.services.nightly.localChecks();
    expect(await levels()).toEqual(['30', '60']);
    shop.clock.set(new Date(today.getTime() + 50 * DAY));
    await shop.services.nightly.localChecks();
    shop.clock.set(today);
    expect(await levels()).toEqual(['30', '60', 'expired']);
  });
});

describe('the nightly schedule', () => {
  it('enqueues sync-nightly at 02:00 in the shop’s time zone, not before', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    // 01:59:00 in Abidjan (UTC+0) and 01:59:00 in Nairobi (UTC+3) are different instants.
    vi.setSystemTime(new Date('2026-11-26T22:59:00Z'));
    const fired: string[] = [];
    const nairobi = scheduleDaily(NIGHTLY_CRON, 'Africa/Nairobi', 'sync-nightly', async () => fired.push(new Date().toISOString()), createLogger('silent'));
    try {
      await vi.advanceTimersByTimeAsync(50_000);
      expect(fired).toEqual([]);
      await vi.advanceTimersByTimeAsync(20_000);
      expect(fired).toHaveLength(1);
      expect(fired[0]!.slice(0, 16)).toBe('2026-11-26T23:00');
    } finally {
      await nairobi.stop();
    }
  });

  it('runs a missed night at the next start', () => {
    const now = new Date('2026-11-26T09:00:00Z');
    expect(lastNightlySlot(now, 'Africa/Dakar').toISOString()).toBe('2026-11-26T02:00:00.000Z');
    expect(lastNightlySlot(new Date('2026-11-26T01:00:00Z'), 'Africa/Dakar').toISOString()).toBe('2026-11-25T02:00:00.000Z');
    expect(nightlyDue(now, 'Africa/Dakar', null)).toBe(true);
    expect(nightlyDue(now, 'Africa/Dakar', new Date('2026-11-25T02:01:00Z'))).toBe(true);
    expect(nightlyDue(now, 'Africa/Dakar', new Date('2026-11-26T02:00:30Z'))).toBe(false);
    expect(lastNightlySlot(now, 'Europe/Paris').toISOString()).toBe('2026-11-26T01:00:00.000Z');
  });
});
