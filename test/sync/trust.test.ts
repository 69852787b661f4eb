import pg from 'pg';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeHlc } from '../../server/domain/hlc.js';
import { cashierActor, managerActor, seedBatch, seedProduct, testHq, testShop, type TestHq, type TestShop, pushBodyOf } from '../support/harness.js';

// Head office's clock is right; each shop's is whatever its test says.
const HQ_NOW = new Date('2026-11-26T10:00:00Z');
let hq: TestHq;
beforeAll(async () => {
  hq = await testHq({ now: HQ_NOW });
  await hq.listen();
});

async function connectedShop(code: string, now = HQ_NOW): Promise<TestShop & { token: string }> {
  const token = await hq.registerShop(code);
  return Object.assign(await testShop({ code, now, hq: { url: hq.url, token } }), { token });
}

type Conflict = { field: string | null; winner: string; reason: string; entityId: string; localValue: unknown; remoteValue: unknown };
const hqConflicts = async (entityId: string) =>
  (await hq.db.rows<Conflict>('select field, winner, reason, entity_id, local_value, remote_value from sync_conflicts where entity_id = $1', [entityId]));
const shopConflicts = async (shop: TestShop, entityId: string) =>
  shop.db.rows<Conflict>('select field, winner, reason, entity_id, local_value, remote_value from sync_conflicts where entity_id = $1', [entityId]);
const sell = (shop: TestShop, productId: string, quantity = 1, method: 'card' | 'cash' = 'card') =>
  shop.services.sales.recordSale({ lines: [{ productId, quantity }], payment: { method, ...(method === 'cash' ? { tendered: 100_000 } : {}) } }, cashierActor(shop));

const pushAs = (token: string, body: object) => request(hq.app).post('/api/sync/push').set('authorization', `Bearer ${token}`).send(body);

describe('1. a correction is never dropped without a trace', () => {
  it('brings head office’s corrections to a shop whose clock is a week ahead, and logs its far-ahead clocks', async () => {
    const shop = await connectedShop('AHD01', new Date('2026-12-03T10:00:00Z'));
    const p = await seedProduct(shop, { name: 'Amoxicilline 500', unitPrice: 2000 });
    const lot = await seedBatch(shop, { productId: p.id, lotNumber: 'AX-1', expirationDate: '2028-01-31', quantity: 30 });
    await shop.services.sync.runNow();
    expect(await hqConflicts(p.id)).toContainEqual(expect.objectContaining({ reason: 'clock_far_ahead', winner: 'held' }));

    await hq.admin('patch', `/api/batches/${lot.id}`).send({ expirationDate: '2027-12-31' }).expect(200);
    await hq.admin('patch', `/api/products/${p.id}`).send({ unitPrice: 2100 }).expect(200);
    await shop.services.sync.runNow();
    expect((await shop.services.stock.getBatch(lot.id)).expirationDate).toBe('2027-12-31');
    expect((await shop.services.catalog.getProduct(p.id)).unitPrice).toBe(2100);
    // The shop's later correction (stamped above what it replaces) wins again, everywhere, its clock bounded at head office.
    await shop.services.catalog.updateProduct(p.id, { unitPrice: 2050 }, managerActor(shop));
    await shop.services.sync.runNow();
    expect((await hq.admin('get', '/api/products').query({})).status).toBeLessThan(500);
    expect((await hq.db.one<{ unitPrice: number }>('select unit_price from products where id = $1', [p.id]))!.unitPrice).toBe(2050);
    expect((await shop.services.catalog.getProduct(p.id)).unitPrice).toBe(2050);
  });
});

