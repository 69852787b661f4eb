import { beforeAll, describe, expect, it } from 'vitest';
import { seedBatch, testShop, type TestShop } from '../support/harness.js';

let t: TestShop;
beforeAll(async () => {
  t = await testShop({ now: new Date('2026-11-26T10:00:00Z') });
});

describe('products', () => {
  it('lets a pharmacist create a product and answers it with ids and timestamps', async () => {
    const agent = await t.as('pharmacist');
    const res = await agent.post('/api/products').send({ sku: 'DOLI500', gtin: '3400935955838', name: 'Doliprane 500 mg', unitPrice: 1500 });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ sku: 'DOLI500', gtin: '3400935955838', name: 'Doliprane 500 mg', unitPrice: 1500, active: true });
    expect(res.body.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.body.createdAt).toBe(res.body.updatedAt);
    const outbox = await t.db.rows<{ entity: string; op: string }>('select entity, op from sync_outbox where entity_id = $1', [res.body.id]);
    expect(outbox).toEqual([{ entity: 'product', op: 'insert' }]);
  });

  it('refuses a second product with the same SKU and writes nothing', async () => {
    const agent = await t.as('manager');
    await agent.post('/api/products').send({ sku: 'AMOX1', name: 'Amoxicilline 1 g', unitPrice: 3200 }).expect(201);
    const before = await t.counts();
    const res = await agent.post('/api/products').send({ sku: 'AMOX1', name: 'Autre', unitPrice: 10 });
    expect(res.status).toBe(409);
    expect(res.body.error).toEqual({ code: 'sku_taken', message: 'La référence (SKU) AMOX1 existe déjà.' });
    expect(await t.counts()).toEqual(before);
  });

  it('refuses a GTIN with a wrong check digit and writes nothing', async () => {
    const agent = await t.as('manager');
    const before = await t.counts();
    const res = await agent.post('/api/products').send({ sku: 'X1', gtin: '3400935955839', name: 'X', unitPrice: 10 });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('gtin_invalid');
    expect(await t.counts()).toEqual(before);
  });

  it('refuses a product without a name or with a fractional price, naming the field in French', async () => {
    const agent = await t.as('manager');
    const before = await t.counts();
    const res = await agent.post('/api/products').send({ sku: 'X2', unitPrice: 10.5 });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation');
    expect(res.body.error.message).toMatch(/^Données invalides/);
    expect(res.body.error.details.fields.map((f: { field: string }) => f.field).sort()).toEqual(['name', 'unitPrice']);
    expect(await t.counts()).toEqual(before);
  });

  it('refuses a cashier creating products, and anyone without a session', async () => {
    const cashier = await t.as('cashier');
    const before = await t.counts();
    const res = await cashier.post('/api/products').send({ sku: 'C1', name: 'C', unitPrice: 1 });
    expect(res.status).toBe(403);
    expect(res.body.error.message).toBe('Cette action est réservée au responsable.');
    const anonymous = await (await import('supertest')).default(t.app).get('/api/products');
    expect(anonymous.status).toBe(401);
    expect(await t.counts()).toEqual(before);
  });

  it('finds products ignoring accents and case, every word typed, with their sellable stock', async () => {
    const manager = await t.as('manager');
    const para = (await manager.post('/api/products').send({ sku: 'PARA500', name: 'Paracétamol 500 mg comprimés', unitPrice: 800 })).body;
    await manager.post('/api/products').send({ sku: 'PARA1G', name: 'Paracétamol 1 g', unitPrice: 1200 });
    await manager.post('/api/products').send({ sku: 'EFF500', name: 'Efferalgan 500 mg', unitPrice: 1300 });
    await seedBatch(t, { productId: para.id, expirationDate: '2027-05-31', quantity: 12 });
    await seedBatch(t, { productId: para.id, expirationDate: '2026-01-31', quantity: 5 }); // expired: not sellable

    const res = await manager.get('/api/products').query({ q: 'PARACETAMOL 500' });
    expect(res.status).toBe(200);
    expect(res.body.map((p: { sku: string }) => p.sku)).toEqual(['PARA500']);
    expect(res.body[0].sellableQuantity).toBe(12);

    const byWord = await manager.get('/api/products').query({ q: '500' });
    expect(byWord.body.map((p: { sku: string }) => p.sku)).toEqual(['DOLI500', 'EFF500', 'PARA500']);
  });

  it('sorts names the French way, É with E', async () => {
    const manager = await t.as('manager');
    for (const [sku, name] of [['Z1', 'Zinc'], ['E2', 'Éosine aqueuse'], ['E1', 'Eau oxygénée'], ['E3', 'Ergocalciférol']]) {
      await manager.post('/api/products').send({ sku, name, unitPrice: 100 }).expect(201);
    }
    const res = await manager.get('/api/products').query({ q: '' , limit: 500 });
    const names = res.body.map((p: { name: string }) => p.name).filter((n: string) => ['Zinc', 'Éosine aqueuse', 'Eau oxygénée', 'Ergocalciférol'].includes(n));
    expect(names).toEqual(['Eau oxygénée', 'Éosine aqueuse', 'Ergocalciférol', 'Zinc']);
  });

  it('puts the product whose GTIN was scanned first', async () => {
    const manager = await t.as('manager');
    const res = await manager.get('/api/products').query({ q: '3400935955838' });
    expect(res.body[0].sku).toBe('DOLI500');
  });

  it('lets a manager change a price, keeping createdAt, and queues the change for head office', async () => {
    const manager = await t.as('manager');
    const p = (await manager.post('/api/products').send({ sku: 'SPAS', name: 'Spasfon', unitPrice: 2000 })).body;
    await new Promise((r) => setTimeout(r, 5));
    const res = await manager.patch(`/api/products/${p.id}`).send({ unitPrice: 2100 });
    expect(res.status).toBe(200);
    expect(res.body.unitPrice).toBe(2100);
    expect(res.body.createdAt).toBe(p.createdAt);
    expect(res.body.updatedAt > p.updatedAt).toBe(true);
    const last = await t.db.one<{ op: string; payload: { unitPrice: number } }>(
      'select op, payload from sync_outbox where entity_id = $1 order by seq desc limit 1', [p.id]);
    expect(last).toMatchObject({ op: 'update', payload: { unitPrice: 2100 } });
    const cashier = await t.as('cashier');
    expect((await cashier.patch(`/api/products/${p.id}`).send({ unitPrice: 1 })).status).toBe(403);
  });

  it('answers 404 for an unknown product id or a malformed one', async () => {
    const agent = await t.as('cashier');
    expect((await agent.get('/api/products/01900000-0000-7000-8000-000000000000')).status).toBe(404);
    const bad = await agent.get('/api/products/nope');
    expect(bad.status).toBe(404);
    expect(bad.body.error.code).toBe('not_found');
  });
});
