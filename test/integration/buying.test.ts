import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { csrfToken } from '../../server/web/context.js';
import { PINS, seedBatch, seedProduct, testShop, type TestShop } from '../support/harness.js';

// 26/11/2026 in Dakar.
let t: TestShop;
let supplierId: string;
const product: Record<string, string> = {};

type Suggestion = { productId: string; suggestedQty: number; onHand: number; onOrder: number; rule: string; why: string };
const byProduct = (rows: Suggestion[]) => new Map(rows.map((r) => [r.productId, r]));

beforeAll(async () => {
  t = await testShop({ now: new Date('2026-11-26T10:00:00Z') });
  const ph = await t.as('pharmacist');
  supplierId = (await ph.post('/api/suppliers').send({ name: 'Laborex Sénégal', leadTimeDays: 2 })).body.id;
  for (const name of ['low', 'enough', 'ordered', 'plain', 'unlinked']) product[name] = (await seedProduct(t, { name: `Produit ${name}` })).id;
  for (const name of ['low', 'enough', 'ordered', 'plain']) {
    expect((await ph.put(`/api/suppliers/${supplierId}/products/${product[name]}`).send({ packUnits: 10 })).status).toBe(200);
  }
});

describe('suggested quantities from each product’s min/max stock', () => {
  it('order up to the max, in whole cartons, once on hand and on order fall below the min; nothing while they hold it', async () => {
    const manager = await t.as('manager');
    for (const name of ['low', 'enough', 'ordered']) {
      expect((await manager.patch(`/api/products/${product[name]}`).send({ minStock: 10, maxStock: 40 })).status).toBe(200);
    }
    await manager.patch(`/api/products/${product.unlinked}`).send({ minStock: 5 });
    await seedBatch(t, { productId: product.low!, expirationDate: '2028-06-30', quantity: 9 });
    await seedBatch(t, { productId: product.enough!, expirationDate: '2028-06-30', quantity: 10 });
    await seedBatch(t, { productId: product.ordered!, expirationDate: '2028-06-30', quantity: 4 });
    // A recalled lot never counts as stock.
    const recalled = await seedBatch(t, { productId: product.low!, expirationDate: '2028-06-30', quantity: 50 });
    await t.db.exec("update product_batches set status = 'recalled' where id = $1", [recalled.id]);
    const ph = await t.as('pharmacist');
    const order = await ph.post('/api/purchase-orders').send({ supplierId, lines: [{ productId: product.ordered, quantity: 6 }] });
    await ph.post(`/api/purchase-orders/${order.body.id}/send`);

    const res = await ph.get(`/api/purchase-orders/suggestions?supplierId=${supplierId}`);
    expect(res.status).toBe(200);
    const got = byProduct(res.body);
    // 9 held, below the min of 10: up to 40 is 31, four cartons of 10.
    expect(got.get(product.low!)).toMatchObject({ onHand: 9, onOrder: 0, rule: 'min_max', suggestedQty: 40, why: 'vendu 0 en 8 semaines, en stock 9, commandé 0 → 40 (min 10, max 40)' });
    expect(got.get(product.enough!)).toMatchObject({ onHand: 10, suggestedQty: 0 });
    // 4 held and 6 on a sent order: 10, not below the min.
    expect(got.get(product.ordered!)).toMatchObject({ onHand: 4, onOrder: 6, suggestedQty: 0 });
    expect(got.get(product.plain!)).toMatchObject({ rule: 'cover', suggestedQty: 0, why: 'vendu 0 en 8 semaines, en stock 0, commandé 0 → 0' });
    expect(got.has(product.unlinked!)).toBe(false);
  });

  it('lists, over the whole catalogue, a product with a min that sold nothing', async () => {
    const res = await (await t.as('pharmacist')).get('/api/purchase-orders/suggestions');
    expect(res.status).toBe(200);
    const got = byProduct(res.body);
    expect(got.get(product.unlinked!)).toMatchObject({ onHand: 0, rule: 'min', suggestedQty: 5, why: 'vendu 0 en 8 semaines, en stock 0, commandé 0 → 5 (min 5, max —)' });
    expect(got.get(product.low!)).toMatchObject({ suggestedQty: 40 });
    expect(got.has(product.plain!)).toBe(false);
  });

  it('refuses a max below the min (422, French) and keeps the limits', async () => {
    const manager = await t.as('manager');
    const res = await manager.patch(`/api/products/${product.low}`).send({ maxStock: 5 });
    expect(res.status).toBe(422);
    expect(res.body.error.message).toMatch(/[Mm]in/);
    expect(await t.db.one('select min_stock, max_stock from products where id = $1', [product.low])).toEqual({ minStock: 10, maxStock: 40 });
  });
});