describe('2. one shop token cannot take head office down', () => {
  it('accepts a full counter, refuses malformed and other-node clocks writing nothing (a change’s alone), and keeps serving', async () => {
    const shop = await connectedShop('OVF01');
    const p = await seedProduct(shop, {});
    const body = await pushBodyOf(shop);
    const full = { ...body, hlc: encodeHlc({ wall: HQ_NOW.getTime(), counter: 999_999, node: 'OVF01' }) };
    expect((await pushAs(shop.token, full)).status).toBe(200);

    const before = await hq.count('products');
    for (const hlc of ['001764151200000:1000000:OVF01', '001764151200000:000001:HQ', '001764151200000:000001:AHD01', '999999999999999:000000:OVF01']) {
      const res = await pushAs(shop.token, { ...body, hlc });
      expect(res.status).toBe(400);
      expect(res.body.error.message).toMatch(/^Horloge refusée|Données invalides|invalide/);
    }
    const otherNode = structuredClone(body);
    otherNode.changes[0]!.hlc = otherNode.changes[0]!.hlc.replace(/OVF01$/, 'HQ');
    const alone = await pushAs(shop.token, otherNode);
    expect(alone.status).toBe(200);
    expect(alone.body).toMatchObject({ acked: [], refused: [{ seq: otherNode.changes[0]!.seq, code: 'clock_invalid' }] });
    expect(await hq.count('products')).toBe(before);

    // Head office still answers everyone: pushes, pulls, edits, recalls.
    await shop.services.sync.runNow();
    await hq.admin('patch', `/api/products/${p.id}`).send({ name: 'Renommé au siège' }).expect(200);
    await hq.admin('post', '/api/recalls').send({ productId: p.id, lotNumber: 'Z1', reason: 'test' }).expect(201);
    await shop.services.sync.pullNow({ force: true });
    expect((await shop.services.catalog.getProduct(p.id)).name).toBe('Renommé au siège');
  });

  it('starts again from its wall when its stored clock no longer decodes', async () => {
    const shop = await connectedShop('OVF02');
    const saved = (await hq.db.one<{ last: string }>('select last from hlc_state'))!.last;
    await hq.db.exec(`update hlc_state set last = '001764151200000:1000000:HQ'`);
    try {
      await seedProduct(shop, {});
      await shop.services.sync.runNow();
      expect((await shop.services.sync.status()).pendingChanges).toBe(0);
      const now = (await hq.db.one<{ last: string }>('select last from hlc_state'))!.last;
      expect(now).toMatch(/^\d{15}:\d{6}:HQ$/);
    } finally {
      await hq.db.exec('update hlc_state set last = greatest(last, $1)', [saved]);
    }
  });
});

describe('3. no shop rewrites the chain’s catalogue with clocks it chooses', () => {
  it('keeps a price and a withdrawal pushed with clocks 23 hours ahead at that shop, as proposals head office refuses', async () => {
    const p = (await hq.admin('post', '/api/products').send({ sku: 'CHAIN-1', name: 'Sérum physiologique', unitPrice: 900 }).expect(201)).body;
    const rogue = await connectedShop('RGE01', new Date(HQ_NOW.getTime() + 23 * 3_600_000));
    const honest = await connectedShop('HON01');
    await rogue.services.sync.runNow();
    await honest.services.sync.runNow();
    await rogue.services.catalog.updateProduct(p.id, { unitPrice: 1, active: false }, managerActor(rogue));
    await rogue.services.sync.runNow();
    await honest.services.sync.runNow();
    expect(await hq.db.one('select unit_price, active from products where id = $1', [p.id])).toEqual({ unitPrice: 900, active: true });
    expect(await honest.services.catalog.getProduct(p.id)).toMatchObject({ unitPrice: 900, active: true });
    const proposals = (await hq.admin('get', '/api/catalogue/proposals').expect(200)).body.filter((x: { productId: string }) => x.productId === p.id);
    expect(proposals.map((x: { field: string; proposedValue: unknown }) => [x.field, x.proposedValue]).sort()).toEqual([['active', false], ['unitPrice', 1]]);

    for (const x of proposals) await hq.admin('post', `/api/catalogue/proposals/${x.id}/refuse`).expect(200);
    for (const s of [rogue, honest]) await s.services.sync.runNow();
    for (const s of [rogue, honest]) expect(await s.services.catalog.getProduct(p.id)).toMatchObject({ unitPrice: 900, active: true });
    expect(await hq.db.one('select unit_price, active from products where id = $1', [p.id])).toEqual({ unitPrice: 900, active: true });
  });
});

