import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { seedProduct, testShop, type TestShop } from '../support/harness.js';

// 26/11/2026 in Dakar; short-dated means expiring before 26/05/2027 (6 months).
let t: TestShop;
let amox: string;
let doli: string;
let supplierId: string;

const counts = async () => ({
  ...(await t.counts()),
  deliveries: (await t.db.one<{ n: number }>("select count(*)::int as n from deliveries where status = 'validated'"))!.n,
  links: (await t.db.one<{ n: number }>('select count(*)::int as n from product_suppliers'))!.n,
});

beforeAll(async () => {
  t = await testShop({ now: new Date('2026-11-26T10:00:00Z') });
  amox = (await seedProduct(t, { name: 'Amoxicilline 500 mg', unitPrice: 2500 })).id;
  doli = (await seedProduct(t, { name: 'Doliprane 1000 mg', unitPrice: 1200 })).id;
});

describe('suppliers', () => {
  it('creates a supplier once for one id, and queues it for head office', async () => {
    const ph = await t.as('pharmacist');
    const id = randomUUID();
    const body = { id, name: 'Laborex Sénégal', phone: '+221 33 889 00 00', taxId: '0012345 2G3', leadTimeDays: 2, deliveryDays: 'lun, mer, ven' };
    const first = await ph.post('/api/suppliers').send(body);
    const again = await ph.post('/api/suppliers').send(body);
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect(first.body).toMatchObject({ name: 'Laborex Sénégal', leadTimeDays: 2, active: true, originShopId: t.shop.id });
    const outbox = await t.db.rows<{ entity: string; op: string }>('select entity, op from sync_outbox where entity_id = $1', [id]);
    expect(outbox).toEqual([{ entity: 'supplier', op: 'insert' }]);
    supplierId = id;
  });

  it('links a product with its carton and the supplier’s code, and edits the link in place', async () => {
    const ph = await t.as('pharmacist');
    const res = await ph.put(`/api/suppliers/${supplierId}/products/${amox}`).send({ supplierCode: 'LBX-AMX500', packUnits: 10, preferred: true });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ supplierId, productId: amox, supplierCode: 'LBX-AMX500', packUnits: 10, preferred: true, lastCost: null });
    const edited = await ph.put(`/api/suppliers/${supplierId}/products/${amox}`).send({ packUnits: 12 });
    expect(edited.body).toMatchObject({ id: res.body.id, packUnits: 12, supplierCode: 'LBX-AMX500' });
    const detail = await ph.get(`/api/suppliers/${supplierId}`);
    expect(detail.body.products.map((p: { productName: string }) => p.productName)).toEqual(['Amoxicilline 500 mg']);
  });

  it('keeps a shop’s edit of a head-office supplier at the shop: nothing goes to the outbox', async () => {
    const hqSupplier = randomUUID();
    await t.db.exec(`insert into suppliers (id, name, origin_shop_id, hlc) values ($1, 'Copharmed', null, '000000000000001:000000:HQ')`, [hqSupplier]);
    const ph = await t.as('pharmacist');
    const res = await ph.patch(`/api/suppliers/${hqSupplier}`).send({ phone: '+225 27 20 00 00 00' });
    expect(res.status).toBe(200);
    expect(res.body.phone).toBe('+225 27 20 00 00 00');
    expect(await t.db.rows('select 1 from sync_outbox where entity_id = $1', [hqSupplier])).toEqual([]);
  });
});

