import { beforeAll, describe, expect, it } from 'vitest';
import { seedProduct, testShop, type TestShop } from '../support/harness.js';

let t: TestShop;
let productId: string;
beforeAll(async () => {
  t = await testShop({ now: new Date('2026-11-26T10:00:00Z') });
  productId = (await seedProduct(t, { name: 'Amoxicilline 500 mg', unitPrice: 2500 })).id;
});

describe('receiving stock', () => {
  it('writes the batch and its receipt movement, and queues both for head office in that order', async () => {
    const manager = await t.as('manager');
    const res = await manager
      .post('/api/batches')
      .send({ productId, lotNumber: 'AMX-2401', expirationDate: '2027-06-30', quantity: 40, unitCost: 1800 });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      productId, lotNumber: 'AMX-2401', expirationDate: '2027-06-30', initialQty: 40, quantity: 40,
      unitCost: 1800, receivedDate: '2026-11-26', status: 'active', sellable: true, expiringSoon: false,
    });
    const movements = await t.db.rows('select kind, delta from stock_movements where batch_id = $1', [res.body.id]);
    expect(movements).toEqual([{ kind: 'receipt', delta: 40 }]);
    const outbox = await t.db.rows<{ entity: string }>(
      `select entity from sync_outbox where entity_id = $1 or payload->>'batchId' = $1::text order by seq`, [res.body.id]);
    expect(outbox.map((o) => o.entity)).toEqual(['batch', 'movement']);
  });

  it('adds a second delivery of the same lot to it as another receipt', async () => {
    const manager = await t.as('manager');
    const res = await manager.post('/api/batches').send({ productId, lotNumber: 'AMX-2401', expirationDate: '2027-06-30', quantity: 10 });
    expect(res.status).toBe(201);
    expect(res.body.quantity).toBe(50);
    expect(res.body.initialQty).toBe(40);
  });

  it('refuses the same lot number with another expiry date and writes nothing', async () => {
    const manager = await t.as('manager');
    const before = await t.counts();
    const res = await manager.post('/api/batches').send({ productId, lotNumber: 'AMX-2401', expirationDate: '2028-01-31', quantity: 5 });
    expect(res.status).toBe(409);
    expect(res.body.error).toEqual({ code: 'lot_taken', message: 'Le lot AMX-2401 existe déjà pour ce produit.' });
    expect(await t.counts()).toEqual(before);
  });

  it('refuses receipts from a cashier, for an unknown product, or with bad dates and quantities, writing nothing', async () => {
    const before = await t.counts();
    const cashier = await t.as('cashier');
    expect((await cashier.post('/api/batches').send({ productId, lotNumber: 'C', expirationDate: '2027-01-01', quantity: 1 })).status).toBe(403);
    const manager = await t.as('manager');
    const unknown = await manager
      .post('/api/batches')
      .send({ productId: '01900000-0000-7000-8000-000000000000', lotNumber: 'U', expirationDate: '2027-01-01', quantity: 1 });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toBe('Produit introuvable.');
    const badDate = await manager.post('/api/batches').send({ productId, lotNumber: 'D', expirationDate: '2027-02-30', quantity: 1 });
    expect(badDate.status).toBe(400);
    expect(badDate.body.error.message).toContain('expirationDate');
    for (const quantity of [0, -3, 2.5, '4']) {
      expect((await manager.post('/api/batches').send({ productId, lotNumber: 'Q', expirationDate: '2027-01-01', quantity })).status).toBe(400);
    }
    expect(await t.counts()).toEqual(before);
  });
});

describe('lots of a product', () => {
  it('lists lots in FEFO order with their quantity, status and expiry flags', async () => {
    const p = await seedProduct(t, { name: 'Ibuprofène 400 mg' });
    const manager = await t.as('manager');
    for (const [lotNumber, expirationDate] of [['LATE', '2028-01-31'], ['SOON', '2026-12-15'], ['GONE', '2026-10-31']] as const) {
      await manager.post('/api/batches').send({ productId: p.id, lotNumber, expirationDate, quantity: 3 }).expect(201);
    }
    const res = await manager.get(`/api/products/${p.id}/batches`);
    expect(res.status).toBe(200);
    expect(res.body.map((b: { lotNumber: string }) => b.lotNumber)).toEqual(['GONE', 'SOON', 'LATE']);
    expect(res.body[0]).toMatchObject({ expired: true, sellable: false, quantity: 3, status: 'active' });
    expect(res.body[1]).toMatchObject({ expired: false, expiringSoon: true, sellable: true });
    expect(res.body[2]).toMatchObject({ expiringSoon: false, sellable: true });
  });
});