describe('4. head office restored from a backup keeps feeding its shops', () => {
  it('re-reads the feed from the start under a new epoch when head office’s transaction ids went back', async () => {
    const shop = await connectedShop('RST01');
    const p = await seedProduct(shop, {});
    await seedBatch(shop, { productId: p.id, lotNumber: 'RS-1', expirationDate: '2028-01-31', quantity: 5 });
    await shop.services.sync.runNow();
    const cursor = (await shop.db.one<{ pullCursor: string }>('select pull_cursor from sync_state'))!.pullCursor;
    expect(cursor).toMatch(/^[a-z0-9]+:\d+:\d+$/);
    // What a restore into a new cluster looks like: the feed holds xids the cluster has not reached, and so does the shop's cursor.
    await hq.db.exec(`update change_feed set xid = '90000000000'::xid8`);
    const [epoch, , id] = cursor.split(':');
    await shop.db.exec('update sync_state set pull_cursor = $1', [`${epoch}:90000000000:${id}`]);

    await hq.admin('post', '/api/recalls').send({ productId: p.id, lotNumber: 'RS-1', reason: 'Rappel après restauration' }).expect(201);
    await shop.services.sync.pullNow({ force: true });
    const lot = (await shop.services.stock.batchesOfProduct(p.id))[0]!;
    expect(lot).toMatchObject({ status: 'recalled', statusReason: 'Rappel après restauration' });
    expect((await shop.db.one<{ pullCursor: string }>('select pull_cursor from sync_state'))!.pullCursor.split(':')[0]).not.toBe(epoch);
  });

  it('serves a cursor of the old form (xid:id) from the start of the current epoch', async () => {
    const shop = await connectedShop('RST02');
    await shop.db.exec(`update sync_state set pull_cursor = '99999999:5'`);
    const p = (await hq.admin('post', '/api/products').send({ sku: 'OLD-CURSOR', name: 'Produit du siège', unitPrice: 10 }).expect(201)).body;
    await shop.services.sync.pullNow({ force: true });
    expect((await shop.services.catalog.getProduct(p.id)).name).toBe('Produit du siège');
  });
});

describe('5. a recall reaches every product with that GTIN', () => {
  it('stops lot L9 at both shops that created the same GTIN, and at a third shop whose twin arrives later', async () => {
    const gtin = '3400930000014';
    const a = await connectedShop('TWA01');
    const b = await connectedShop('TWB01');
    const pa = await seedProduct(a, { name: 'Ibuprofène 400', gtin });
    const pb = await seedProduct(b, { name: 'Ibuprofène 400 mg', gtin });
    await seedBatch(a, { productId: pa.id, lotNumber: 'L9', expirationDate: '2028-01-31', quantity: 10 });
    await seedBatch(b, { productId: pb.id, lotNumber: 'L9', expirationDate: '2028-01-31', quantity: 10 });
    await a.services.sync.runNow();
    await b.services.sync.runNow();

    const recall = await hq.admin('post', '/api/recalls').send({ productId: pa.id, lotNumber: 'L9', reason: 'Impureté détectée' }).expect(201);
    expect(recall.body.products.sort()).toEqual([pa.id, pb.id].sort());
    expect(recall.body.batchesRecalled).toBe(2);
    for (const s of [a, b]) await s.services.sync.runNow();
    expect((await a.services.stock.batchesOfProduct(pa.id))[0]!.status).toBe('recalled');
    expect((await b.services.stock.batchesOfProduct(pb.id))[0]!.status).toBe('recalled');

    // A third shop creates the same article later and receives lot L9: it is recalled at head office and at the shop.
    const c = await connectedShop('TWC01');
    const pc = await seedProduct(c, { name: 'Ibuprofène', gtin });
    await c.services.sync.runNow(); // its product reaches head office, inherits the recall, which flows back
    const lot = await seedBatch(c, { productId: pc.id, lotNumber: 'L9', expirationDate: '2028-01-31', quantity: 4 });
    expect(lot.status).toBe('recalled');
    await c.services.sync.runNow();
    expect((await hq.admin('get', `/api/batches/${lot.id}`)).body.status).toBe('recalled');
  });

  it('never leaves a lot active when its recall races the push that brings it', async () => {
    const shop = await connectedShop('RCE01');
    const p = await seedProduct(shop, {});
    await shop.services.sync.runNow();
    for (let i = 0; i < 8; i++) {
      const lotNumber = `RACE-${i}`;
      const lot = await seedBatch(shop, { productId: p.id, lotNumber, expirationDate: '2028-01-31', quantity: 3 });
      await Promise.all([
        shop.services.sync.pushNow({ force: true }),
        hq.admin('post', '/api/recalls').send({ productId: p.id, lotNumber, reason: 'course' }).expect(201),
      ]);
      await shop.services.sync.pushNow({ force: true });
      expect((await hq.admin('get', `/api/batches/${lot.id}`)).body.status).toBe('recalled');
    }
  });
});

