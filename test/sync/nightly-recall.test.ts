import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { dateInZone } from '../../server/domain/dates.js';
import { encodeHlc } from '../../server/domain/hlc.js';
import { currentClock } from '../../server/outbox/clock.js';
import { movementsToResend } from '../../server/stock/reconcile.js';
import { repoRoot, tempDataDir } from '../support/process.js';
import { cashierActor, seedBatch, seedProduct, testHq, testShop, type TestHq, type TestShop } from '../support/harness.js';

// Issue 19, item 4: a lot head office recalled (or corrected) carries head office's clock at the shop; the nightly
// resends it, and neither that run nor the shop's next pushes may be refused for it.
let hq: TestHq;
let shop: TestShop;
let recalledLot: { id: string; productId: string };
let sellable: { productId: string };
const DAY = 86_400_000;
const today = new Date();

const sell = (productId: string, quantity = 1) =>
  shop.services.sales.recordSale({ lines: [{ productId, quantity }], payment: { method: 'card' } }, cashierActor(shop));

/** Removes rows behind the sync's back, as head office restored from an older backup would have lost them. */
async function loseAtHq(saleIds: readonly string[]) {
  await hq.db.withTransaction(async (tx) => {
    await tx.exec('set local session_replication_role = replica');
    await tx.exec('delete from stock_movements where sale_item_id in (select id from sale_items where sale_id = any($1::uuid[]))', [saleIds]);
    await tx.exec('delete from sale_items where sale_id = any($1::uuid[])', [saleIds]);
    await tx.exec('delete from sales where id = any($1::uuid[])', [saleIds]);
  });
}

const hqSales = async () => (await hq.db.one<{ n: number }>('select count(*)::int as n from sales where shop_id = $1', [shop.shop.id]))!.n;

beforeAll(async () => {
  hq = await testHq();
  await hq.listen();
  shop = await testShop({ code: 'RCL01', hq: { url: hq.url, token: await hq.registerShop('RCL01') } });
  const amox = await seedProduct(shop, { name: 'Amoxicilline 500 mg', unitPrice: 2500 });
  const lot = await seedBatch(shop, { productId: amox.id, lotNumber: 'AMX-9', expirationDate: '2030-01-31', quantity: 100 });
  recalledLot = { id: lot.id, productId: amox.id };
  const para = await seedProduct(shop, { name: 'Paracétamol 500 mg', unitPrice: 500 });
  await seedBatch(shop, { productId: para.id, lotNumber: 'PAR-1', expirationDate: '2030-01-31', quantity: 100 });
  sellable = { productId: para.id };
  shop.clock.set(new Date(today.getTime() - 2 * DAY));
  for (let i = 0; i < 3; i++) await sell(amox.id, i + 1);
  shop.clock.set(today);
  await shop.services.sync.runNow({ force: true });
});