describe('adjustments and counts', () => {
  it('adjusts by a delta with a reason, keeping the quantity equal to the ledger', async () => {
    const manager = await t.as('manager');
    const b = (await manager.post('/api/batches').send({ productId, lotNumber: 'ADJ', expirationDate: '2027-03-31', quantity: 20 })).body;
    const res = await manager.post(`/api/batches/${b.id}/movements`).send({ kind: 'adjustment', delta: -3, reason: 'Boîtes abîmées' });
    expect(res.status).toBe(201);
    expect(res.body.movement).toMatchObject({ kind: 'adjustment', delta: -3, reason: 'Boîtes abîmées' });
    expect(res.body.batch.quantity).toBe(17);
    const count = await manager.post(`/api/batches/${b.id}/movements`).send({ kind: 'count', countedQty: 15, reason: 'Inventaire' });
    expect(count.status).toBe(201);
    expect(count.body.movement).toMatchObject({ kind: 'count', countedQty: 15, delta: -2 });
    const batch = (await manager.get(`/api/batches/${b.id}`)).body;
    expect(batch.quantity).toBe(15);
    expect(batch.movements.map((m: { kind: string }) => m.kind)).toEqual(['receipt', 'adjustment', 'count']);
    expect(batch.movements.reduce((s: number, m: { delta: number }) => s + m.delta, 0)).toBe(15);
  });

  it('refuses an adjustment below zero, a zero delta, a missing reason, or a cashier, writing nothing', async () => {
    const manager = await t.as('manager');
    const b = (await manager.post('/api/batches').send({ productId, lotNumber: 'NEG', expirationDate: '2027-03-31', quantity: 2 })).body;
    const before = await t.counts();
    const neg = await manager.post(`/api/batches/${b.id}/movements`).send({ kind: 'adjustment', delta: -3, reason: 'Casse' });
    expect(neg.status).toBe(422);
    expect(neg.body.error.message).toBe('Ajustement refusé : le stock du lot NEG deviendrait négatif (2 en stock).');
    expect((await manager.post(`/api/batches/${b.id}/movements`).send({ kind: 'adjustment', delta: 0, reason: 'x' })).status).toBe(400);
    expect((await manager.post(`/api/batches/${b.id}/movements`).send({ kind: 'adjustment', delta: 1, reason: ' ' })).status).toBe(400);
    expect((await manager.post(`/api/batches/${b.id}/movements`).send({ kind: 'count', countedQty: -1, reason: 'x' })).status).toBe(400);
    expect((await manager.post(`/api/batches/${b.id}/movements`).send({ kind: 'sale', delta: -1, reason: 'x' })).status).toBe(400);
    const cashier = await t.as('cashier');
    expect((await cashier.post(`/api/batches/${b.id}/movements`).send({ kind: 'adjustment', delta: 1, reason: 'x' })).status).toBe(403);
    expect(await t.counts()).toEqual(before);
  });
});

describe('correcting a lot', () => {
  it('lets a manager correct expiry, cost and status, field by field, never the quantity', async () => {
    const manager = await t.as('manager');
    const b = (await manager.post('/api/batches').send({ productId, lotNumber: 'COR', expirationDate: '2027-03-31', quantity: 9 })).body;
    const res = await manager.patch(`/api/batches/${b.id}`).send({ expirationDate: '2027-02-28', unitCost: 1500 });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ expirationDate: '2027-02-28', unitCost: 1500, quantity: 9, createdAt: b.createdAt });
    const out = await t.db.one<{ payload: Record<string, unknown> }>(
      `select payload from sync_outbox where entity = 'batch' and entity_id = $1 and op = 'update'`, [b.id]);
    expect(Object.keys(out!.payload).sort()).toEqual(['baseClocks', 'expirationDate', 'fieldClocks', 'id', 'shopId', 'unitCost']);
    const before = await t.counts();
    const qty = await manager.patch(`/api/batches/${b.id}`).send({ quantity: 100 });
    expect(qty.status).toBe(400);
    expect(await t.counts()).toEqual(before);
  });

  it('keeps a recalled lot recalled', async () => {
    const manager = await t.as('manager');
    const b = (await manager.post('/api/batches').send({ productId, lotNumber: 'RCL', expirationDate: '2027-03-31', quantity: 9 })).body;
    expect((await manager.patch(`/api/batches/${b.id}`).send({ status: 'recalled', statusReason: 'Rappel ANSM' })).body.status).toBe('recalled');
    const res = await manager.patch(`/api/batches/${b.id}`).send({ status: 'active' });
    expect(res.status).toBe(409);
    expect(res.body.error.message).toBe('Le lot RCL est rappelé : son statut ne peut plus changer.');
    expect((await manager.get(`/api/batches/${b.id}`)).body.status).toBe('recalled');
  });

  it('refuses corrections from a cashier and for unknown lots', async () => {
    const cashier = await t.as('cashier');
    const manager = await t.as('manager');
    const b = (await manager.post('/api/batches').send({ productId, lotNumber: 'CAS', expirationDate: '2027-03-31', quantity: 1 })).body;
    expect((await cashier.patch(`/api/batches/${b.id}`).send({ unitCost: 1 })).status).toBe(403);
    expect((await manager.patch('/api/batches/01900000-0000-7000-8000-000000000000').send({ unitCost: 1 })).status).toBe(404);
  });
});