describe('6. a refused change is set aside, never wedges the outbox', () => {
  it('sets aside a lot head office holds under another id, keeps the rest flowing, and lets a person retry or discard it', async () => {
    const shop = await connectedShop('WDG01');
    const p = await seedProduct(shop, {});
    const q = await seedProduct(shop, {});
    await seedBatch(shop, { productId: p.id, lotNumber: 'W-1', expirationDate: '2028-01-31', quantity: 10 });
    const other = await seedBatch(shop, { productId: q.id, lotNumber: 'Q-1', expirationDate: '2028-01-31', quantity: 10 });
    await shop.services.sync.runNow();
    // As after restoring an old backup: the lot is entered again under a new id.
    await shop.db.exec(`delete from sync_outbox`);
    await shop.db.exec(`update product_batches set lot_number = 'W-1-old' where lot_number = 'W-1'`);
    const again = await seedBatch(shop, { productId: p.id, lotNumber: 'W-1', expirationDate: '2028-01-31', quantity: 10 });
    await sell(shop, q.id, 2);
    const res = await shop.services.sync.runNow();
    expect(res.push).toMatchObject({ refused: 2 });

    const status = await shop.services.sync.status();
    expect(status).toMatchObject({ pendingChanges: 0, refusedChanges: 2 });
    expect(status.health).toBe('amber');
    const refused = await shop.services.sync.refused();
    expect(refused.map((r) => r.entity)).toEqual(['batch', 'movement']);
    expect(refused[0]!.reason).toMatch(/réinitialisez la boutique|Réinitialisez la boutique/);
    // The sale of the other product went through.
    expect((await hq.admin('get', `/api/batches/${other.id}`)).body.quantity).toBe(8);
    expect(await hq.db.one<{ n: number }>('select count(*)::int as n from hq_refusals where shop_id = $1', [shop.shop.id])).toEqual({ n: 2 });

    // Retried as it is, it is refused again; discarded, it is gone and logged.
    const manager = await shop.as('manager');
    expect((await manager.get('/api/sync/refused')).body).toHaveLength(2);
    await manager.post('/api/sync/refused/retry').send({}).expect(200);
    await shop.services.sync.runNow();
    expect((await shop.services.sync.refused()).length).toBe(2);
    const stillRefused = await shop.services.sync.refused();
    expect(stillRefused.map((r) => r.entityId)).toEqual(refused.map((r) => r.entityId));
    const discard = await manager.post('/api/sync/refused/discard').send({ seqs: stillRefused.map((r) => r.seq) });
    expect(discard.status).toBe(200);
    expect(discard.body.discarded).toBe(2);
    expect(await shop.services.sync.refused()).toEqual([]);
    expect(again.id).toBeDefined();
  });
});

