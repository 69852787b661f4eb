import { beforeAll, describe, expect, it } from 'vitest';
import { linkIdFor } from '../../server/suppliers/service.js';
import { seedBatch, seedProduct, testShop, type TestShop } from '../support/harness.js';

// Issue 21: a delivery note is validated in a few statements, whatever its length (80 lines in ~80 ms, docs/benchmarks.md);
// what line by line did for each lot must still hold for all of them at once.
let t: TestShop;
let supplierId: string;

beforeAll(async () => {
  t = await testShop({ now: new Date('2026-11-26T10:00:00Z') });
  supplierId = (await (await t.as('pharmacist')).post('/api/suppliers').send({ name: 'Copharmed', leadTimeDays: 1 })).body.id;
});

const line = (productId: string, lotNumber: string, quantity: number, unitCost: number) =>
  ({ productId, lotNumber, expirationDate: '2028-09-30', quantity, unitCost });

async function validated(lines: ReturnType<typeof line>[]) {
  const ph = await t.as('pharmacist');
  const d = await ph.post('/api/deliveries').send({ supplierId, deliveryNote: `BL-${Math.random()}`, lines });
  expect(d.status, JSON.stringify(d.body)).toBe(201);
  const v = await ph.post(`/api/deliveries/${d.body.id}/validate`).send({});
  expect(v.status, JSON.stringify(v.body)).toBe(200);
  return v.body as { lots: { lineId: string; batchId: string; quantity: number }[] };
}

describe('validating a delivery note of many lines at once', () => {
  it('makes new lots, tops up a held lot at its averaged cost, receives a recalled lot as recalled, and keeps a product’s last cost from its last line', async () => {
    const a = await seedProduct(t, { name: 'Amlodipine 5 mg' });
    const b = await seedProduct(t, { name: 'Metformine 850 mg' });
    const c = await seedProduct(t, { name: 'Losartan 50 mg' });
    // 10 units held at 100, received again at 200: 30 units at (10 × 100 + 20 × 200) / 30 = 167.
    const held = await seedBatch(t, { productId: a.id, lotNumber: 'AML-OLD', expirationDate: '2028-09-30', quantity: 10 });
    await t.db.exec('update product_batches set unit_cost = 100 where id = $1', [held.id]);
    await t.db.exec(
      `insert into recalls (id, product_id, lot_number, reason, hlc) values (gen_random_uuid(), $1, 'LOS-RAP', 'Impureté nitrosamine', '000000000000000:000000:HQ')`,
      [c.id],
    );
    await t.db.exec('delete from sync_outbox');

    const { lots } = await validated([
      line(a.id, 'AML-OLD', 20, 200),
      line(b.id, 'MET-1', 30, 50),
      line(b.id, 'MET-2', 30, 70),
      line(c.id, 'LOS-RAP', 12, 90),
    ]);
    expect(lots.map((l) => l.quantity)).toEqual([20, 30, 30, 12]);
    expect(lots[0]!.batchId).toBe(held.id);

    const lot = async (productId: string, lotNumber: string) =>
      t.db.one<{ quantity: number; unitCost: number; status: string; statusReason: string | null }>(
        'select quantity, unit_cost, status, status_reason from product_batches where product_id = $1 and lot_number = $2', [productId, lotNumber]);
    expect(await lot(a.id, 'AML-OLD')).toMatchObject({ quantity: 30, unitCost: 167, status: 'active' });
    expect(await lot(b.id, 'MET-1')).toMatchObject({ quantity: 30, unitCost: 50, status: 'active' });
    expect(await lot(c.id, 'LOS-RAP')).toMatchObject({ quantity: 12, status: 'recalled', statusReason: 'Impureté nitrosamine' });
    // Each lot's quantity is the sum of its movements.
    const drift = await t.db.rows(
      `select b.id from product_batches b left join stock_movements m on m.batch_id = b.id
       group by b.id, b.quantity having b.quantity <> coalesce(sum(m.delta), 0)`);
    expect(drift).toEqual([]);

    const link = await t.db.one<{ lastCost: number }>('select last_cost from product_suppliers where id = $1', [linkIdFor(supplierId, b.id)]);
    expect(link!.lastCost).toBe(70);

    // What travels: each new lot before the movements that name it, one receipt movement a line.
    const outbox = await t.db.rows<{ entity: string; op: string; entityId: string }>('select entity, op, entity_id from sync_outbox order by seq');
    const firstMovement = outbox.findIndex((r) => r.entity === 'movement');
    expect(outbox.filter((r) => r.entity === 'batch' && r.op === 'insert')).toHaveLength(3);
    expect(outbox.slice(firstMovement).some((r) => r.entity === 'batch' && r.op === 'insert')).toBe(false);
    expect(outbox.filter((r) => r.entity === 'movement')).toHaveLength(4);
    expect(outbox.filter((r) => r.entity === 'delivery')).toHaveLength(1);
  });

  it('adds up one lot named on two lines of the note', async () => {
    const p = await seedProduct(t, { name: 'Oméprazole 20 mg' });
    const { lots } = await validated([line(p.id, 'OME-1', 5, 40), line(p.id, 'OME-1', 7, 40)]);
    expect(new Set(lots.map((l) => l.batchId)).size).toBe(1);
    expect(await t.db.one('select quantity from product_batches where product_id = $1', [p.id])).toEqual({ quantity: 12 });
  });

  it('refuses the whole note when one lot is held with another expiry, writing nothing', async () => {
    const p = await seedProduct(t, { name: 'Ibuprofène 400 mg' });
    await seedBatch(t, { productId: p.id, lotNumber: 'IBU-1', expirationDate: '2027-03-31', quantity: 4 });
    const before = await t.db.one<{ n: number }>('select count(*)::int as n from stock_movements');
    const ph = await t.as('pharmacist');
    const d = await ph.post('/api/deliveries').send({ supplierId, lines: [line(p.id, 'IBU-2', 10, 30), line(p.id, 'IBU-1', 10, 30)] });
    const v = await ph.post(`/api/deliveries/${d.body.id}/validate`).send({});
    expect(v.status).toBe(409);
    expect(v.body.error.message).toMatch(/IBU-1/);
    expect(await t.db.one<{ n: number }>('select count(*)::int as n from stock_movements')).toEqual(before);
    expect(await t.db.rows("select 1 from product_batches where lot_number = 'IBU-2'")).toEqual([]);
  });
});
