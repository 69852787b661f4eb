import { beforeAll, describe, expect, it } from 'vitest';
import { seedBatch, seedProduct, testShop, type TestShop } from '../support/harness.js';

let t: TestShop;
beforeAll(async () => {
  t = await testShop({ now: new Date('2026-11-26T10:00:00Z') });
});

async function productWithLots(name: string, unitPrice: number, lots: [string, string, number][]) {
  const p = await seedProduct(t, { name, unitPrice });
  const batches = [];
  for (const [lotNumber, expirationDate, quantity] of lots) batches.push(await seedBatch(t, { productId: p.id, lotNumber, expirationDate, quantity }));
  return { product: p, batches };
}

describe('a sale', () => {
  it('takes stock first-expired-first-out across two lots, one line per lot, and gives change', async () => {
    const { product, batches } = await productWithLots('Doliprane 1000 mg', 1500, [
      ['LATE', '2027-09-30', 10],
      ['SOON', '2027-01-31', 3],
    ]);
    const cashier = await t.as('cashier');
    const res = await cashier.post('/api/sales').send({ lines: [{ productId: product.id, quantity: 5 }], payment: { method: 'cash', tendered: 10_000 } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ number: 'DKR01-000001', total: 7500, tendered: 10_000, change: 2500, paymentMethod: 'cash', status: 'completed', cashierName: 'Test cashier' });
    expect(res.body.items).toEqual([
      expect.objectContaining({ productId: product.id, lotNumber: 'SOON', expirationDate: '2027-01-31', quantity: 3, unitPrice: 1500, lineTotal: 4500, batchId: batches[1]!.id }),
      expect.objectContaining({ productId: product.id, lotNumber: 'LATE', expirationDate: '2027-09-30', quantity: 2, unitPrice: 1500, lineTotal: 3000, batchId: batches[0]!.id }),
    ]);
    const lots = (await cashier.get(`/api/products/${product.id}/batches`)).body;
    expect(lots.map((b: { lotNumber: string; quantity: number }) => [b.lotNumber, b.quantity])).toEqual([['SOON', 0], ['LATE', 8]]);
    const outbox = await t.db.rows<{ entity: string }>(
      `select entity from sync_outbox where tx_id = (select tx_id from sync_outbox where entity_id = $1) order by seq`, [res.body.id]);
    // The cashier's first sale opens their cash session (float 0) in the same transaction, as Paramètres allow by default.
    expect(outbox.map((o) => o.entity)).toEqual(['till_session', 'sale', 'sale_item', 'sale_item', 'movement', 'movement']);
    const fetched = await cashier.get(`/api/sales/${res.body.id}`);
    expect(fetched.status).toBe(200);
    expect(fetched.body.items).toHaveLength(2);
  });

  it('merges two lines of the same product into one FEFO demand', async () => {
    const { product } = await productWithLots('Smecta', 900, [['S1', '2027-02-28', 2], ['S2', '2027-03-31', 5]]);
    const cashier = await t.as('cashier');
    const res = await cashier.post('/api/sales').send({
      lines: [{ productId: product.id, quantity: 1 }, { productId: product.id, quantity: 2 }],
      payment: { method: 'mobile_money', operator: 'wave', reference: 'WV-1' },
    });
    expect(res.status).toBe(201);
    expect(res.body.items.map((i: { lotNumber: string; quantity: number }) => [i.lotNumber, i.quantity])).toEqual([['S1', 2], ['S2', 1]]);
    expect(res.body).toMatchObject({ total: 2700, tendered: 2700, change: 0, paymentMethod: 'mobile_money' });
  });

  it('counts an expiry date in the shop time zone', async () => {
    const nairobi = await testShop({ code: 'NBO01', timezone: 'Africa/Nairobi', now: new Date('2026-11-26T22:30:00Z') });
    const p = await seedProduct(nairobi, { name: 'Sirop' });
    await seedBatch(nairobi, { productId: p.id, lotNumber: 'EOD', expirationDate: '2026-11-26', quantity: 4 });
    const cashier = await nairobi.as('cashier');
    // 22:30 UTC is already the 27th in Nairobi: the lot has expired there.
    const res = await cashier.post('/api/sales').send({ lines: [{ productId: p.id, quantity: 1 }], payment: { method: 'card' } });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('no_sellable_lot');
  });
});