describe('the nightly after head office recalled a lot', () => {
  it('exits cleanly, brings back two sales head office lost, and the shop’s next sales still reach head office', async () => {
    // Later than the lot's making, as a recall is: the lot then carries head office's clock at the shop.
    hq.clock.set(new Date(Date.now() + 60_000));
    await hq.admin('post', '/api/recalls').send({ productId: recalledLot.productId, lotNumber: 'AMX-9', reason: 'Contamination' }).expect(201);
    // Head office's feed serves what every transaction of its cluster has passed: under a loaded test run, pull again until it has.
    await expect.poll(async () => {
      await shop.services.sync.pullNow({ force: true });
      return (await shop.services.stock.getBatch(recalledLot.id)).status;
    }).toBe('recalled');
    expect((await shop.db.one<{ hlc: string }>('select hlc from product_batches where id = $1', [recalledLot.id]))!.hlc).toMatch(/:HQ$/);
    // What the nightly queues for that lot is the shop's own insert, under a clock of the shop's.
    const day = dateInZone(new Date(today.getTime() - 2 * DAY), shop.shop.timezone);
    const { lots } = await movementsToResend(shop.db, { shopId: shop.shop.id, timezone: shop.shop.timezone, day, node: 'RCL01', ownClock: await currentClock(shop.db) });
    expect(lots.get(recalledLot.id)!.hlc).toMatch(/:RCL01$/);

    const lost = await hq.db.rows<{ id: string }>('select id from sales where shop_id = $1 order by number limit 2', [shop.shop.id]);
    await loseAtHq(lost.map((s) => s.id));
    expect(await hqSales()).toBe(1);

    const r = await shop.services.nightly.run();
    expect(r).toMatchObject({ mismatches: 0, error: null });
    expect(r.rowsResent).toBeGreaterThan(0);
    expect(await hqSales()).toBe(3);
    expect(await hq.db.rows('select id from sales where id = any($1::uuid[]) order by id', [lost.map((s) => s.id)])).toHaveLength(2);
    // Nothing was refused or left behind, and the lot is still recalled at both ends.
    const status = await shop.services.sync.status();
    expect(status).toMatchObject({ pendingChanges: 0, refusedChanges: 0 });
    expect(await hq.db.one('select status from product_batches where id = $1', [recalledLot.id])).toEqual({ status: 'recalled' });

    const next = await sell(sellable.productId, 2);
    await shop.services.sync.pushNow({ force: true });
    expect(await hq.db.one('select number from sales where id = $1', [next.id])).toEqual({ number: next.number });
    expect((await shop.services.sync.status()).pendingChanges).toBe(0);
  });

  it('also survives a lot head office corrected (its expiry clock is head office’s)', async () => {
    const p = await seedProduct(shop, { name: 'Ibuprofène 400 mg', unitPrice: 900 });
    const lot = await seedBatch(shop, { productId: p.id, lotNumber: 'IBU-1', expirationDate: '2030-06-30', quantity: 20 });
    const sale = await sell(p.id, 3);
    await shop.services.sync.runNow({ force: true });
    hq.clock.set(new Date(Date.now() + 120_000));
    await hq.admin('patch', `/api/batches/${lot.id}`).send({ expirationDate: '2030-05-31' }).expect(200);
    await expect.poll(async () => {
      await shop.services.sync.pullNow({ force: true });
      return (await shop.services.stock.getBatch(lot.id)).expirationDate;
    }).toBe('2030-05-31');
    await loseAtHq([sale.id]);

    const r = await shop.services.nightly.run();
    expect(r).toMatchObject({ mismatches: 0, error: null });
    expect(await hq.db.one('select number from sales where id = $1', [sale.id])).toEqual({ number: sale.number });
    expect(await shop.services.sync.status()).toMatchObject({ pendingChanges: 0, refusedChanges: 0 });
    // Head office's correction stands.
    expect(await hq.db.one('select expiration_date::text as d from product_batches where id = $1', [lot.id])).toEqual({ d: '2030-05-31' });
  });

  it('unblocks an outbox already holding a resent lot under head office’s clock (queued by an earlier version)', async () => {
    // What the nightly of an earlier version queued: the lot as a replay under the clock head office stamped on it.
    const atShop = await shop.db.one<{ hlc: string }>('select hlc from product_batches where id = $1', [recalledLot.id]);
    expect(atShop!.hlc).toMatch(/:HQ$/);
    const payload = await shop.db.one<Record<string, unknown>>(
      `select id, shop_id, product_id, lot_number, to_char(expiration_date, 'YYYY-MM-DD') as expiration_date, initial_qty, unit_cost,
         to_char(received_date, 'YYYY-MM-DD') as received_date, status, status_reason, created_at from product_batches where id = $1`,
      [recalledLot.id],
    );
    await shop.db.withTransaction((tx) =>
      tx.exec(`insert into sync_outbox (entity, entity_id, op, payload, hlc) values ('batch', $1, 'insert', $2, $3)`, [recalledLot.id, JSON.stringify(payload), atShop!.hlc]),
    );
    const next = await sell(sellable.productId, 1);
    await shop.services.sync.pushNow({ force: true });
    expect(await shop.services.sync.status()).toMatchObject({ pendingChanges: 0, refusedChanges: 0, push: { error: null } });
    expect(await hq.db.one('select number from sales where id = $1', [next.id])).toEqual({ number: next.number });
  });

  it('refuses a change with another node’s clock alone: the shop sets it aside and its other changes flow', async () => {
    const next = await sell(sellable.productId, 1);
    // A poisoned row: a movement dated with another shop's clock, in a transaction of its own.
    const m = await shop.db.one<Record<string, unknown>>(
      `select id, shop_id, batch_id, kind, delta, counted_qty, reason, sale_item_id, user_id, hlc, created_at from stock_movements where kind = 'receipt' limit 1`,
    );
    const foreign = encodeHlc({ wall: Date.now(), counter: 0, node: 'OTHER1' });
    await shop.db.withTransaction((tx) =>
      tx.exec(`insert into sync_outbox (entity, entity_id, op, payload, hlc) values ('movement', $1, 'insert', $2, $3)`, [m!.id, JSON.stringify({ ...m, hlc: foreign }), foreign]),
    );
    const after = await sell(sellable.productId, 1);
    await shop.services.sync.pushNow({ force: true });
    const status = await shop.services.sync.status();
    expect(status).toMatchObject({ pendingChanges: 0, refusedChanges: 1, push: { error: null } });
    const [set] = await shop.services.sync.refused();
    expect(set).toMatchObject({ entity: 'movement', code: 'clock_invalid' });
    // Said in French, as what it is and when, in the shop's zone: never a raw id or an ISO timestamp.
    expect(set!.label).toMatch(/^Mouvement de stock \((réception|vente), -?\d+\) du lot (AMX-9 de Amoxicilline|PAR-1 de Paracétamol) 500 mg$/);
    expect(set!.refusedAtText).toMatch(/^\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}$/);
    const cli = spawnSync(process.execPath, ['bin/comptoir.js', 'sync', 'refused'], {
      cwd: repoRoot, encoding: 'utf8', timeout: 60_000,
      env: { ...process.env, DATABASE_URL: shop.url, SHOP_CODE: 'RCL01', DATA_DIR: tempDataDir('refused-'), TZ: 'Africa/Dakar', LOG_LEVEL: 'silent' },
    });
    expect(cli.stderr).toBe('');
    expect(cli.stdout).toContain(`n° ${set!.seq}  ${set!.label}, refusé le ${set!.refusedAtText} : Horloge refusée`);
    expect(cli.stdout).not.toMatch(/\d{4}-\d{2}-\d{2}T|[0-9a-f]{8}-[0-9a-f]{4}-/);
    const settings = await (await shop.as('manager')).get('/parametres').expect(200);
    expect(settings.text).toContain(`${set!.label} · `);
    expect(settings.text).toContain(`(${set!.refusedAtText})`);
    expect(await hq.db.rows('select number from sales where id = any($1::uuid[]) order by number', [[next.id, after.id]])).toHaveLength(2);
    // Set aside, it is not sent again by itself: the next push carries nothing.
    expect((await shop.services.sync.pushNow({ force: true })).sent).toBe(0);
    await shop.services.sync.discardRefused([(await shop.services.sync.refused())[0]!.seq], 'test');
  });
});
