import { beforeAll, describe, expect, it } from 'vitest';
import { dateInZone } from '../../server/domain/dates.js';
import { initFromHq } from '../../server/sync/rebuild.js';
import { copyOfDatabase, freshDatabase, seedProduct, testHq, testShop, type TestHq, type TestShop } from '../support/harness.js';
import { clocks } from '../support/till-day.js';

// Issue 21: the nightly digest, its resend and the rebuild cover purchase orders, deliveries and supplier returns.
const DAY = 86_400_000;
const today = new Date();
const dayAgo = (n: number) => dateInZone(new Date(today.getTime() - n * DAY), 'Africa/Dakar');
const actor = (t: TestShop) => ({ id: t.userIds.pharmacist, name: 'Test pharmacist', role: 'pharmacist' as const });

/** The shop's purchase documents as one end holds them: ids with what may change of them, lines included. */
async function documents(db: TestShop['db'] | TestHq['db'], shopId: string) {
  const keys = async (sql: string) => (await db.rows<{ k: string }>(sql, [shopId])).map((r) => r.k);
  return {
    orders: await keys(`select o.id || ':' || o.number || ':' || o.status || ':' || jsonb_array_length(o.history) as k from purchase_orders o
      where o.shop_id = $1 and o.status <> 'draft' order by o.id`),
    orderLines: await keys(`select l.id || ':' || l.quantity || ':' || l.received_qty as k from purchase_order_lines l join purchase_orders o on o.id = l.order_id
      where o.shop_id = $1 and o.status <> 'draft' order by l.id`),
    deliveries: await keys(`select d.id || ':' || d.number as k from deliveries d where d.shop_id = $1 and d.status = 'validated' order by d.id`),
    deliveryLines: await keys(`select l.id || ':' || l.quantity || ':' || l.batch_id || ':' || coalesce(l.pack_quantity, 0) as k from delivery_lines l
      join deliveries d on d.id = l.delivery_id where d.shop_id = $1 and d.status = 'validated' order by l.id`),
    returns: await keys(`select r.id || ':' || r.number || ':' || r.status || ':' || coalesce(r.credited_amount, -1) as k from supplier_returns r
      where r.shop_id = $1 and r.status <> 'draft' order by r.id`),
    returnLines: await keys(`select l.id || ':' || l.quantity || ':' || l.movement_id as k from supplier_return_lines l join supplier_returns r on r.id = l.return_id
      where r.shop_id = $1 and r.status <> 'draft' order by l.id`),
    lots: await keys(`select id || ':' || quantity as k from product_batches where shop_id = $1 order by id`),
    movements: await keys(`select id::text as k from stock_movements where shop_id = $1 order by id`),
  };
}

let first: TestHq;
let shop: TestShop;
let token: string;

beforeAll(async () => {
  first = await testHq();
  await first.listen();
  token = await first.registerShop('ACH01');
  shop = await testShop({ code: 'ACH01', hq: { url: first.url, token } });
}, 60_000);

/** A purchasing day: an order sent, received in part (one line in cartons), a return sent; on a later day the rest, credited. */
async function buyingDays() {
  const s = shop.services;
  const who = actor(shop);
  clocks(shop, first, dayAgo(4));
  const amox = (await seedProduct(shop, { name: 'Amoxicilline 500 mg', sku: 'AMX500' })).id;
  const carton = (await s.catalog.addPack(amox, { name: 'Carton de 10', units: 10, unitPrice: 24_000 }, { ...who, role: 'manager' })).pack.id;
  // A supplier made at the shop: after head office's restore it must go again before the documents that name it.
  const supplierId = (await s.suppliers.create({ name: 'Laborex Sénégal', leadTimeDays: 1 }, who)).supplier.id;
  const line = (lotNumber: string, quantity: number, more: Record<string, unknown> = {}) => ({
    productId: amox, lotNumber, expirationDate: '2030-06-30', quantity, freeQty: 0, unitCost: 1500, invoicedQty: null, purchaseOrderLineId: null, confirmShortDated: false, ...more,
  });
  const { order } = await s.purchaseOrders.create({ supplierId, note: null, lines: [{ productId: amox, quantity: 60, unitCost: 1500 }] }, who);
  await s.purchaseOrders.send(order.id, who);
  const { delivery } = await s.deliveries.create({ supplierId, purchaseOrderId: order.id, deliveryNote: 'BL-1', invoiceNumber: null, invoiceTotal: null, receivedDate: null, lines: [line('AMX-1', 2, { packId: carton })] }, who);
  const lot = (await s.deliveries.validate(delivery.id, { lines: [] }, who)).lots[0]!.batchId!;
  const { supplierReturn: early } = await s.supplierReturns.create({ supplierId, lines: [{ batchId: lot, quantity: 3, reason: 'damaged' }] }, who);
  await s.supplierReturns.validate(early.id, who);
  await s.sync.pushNow({ force: true });
  const backup = await copyOfDatabase(first.dbUrl);

  // Two days later: the rest of the order comes in (it is received), the early return is credited, another goes back.
  clocks(shop, first, dayAgo(2));
  const { delivery: rest } = await s.deliveries.create({ supplierId, purchaseOrderId: order.id, deliveryNote: 'BL-2', invoiceNumber: null, invoiceTotal: null, receivedDate: null, lines: [line('AMX-2', 40)] }, who);
  const lot2 = (await s.deliveries.validate(rest.id, { lines: [] }, who)).lots[0]!.batchId!;
  await s.supplierReturns.credit(early.id, { creditNoteNumber: 'AV-1', amount: 4500 }, who);
  const { supplierReturn: late } = await s.supplierReturns.create({ supplierId, lines: [{ batchId: lot2, quantity: 5, reason: 'wrong_delivery' }] }, who);
  await s.supplierReturns.validate(late.id, who);
  // A second supplier made after the backup: head office restored lacks it, the order naming it brings it first.
  const copharmed = (await s.suppliers.create({ name: 'Copharmed', leadTimeDays: 2 }, who)).supplier.id;
  const { order: second } = await s.purchaseOrders.create({ supplierId: copharmed, note: null, lines: [{ productId: amox, quantity: 30, unitCost: 1500 }] }, who);
  await s.purchaseOrders.send(second.id, who);
  await s.sync.pushNow({ force: true });
  shop.clock.set(today);
  first.clock.set(today);
  return { backup, supplierId };
}

