import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { csrfToken } from '../../server/web/context.js';
import { PINS, seedBatch, seedProduct, testShop, type TestShop } from '../support/harness.js';
import { pdfPages, pdfText, requireTool } from '../support/tools.js';

const poppler = requireTool('pdftotext', 'poppler-utils');

// 26/11/2026 in Dakar: a lot expiring before 26/05/2027 is short-dated (6 months by default).
let t: TestShop;
let amox: string;
let doli: string;

beforeAll(async () => {
  t = await testShop({ now: new Date('2026-11-26T10:00:00Z') });
  amox = (await seedProduct(t, { name: 'Amoxicilline 500 mg', unitPrice: 2500, sku: 'AMX500', gtin: '3400930000014' })).id;
  doli = (await seedProduct(t, { name: 'Doliprane 1000 mg', unitPrice: 1200, sku: 'DOL1000', gtin: '3400930000021' })).id;
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

const rows = async (sql: string, params: unknown[] = []) => t.db.rows<Record<string, unknown>>(sql, params);

describe('purchasing pages', () => {
  let supplierId: string;
  let orderId: string;
  let deliveryId: string;

  it('shows « Achats » in the navigation to a pharmacist and not to a cashier, who is refused the pages', async () => {
    const ph = await browserAs('pharmacist');
    const page = await ph.agent.get('/fournisseurs');
    expect(page.status).toBe(200);
    expect(page.text).toContain('>Achats</a>');
    expect(page.text).toContain('Aucun fournisseur pour l’instant.');
    const cashier = await browserAs('cashier');
    expect((await cashier.agent.get('/caisse')).text).not.toContain('>Achats</a>');
    expect((await cashier.agent.get('/commandes')).status).toBe(403);
    expect((await cashier.post('/fournisseurs', { name: 'X' })).status).toBe(403);
    expect(await rows('select 1 from suppliers')).toEqual([]);
  });

  it('creates a supplier once from its form, edits it, and links a product by its barcode', async () => {
    const ph = await browserAs('pharmacist');
    const id = randomUUID();
    const form = { id, name: 'Laborex Sénégal', phone: '+221 33 889 00 00', leadTimeDays: '2', deliveryDays: 'lun, mer, ven', email: '', address: '', taxId: '', paymentTerms: '' };
    const created = await ph.post('/fournisseurs', form);
    expect(created.status).toBe(303);
    expect(created.headers.location).toBe(`/fournisseurs/${id}`);
    expect((await ph.post('/fournisseurs', form)).status).toBe(303);
    expect(await rows('select name from suppliers')).toEqual([{ name: 'Laborex Sénégal' }]);
    supplierId = id;

    const refused = await ph.post(`/fournisseurs/${id}`, { ...form, name: '' });
    expect(refused.status).toBe(422);
    expect(refused.text).toContain('role="alert"');
    expect(await rows('select name from suppliers')).toEqual([{ name: 'Laborex Sénégal' }]);
    expect((await ph.post(`/fournisseurs/${id}`, { ...form, paymentTerms: '30 jours fin de mois', active: 'on' })).status).toBe(303);

    expect((await ph.post(`/fournisseurs/${id}/produits`, { product: '3400930000014', supplierCode: 'LBX-AMX', packUnits: '10', preferred: 'on' })).status).toBe(303);
    expect((await ph.post(`/fournisseurs/${id}/produits`, { product: 'DOL1000', packUnits: '1' })).status).toBe(303);
    const unknown = await ph.post(`/fournisseurs/${id}/produits`, { product: 'Inconnu 42', packUnits: '1' });
    expect(unknown.status).toBe(422);
    expect(unknown.text).toContain('Aucun produit ne correspond à « Inconnu 42 ».');
    const page = await ph.agent.get(`/fournisseurs/${id}`);
    expect(page.text).toContain('30 jours fin de mois');
    expect(page.text).toContain('LBX-AMX');
    expect(page.text).toContain('Doliprane 1000 mg');
  });

  it('suggests quantities per line with their explanation, and makes a draft from the edited table', async () => {
    await seedBatch(t, { productId: amox, lotNumber: 'A-OLD', expirationDate: '2028-01-31', quantity: 6 });
    const ph = await browserAs('pharmacist');
    const page = await ph.agent.get('/commandes/suggestions').query({ fournisseur: supplierId });
    expect(page.status).toBe(200);
    expect(page.text).toContain('Commande suggérée — Laborex Sénégal');
    expect(page.text).toMatch(/vendu 0 en 8 semaines, en stock 6, commandé 0 → \d+/);
    orderId = randomUUID();
    const made = await ph.post('/commandes', { id: orderId, supplierId, productId: [amox, doli], quantity: ['30', '0'], unitCost: ['1800', ''] });
    expect(made.status).toBe(303);
    expect(made.headers.location).toBe(`/commandes/${orderId}`);
    const order = await ph.agent.get(`/commandes/${orderId}`);
    expect(order.text).toContain('Commande BC-DKR01-000001');
    expect(order.text).toContain('brouillon');
    expect(await rows('select product_id, quantity from purchase_order_lines where order_id = $1', [orderId])).toEqual([{ productId: amox, quantity: 30 }]);
  });

  it('edits a draft’s lines, sends it, then refuses to edit it with the French reason and changes nothing', async () => {
    const ph = await browserAs('pharmacist');
    expect((await ph.post(`/commandes/${orderId}/lignes`, { productId: [amox], quantity: ['40'], unitCost: ['1800'], addProduct: 'DOL1000', addQuantity: '12', addCost: '900' })).status).toBe(303);
    expect((await ph.post(`/commandes/${orderId}/envoyer`, {})).status).toBe(303);
    const refused = await ph.post(`/commandes/${orderId}/lignes`, { productId: [amox], quantity: ['99'] });
    expect(refused.status).toBe(409);
    expect(refused.text).toContain('La commande BC-DKR01-000001 est envoyée : ses lignes ne se modifient plus');
    expect(await rows('select product_id, quantity from purchase_order_lines where order_id = $1 order by line_no', [orderId]))
      .toEqual([{ productId: amox, quantity: 40 }, { productId: doli, quantity: 12 }]);
    const page = await ph.agent.get(`/commandes/${orderId}`);
    expect(page.text).toContain('Recevoir la livraison');
    expect(page.text).toContain('Annuler la commande');
  });

  it('receives the order line by line: a scanned DataMatrix fills the line, a short-dated lot waits for the pharmacist’s tick', async () => {
    const ph = await browserAs('pharmacist');
    deliveryId = randomUUID();
    const started = await ph.post('/receptions', { id: deliveryId, purchaseOrderId: orderId, supplierId: '', deliveryNote: 'BL-7781' });
    expect(started.status).toBe(303);
    const scanned = await ph.post(`/receptions/${deliveryId}/scan`, { scan: '010340093000001410LOT-A1\u001d17290531' }, true);
    expect(scanned.text).toContain('value="3400930000014"');
    expect(scanned.text).toContain('value="LOT-A1"');
    expect(scanned.text).toContain('value="2029-05-31"');
    const lineId = randomUUID();
    const added = await ph.post(`/receptions/${deliveryId}/lignes`, { lineId, product: '3400930000014', lotNumber: 'LOT-A1', expirationDate: '2029-05-31', quantity: '40', unitCost: '1800' }, true);
    expect(added.status).toBe(200);
    await ph.post(`/receptions/${deliveryId}/lignes`, { lineId, product: '3400930000014', lotNumber: 'LOT-A1', expirationDate: '2029-05-31', quantity: '40', unitCost: '1800' }, true);
    const short = await ph.post(`/receptions/${deliveryId}/lignes`, { lineId: randomUUID(), product: 'DOL1000', lotNumber: 'D-9', expirationDate: '2027-02-28', quantity: '10', unitCost: '900' }, true);
    expect(short.text).toContain('date courte');
    expect(short.text).toMatch(/Doliprane 1000 mg <small>D-9<\/small><\/td><td>Commandée<\/td><td>12<\/td><td>10<\/td>/);
    expect(await rows('select lot_number from delivery_lines where delivery_id = $1 order by line_no', [deliveryId])).toEqual([{ lotNumber: 'LOT-A1' }, { lotNumber: 'D-9' }]);

    const refused = await ph.post(`/receptions/${deliveryId}/valider`, {}, true);
    expect(refused.status).toBe(422);
    expect(refused.text).toContain('Ligne 2 : le lot D-9 expire le 28/02/2027, dans moins de 6 mois ; un pharmacien doit confirmer cette date courte.');
    expect(await rows("select 1 from product_batches where lot_number in ('LOT-A1', 'D-9')")).toEqual([]);

    const d9 = (await rows("select id from delivery_lines where lot_number = 'D-9'"))[0]!.id as string;
    const done = await ph.post(`/receptions/${deliveryId}/valider`, { confirm: d9 }, true);
    expect(done.status).toBe(200);
    expect(done.text).toContain('Réception BR-DKR01-000001 validée : 2 ligne(s) entrée(s) en stock.');
    expect(await rows("select lot_number, quantity from product_batches where lot_number in ('LOT-A1', 'D-9') order by lot_number"))
      .toEqual([{ lotNumber: 'D-9', quantity: 10 }, { lotNumber: 'LOT-A1', quantity: 40 }]);
    expect((await ph.agent.get(`/commandes/${orderId}`)).text).toContain('reçue en partie');
  });

  it('refuses to validate a delivery holding an expired lot, says why in French, and writes no lot', async () => {
    const ph = await browserAs('pharmacist');
    const id = randomUUID();
    await ph.post('/receptions', { id, supplierId, deliveryNote: 'BL-2' });
    const page = await ph.agent.get(`/receptions/${id}`);
    expect(page.text).toContain('Réception en cours de saisie');
    await ph.post(`/receptions/${id}/lignes`, { lineId: randomUUID(), product: 'AMX500', lotNumber: 'OLD-1', expirationDate: '2026-10-31', quantity: '5', unitCost: '1800' }, true);
    const refused = await ph.post(`/receptions/${id}/valider`, {}, true);
    expect(refused.status).toBe(422);
    expect(refused.text).toContain('le lot OLD-1 est périmé (31/10/2026)');
    expect(await rows("select 1 from product_batches where lot_number = 'OLD-1'")).toEqual([]);
  });

  it('sends back a lot, then records the supplier’s credit note', async () => {
    const ph = await browserAs('pharmacist');
    const list = await ph.agent.get('/retours-fournisseur');
    expect(list.status).toBe(200);
    expect(list.text).toContain('D-9');
    const batch = (await rows("select id from product_batches where lot_number = 'D-9'"))[0]!.id as string;
    const id = randomUUID();
    const tooMany = await ph.post('/retours-fournisseur', { id, supplierId, batchId: [batch], quantity: ['11'], reason: ['damaged'] });
    expect(tooMany.status).toBe(422);
    expect(tooMany.text).toContain('n’a que 10 unité(s) en stock');
    expect(await rows('select 1 from supplier_returns')).toEqual([]);
    expect((await ph.post('/retours-fournisseur', { id, supplierId, batchId: [batch], quantity: ['4'], reason: ['damaged'] })).status).toBe(303);
    expect((await ph.post(`/retours-fournisseur/${id}/valider`, {})).status).toBe(303);
    const sent = await ph.agent.get(`/retours-fournisseur/${id}`);
    expect(sent.text).toContain('Retour RF-DKR01-000001');
    expect(sent.text).toContain('Abîmé');
    expect(sent.text).toMatch(/Avoir attendu : 3\s600\sFCFA/);
    expect(await rows("select quantity from product_batches where lot_number = 'D-9'")).toEqual([{ quantity: 6 }]);
    expect((await ph.post(`/retours-fournisseur/${id}/avoir`, { creditNoteNumber: 'AV-551', amount: '3600' })).status).toBe(303);
    expect((await ph.agent.get(`/retours-fournisseur/${id}`)).text).toContain('avoir reçu');
  });

  it.skipIf(!poppler.available)('prints the order and the return note as A4 PDFs in French, and refuses a cashier', async () => {
    const ph = await t.as('pharmacist');
    const pdfOf = (url: string) => ph.get(url).buffer(true).parse((r, cb) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => cb(null, Buffer.concat(chunks)));
    });
    const order = await pdfOf(`/api/purchase-orders/${orderId}/order.pdf`);
    expect(order.status).toBe(200);
    expect(order.headers['content-type']).toBe('application/pdf');
    expect(order.headers['content-disposition']).toBe('inline; filename="BC-DKR01-000001.pdf"');
    const size = pdfPages(order.body as Buffer);
    expect([Math.round(size.widthPt), Math.round(size.heightPt)]).toEqual([595, 842]);
    const text = pdfText(order.body as Buffer);
    expect(text).toContain('BON DE COMMANDE');
    expect(text).toContain('Laborex Sénégal');
    expect(text).toMatch(/LBX-AMX\s+Amoxicilline 500 mg\s+3400930000014\s+40\s+4\s+1 800 FCFA\s+72 000 FCFA/);
    expect(text).toMatch(/Total estimé : 82 800 FCFA/);
    expect(text).toContain('État : reçue en partie');

    const ret = (await rows('select id from supplier_returns'))[0]!.id as string;
    const note = await pdfOf(`/api/supplier-returns/${ret}/note.pdf`);
    expect(note.status).toBe(200);
    const noteText = pdfText(note.body as Buffer);
    expect(noteText).toContain('BON DE RETOUR FOURNISSEUR');
    expect(noteText).toContain('RF-DKR01-000001');
    expect(noteText).toMatch(/Doliprane 1000 mg\s+D-9\s+28\/02\/2027\s+4\s+Abîmé\s+900 FCFA\s+3 600 FCFA/);
    expect(noteText).toContain('Avoir attendu : 3 600 FCFA');

    const cashier = await t.as('cashier');
    expect((await cashier.get(`/api/purchase-orders/${orderId}/order.pdf`)).status).toBe(403);
  });
});