describe('7. pull failures show, and a stuck push never blocks recalls', () => {
  it('pulls even when head office refuses the push, and reports push and pull apart', async () => {
    const shop = await connectedShop('STK01');
    const p = await seedProduct(shop, {});
    await seedBatch(shop, { productId: p.id, lotNumber: 'SK-1', expirationDate: '2028-01-31', quantity: 10 });
    await shop.services.sync.runNow();
    // A change head office will refuse as a whole request (a malformed row).
    await shop.db.exec(`insert into sync_outbox (entity, entity_id, op, payload, hlc) values ('product', $1, 'update', '{"id": "x"}', $2)`, [
      p.id, encodeHlc({ wall: HQ_NOW.getTime(), counter: 0, node: 'STK01' }),
    ]);
    await hq.admin('post', '/api/recalls').send({ productId: p.id, lotNumber: 'SK-1', reason: 'Rappel urgent' }).expect(201);
    await expect(shop.services.sync.runNow({ force: true })).rejects.toThrow();
    expect((await shop.services.stock.batchesOfProduct(p.id))[0]!.status).toBe('recalled');
    const status = await shop.services.sync.status();
    expect(status.push.error).toMatch(/^Le siège a refusé l’envoi \(400\)/);
    expect(status.pull.error).toBeNull();
    expect(status.pull.lastAt).not.toBeNull();

    // Now head office is gone: the pull's failure is its own, and is not wiped by anything but a successful pull.
    const lost = await testShop({ code: 'STK01', url: shop.url, hq: { url: 'http://127.0.0.1:9', token: shop.token } });
    await expect(lost.services.sync.pullNow({ force: true })).rejects.toThrow();
    expect((await lost.services.sync.status()).pull.error).toMatch(/^Siège injoignable/);
    const page = await (await lost.as('manager')).get('/parametres');
    expect(page.text).toContain('Siège injoignable');
  });
});

describe('8. shop codes', () => {
  it('refuses to register a shop under head office’s own code', async () => {
    const res = await hq.admin('post', '/api/shops').send({ code: 'HQ', name: 'Faux siège', timezone: 'Africa/Dakar' });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain('le code HQ est celui du siège');
  });
});

describe('9. the conflict log says what really competed, once', () => {
  it('logs nothing at other shops for a plain price edit, nothing for a replayed lot, and negative stock once', async () => {
    const a = await connectedShop('CLA01');
    const b = await connectedShop('CLB01');
    const p = await seedProduct(a, { unitPrice: 1000 });
    const lot = await seedBatch(a, { productId: p.id, lotNumber: 'CL-1', expirationDate: '2028-01-31', quantity: 3 });
    await a.services.sync.runNow();
    await b.services.sync.runNow();
    await a.services.catalog.updateProduct(p.id, { unitPrice: 1100 }, managerActor(a));
    await a.services.sync.runNow();
    await b.services.sync.runNow();
    expect((await b.services.catalog.getProduct(p.id)).unitPrice).toBe(1100);
    expect(await shopConflicts(b, p.id)).toEqual([]);
    expect(await shopConflicts(a, p.id)).toEqual([]);

    // The lot's creation replayed after an edit at head office: nothing competed.
    const body = await pushBodyOf(a).catch(() => undefined);
    expect(body).toBeUndefined(); // nothing waits
    await hq.admin('patch', `/api/batches/${lot.id}`).send({ unitCost: 300 }).expect(200);
    const insert = { seq: 1, entity: 'batch', id: lot.id, op: 'insert', hlc: encodeHlc({ wall: HQ_NOW.getTime() - 60_000, counter: 0, node: 'CLA01' }), data: { ...lot, shopId: a.shop.id } };
    const replay = await pushAs(a.token, { shopCode: 'CLA01', hlc: insert.hlc, changes: [insert] });
    expect(replay.status).toBe(200);
    expect(await hqConflicts(lot.id)).toEqual([]);

    // Two offline sales at head office's view drive the lot below zero: flagged once, not on every push.
    await a.db.exec(`update product_batches set quantity = 100 where id = $1`, [lot.id]);
    for (let i = 0; i < 3; i++) {
      await sell(a, p.id, 2);
      await a.services.sync.pushNow({ force: true });
    }
    expect((await hqConflicts(lot.id)).filter((c) => c.reason === 'negative_stock')).toHaveLength(1);
  });

  it('compares every field of a sale pushed again under the same id', async () => {
    const shop = await connectedShop('DUP01');
    const p = await seedProduct(shop, {});
    await seedBatch(shop, { productId: p.id, expirationDate: '2028-01-31', quantity: 5 });
    await sell(shop, p.id, 1, 'cash');
    const body = await pushBodyOf(shop);
    await shop.services.sync.pushNow();
    const sale = body.changes.find((c) => c.entity === 'sale')!;
    const tampered = { ...sale, data: { ...sale.data, paymentMethod: 'card', tendered: 1 } };
    expect((await pushAs(shop.token, { ...body, changes: [tampered] })).status).toBe(200);
    expect(await hqConflicts(sale.id)).toEqual([
      expect.objectContaining({ reason: 'duplicate_differs', field: 'tendered,paymentMethod', winner: 'local' }),
    ]);
    // Both sides' clocks are the sale's own: the one kept, the one pushed again.
    expect(await hq.db.one('select local_hlc, remote_hlc from sync_conflicts where entity_id = $1', [sale.id])).toEqual({ localHlc: sale.hlc, remoteHlc: sale.hlc });
    const logged = (await hq.admin('get', '/api/conflicts').query({ limit: 5000 })).body.find((c: { entityId: string }) => c.entityId === sale.id);
    expect(logged.message).toBe(
      'Vente : le même identifiant est arrivé une seconde fois avec d’autres valeurs (montant reçu, moyen de paiement) ; la première version est gardée '
        + '(montant reçu 100\u00a0000\u00a0FCFA, moyen de paiement Espèces), la seconde écartée (montant reçu 1\u00a0FCFA, moyen de paiement Carte bancaire).',
    );
  });
});