async function browserAs(role: keyof typeof PINS) {
  const agent = request.agent(t.app);
  const res = await agent.post('/connexion').type('form').send({ pin: PINS[role] });
  expect(res.status).toBe(303);
  const token = /comptoir_session=([^;]+)/.exec(String(res.headers['set-cookie']))![1]!;
  const csrf = csrfToken(decodeURIComponent(token));
  const post = (url: string, body: Record<string, unknown>, htmx = false) => {
    const r = agent.post(url).set('X-CSRF-Token', csrf).type('form');
    return (htmx ? r.set('HX-Request', 'true') : r).send(body);
  };
  return { agent, post };
}

describe('delivery lines typed in packs', () => {
  let amox: string;
  let carton: string;
  let otherPack: string;
  const deliveryCounts = async () => ({
    ...(await t.counts()),
    lines: (await t.db.one<{ n: number }>('select count(*)::int as n from delivery_lines'))!.n,
  });

  beforeAll(async () => {
    const ph = await t.as('pharmacist');
    amox = (await seedProduct(t, { name: 'Amoxicilline 500 mg', sku: 'AMX500', gtin: '3400930000014' })).id;
    const res = await ph.post(`/api/products/${amox}/packs`).send({ name: 'Carton de 10', units: 10, unitPrice: 24_000, gtin: '13400930000011' });
    expect(res.status).toBe(201);
    carton = res.body.id;
    otherPack = (await ph.post(`/api/products/${product.low}/packs`).send({ name: 'Boîte de 5', units: 5, unitPrice: 5000 })).body.id;
  });

  it('stores a line of 3 cartons of 10 as 30 units at the unit cost, and validates 30 units into the lot', async () => {
    const ph = await t.as('pharmacist');
    const res = await ph.post('/api/deliveries').send({
      supplierId, lines: [{ productId: amox, packId: carton, lotNumber: 'AMX-P1', expirationDate: '2029-03-31', quantity: 3, freeQty: 1, unitCost: 1800 }],
    });
    expect(res.status).toBe(201);
    expect(res.body.lines[0]).toMatchObject({ packId: carton, packName: 'Carton de 10', packUnits: 10, packQuantity: 3, quantity: 30, freeQty: 10, unitCost: 1800 });
    expect(res.body.discrepancies.rows[0]).toMatchObject({ receivedQty: 30, receivedValue: 20 * 1800 });
    const v = await ph.post(`/api/deliveries/${res.body.id}/validate`).send({});
    expect(v.status).toBe(200);
    expect(v.body.lots).toEqual([expect.objectContaining({ quantity: 30 })]);
    // 20 paid at 1 800 and 10 free: 1 200 a unit.
    expect(await t.db.one("select quantity, initial_qty, unit_cost from product_batches where lot_number = 'AMX-P1'")).toEqual({ quantity: 30, initialQty: 30, unitCost: 1200 });
    expect(await t.db.rows("select m.delta from stock_movements m join product_batches b on b.id = m.batch_id where b.lot_number = 'AMX-P1'")).toEqual([{ delta: 30 }]);
  });

  it('refuses a pack of another product (422, French) and writes nothing', async () => {
    const ph = await t.as('pharmacist');
    const before = await deliveryCounts();
    const deliveries = (await t.db.one<{ n: number }>('select count(*)::int as n from deliveries'))!.n;
    const res = await ph.post('/api/deliveries').send({
      supplierId, lines: [{ productId: amox, packId: otherPack, lotNumber: 'AMX-P2', expirationDate: '2029-03-31', quantity: 2, unitCost: 1800 }],
    });
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ code: 'pack_unknown', message: 'Ligne 1 : ce conditionnement n’est pas un conditionnement de ce produit.' });
    expect(await deliveryCounts()).toEqual(before);
    expect((await t.db.one<{ n: number }>('select count(*)::int as n from deliveries'))!.n).toBe(deliveries);
  });

  it('offers « Conditionnement » on the page’s line form: a scanned carton chooses the carton, and the line is saved in units', async () => {
    const ph = await browserAs('pharmacist');
    const id = randomUUID();
    expect((await ph.post('/receptions', { id, supplierId, deliveryNote: 'BL-P' })).status).toBe(303);
    const page = await ph.agent.get(`/receptions/${id}`);
    expect(page.text).toContain('Conditionnement');
    expect(page.text).toContain('à l’unité (unité)');
    const scanned = await ph.post(`/receptions/${id}/scan`, { scan: '011340093000001110AMX-P3\u001d17290331' }, true);
    expect(scanned.status).toBe(200);
    expect(scanned.text).toMatch(/<option value="[^"]+" selected>Carton de 10 \(10 unité\)<\/option>/);
    const packs = await ph.agent.get(`/receptions/${id}/conditionnements?product=AMX500`);
    expect(packs.text).toContain('Carton de 10 (10 unité)');
    expect(packs.text).toMatch(/<option value="" selected>/);
    const added = await ph.post(`/receptions/${id}/lignes`, { lineId: randomUUID(), product: '13400930000011', packId: carton, lotNumber: 'AMX-P3', expirationDate: '2029-03-31', quantity: '4', unitCost: '1750' }, true);
    expect(added.status).toBe(200);
    expect(added.text).toContain('4 × Carton de 10 (40)');
    expect(await t.db.rows('select quantity, pack_id, pack_quantity, unit_cost from delivery_lines where delivery_id = $1', [id])).toEqual([{ quantity: 40, packId: carton, packQuantity: 4, unitCost: 1750 }]);
  });
});

