import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { staffService } from '../../server/staff/service.js';
import { seedProduct, testHq, testShop, type TestHq, type TestShop, staffBrowser } from '../support/harness.js';

// Issue 21: head office's « Achats » — every shop's orders and deliveries, and the supplier credits still expected.
let hq: TestHq;
let dakar: TestShop;
let thies: TestShop;
const suppliers: Record<string, string> = {};
const PASSWORD = 'un-mot-de-passe-solide';
const actor = (t: TestShop) => ({ id: t.userIds.pharmacist, name: 'Test pharmacist', role: 'pharmacist' as const });


/** One shop's purchasing: an order of 50 at 1 000, 30 of it received (invoice 31 000), 4 sent back; a second order left as a draft. */
async function buy(shop: TestShop, supplierName: string, credited: boolean) {
  const s = shop.services;
  const who = actor(shop);
  const product = (await seedProduct(shop, { name: 'Amoxicilline 500 mg', sku: `AMX-${shop.shop.code}` })).id;
  const supplierId = (await s.suppliers.create({ name: supplierName, leadTimeDays: 1 }, who)).supplier.id;
  suppliers[shop.shop.code] = supplierId;
  const { order } = await s.purchaseOrders.create({ supplierId, note: null, lines: [{ productId: product, quantity: 50, unitCost: 1000 }] }, who);
  await s.purchaseOrders.send(order.id, who);
  await s.purchaseOrders.create({ supplierId, note: null, lines: [{ productId: product, quantity: 9, unitCost: 1000 }] }, who);
  const { delivery } = await s.deliveries.create({
    supplierId, purchaseOrderId: order.id, deliveryNote: `BL-${shop.shop.code}`, invoiceNumber: 'F-1', invoiceTotal: 31_000, receivedDate: null,
    lines: [{ productId: product, lotNumber: 'AMX-1', expirationDate: '2030-01-31', quantity: 30, freeQty: 0, unitCost: 1000, invoicedQty: null, purchaseOrderLineId: null, confirmShortDated: false }],
  }, who);
  const lot = (await s.deliveries.validate(delivery.id, { lines: [] }, who)).lots[0]!.batchId!;
  const { supplierReturn } = await s.supplierReturns.create({ supplierId, lines: [{ batchId: lot, quantity: 4, reason: 'damaged' }] }, who);
  await s.supplierReturns.validate(supplierReturn.id, who);
  if (credited) await s.supplierReturns.credit(supplierReturn.id, { creditNoteNumber: 'AV-1', amount: 4000 }, who);
  await s.sync.runNow({ force: true });
}

beforeAll(async () => {
  hq = await testHq();
  await hq.listen();
  const staff = staffService({ db: hq.db, now: () => new Date() });
  await staff.addUser({ login: 'moussa', name: 'Moussa Ba', role: 'lecture', password: PASSWORD });
  dakar = await testShop({ code: 'DKR01', hq: { url: hq.url, token: await hq.registerShop('DKR01') } });
  thies = await testShop({ code: 'THS02', hq: { url: hq.url, token: await hq.registerShop('THS02') } });
  await buy(dakar, 'Laborex Sénégal', false);
  await buy(thies, 'Copharmed', true);
}, 60_000);

