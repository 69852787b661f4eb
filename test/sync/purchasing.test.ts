import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { initFromHq } from '../../server/sync/rebuild.js';
import { freshDatabase, pushBodyOf, seedProduct, testHq, testShop, type TestHq, type TestShop } from '../support/harness.js';

let hq: TestHq;
let shop: TestShop;
let other: TestShop;
const actor = (t: TestShop) => ({ id: t.userIds.pharmacist, name: 'Test pharmacist', role: 'pharmacist' as const });

beforeAll(async () => {
  hq = await testHq({ now: new Date('2026-11-26T10:00:00Z') });
  await hq.listen();
  shop = await testShop({ code: 'DKR01', now: new Date('2026-11-26T10:00:00Z'), hq: { url: hq.url, token: await hq.registerShop('DKR01') } });
  other = await testShop({ code: 'ABJ02', now: new Date('2026-11-26T10:00:00Z'), hq: { url: hq.url, token: await hq.registerShop('ABJ02') } });
});

const purchaseTables = ['suppliers', 'product_suppliers', 'purchase_orders', 'purchase_order_lines', 'deliveries', 'delivery_lines', 'supplier_returns', 'supplier_return_lines', 'product_batches', 'stock_movements'];
const hqCounts = async () => Object.fromEntries(await Promise.all(purchaseTables.map(async (t) => [t, await hq.count(t)] as const)));