describe('purchase orders', () => {
  let orderId: string;

  it('creates a draft with a number, replaces its lines while draft, and refuses once sent (409, nothing changed)', async () => {
    const ph = await t.as('pharmacist');
    const id = randomUUID();
    const created = await ph.post('/api/purchase-orders').send({ id, supplierId, lines: [{ productId: amox, quantity: 50, unitCost: 1800 }] });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: 'draft', number: 'BC-DKR01-000001' });
    expect((await ph.post('/api/purchase-orders').send({ id, supplierId, lines: [] })).status).toBe(200);
    const patched = await ph.patch(`/api/purchase-orders/${id}`).send({ lines: [{ productId: amox, quantity: 60, unitCost: 1800 }, { productId: doli, quantity: 20 }] });
    expect(patched.body.lines.map((l: { quantity: number }) => l.quantity)).toEqual([60, 20]);
    expect(await t.db.rows('select 1 from sync_outbox where entity_id = $1', [id])).toEqual([]); // a draft stays local
    const sent = await ph.post(`/api/purchase-orders/${id}/send`);
    expect(sent.body).toMatchObject({ status: 'sent', statusText: 'envoyée' });
    expect(sent.body.history.map((h: { status: string; userName: string }) => [h.status, h.userName])).toEqual([['draft', 'Test pharmacist'], ['sent', 'Test pharmacist']]);
    const refused = await ph.patch(`/api/purchase-orders/${id}`).send({ lines: [{ productId: amox, quantity: 1 }] });
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toMatch(/envoyée : ses lignes ne se modifient plus/);
    expect((await ph.get(`/api/purchase-orders/${id}`)).body.lines.map((l: { quantity: number }) => l.quantity)).toEqual([60, 20]);
    const outbox = await t.db.rows<{ entity: string; op: string; payload: { lines: unknown[] } }>('select entity, op, payload from sync_outbox where entity_id = $1', [id]);
    expect(outbox.map((o) => [o.entity, o.op, o.payload.lines.length])).toEqual([['purchase_order', 'insert', 2]]);
    orderId = id;
  });

  it('exports the order as CSV for the wholesaler’s portal, with its codes and cartons', async () => {
    const res = await (await t.as('pharmacist')).get(`/api/purchase-orders/${orderId}/order.csv`);
    expect(res.status).toBe(200);
    expect(res.headers['content-disposition']).toBe('attachment; filename="BC-DKR01-000001.csv"');
    const rows = res.text.replace(/^\uFEFF/, '').trim().split('\r\n');
    expect(rows[0]).toBe('Code fournisseur;GTIN;Référence;Désignation;Quantité (unités);Unités par carton;Cartons;Prix unitaire (FCFA)');
    expect(rows[1]).toMatch(/^LBX-AMX500;;SKU-[0-9a-f]+;Amoxicilline 500 mg;60;12;5;1800$/);
  });

  it('suggests what to order from the sales, the stock and what is on order, with its reason, in cartons', async () => {
    const ph = await t.as('pharmacist');
    const res = await ph.get(`/api/purchase-orders/suggestions?supplierId=${supplierId}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual([
      expect.objectContaining({ productId: amox, onHand: 0, onOrder: 60, soldInPeriod: 0, suggestedQty: 0, why: 'vendu 0 en 8 semaines, en stock 0, commandé 60 → 0' }),
    ]);
  });

  describe('receiving the order', () => {
    let deliveryId: string;
    let lineIds: string[];

    it('keeps a typed delivery as a draft, line by line, with nothing in stock yet', async () => {
      const ph = await t.as('pharmacist');
      const before = await counts();
      const order = (await ph.get(`/api/purchase-orders/${orderId}`)).body;
      const res = await ph.post('/api/deliveries').send({
        supplierId, purchaseOrderId: orderId, deliveryNote: 'BL-7781', invoiceNumber: 'F-2026-1190', invoiceTotal: 72_000,
        lines: [{ productId: amox, lotNumber: 'AMX-01', expirationDate: '2028-03-31', quantity: 40, unitCost: 1800, purchaseOrderLineId: order.lines[0].id }],
      });
      expect(res.status).toBe(201);
      expect(res.body.status).toBe('draft');
      const line = await ph.post(`/api/deliveries/${res.body.id}/lines`).send({ productId: doli, lotNumber: 'DOL-9', expirationDate: '2027-02-28', quantity: 20, freeQty: 2, unitCost: 700 });
      expect(line.status).toBe(201);
      expect(line.body.lines).toHaveLength(2);
      const after = await counts();
      expect([after.product_batches, after.stock_movements]).toEqual([before.product_batches, before.stock_movements]);
      deliveryId = res.body.id;
      lineIds = line.body.lines.map((l: { id: string }) => l.id);
    });

    it('refuses a short-dated lot until a pharmacist confirms it (422 short_dated), and writes nothing', async () => {
      const ph = await t.as('pharmacist');
      const before = await counts();
      const res = await ph.post(`/api/deliveries/${deliveryId}/validate`).send({});
      expect(res.status).toBe(422);
      expect(res.body.error.code).toBe('short_dated');
      expect(res.body.error.message).toBe('Ligne 2 : le lot DOL-9 expire le 28/02/2027, dans moins de 6 mois ; un pharmacien doit confirmer cette date courte.');
      expect(await counts()).toEqual(before);
    });

    it('validates into lots with their cost, supplier and order, receipt movements, last costs and received quantities, once', async () => {
      const ph = await t.as('pharmacist');
      const body = { lines: [{ id: lineIds[1], confirmShortDated: true }] };
      const [a, b] = await Promise.all([ph.post(`/api/deliveries/${deliveryId}/validate`).send(body), ph.post(`/api/deliveries/${deliveryId}/validate`).send(body)]);
      expect([a.status, b.status]).toEqual([200, 200]);
      expect(a.body.status).toBe('validated');
      expect(a.body.number).toBe('BR-DKR01-000001');
      expect(a.body.lots).toHaveLength(2);
      const lots = await t.db.rows<{ lotNumber: string; quantity: number; unitCost: number; supplierId: string; purchaseOrderId: string }>(
        'select lot_number, quantity, unit_cost, supplier_id, purchase_order_id from product_batches order by lot_number');
      expect(lots).toEqual([
        { lotNumber: 'AMX-01', quantity: 40, unitCost: 1800, supplierId, purchaseOrderId: orderId },
        // 18 paid at 700 and 2 free: the lot costs 630 a unit
        { lotNumber: 'DOL-9', quantity: 20, unitCost: 630, supplierId, purchaseOrderId: orderId },
      ]);
      expect((await t.db.rows("select 1 from stock_movements where kind = 'receipt'")).length).toBe(2);
      const order = (await ph.get(`/api/purchase-orders/${orderId}`)).body;
      expect(order.status).toBe('partially_received');
      expect(order.lines.map((l: { receivedQty: number; openQty: number }) => [l.receivedQty, l.openQty])).toEqual([[40, 20], [20, 0]]);
      const link = await t.db.one<{ lastCost: number; lastCostDate: string }>('select last_cost, last_cost_date from product_suppliers where product_id = $1', [amox]);
      expect(link).toEqual({ lastCost: 1800, lastCostDate: '2026-11-26' });
      const outbox = await t.db.rows<{ entity: string; op: string }>(
        `select entity, op from sync_outbox where entity in ('batch', 'movement', 'delivery', 'purchase_order') and seq > (select min(seq) from sync_outbox where entity = 'batch') order by seq`);
      expect(outbox.filter((o) => o.entity === 'delivery')).toEqual([{ entity: 'delivery', op: 'insert' }]);
      expect(outbox.filter((o) => o.entity === 'purchase_order')).toEqual([{ entity: 'purchase_order', op: 'update' }]);
    });

    it('answers a validated delivery again with 200 and writes nothing', async () => {
      const ph = await t.as('pharmacist');
      const before = await counts();
      const res = await ph.post(`/api/deliveries/${deliveryId}/validate`).send({});
      expect(res.status).toBe(200);
      expect(await counts()).toEqual(before);
    });

    it('shows the discrepancy sheet: ordered, received, invoiced and what is missing', async () => {
      const ph = await t.as('pharmacist');
      const d = (await ph.get(`/api/deliveries/${deliveryId}`)).body;
      expect(d.discrepancies.rows.map((r: { orderedQty: number; receivedQty: number; invoicedQty: number; receivedValue: number }) => [r.orderedQty, r.receivedQty, r.invoicedQty, r.receivedValue]))
        .toEqual([[60, 40, 40, 72_000], [20, 20, 18, 12_600]]);
      expect(d.discrepancies.invoiceGap).toBe(72_000 - 84_600);
    });

    it('averages a lot’s cost over its receipts when the same lot comes again', async () => {
      const ph = await t.as('pharmacist');
      const res = await ph.post('/api/deliveries').send({
        supplierId, purchaseOrderId: orderId, lines: [{ productId: amox, lotNumber: 'AMX-01', expirationDate: '2028-03-31', quantity: 20, unitCost: 2100 }],
      });
      const v = await ph.post(`/api/deliveries/${res.body.id}/validate`).send({});
      expect(v.status).toBe(200);
      const lot = await t.db.one<{ quantity: number; unitCost: number }>("select quantity, unit_cost from product_batches where lot_number = 'AMX-01'");
      expect(lot).toEqual({ quantity: 60, unitCost: 1900 }); // (40 × 1800 + 20 × 2100) / 60
      expect((await ph.get(`/api/purchase-orders/${orderId}`)).body.status).toBe('received');
    });
  });
});

describe('refusals write nothing', () => {
  const draftWith = async (line: Record<string, unknown>) => {
    const ph = await t.as('pharmacist');
    return (await ph.post('/api/deliveries').send({ supplierId, lines: [{ productId: amox, quantity: 5, unitCost: 1000, ...line }] })).body.id as string;
  };

  it('refuses an expired lot', async () => {
    const id = await draftWith({ lotNumber: 'OLD-1', expirationDate: '2026-10-31' });
    const before = await counts();
    const res = await (await t.as('pharmacist')).post(`/api/deliveries/${id}/validate`).send({});
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ code: 'expired_lot', message: 'Ligne 1 : le lot OLD-1 est périmé (31/10/2026) ; il ne peut pas être reçu.' });
    expect(await counts()).toEqual(before);
  });

  it('refuses a lot number already held with another expiry', async () => {
    const id = await draftWith({ lotNumber: 'AMX-01', expirationDate: '2029-01-31' });
    const before = await counts();
    const res = await (await t.as('pharmacist')).post(`/api/deliveries/${id}/validate`).send({});
    expect(res.status).toBe(409);
    expect(res.body.error.message).toBe('Ligne 1 : le lot AMX-01 est déjà en stock avec la péremption 31/03/2028 (et non 31/01/2029). Corrigez la ligne.');
    expect(await counts()).toEqual(before);
  });

  it('refuses a negative quantity at the edge', async () => {
    const before = await counts();
    const res = await (await t.as('pharmacist')).post('/api/deliveries').send({ supplierId, lines: [{ productId: amox, lotNumber: 'X', expirationDate: '2028-01-31', quantity: -3, unitCost: 10 }] });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/lines\[0\]\.quantity/);
    expect(await counts()).toEqual(before);
  });

  it('refuses a cashier’s confirmation of a short-dated lot', async () => {
    const id = await draftWith({ lotNumber: 'SHORT-1', expirationDate: '2027-01-31', confirmShortDated: true });
    const before = await counts();
    const cashier = await t.as('cashier');
    const res = await cashier.post(`/api/deliveries/${id}/validate`).send({});
    expect(res.status).toBe(403);
    expect(await counts()).toEqual(before);
  });
});

describe('supplier returns', () => {
  it('refuses returning more than a lot holds, and writes nothing', async () => {
    const lot = (await t.db.one<{ id: string }>("select id from product_batches where lot_number = 'DOL-9'"))!;
    const before = await counts();
    const res = await (await t.as('pharmacist')).post('/api/supplier-returns').send({ supplierId, lines: [{ batchId: lot.id, quantity: 21, reason: 'damaged' }] });
    expect(res.status).toBe(422);
    expect(res.body.error.message).toBe('Ligne 1 : le lot DOL-9 n’a que 20 unité(s) en stock.');
    expect(await counts()).toEqual(before);
  });

  it('takes the units out by supplier_return movements, expects the credit at cost, then records the credit note', async () => {
    const ph = await t.as('pharmacist');
    const lot = (await t.db.one<{ id: string }>("select id from product_batches where lot_number = 'DOL-9'"))!;
    const id = randomUUID();
    const created = await ph.post('/api/supplier-returns').send({ id, supplierId, lines: [{ batchId: lot.id, quantity: 5, reason: 'damaged' }] });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: 'draft', expectedCredit: 3150 });
    const [v1, v2] = await Promise.all([ph.post(`/api/supplier-returns/${id}/validate`), ph.post(`/api/supplier-returns/${id}/validate`)]);
    expect([v1.status, v2.status]).toEqual([200, 200]);
    expect(v1.body).toMatchObject({ status: 'sent', number: 'RF-DKR01-000001', statusText: 'envoyé' });
    expect(await t.db.rows("select delta from stock_movements where kind = 'supplier_return'")).toEqual([{ delta: -5 }]);
    expect((await t.db.one<{ quantity: number }>('select quantity from product_batches where id = $1', [lot.id]))!.quantity).toBe(15);
    const credited = await ph.post(`/api/supplier-returns/${id}/credit`).send({ creditNoteNumber: 'AV-LBX-5521', amount: 3150 });
    expect(credited.body).toMatchObject({ status: 'credited', creditNoteNumber: 'AV-LBX-5521', creditedAmount: 3150 });
    const outbox = await t.db.rows<{ op: string }>("select op from sync_outbox where entity = 'supplier_return' order by seq");
    expect(outbox.map((o) => o.op)).toEqual(['insert', 'update']);
  });
});

describe('Paramètres', () => {
  it('sets the weeks of sales and the short-dated threshold', async () => {
    const manager = await t.as('manager');
    const res = await manager.patch('/api/settings').send({ orderWeeks: 12, shortDatedMonths: 3 });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ orderWeeks: 12, shortDatedMonths: 3, coverDays: 14 });
  });
});
