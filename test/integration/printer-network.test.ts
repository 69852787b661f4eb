import { beforeAll, describe, expect, it } from 'vitest';
import { seedBatch, seedProduct, testShop, type TestShop } from '../support/harness.js';

let t: TestShop;

beforeAll(async () => {
  t = await testShop({ now: new Date('2026-11-26T14:05:00Z') });
});

describe('a receipt printer on the shop’s network only', () => {
  it('refuses a public address or a name that does not lead into the shop, writing nothing', async () => {
    const manager = await t.as('manager');
    const before = await t.db.one('select printer_kind, printer_target from shops where id = $1', [t.shop.id]);
    for (const target of ['tcp://8.8.8.8:9100', '203.0.113.7:9100', 'tcp://100.64.0.1:9100', 'tcp://0.0.0.0:9100', 'tcp://224.0.0.1:9100']) {
      const res = await manager.patch('/api/settings').send({ printerKind: 'escpos', printerTarget: target });
      expect(res.status, target).toBe(422);
      expect(res.body.error.code).toBe('printer_target_outside');
      expect(res.body.error.message).toMatch(/^L’imprimante doit être sur le réseau de la boutique/);
    }
    const unknown = await manager.patch('/api/settings').send({ printerKind: 'escpos', printerTarget: 'tcp://imprimante.invalid:9100' });
    expect(unknown.status).toBe(422);
    expect(unknown.body.error.code).toBe('printer_host_unknown');
    // An IPv6 literal would be opened as a file by the printer library: refused with the other odd targets.
    expect((await manager.patch('/api/settings').send({ printerKind: 'escpos', printerTarget: 'tcp://[fe80::1]:9100' })).status).toBe(422);
    expect(await t.db.one('select printer_kind, printer_target from shops where id = $1', [t.shop.id])).toEqual(before);
  });

  it('accepts the private ranges, link-local, loopback and a name that resolves into them', async () => {
    const manager = await t.as('manager');
    try {
      for (const [target, kept] of [
        ['192.168.1.50:9100', 'tcp://192.168.1.50:9100'], ['tcp://10.0.0.5:9100', 'tcp://10.0.0.5:9100'], ['tcp://172.31.255.1:9100', 'tcp://172.31.255.1:9100'],
        ['tcp://169.254.10.10:9100', 'tcp://169.254.10.10:9100'], ['tcp://127.0.0.1:9100', 'tcp://127.0.0.1:9100'], ['tcp://localhost:9100', 'tcp://localhost:9100'],
      ]) {
        const res = await manager.patch('/api/settings').send({ printerKind: 'escpos', printerTarget: target });
        expect(res.status, target).toBe(200);
        expect(res.body.printerTarget).toBe(kept);
      }
    } finally {
      await manager.patch('/api/settings').send({ printerKind: 'none', printerTarget: '' });
    }
  });

  it('never sends a receipt to a public address stored behind the settings’ back', async () => {
    const p = await seedProduct(t, { name: 'Sérum', unitPrice: 500 });
    await seedBatch(t, { productId: p.id, expirationDate: '2028-01-31', quantity: 5 });
    await t.db.exec(`update shops set printer_kind = 'escpos', printer_target = 'tcp://8.8.8.8:9100' where id = $1`, [t.shop.id]);
    try {
      const cashier = await t.as('cashier');
      const sale = (await cashier.post('/api/sales').send({ lines: [{ productId: p.id, quantity: 1 }], payment: { method: 'cash' } })).body;
      await t.services.receipts.drain();
      const prints = (await cashier.get(`/api/sales/${sale.id}/prints`)).body;
      expect(prints[0]).toMatchObject({ status: 'failed' });
      expect(prints[0].error).toMatch(/^L’imprimante doit être sur le réseau de la boutique/);
    } finally {
      await t.db.exec(`update shops set printer_kind = 'none', printer_target = '' where id = $1`, [t.shop.id]);
    }
  });
});