describe('head office’s Achats page', () => {
  it('lists every shop’s sent orders and validated deliveries, and the credits still expected, in French', async () => {
    const moussa = (await staffBrowser(hq, 'moussa', PASSWORD)).agent;
    const res = await moussa.get('/achats');
    expect(res.status).toBe(200);
    expect(res.text).toContain('>Achats</a>');
    const orders = res.text.slice(res.text.indexOf('id="hq-orders"'), res.text.indexOf('id="hq-deliveries"'));
    // Drafts never left the shops: one order each.
    expect(orders.match(/data-order="/g)).toHaveLength(2);
    expect(orders).toMatch(/DKR01<\/td><td>BC-DKR01-000001<\/td>.*Laborex Sénégal<\/td><td>reçue en partie<\/td>\s*<td class="num">50<\/td><td class="num">30<\/td>/s);
    const deliveries = res.text.slice(res.text.indexOf('id="hq-deliveries"'), res.text.indexOf('id="hq-credits"'));
    expect(deliveries.match(/data-delivery="/g)).toHaveLength(2);
    expect(deliveries).toContain('BR-THS02-000001');
    const credits = res.text.slice(res.text.indexOf('id="hq-credits"'));
    // Thiès was credited; Dakar still waits for 4 × 1 000.
    expect(credits.match(/data-return="/g)).toHaveLength(1);
    expect(credits).toMatch(/DKR01<\/td><td>RF-DKR01-000001<\/td>.*Laborex Sénégal<\/td><td>envoyé/s);
    expect(res.text).toMatch(/Commandé : 100\s000\sFCFA · reçu : 60\s000\sFCFA · avoirs attendus : 4\s000\sFCFA/);
  });

  it('filters by shop, supplier, period and state', async () => {
    const moussa = (await staffBrowser(hq, 'moussa', PASSWORD)).agent;
    const byShop = await moussa.get('/achats?boutique=THS02');
    expect(byShop.text).toContain('BC-THS02-000001');
    expect(byShop.text).not.toContain('BC-DKR01-000001');
    expect(byShop.text).toContain('Aucun avoir en attente.');
    const bySupplier = await moussa.get(`/achats?fournisseur=${suppliers.DKR01}`);
    expect(bySupplier.text).toContain('BR-DKR01-000001');
    expect(bySupplier.text).not.toContain('BR-THS02-000001');
    expect((await moussa.get('/achats?etat=received')).text).toContain('Aucune commande pour ces critères.');
    const past = await moussa.get('/achats?du=2020-01-01&au=2020-12-31');
    expect(past.text).toContain('Aucune commande pour ces critères.');
    expect(past.text).toContain('Aucune réception pour ces critères.');
    const bad = await moussa.get('/achats?du=hier');
    expect(bad.status).toBe(400);
  });

  it('exports each table with the same filters as CSV (and XLSX)', async () => {
    const moussa = (await staffBrowser(hq, 'moussa', PASSWORD)).agent;
    const orders = await moussa.get('/achats/commandes.csv?boutique=DKR01');
    expect(orders.status).toBe(200);
    expect(orders.headers['content-disposition']).toBe('attachment; filename="commandes-fournisseur-DKR01.csv"');
    const rows = orders.text.replace(/^\uFEFF/, '').trim().split('\r\n');
    expect(rows[0]).toBe('Boutique;Numéro;Date;Fournisseur;État;Lignes;Unités commandées;Unités reçues;Valeur commandée (FCFA);Valeur reçue (FCFA)');
    expect(rows.slice(1)).toEqual([expect.stringMatching(/^DKR01;BC-DKR01-000001;\d\d\/\d\d\/\d{4};Laborex Sénégal;reçue en partie;1;50;30;50000;30000$/)]);
    const deliveries = await moussa.get('/achats/receptions.csv');
    expect(deliveries.text.trim().split('\r\n')).toHaveLength(3);
    expect(deliveries.text).toMatch(/DKR01;BR-DKR01-000001;[^;]+;Laborex Sénégal;BC-DKR01-000001;BL-DKR01;F-1;1;30;30000;31000;1000/);
    const credits = await moussa.get('/achats/avoirs.csv');
    expect(credits.text).toMatch(/DKR01;RF-DKR01-000001;[^;]+;Laborex Sénégal;envoyé;4000;0;/);
    // What the chain bought of each supplier this month: one delivery each, 30 units at 1 000.
    const bySupplier = await moussa.get('/achats/par-fournisseur.csv');
    expect(bySupplier.headers['content-disposition']).toBe('attachment; filename="achats-par-fournisseur.csv"');
    const month = new Date().toISOString().slice(0, 7);
    expect(bySupplier.text.replace(/^\uFEFF/, '').trim().split('\r\n')).toEqual([
      'Fournisseur;Mois;Réceptions;Boutiques;Unités reçues;Valeur reçue (FCFA)',
      `Copharmed;${month};1;1;30;30000`,
      `Laborex Sénégal;${month};1;1;30;30000`,
    ]);
    expect((await moussa.get('/achats')).text).toMatch(/id="hq-by-supplier".*Copharmed<\/td><td>\d\d\/\d{4}<\/td><td class="num">1<\/td>/s);
    const xlsx = await moussa.get('/achats/avoirs.xlsx').buffer(true);
    expect(xlsx.status).toBe(200);
    expect(xlsx.headers['content-type']).toContain('spreadsheetml');
  });

  it('is for head office’s staff only: a visitor is sent to Connexion', async () => {
    const res = await request(hq.app).get('/achats');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/connexion');
  });
});