describe('purchase documents covered by the nightly run and the rebuild', () => {
  let restored: TestHq;
  let supplierId: string;

  it('makes head office restored from an older backup whole after one nightly run: orders, deliveries, returns and their lines', { timeout: 120_000 }, async () => {
    const days = await buyingDays();
    supplierId = days.supplierId;
    expect((await shop.services.sync.status()).pendingChanges).toBe(0);
    const atShop = await documents(shop.db, shop.shop.id);
    expect(atShop.orders).toHaveLength(2);
    expect(atShop.deliveries).toHaveLength(2);
    expect(atShop.returns).toHaveLength(2);
    expect(await documents(first.db, shop.shop.id)).toEqual(atShop);

    await first.stop();
    restored = await testHq({ url: days.backup });
    await restored.listen();
    const before = await documents(restored.db, shop.shop.id);
    expect(before.deliveries).toHaveLength(1);
    expect(before.returns).toHaveLength(1);

    const again = await testShop({ code: 'ACH01', url: shop.url, hq: { url: restored.url, token } });
    const r = await again.services.nightly.run();
    expect(r).toMatchObject({ mismatches: 0, error: null, rowsRefused: 0 });
    // The older order goes again for its new state (received), the newer one whole; the early return for its credit note.
    // Both suppliers go as parents (head office ignores the one it holds), as products before their lots.
    expect(r.resent).toMatchObject({ supplier: 2, purchase_order: 2, delivery: 1, supplier_return: 2 });
    expect(await restored.db.one("select name, origin_shop_id from suppliers where name = 'Copharmed'")).toEqual({ name: 'Copharmed', originShopId: shop.shop.id });
    expect(await documents(restored.db, shop.shop.id)).toEqual(atShop);
    expect(await restored.db.one('select status from purchase_orders where id = (select id from purchase_orders where number = $1)', ['BC-ACH01-000001'])).toEqual({ status: 'received' });
    expect(await restored.count('hq_refusals')).toBe(0);
    expect((await again.services.sync.status()).refusedChanges).toBe(0);
    const page = await (await again.as('manager')).get('/parametres');
    expect(page.text).toMatch(/2 fournisseur\(s\).*2 commande\(s\) fournisseur, 1 réception\(s\), 2 retour\(s\) fournisseur/);

    // A second night finds nothing to resend.
    expect(await again.services.nightly.run()).toMatchObject({ rowsResent: 0, mismatches: 0 });
  });

  it('gives a shop rebuilt from head office its orders, deliveries and returns back, and its numbers continue', { timeout: 60_000 }, async () => {
    const { url } = await freshDatabase();
    const rebuilt = await testShop({ code: 'ACH01', url, hq: { url: restored.url, token } });
    const result = await initFromHq(rebuilt.deps);
    expect(result.rows).toMatchObject({ 'purchase-orders': 2, deliveries: 2, 'supplier-returns': 2 });
    expect(await documents(rebuilt.db, shop.shop.id)).toEqual(await documents(shop.db, shop.shop.id));
    // What a pharmacist sees: the documents, their lines in cartons, the credit note.
    const view = await rebuilt.services.deliveries.list();
    expect(view.map((d) => d.number).sort()).toEqual(['BR-ACH01-000001', 'BR-ACH01-000002']);
    const first = view.find((d) => d.number === 'BR-ACH01-000001')!;
    expect((await rebuilt.services.deliveries.view(first.id)).lines[0]).toMatchObject({ quantity: 20, packQuantity: 2, packName: 'Carton de 10' });
    expect((await rebuilt.services.supplierReturns.list()).map((r) => [r.number, r.status]).sort()).toEqual([['RF-ACH01-000001', 'credited'], ['RF-ACH01-000002', 'sent']]);
    // Nothing to send: every row is already at head office.
    expect((await rebuilt.services.sync.status()).pendingChanges).toBe(0);
    // The next documents follow the highest numbers.
    const who = { id: (await rebuilt.services.users.createUser({ name: 'Awa Diop', role: 'pharmacist', pin: '2222' })).id, name: 'Awa Diop', role: 'pharmacist' as const };
    const product = (await rebuilt.db.one<{ id: string }>("select id from products where sku = 'AMX500'"))!.id;
    const { order } = await rebuilt.services.purchaseOrders.create({ supplierId, note: null, lines: [{ productId: product, quantity: 5, unitCost: null }] }, who);
    expect(order.number).toBe('BC-ACH01-000003');
    // A rebuilt shop's nightly agrees with head office at once.
    expect(await rebuilt.services.nightly.run()).toMatchObject({ rowsResent: 0, mismatches: 0, rowsRefused: 0 });
  });
});