describe('10. a transaction left open at head office', () => {
  it('is ended by a timeout, and the feed reports how far it lags meanwhile', async () => {
    const shop = await connectedShop('IDL01');
    const url = (hq.db.pool as unknown as { options: { connectionString: string } }).options.connectionString;
    const idle = new pg.Client({ connectionString: url });
    await idle.connect();
    idle.on('error', () => undefined);
    // Comptoir's own sessions carry the timeout; the migration sets it on the database for every other session (psql…).
    expect(await hq.db.one('show idle_in_transaction_session_timeout')).toEqual({ idleInTransactionSessionTimeout: '2min' });
    await idle.query('begin');
    await idle.query('select pg_current_xact_id()');
    await new Promise((r) => setTimeout(r, 1100));
    const res = await request(hq.app).get('/api/sync/pull').set('authorization', `Bearer ${shop.token}`).query({ since: '0:0' });
    expect(res.status).toBe(200);
    expect(res.body.lag.oldestTransactionSeconds).toBeGreaterThanOrEqual(1);
    await idle.query('rollback');
    await idle.end();
  });
});

describe('11. the feed is served in transaction order, across digit boundaries', () => {
  it('serves xids 98 to 102 in numeric order with a page of two, skipping none', async () => {
    const shop = await connectedShop('XID01');
    await shop.services.sync.pullNow({ force: true });
    await hq.db.exec(`update change_feed set xid = '1'::xid8`);
    const ids: string[] = [];
    for (const xid of [102, 99, 100, 98, 101]) {
      const id = `01900000-0000-7000-8000-0000000${String(xid).padStart(5, '0')}`;
      ids.push(id);
      await hq.db.exec(
        `insert into change_feed (xid, entity, entity_id, payload, hlc) values ($1::text::xid8, 'product', $2, $3, '001764151200000:000000:HQ')`,
        [String(xid), id, JSON.stringify({ id, sku: `XID-${xid}`, gtin: null, name: `xid ${xid}`, unitPrice: 1, active: true, fieldClocks: {} })],
      );
    }
    await shop.db.exec(`update sync_state set pull_cursor = null`);
    const seen: number[] = [];
    let cursor = '0:0';
    // Under a loaded run head office may answer a page with nothing yet (its feed waits for older open transactions of
    // the cluster): ask again from the same cursor rather than stop; the order of what is served is what this checks.
    for (let i = 0; i < 60 && seen.length < 5; i++) {
      const res = await request(hq.app).get('/api/sync/pull').set('authorization', `Bearer ${shop.token}`).query({ since: cursor, limit: 2 });
      seen.push(...res.body.changes.filter((c: { data: { sku: string } }) => c.data.sku?.startsWith('XID-')).map((c: { data: { sku: string } }) => Number(c.data.sku.slice(4))));
      cursor = res.body.cursor ?? cursor;
      if (!res.body.hasMore) await new Promise((r) => setTimeout(r, 100));
    }
    expect(seen).toEqual([98, 99, 100, 101, 102]);
    for (const id of ids) expect(id).toMatch(/^01900000/);
  });
});
