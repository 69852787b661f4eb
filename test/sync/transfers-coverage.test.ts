import { beforeAll, describe, expect, it } from 'vitest';
import { dateInZone } from '../../server/domain/dates.js';
import { initFromHq } from '../../server/sync/rebuild.js';
import { copyOfDatabase, seedBatch, seedProduct, testHq, testShop, type TestHq, type TestShop } from '../support/harness.js';

// Issue 23: transfers, their receipts and finalised stocktakes are kept whole at head office by the nightly run, and come back to a rebuilt shop.
type Db = TestShop['db'] | TestHq['db'];

/** What of a shop's transfers, receipts and stocktakes one end holds: ids with what may change of them. */
async function documents(db: Db, shopId: string) {
  const keys = async (sql: string) => (await db.rows<{ k: string }>(sql, [shopId])).map((r) => r.k);
  return {
    sent: await keys(`select id || ':' || number || ':' || status as k from transfers where shop_id = $1 and shipped_at is not null order by id`),
    addressed: await keys(`select id || ':' || number || ':' || status as k from transfers where to_shop_id = $1 and shipped_at is not null order by id`),
    lines: await keys(`select l.id || ':' || l.quantity as k from transfer_lines l join transfers t on t.id = l.transfer_id
      where (t.shop_id = $1 or t.to_shop_id = $1) and t.shipped_at is not null order by l.id`),
    receipts: await keys(`select r.id || ':' || r.received_units || ':' || r.created_at as k from transfer_receipts r join transfers t on t.id = r.transfer_id
      where t.shop_id = $1 or t.to_shop_id = $1 order by r.id`),
    stocktakes: await keys(`select id || ':' || number || ':' || (summary->>'varianceValue') as k from stocktakes where shop_id = $1 and status = 'finalised' order by id`),
    counts: await keys(`select c.id || ':' || c.counted_qty || ':' || c.ledger_qty as k from stocktake_counts c join stocktakes s on s.id = c.stocktake_id
      where s.shop_id = $1 and s.status = 'finalised' and not c.superseded order by c.id`),
    snapshot: await keys(`select l.stocktake_id || ':' || l.batch_id || ':' || l.snapshot_qty as k from stocktake_lines l join stocktakes s on s.id = l.stocktake_id
      where s.shop_id = $1 and s.status = 'finalised' order by 1`),
    lots: await keys(`select id || ':' || quantity as k from product_batches where shop_id = $1 order by id`),
    movements: await keys(`select id || ':' || kind || ':' || delta as k from stock_movements where shop_id = $1 order by id`),
  };
}

let hq: TestHq;
let a: TestShop;
let b: TestShop;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  hq = await testHq();
  await hq.listen();
  tokens.MVA01 = await hq.registerShop('MVA01');
  tokens.MVB02 = await hq.registerShop('MVB02');
  a = await testShop({ code: 'MVA01', hq: { url: hq.url, token: tokens.MVA01 } });
  b = await testShop({ code: 'MVB02', hq: { url: hq.url, token: tokens.MVB02 } });
  for (const s of [a, b]) await s.services.sync.pullNow({ force: true });
}, 60_000);

async function draft(lines: { batchId: string; quantity: number }[]) {
  const res = await (await a.as('pharmacist')).post('/api/transfers').send({ toShop: 'MVB02', lines, reason: 'Rééquilibrage' });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; number: string; lines: { id: string; quantity: number }[] };
}
async function ship(lines: { batchId: string; quantity: number }[]) {
  const t = await draft(lines);
  await (await a.as('pharmacist')).post(`/api/transfers/${t.id}/ship`).expect(200);
  return t;
}
async function receive(t: { id: string; lines: { id: string; quantity: number }[] }, short = 0) {
  await b.services.sync.pullNow({ force: true });
  const lines = t.lines.map((l, i) => ({ lineId: l.id, receivedQty: i === 0 ? l.quantity - short : l.quantity }));
  const res = await (await b.as('pharmacist')).post(`/api/transfers/${t.id}/receive`).send({ lines });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}
async function stocktake(shop: TestShop, counts: { batchId: string; countedQty: number }[], end: 'cancel' | 'finalise' | 'zero' = 'finalise') {
  const manager = await shop.as('manager');
  const st = (await manager.post('/api/stocktakes').send({}).expect(201)).body as { id: string; number: string };
  for (const c of counts) await manager.post(`/api/stocktakes/${st.id}/counts`).send(c).expect(201);
  if (end === 'cancel') await manager.post(`/api/stocktakes/${st.id}/cancel`).expect(200);
  else await manager.post(`/api/stocktakes/${st.id}/finalise`).send({ zeroUncounted: end === 'zero' }).expect(200);
  return st;
}
const syncAll = async () => {
  for (const s of [a, b, a]) await s.services.sync.runNow({ force: true });
};