describe('a recalled lot returned whole to its supplier in one step', () => {
  let doli: string;
  const returnCounts = async () => ({
    ...(await t.counts()),
    returns: (await t.db.one<{ n: number }>('select count(*)::int as n from supplier_returns'))!.n,
    returnLines: (await t.db.one<{ n: number }>('select count(*)::int as n from supplier_return_lines'))!.n,
  });
  const receive = async (lotNumber: string, quantity: number) => {
    const ph = await t.as('pharmacist');
    const d = await ph.post('/api/deliveries').send({ supplierId, lines: [{ productId: doli, lotNumber, expirationDate: '2029-01-31', quantity, unitCost: 700 }] });
    const v = await ph.post(`/api/deliveries/${d.body.id}/validate`).send({});
    expect(v.status).toBe(200);
    return v.body.lots[0].batchId as string;
  };
  const recall = (batchId: string) => t.db.exec("update product_batches set status = 'recalled', status_reason = 'Rappel ANSM 2026-118' where id = $1", [batchId]);

  beforeAll(async () => {
    doli = (await seedProduct(t, { name: 'Doliprane 1000 mg', sku: 'DOL1000' })).id;
  });

  it('sends the lot’s whole remaining stock back to the supplier it came from: one line, validated, the lot emptied, once for one id', async () => {
    const batchId = await receive('DOL-R1', 30);
    const ph = await t.as('pharmacist');
    // 4 of them sold or broken before the recall: 26 remain.
    await t.services.stock.recordMovement(batchId, { kind: 'adjustment', delta: -4, reason: 'casse' }, { id: t.userIds.manager, name: 'Test manager', role: 'manager' });
    await recall(batchId);
    const id = randomUUID();
    const res = await ph.post('/api/supplier-returns/recalled-lot').send({ id, batchId });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ id, supplierId, status: 'sent', statusText: 'envoyé', expectedCredit: 26 * 700 });
    expect(res.body.number).toMatch(/^RF-DKR01-\d{6}$/);
    expect(res.body.lines).toEqual([expect.objectContaining({ batchId, lotNumber: 'DOL-R1', quantity: 26, reason: 'recalled' })]);
    expect(await t.db.one('select quantity, status from product_batches where id = $1', [batchId])).toEqual({ quantity: 0, status: 'recalled' });
    expect(await t.db.rows("select delta from stock_movements where batch_id = $1 and kind = 'supplier_return'", [batchId])).toEqual([{ delta: -26 }]);
    expect(await t.db.rows("select op from sync_outbox where entity = 'supplier_return' and entity_id = $1", [id])).toEqual([{ op: 'insert' }]);
    const before = await returnCounts();
    const again = await ph.post('/api/supplier-returns/recalled-lot').send({ id, batchId });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(res.body);
    expect(await returnCounts()).toEqual(before);
  });

  it('refuses a lot that is not recalled, a recalled lot with nothing left, and one whose supplier is unknown, in French, writing nothing', async () => {
    const ph = await t.as('pharmacist');
    const active = await receive('DOL-R2', 10);
    const emptied = (await t.db.one<{ id: string }>("select id from product_batches where lot_number = 'DOL-R1'"))!.id;
    const orphan = (await seedBatch(t, { productId: doli, lotNumber: 'DOL-R3', expirationDate: '2029-01-31', quantity: 8 })).id;
    await recall(orphan);
    const before = await returnCounts();
    const notRecalled = await ph.post('/api/supplier-returns/recalled-lot').send({ batchId: active });
    expect(notRecalled.status).toBe(409);
    expect(notRecalled.body.error).toMatchObject({ code: 'lot_not_recalled', message: 'Le lot DOL-R2 n’est pas rappelé : renvoyez-le par un retour fournisseur ordinaire.' });
    const empty = await ph.post('/api/supplier-returns/recalled-lot').send({ batchId: emptied });
    expect(empty.status).toBe(422);
    expect(empty.body.error).toMatchObject({ code: 'lot_empty', message: 'Le lot DOL-R1 n’a plus d’unité en stock : rien à renvoyer.' });
    const noSupplier = await ph.post('/api/supplier-returns/recalled-lot').send({ batchId: orphan });
    expect(noSupplier.status).toBe(422);
    expect(noSupplier.body.error.message).toBe('Le lot DOL-R3 ne dit pas de quel fournisseur il vient : choisissez le fournisseur.');
    expect((await ph.post('/api/supplier-returns/recalled-lot').send({ batchId: randomUUID() })).status).toBe(404);
    expect((await (await t.as('cashier')).post('/api/supplier-returns/recalled-lot').send({ batchId: orphan })).status).toBe(403);
    expect(await returnCounts()).toEqual(before);
    // Naming the supplier sends it.
    const named = await ph.post('/api/supplier-returns/recalled-lot').send({ batchId: orphan, supplierId });
    expect(named.status).toBe(201);
    expect(named.body.lines[0]).toMatchObject({ quantity: 8, reason: 'recalled' });
  });

  it('puts « Tout renvoyer au fournisseur » on a recalled lot’s row of Stock and on Retours fournisseur, and says what left', async () => {
    const batchId = await receive('DOL-R4', 12);
    await recall(batchId);
    const ph = await browserAs('pharmacist');
    const stock = await ph.agent.get('/stock');
    expect(stock.status).toBe(200);
    expect(stock.text).toMatch(new RegExp(`name="batchId" value="${batchId}">\\s*<button type="submit">Tout renvoyer au fournisseur</button>`));
    const list = await ph.agent.get('/retours-fournisseur');
    expect(list.text).toContain('Lots rappelés encore en stock');
    expect(list.text).toContain('DOL-R4');
    const res = await ph.post('/retours-fournisseur/rappel', { batchId });
    expect(res.status).toBe(303);
    const page = await ph.agent.get(String(res.headers.location));
    expect(page.text).toMatch(/Retour RF-DKR01-\d{6} : 12 unité\(s\) du lot DOL-R4 renvoyées à Laborex Sénégal\./);
    expect((await t.db.one<{ quantity: number }>('select quantity from product_batches where id = $1', [batchId]))!.quantity).toBe(0);
    const before = await returnCounts();
    const twice = await ph.post('/retours-fournisseur/rappel', { batchId });
    expect(twice.status).toBe(422);
    expect(twice.text).toContain('Le lot DOL-R4 n’a plus d’unité en stock : rien à renvoyer.');
    expect(await returnCounts()).toEqual(before);
  });
});
