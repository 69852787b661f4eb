import { it } from 'vitest';
import { seedBatch, seedProduct, testShop } from '../support/harness.js';

it('traces a scan', async () => {
  const t = await testShop({});
  const p = await seedProduct(t, { name: 'P', gtin: '03400930000120' });
  await seedBatch(t, { productId: p.id, expirationDate: '2030-01-31', quantity: 1000 });
  const cashier = await t.as('cashier');
  const page = await cashier.get('/caisse');
  const csrf = /name="csrf-token" content="([^"]+)"/.exec(page.text)?.[1] ?? /csrf[^"]*"[^"]*"([^"]+)"/.exec(page.text)?.[1];
  for (let i = 0; i < 5; i++) await cashier.post('/caisse/scan').set('HX-Request', 'true').set('x-csrf-token', csrf!).type('form').send({ q: '03400930000120' });
  process.stdout.write('=====MARK\n');
  const r = await cashier.post('/caisse/scan').set('HX-Request', 'true').set('x-csrf-token', csrf!).type('form').send({ q: '03400930000120' });
  process.stdout.write(`=====END ${r.status}\n`);
});