describe('transfers, receipts and stocktakes kept whole', () => {
  it('a head office restored from an older backup gets them back after one nightly run of each shop, and a shop rebuilt from it has them back, numbering continuing', { timeout: 240_000 }, async () => {
    // The first part happens two days ago: the nightly resends what differs by day, so only the last day's documents go again.
    const today = new Date();
    const setClocks = (at: Date) => {
      for (const c of [a.clock, b.clock, hq.clock]) c.set(at);
    };
    setClocks(new Date(`${dateInZone(new Date(today.getTime() - 2 * 86_400_000), 'Africa/Dakar')}T08:00:00Z`));
    const p = await seedProduct(a, { name: 'Métronidazole 250 mg', unitPrice: 900 });
    const l1 = await seedBatch(a, { productId: p.id, lotNumber: 'MET-1', expirationDate: '2027-04-30', quantity: 60 });
    const l2 = await seedBatch(a, { productId: p.id, lotNumber: 'MET-2', expirationDate: '2027-10-31', quantity: 40 });
    const l3 = await seedBatch(a, { productId: p.id, lotNumber: 'MET-3', expirationDate: '2028-01-31', quantity: 5 });
    await syncAll();

    // Before the backup: TR1 received one short, TR2 a draft dropped (its number taken, never travelling), TR3 shipped, a stocktake cancelled and one finalised.
    const t1 = await ship([{ batchId: l1.id, quantity: 10 }, { batchId: l2.id, quantity: 5 }]);
    await syncAll();
    await receive(t1, 1);
    const t2 = await draft([{ batchId: l2.id, quantity: 1 }]);
    await (await a.as('manager')).post(`/api/transfers/${t2.id}/cancel`).expect(200);
    const t3 = await ship([{ batchId: l2.id, quantity: 4 }]);
    await stocktake(a, [{ batchId: l1.id, countedQty: 40 }], 'cancel');
    const st2 = await stocktake(a, [{ batchId: l1.id, countedQty: 48 }, { batchId: l2.id, countedQty: 30 }]);
    await syncAll();
    expect([t1.number, t2.number, t3.number]).toEqual(['MVA01-TR00001', 'MVA01-TR00002', 'MVA01-TR00003']);
    const backup = await copyOfDatabase(hq.dbUrl);

    setClocks(today);
    // After it, today: TR3 cancelled, TR4 shipped and received, a stocktake at B, another at A (MET-3 not found: set to zero).
    await (await a.as('manager')).post(`/api/transfers/${t3.id}/cancel`).expect(200);
    const t4 = await ship([{ batchId: l1.id, quantity: 8 }, { batchId: l2.id, quantity: 3 }]);
    await syncAll();
    await receive(t4);
    await syncAll();
    const bLot = (await b.services.stock.batchesOfProduct(p.id))[0]!;
    const stB = await stocktake(b, [{ batchId: bLot.id, countedQty: bLot.quantity - 2 }]);
    const st4 = await stocktake(a, [{ batchId: l1.id, countedQty: 39 }, { batchId: l2.id, countedQty: 26 }], 'zero');
    await syncAll();
    for (const s of [a, b]) expect((await s.services.sync.status()).pendingChanges).toBe(0);
    const atA = await documents(a.db, a.shop.id);
    const atB = await documents(b.db, b.shop.id);
    expect(await documents(hq.db, a.shop.id)).toEqual(atA);
    expect(await documents(hq.db, b.shop.id)).toEqual(atB);
    expect(atA.sent).toHaveLength(3);
    expect(atA.stocktakes.map((s) => s.split(':')[1])).toEqual(expect.arrayContaining([st2.number, st4.number]));
    expect(st4.number).toBe('MVA01-INV0003');

    // Head office restored from the backup: TR3's cancel, TR4 and its receipt, the two last stocktakes are gone there.
    await hq.stop();
    const restored = await testHq({ url: backup });
    await restored.listen();
    const lost = await documents(restored.db, a.shop.id);
    expect(lost.sent).not.toEqual(atA.sent);
    expect(lost.stocktakes).toHaveLength(1);
    expect((await documents(restored.db, b.shop.id)).stocktakes).toHaveLength(0);

    // One nightly run of the sender, then of the receiver (its receipt names the sender's shipment).
    const a2 = await testShop({ code: 'MVA01', url: a.url, hq: { url: restored.url, token: tokens.MVA01! } });
    const b2 = await testShop({ code: 'MVB02', url: b.url, hq: { url: restored.url, token: tokens.MVB02! } });
    const ra = await a2.services.nightly.run();
    expect(ra).toMatchObject({ mismatches: 0, error: null, rowsRefused: 0 });
    // By day: TR4 and st4 of today, and the day TR3 was shipped (its cancel is missing), TR1 with it.
    expect(ra.resent).toMatchObject({ transfer: 3, stocktake: 1 });
    const rb = await b2.services.nightly.run();
    expect(rb).toMatchObject({ mismatches: 0, error: null, rowsRefused: 0 });
    expect(rb.resent).toMatchObject({ transfer_receipt: 1, stocktake: 1 });
    expect(await documents(restored.db, a.shop.id)).toEqual(atA);
    expect(await documents(restored.db, b.shop.id)).toEqual(atB);
    expect(await restored.count('hq_refusals')).toBe(0);
    // Paramètres says what was resent, in French.
    expect((await (await a2.as('manager')).get('/parametres')).text).toContain('3 transfert(s), 1 inventaire(s)');
    // Head office lists the stocktakes again with their variance, and what is in transit (nothing).
    const listed = (await restored.admin('get', '/api/stocktakes').expect(200)).body as { number: string }[];
    expect(listed.map((s) => s.number)).toEqual(expect.arrayContaining([st2.number, st4.number, stB.number]));
    const chain = (await restored.admin('get', '/api/transfers').expect(200)).body as { number: string; status: string; inTransitUnits: number }[];
    expect(chain.map((t) => [t.number, t.status, t.inTransitUnits]).sort()).toEqual([
      ['MVA01-TR00001', 'received', 0], ['MVA01-TR00003', 'cancelled', 0], ['MVA01-TR00004', 'received', 0],
    ]);
    // A second night finds nothing to send.
    expect(await a2.services.nightly.run()).toMatchObject({ rowsResent: 0, mismatches: 0 });
    expect(await b2.services.nightly.run()).toMatchObject({ rowsResent: 0, mismatches: 0 });

    // Both shops' SD cards die: rebuilt from that head office, each has its documents back.
    const a3 = await testShop({ code: 'MVA01', hq: { url: restored.url, token: tokens.MVA01! } });
    const b3 = await testShop({ code: 'MVB02', hq: { url: restored.url, token: tokens.MVB02! } });
    const rebuiltA = await initFromHq(a3.deps);
    expect(rebuiltA.drifted).toEqual([]);
    expect(rebuiltA.rows).toMatchObject({ transfers: 3, 'transfer-lines': 5, 'transfer-receipts': 2, stocktakes: 2 });
    await initFromHq(b3.deps);
    expect(await documents(a3.db, a.shop.id)).toEqual(atA);
    expect(await documents(b3.db, b.shop.id)).toEqual(atB);
    expect((await a3.services.sync.status()).pendingChanges).toBe(0);

    // What a person reads there: the received transfers with their difference, the stocktake's variance report.
    const seen = (await (await a3.as('cashier')).get(`/api/transfers/${t1.id}`).expect(200)).body;
    expect(seen).toMatchObject({ status: 'received', inTransitUnits: 0, receipt: { receivedUnits: 14 } });
    expect(seen.lines[0]).toMatchObject({ quantity: 10, receivedQty: 9, difference: -1 });
    const incoming = (await (await b3.as('cashier')).get('/api/transfers?direction=in').expect(200)).body as { number: string; status: string }[];
    expect(incoming.map((t) => [t.number, t.status]).sort()).toEqual([['MVA01-TR00001', 'received'], ['MVA01-TR00003', 'cancelled'], ['MVA01-TR00004', 'received']]);
    const before = (await (await a2.as('manager')).get(`/api/stocktakes/${st4.id}`).expect(200)).body;
    const after = (await (await a3.as('manager')).get(`/api/stocktakes/${st4.id}`).expect(200)).body;
    expect(after.totals).toEqual(before.totals);
    expect(after.lines.map((l: { lotNumber: string; counted: number | null }) => [l.lotNumber, l.counted]))
      .toEqual(before.lines.map((l: { lotNumber: string; counted: number | null }) => [l.lotNumber, l.counted]));
    expect(after.summary).toMatchObject({ lotsZeroed: 1 });

    // Numbering continues after the highest held: TR00005 (not the count's TR00004), INV0004 (not INV0003).
    const next = await (await a3.as('pharmacist')).post('/api/transfers').send({ toShop: 'MVB02', lines: [{ batchId: l1.id, quantity: 1 }] });
    expect(next.status, JSON.stringify(next.body)).toBe(201);
    expect(next.body.number).toBe('MVA01-TR00005');
    const again = await (await a3.as('manager')).post('/api/stocktakes').send({});
    expect(again.status, JSON.stringify(again.body)).toBe(201);
    expect(again.body.number).toBe('MVA01-INV0004');
  });
});