describe('purchasing reaches head office once', () => {
  let supplierId: string;
  let productId: string;

  it('brings a supplier, its link, a sent order, a validated delivery and a credited return up, each once', async () => {
    const { services: s } = shop;
    productId = (await seedProduct(shop, { name: 'Amoxicilline 500 mg' })).id;
    supplierId = (await s.suppliers.create({ name: 'Laborex Sénégal', leadTimeDays: 1 }, actor(shop))).supplier.id;
    await s.suppliers.putLink(supplierId, productId, { packUnits: 10, supplierCode: 'AMX500' }, actor(shop));
    const { order } = await s.purchaseOrders.create({ supplierId, note: null, lines: [{ productId, quantity: 30, unitCost: 1500 }] }, actor(shop));
    await s.purchaseOrders.send(order.id, actor(shop));
    const { delivery } = await s.deliveries.create({
      supplierId, purchaseOrderId: order.id, deliveryNote: 'BL-1', invoiceNumber: null, invoiceTotal: null, receivedDate: null,
      lines: [{ productId, lotNumber: 'AMX-9', expirationDate: '2028-06-30', quantity: 20, freeQty: 0, unitCost: 1500, invoicedQty: null, purchaseOrderLineId: null, confirmShortDated: false }],
    }, actor(shop));
    const validated = await s.deliveries.validate(delivery.id, { lines: [] }, actor(shop));
    const batchId = validated.lots[0]!.batchId!;
    const { supplierReturn } = await s.supplierReturns.create({ supplierId, lines: [{ batchId, quantity: 2, reason: 'damaged' }] }, actor(shop));
    await s.supplierReturns.validate(supplierReturn.id, actor(shop));
    await s.supplierReturns.credit(supplierReturn.id, { creditNoteNumber: 'AV-77', amount: 3000 }, actor(shop));

    const body = await pushBodyOf(shop);
    await shop.services.sync.pushNow();
    expect((await shop.services.sync.status()).pendingChanges).toBe(0);
    expect(await shop.db.rows('select * from sync_refused')).toEqual([]);

    const atHq = await hq.db.one<{ status: string; received: number }>(
      'select o.status, l.received_qty as received from purchase_orders o join purchase_order_lines l on l.order_id = o.id where o.id = $1', [order.id]);
    expect(atHq).toEqual({ status: 'partially_received', received: 20 });
    const lot = await hq.db.one<{ quantity: number; unitCost: number; supplierId: string; purchaseOrderId: string }>(
      'select quantity, unit_cost, supplier_id, purchase_order_id from product_batches where id = $1', [batchId]);
    expect(lot).toEqual({ quantity: 18, unitCost: 1500, supplierId, purchaseOrderId: order.id });
    expect(await hq.db.one('select status, credit_note_number, credited_amount from supplier_returns where id = $1', [supplierReturn.id]))
      .toEqual({ status: 'credited', creditNoteNumber: 'AV-77', creditedAmount: 3000 });
    expect(await hq.db.one('select status, number from deliveries where id = $1', [delivery.id])).toEqual({ status: 'validated', number: 'BR-DKR01-000001' });

    // The same push again (a retry after a lost answer) changes nothing at head office.
    const before = await hqCounts();
    const again = await request(hq.app).post('/api/sync/push').set('authorization', `Bearer ${shop.deps.hq!.token}`).send(body);
    expect(again.status).toBe(200);
    expect(await hqCounts()).toEqual(before);
    expect((await hq.db.one<{ received: number }>('select received_qty as received from purchase_order_lines where order_id = $1', [order.id]))!.received).toBe(20);
  });

  it('feeds the shop’s supplier and link to the other shops', async () => {
    await other.services.sync.pullNow();
    expect(await other.db.one('select name, origin_shop_id from suppliers where id = $1', [supplierId])).toEqual({ name: 'Laborex Sénégal', originShopId: shop.shop.id });
    expect(await other.db.one('select pack_units, supplier_code from product_suppliers where supplier_id = $1', [supplierId])).toEqual({ packUnits: 10, supplierCode: 'AMX500' });
  });

  it('keeps another shop’s edit of that supplier at that shop: head office and the creator keep theirs', async () => {
    await other.services.suppliers.update(supplierId, { phone: '+225 01 02 03 04' }, actor(other));
    expect((await other.services.sync.status()).pendingChanges).toBe(0);
    expect((await hq.db.one<{ phone: string }>('select phone from suppliers where id = $1', [supplierId]))!.phone).toBe('');
  });

  it('takes the creator’s edit at head office and feeds it on', async () => {
    await shop.services.suppliers.update(supplierId, { leadTimeDays: 3 }, actor(shop));
    await shop.services.sync.pushNow();
    expect((await hq.db.one<{ leadTimeDays: number }>('select lead_time_days from suppliers where id = $1', [supplierId]))!.leadTimeDays).toBe(3);
    await other.services.sync.pullNow();
    expect(await other.db.one('select lead_time_days, phone from suppliers where id = $1', [supplierId])).toEqual({ leadTimeDays: 3, phone: '+225 01 02 03 04' });
  });

  it('refuses a shop pushing another shop’s delivery with 403, writing nothing', async () => {
    const body = { shopCode: 'ABJ02', hlc: '001790000000000:000000:ABJ02', changes: [] as unknown[] };
    const d = await shop.db.one<{ payload: unknown }>("select payload from sync_outbox limit 1");
    expect(d).toBeUndefined(); // all acknowledged: build the row from head office's copy
    const delivery = (await hq.db.one<{ id: string }>('select id from deliveries'))!;
    const lines = await hq.db.rows<Record<string, unknown>>('select id, line_no, product_id, purchase_order_line_id, lot_number, expiration_date::text, quantity, free_qty, unit_cost, invoiced_qty, confirm_short_dated, batch_id from delivery_lines');
    const head = (await hq.db.one<Record<string, unknown>>('select id, shop_id, number, supplier_id, purchase_order_id, delivery_note, invoice_number, invoice_total, status, received_date::text, created_by, validated_by, validated_by_name from deliveries where id = $1', [delivery.id]))!;
    const data = { ...head, id: randomUUID(), validatedAt: new Date().toISOString(), createdAt: new Date().toISOString(), lines: lines.map((l) => ({ ...l, id: randomUUID() })) };
    body.changes.push({ seq: 1, entity: 'delivery', id: data.id, op: 'insert', hlc: '001790000000000:000000:ABJ02', data });
    const before = await hqCounts();
    const res = await request(hq.app).post('/api/sync/push').set('authorization', `Bearer ${other.deps.hq!.token}`).send(body);
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('wrong_shop');
    expect(await hqCounts()).toEqual(before);
  });

  it('gives a shop rebuilt from head office the chain’s suppliers and links back, and its lots with their origin', async () => {
    const { url } = await freshDatabase();
    const rebuilt = await testShop({ code: 'DKR01', url, hq: shop.deps.hq! });
    await initFromHq(rebuilt.deps);
    expect(await rebuilt.db.one('select name, lead_time_days, origin_shop_id from suppliers where id = $1', [supplierId])).toEqual({ name: 'Laborex Sénégal', leadTimeDays: 3, originShopId: shop.shop.id });
    expect(await rebuilt.db.one('select pack_units from product_suppliers where supplier_id = $1', [supplierId])).toEqual({ packUnits: 10 });
    expect(await rebuilt.db.one("select supplier_id from product_batches where lot_number = 'AMX-9'")).toEqual({ supplierId });
  });
});