describe('a refused sale writes nothing', () => {
  it.each([
    ['quantity 0', { quantity: 0 }, 400, 'validation'],
    ['a negative quantity', { quantity: -1 }, 400, 'validation'],
    ['a fractional quantity', { quantity: 1.5 }, 400, 'validation'],
    ['more than the sellable stock', { quantity: 6 }, 422, 'insufficient_stock'],
  ])('refuses %s', async (_label, line, status, code) => {
    const { product } = await productWithLots('Vitamine C', 500, [['V1', '2027-01-31', 5], ['VOLD', '2026-01-31', 9]]);
    const cashier = await t.as('cashier');
    const before = await t.counts();
    const res = await cashier.post('/api/sales').send({ lines: [{ productId: product.id, ...line }], payment: { method: 'cash', tendered: 100_000 } });
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    if (code === 'insufficient_stock') expect(res.body.error.message).toBe('Stock insuffisant pour « Vitamine C » : 6 demandé(s), 5 disponible(s).');
    expect(await t.counts()).toEqual(before);
  });

  it('refuses an unknown product', async () => {
    const cashier = await t.as('cashier');
    const before = await t.counts();
    const res = await cashier.post('/api/sales').send({ lines: [{ productId: '01900000-0000-7000-8000-000000000000', quantity: 1 }], payment: { method: 'card' } });
    expect(res.status).toBe(404);
    expect(res.body.error.message).toBe('Produit introuvable.');
    expect(await t.counts()).toEqual(before);
  });

  it('refuses when only expired, recalled or quarantined lots are left, saying which', async () => {
    const { product, batches } = await productWithLots('Amoxicilline sirop', 2000, [['EXP', '2026-10-31', 2], ['REC', '2027-05-31', 3], ['QUA', '2027-06-30', 4]]);
    const manager = await t.as('manager');
    await manager.patch(`/api/batches/${batches[1]!.id}`).send({ status: 'recalled' }).expect(200);
    await manager.patch(`/api/batches/${batches[2]!.id}`).send({ status: 'quarantined' }).expect(200);
    const before = await t.counts();
    const res = await manager.post('/api/sales').send({ lines: [{ productId: product.id, quantity: 1 }], payment: { method: 'card' } });
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({
      code: 'no_sellable_lot',
      message: 'Aucun lot vendable pour « Amoxicilline sirop » : 2 en lot(s) périmé(s), 3 en lot(s) rappelé(s), 4 en lot(s) en quarantaine.',
    });
    expect(await t.counts()).toEqual(before);
  });

  it('refuses cash below the total, and a sale with no lines', async () => {
    const { product } = await productWithLots('Gaviscon', 3500, [['G1', '2027-01-31', 5]]);
    const cashier = await t.as('cashier');
    const before = await t.counts();
    const res = await cashier.post('/api/sales').send({ lines: [{ productId: product.id, quantity: 2 }], payment: { method: 'cash', tendered: 5000 } });
    expect(res.status).toBe(422);
    expect(res.body.error.message).toBe('Montant remis insuffisant : 5\u00a0000\u00a0FCFA remis pour un total de 7\u00a0000\u00a0FCFA.');
    expect((await cashier.post('/api/sales').send({ lines: [], payment: { method: 'cash' } })).status).toBe(400);
    expect((await cashier.post('/api/sales').send({ lines: [{ productId: product.id, quantity: 1 }], payment: { method: 'cheque' } })).status).toBe(400);
    expect(await t.counts()).toEqual(before);
  });

  it('keeps receipt numbers without gaps after refusals', async () => {
    const { product } = await productWithLots('Biafine', 4000, [['B1', '2027-01-31', 5]]);
    const cashier = await t.as('cashier');
    const first = (await cashier.post('/api/sales').send({ lines: [{ productId: product.id, quantity: 1 }], payment: { method: 'card' } })).body.number;
    await cashier.post('/api/sales').send({ lines: [{ productId: product.id, quantity: 50 }], payment: { method: 'card' } }).expect(422);
    const second = (await cashier.post('/api/sales').send({ lines: [{ productId: product.id, quantity: 1 }], payment: { method: 'card' } })).body.number;
    const n = (s: string) => Number(s.split('-')[1]);
    expect(n(second)).toBe(n(first) + 1);
  });
});

describe('voiding a sale', () => {
  it('lets a manager void a sale: stock returns to the same lots, once', async () => {
    const { product } = await productWithLots('Efferalgan', 1200, [['E1', '2027-01-31', 2], ['E2', '2027-02-28', 4]]);
    const cashier = await t.as('cashier');
    const sale = (await cashier.post('/api/sales').send({ lines: [{ productId: product.id, quantity: 4 }], payment: { method: 'card' } })).body;
    const before = await t.counts();
    expect((await cashier.post(`/api/sales/${sale.id}/void`)).status).toBe(403);
    expect(await t.counts()).toEqual(before);

    const manager = await t.as('manager');
    const res = await manager.post(`/api/sales/${sale.id}/void`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'voided', voidedBy: t.userIds.manager });
    const lots = (await manager.get(`/api/products/${product.id}/batches`)).body;
    expect(lots.map((b: { lotNumber: string; quantity: number }) => [b.lotNumber, b.quantity])).toEqual([['E1', 2], ['E2', 4]]);
    const returns = await t.db.rows<{ kind: string; delta: number }>(
      `select m.kind, m.delta from stock_movements m join sale_items i on i.id = m.sale_item_id where i.sale_id = $1 and m.kind = 'return' order by m.delta`, [sale.id]);
    expect(returns).toEqual([{ kind: 'return', delta: 2 }, { kind: 'return', delta: 2 }]);

    const again = await manager.post(`/api/sales/${sale.id}/void`);
    expect(again.status).toBe(409);
    expect(again.body.error.message).toBe(`La vente ${sale.number} est déjà annulée.`);
    expect((await manager.post('/api/sales/01900000-0000-7000-8000-000000000000/void')).status).toBe(404);
  });
});

describe('listing sales', () => {
  it("lists the shop's sales of a day, newest first, with their lines", async () => {
    const cashier = await t.as('cashier');
    const res = await cashier.get('/api/sales').query({ from: '2026-11-26' });
    expect(res.status).toBe(200);
    expect(res.body.length).toBeGreaterThan(2);
    const numbers = res.body.map((s: { number: string }) => s.number);
    expect([...numbers].sort().reverse()).toEqual(numbers);
    expect(res.body.every((s: { items: unknown[] }) => s.items.length > 0)).toBe(true);
    expect((await cashier.get('/api/sales').query({ from: '2026-11-25', to: '2026-11-25' })).body).toEqual([]);
  });
});
