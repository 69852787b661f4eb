import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { gtinCheckDigit } from '../../server/domain/gtin.js';
import { formatFcfa } from '../../server/domain/money.js';
import { unitPackId } from '../../server/ids.js';
import { sessionHash } from '../../server/users/service.js';
import { csrfToken } from '../../server/web/context.js';
import { PINS, cashierActor, managerActor, seedBatch, testShop, type TestShop } from '../support/harness.js';

let t: TestShop;
let serial = 0;
const gtin = () => {
  const body = `3400${String(++serial).padStart(8, '0')}`;
  return body + gtinCheckDigit(body);
};

beforeAll(async () => {
  t = await testShop({ now: new Date('2026-11-26T10:00:00Z') });
});

interface PackBody { id: string; name: string; units: number; unitPrice: number; gtin: string | null }

/** « Doliprane 500 mg »: tablets at 100, a blister of 10 at 900, a box of 30 at 2 500 with its own barcode. */
async function doliprane(lots: [string, string, number][] = []) {
  const pharmacist = await t.as('pharmacist');
  const boxGtin = gtin();
  const res = await pharmacist.post('/api/products').send({
    sku: `DOLI-${randomUUID().slice(0, 8)}`, name: 'Doliprane 500 mg', gtin: gtin(), baseUnit: 'comprimé', unitPrice: 100,
    packs: [{ name: 'Plaquette de 10', units: 10, unitPrice: 900 }, { name: 'Boîte de 30', units: 30, unitPrice: 2500, gtin: boxGtin }],
  });
  expect(res.status).toBe(201);
  const packs = res.body.packs as PackBody[];
  const batches = [];
  for (const [lotNumber, expirationDate, quantity] of lots) batches.push(await seedBatch(t, { productId: res.body.id, lotNumber, expirationDate, quantity }));
  return {
    product: res.body as { id: string; gtin: string; packs: PackBody[] }, boxGtin, batches,
    unit: packs.find((k) => k.units === 1)!, blister: packs.find((k) => k.units === 10)!, box: packs.find((k) => k.units === 30)!,
  };
}

const quantityOf = async (batchId: string) => (await t.db.one<{ quantity: number }>('select quantity from product_batches where id = $1', [batchId]))!.quantity;
const pay = { payment: { method: 'cash', tendered: 100_000 } };

describe('a product with packs', () => {
  it('is made with its base unit and its packs, answered with them, and made once when its id is sent twice', async () => {
    const pharmacist = await t.as('pharmacist');
    const id = randomUUID();
    const body = {
      id, sku: 'SMECTA-30', name: 'Smecta', baseUnit: 'sachet', unitPrice: 150, gtin: gtin(),
      packs: [{ name: 'Boîte de 30', units: 30, unitPrice: 4000, gtin: gtin() }],
    };
    const first = await pharmacist.post('/api/products').send(body);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ id, baseUnit: 'sachet', unitPrice: 150 });
    expect(first.body.packs).toEqual([
      expect.objectContaining({ id: unitPackId(id), name: 'sachet', units: 1, unitPrice: 150, gtin: body.gtin, sellable: true }),
      expect.objectContaining({ name: 'Boîte de 30', units: 30, unitPrice: 4000, gtin: body.packs[0]!.gtin }),
    ]);
    const before = await t.counts();
    const again = await pharmacist.post('/api/products').send(body);
    expect(again.status).toBe(200);
    expect(again.body.packs.map((k: PackBody) => k.id)).toEqual(first.body.packs.map((k: PackBody) => k.id));
    expect(await t.counts()).toEqual(before);
    // The box travels to head office as a pack of its own; the unit pack is made with its product everywhere.
    const sent = await t.db.rows<{ entity: string; op: string }>('select entity, op from sync_outbox where entity_id = any($1::uuid[]) order by seq', [[id, ...first.body.packs.map((k: PackBody) => k.id)]]);
    expect(sent).toEqual([{ entity: 'product', op: 'insert' }, { entity: 'product_pack', op: 'insert' }]);
  });

  it('was, for a product made before packs, one pack of 1 at its price and GTIN', async () => {
    const pharmacist = await t.as('pharmacist');
    const code = gtin();
    const res = await pharmacist.post('/api/products').send({ sku: 'OLD-1', name: 'Vitamine C', unitPrice: 500, gtin: code });
    expect(res.status).toBe(201);
    expect(res.body.packs).toEqual([expect.objectContaining({ id: unitPackId(res.body.id), name: 'unité', units: 1, unitPrice: 500, gtin: code })]);
    const manager = await t.as('manager');
    await manager.patch(`/api/products/${res.body.id}`).send({ unitPrice: 550 }).expect(200);
    expect((await manager.get(`/api/products/${res.body.id}`)).body.packs[0].unitPrice).toBe(550);
  });

  it('refuses a barcode that names another article, pack or product, and writes nothing', async () => {
    const { product, boxGtin } = await doliprane();
    const pharmacist = await t.as('pharmacist');
    const before = await t.counts();
    const asPack = await pharmacist.post(`/api/products/${product.id}/packs`).send({ name: 'Boîte de 90', units: 90, unitPrice: 7000, gtin: product.gtin });
    expect(asPack.status).toBe(409);
    expect(asPack.body.error).toEqual({ code: 'gtin_taken', message: `Le code-barres (GTIN) ${product.gtin} est déjà attribué à un autre produit.` });
    const asProduct = await pharmacist.post('/api/products').send({ sku: 'OTHER', name: 'Autre', unitPrice: 10, gtin: boxGtin });
    expect(asProduct.status).toBe(409);
    expect(asProduct.body.error.code).toBe('gtin_taken');
    expect(await t.counts()).toEqual(before);
    expect((await t.db.one<{ n: number }>('select count(*)::int as n from product_packs where product_id = $1', [product.id]))!.n).toBe(3);
  });

  it('changes a pack’s price and retires it, never its size', async () => {
    const { product, blister } = await doliprane([['P1', '2027-06-30', 60]]);
    const manager = await t.as('manager');
    const size = await manager.patch(`/api/products/${product.id}/packs/${blister.id}`).send({ units: 12 });
    expect(size.status).toBe(422);
    expect(size.body.error.message).toBe('La taille d’un conditionnement ne change pas : créez-en un nouveau et retirez l’ancien.');
    const priced = await manager.patch(`/api/products/${product.id}/packs/${blister.id}`).send({ unitPrice: 950 });
    expect(priced.status).toBe(200);
    expect(priced.body).toMatchObject({ units: 10, unitPrice: 950 });
    const sale = await manager.post('/api/sales').send({ lines: [{ productId: product.id, packId: blister.id, quantity: 1 }], ...pay });
    expect(sale.body.items[0]).toMatchObject({ packId: blister.id, packName: 'Plaquette de 10', quantity: 1, units: 10, unitPrice: 950, lineTotal: 950 });
    await manager.patch(`/api/products/${product.id}/packs/${blister.id}`).send({ retired: true }).expect(200);
    const before = await t.counts();
    const refused = await manager.post('/api/sales').send({ lines: [{ productId: product.id, packId: blister.id, quantity: 1 }], ...pay });
    expect(refused.status).toBe(422);
    expect(refused.body.error).toMatchObject({ code: 'pack_not_sellable', message: '« Plaquette de 10 » de « Doliprane 500 mg » n’est pas (ou plus) vendu.' });
    expect(await t.counts()).toEqual(before);
    // The unit pack's price is the product's unit price; it is never retired.
    const unit = unitPackId(product.id);
    const unitPriced = await manager.patch(`/api/products/${product.id}/packs/${unit}`).send({ unitPrice: 120 });
    expect(unitPriced.body).toMatchObject({ id: unit, unitPrice: 120 });
    expect((await manager.get(`/api/products/${product.id}`)).body.unitPrice).toBe(120);
    expect((await manager.patch(`/api/products/${product.id}/packs/${unit}`).send({ retired: true })).status).toBe(422);
  });
});

describe('a sale in packs and units', () => {
  it('sells a box and loose tablets of the same lot in one cart, the ledger in base units', async () => {
    const { product, box, batches } = await doliprane([['L123', '2027-03-31', 67]]);
    const cashier = await t.as('cashier');
    const res = await cashier.post('/api/sales').send({ lines: [{ productId: product.id, packId: box.id, quantity: 1 }, { productId: product.id, quantity: 4 }], ...pay });
    expect(res.status).toBe(201);
    expect(res.body.total).toBe(2900);
    expect(res.body.items).toEqual([
      expect.objectContaining({ packId: box.id, packName: 'Boîte de 30', quantity: 1, units: 30, unitPrice: 2500, lineTotal: 2500, lotNumber: 'L123' }),
      expect.objectContaining({ packId: unitPackId(product.id), packName: 'comprimé', quantity: 4, units: 4, unitPrice: 100, lineTotal: 400, lotNumber: 'L123' }),
    ]);
    expect(await quantityOf(batches[0]!.id)).toBe(33);
    const moves = await t.db.rows<{ delta: number }>(`select delta from stock_movements where batch_id = $1 and kind = 'sale' order by delta`, [batches[0]!.id]);
    expect(moves.map((m) => m.delta)).toEqual([-30, -4]);
    // The session's X report lists what left the shelves, in the packs it was sold in.
    const x = await t.services.cash.reportPreview(res.body.sessionId, cashierActor(t));
    const articles = x.sections.find((sec) => sec.heading === 'Articles vendus')!;
    expect(articles.rows.filter((r) => r.label.startsWith('Doliprane'))).toEqual(expect.arrayContaining([
      { label: 'Doliprane 500 mg — Boîte de 30', amount: '× 1' }, { label: 'Doliprane 500 mg', amount: '× 4' },
    ]));
    // The receipt names the pack and its count: « Doliprane 500 mg — Boîte de 30 », « 1 × 2 500 FCFA », lot and expiry.
    const receipt = t.services.receipts.preview({ ...res.body, createdAt: new Date(res.body.createdAt) }, (await t.services.settings.get()) as never);
    expect(receipt.lines.map((l) => [l.name, l.detail, l.lot])).toEqual([
      ['Doliprane 500 mg — Boîte de 30', `1 × ${formatFcfa(2500)}`, 'Lot L123 · Exp. 03/2027'],
      ['Doliprane 500 mg', `4 × ${formatFcfa(100)}`, 'Lot L123 · Exp. 03/2027'],
    ]);
  });

  it('takes a box whole from one lot, and says what can be sold when no lot holds one, writing nothing', async () => {
    const { product, box } = await doliprane([['A', '2027-01-31', 20], ['B', '2027-02-28', 20]]);
    const cashier = await t.as('cashier');
    const before = await t.counts();
    const res = await cashier.post('/api/sales').send({ lines: [{ productId: product.id, packId: box.id, quantity: 1 }], ...pay });
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ code: 'insufficient_stock', message: 'Stock insuffisant pour « Doliprane 500 mg » — demandé : 1 boîte ; disponible : 40 comprimés.' });
    expect(await t.counts()).toEqual(before);

    const other = await doliprane([['C', '2027-01-31', 42]]);
    const beforeTwo = await t.counts();
    const two = await cashier.post('/api/sales').send({ lines: [{ productId: other.product.id, packId: other.box.id, quantity: 2 }], ...pay });
    expect(two.body.error.message).toBe('Stock insuffisant pour « Doliprane 500 mg » — demandé : 2 boîtes ; disponible : 1 boîte et 12 comprimés.');
    expect(await t.counts()).toEqual(beforeTwo);
  });

  it('refuses a pack of another product and a base unit not sold alone, writing nothing', async () => {
    const { product } = await doliprane([['D', '2027-01-31', 30]]);
    const syrup = await (await t.as('pharmacist')).post('/api/products').send({
      sku: `SIROP-${randomUUID().slice(0, 6)}`, name: 'Sirop Toplexil', baseUnit: 'ml',
      packs: [{ name: 'ml', units: 1, unitPrice: 10, sellable: false }, { name: 'Flacon de 150 ml', units: 150, unitPrice: 2200 }],
    });
    expect(syrup.status).toBe(201);
    await seedBatch(t, { productId: syrup.body.id, lotNumber: 'S1', expirationDate: '2027-05-31', quantity: 300 });
    const cashier = await t.as('cashier');
    const before = await t.counts();
    const foreign = await cashier.post('/api/sales').send({ lines: [{ productId: product.id, packId: syrup.body.packs[1].id, quantity: 1 }], ...pay });
    expect(foreign.body.error).toMatchObject({ code: 'pack_unknown', message: 'Ce conditionnement n’est pas un conditionnement de « Doliprane 500 mg ».' });
    const loose = await cashier.post('/api/sales').send({ lines: [{ productId: syrup.body.id, quantity: 5 }], ...pay });
    expect(loose.body.error).toMatchObject({ code: 'unit_not_sellable', message: '« Sirop Toplexil » ne se vend pas à l’unité : choisissez un conditionnement.' });
    expect(await t.counts()).toEqual(before);
    const bottle = await cashier.post('/api/sales').send({ lines: [{ productId: syrup.body.id, packId: syrup.body.packs[1].id, quantity: 2 }], ...pay });
    expect(bottle.body.items).toEqual([expect.objectContaining({ quantity: 2, units: 300, lineTotal: 4400 })]);
  });

  it('gives back a returned blister’s units to the lot it left, and a void gives back every unit', async () => {
    const { product, blister, batches } = await doliprane([['R1', '2027-04-30', 60]]);
    const manager = await t.as('manager');
    const sale = (await manager.post('/api/sales').send({ lines: [{ productId: product.id, packId: blister.id, quantity: 2 }], ...pay })).body;
    expect(await quantityOf(batches[0]!.id)).toBe(40);
    const ret = await manager.post(`/api/sales/${sale.id}/returns`).send({ lines: [{ saleItemId: sale.items[0].id, quantity: 1 }], refundMethod: 'cash' });
    expect(ret.status).toBe(201);
    expect(ret.body.lines[0]).toMatchObject({ quantity: 1, units: 10, packName: 'Plaquette de 10', amount: 900 });
    expect(await quantityOf(batches[0]!.id)).toBe(50);
    const note = await t.services.returns.creditNote(ret.body.id);
    expect(note.model.lines[0]!.name).toBe('Doliprane 500 mg — Plaquette de 10');
    // One blister is left to return: two are refused.
    const tooMany = await manager.post(`/api/sales/${sale.id}/returns`).send({ lines: [{ saleItemId: sale.items[0].id, quantity: 2 }] });
    expect(tooMany.body.error.code).toBe('return_too_many');

    const boxSale = (await manager.post('/api/sales').send({ lines: [{ productId: product.id, packId: product.packs[2]!.id, quantity: 1 }], ...pay })).body;
    expect(await quantityOf(batches[0]!.id)).toBe(20);
    await manager.post(`/api/sales/${boxSale.id}/void`).expect(200);
    expect(await quantityOf(batches[0]!.id)).toBe(50);
  });
});

describe('the till in packs', () => {
  async function browserAs(role: keyof typeof PINS) {
    const agent = request.agent(t.app);
    const res = await agent.post('/connexion').type('form').send({ pin: PINS[role] });
    const token = decodeURIComponent(/comptoir_session=([^;]+)/.exec(String(res.headers['set-cookie']))![1]!);
    const post = (url: string, body: Record<string, string> = {}) => agent.post(url).set('X-CSRF-Token', csrfToken(token)).set('HX-Request', 'true').type('form').send(body);
    return { agent, post, hash: sessionHash(token) };
  }

  it('adds one box for a scan of the box’s barcode, plain or DataMatrix, and switches a line to tablets', async () => {
    const { product, boxGtin, box } = await doliprane([['EARLY', '2027-01-31', 60], ['LATE', '2027-08-31', 60]]);
    const { post, hash } = await browserAs('cashier');
    const scanned = await post('/caisse/scan', { q: boxGtin });
    expect(scanned.status).toBe(200);
    expect(scanned.text).toContain('« Doliprane 500 mg — Boîte de 30 » ajouté.');
    // A DataMatrix of a box of the later lot: that lot's box.
    const dm = await post('/caisse/scan', { q: `]d201${boxGtin.padStart(14, '0')}17270831\u001d10LATE` });
    expect(dm.text).toContain('lot LATE');
    let cart = await t.services.till.cart(hash);
    expect(cart.lines.map((l) => [l.pack.name, l.quantity, l.pinnedLot, l.lots.map((x) => [x.lotNumber, x.quantity])])).toEqual([
      ['Boîte de 30', 1, null, [['EARLY', 1]]],
      ['Boîte de 30', 1, 'LATE', [['LATE', 1]]],
    ]);
    expect(cart.total).toBe(5000);
    // The cart line offers the product's packs, and a change of pack keeps the count.
    const line = cart.lines[0]!;
    expect(line.packs.map((k) => k.name)).toEqual(['comprimé', 'Plaquette de 10', 'Boîte de 30']);
    const switched = await post(`/caisse/panier/${line.id}/conditionnement`, { packId: unitPackId(product.id) });
    expect(switched.status).toBe(200);
    expect(switched.text).toContain('<option value="' + unitPackId(product.id) + '" selected>');
    cart = await t.services.till.cart(hash);
    expect(cart.lines[0]).toMatchObject({ quantity: 1, unitPrice: 100, lineTotal: 100 });
    const sale = await t.services.till.checkout(hash, { payments: [{ method: 'card' }] }, cashierActor(t));
    expect(sale.items.map((i) => [i.packName, i.quantity, i.units, i.lotNumber])).toEqual([['comprimé', 1, 1, 'EARLY'], ['Boîte de 30', 1, 30, 'LATE']]);
    expect(box.id).toBe(sale.items[1]!.packId);
  });

  it('lists each pack of a product in the search results, with its stock in boxes and tablets', async () => {
    await doliprane([['S1', '2027-01-31', 67]]);
    const { agent } = await browserAs('cashier');
    const res = await agent.get('/caisse/recherche?q=doliprane').set('HX-Request', 'true');
    expect(res.status).toBe(200);
    expect(res.text).toContain('Plaquette de 10');
    expect(res.text).toContain('Boîte de 30');
    expect(res.text).toContain('2 boîtes + 7 comprimés en stock');
  });
});

describe('stock in packs and units', () => {
  it('receives boxes by a box’s barcode or a pack named, and counts boxes and loose tablets, always storing base units', async () => {
    const { product, boxGtin, box } = await doliprane();
    const manager = await t.as('manager');
    const byPack = await manager.post('/api/batches').send({ productId: product.id, lotNumber: 'REC-1', expirationDate: '2027-09-30', quantity: 3, packId: box.id, looseUnits: 7 });
    expect(byPack.status).toBe(201);
    expect(byPack.body).toMatchObject({ quantity: 97, initialQty: 97 });
    // A delivery row naming the box's barcode receives boxes.
    const [lot] = await t.services.stock.receiveDelivery([{ product: boxGtin, lotNumber: 'REC-2', expirationDate: '2027-10-31', quantity: 2, unitCost: null }], managerActor(t));
    expect(lot!.quantity).toBe(60);
    const counted = await manager.post(`/api/batches/${byPack.body.id}/movements`).send({ kind: 'count', countedQty: 2, packId: box.id, looseUnits: 5, reason: 'inventaire' });
    expect(counted.status).toBe(201);
    expect(counted.body.movement).toMatchObject({ kind: 'count', countedQty: 65, delta: -32 });
    expect(await quantityOf(byPack.body.id)).toBe(65);
    // The Stock page says it as the shelf holds it.
    const row = await t.services.stock.lot(byPack.body.id);
    expect(row).toMatchObject({ quantity: 65, quantityLabel: '2 boîtes + 5 comprimés', box: { id: box.id, units: 30 } });
    const before = await t.counts();
    const foreign = await manager.post(`/api/batches/${byPack.body.id}/movements`).send({ kind: 'count', countedQty: 1, packId: unitPackId(randomUUID()), reason: 'x' });
    expect(foreign.body.error.code).toBe('pack_unknown');
    expect(await t.counts()).toEqual(before);
  });

  it('lists products below their minimum, in packs', async () => {
    const { product } = await doliprane([['MIN-1', '2027-09-30', 42]]);
    const manager = await t.as('manager');
    await manager.patch(`/api/products/${product.id}`).send({ minStock: 90, maxStock: 300 }).expect(200);
    expect((await manager.patch(`/api/products/${product.id}`).send({ maxStock: 10 })).body.error.code).toBe('stock_limits');
    const low = await t.services.catalog.lowStock();
    expect(low.find((p) => p.id === product.id)).toMatchObject({ sellableQuantity: 42, sellableLabel: '1 boîte + 12 comprimés', minLabel: '3 boîtes' });
  });
});

describe('the Produits page in packs', () => {
  it('adds a pack to a product from its row and changes its price, and the Stock page counts in boxes', async () => {
    const { product } = await doliprane([['PG-1', '2027-09-30', 67]]);
    const agent = request.agent(t.app);
    const res = await agent.post('/connexion').type('form').send({ pin: PINS.manager });
    const token = decodeURIComponent(/comptoir_session=([^;]+)/.exec(String(res.headers['set-cookie']))![1]!);
    const post = (url: string, body: Record<string, string>) => agent.post(url).set('X-CSRF-Token', csrfToken(token)).set('HX-Request', 'true').type('form').send(body);
    const added = await post(`/produits/${product.id}/conditionnements`, { name: 'Boîte de 90', units: '90', unitPrice: '7000', gtin: '' });
    expect(added.status).toBe(200);
    expect(added.text).toContain('Conditionnement « Boîte de 90 » ajouté.');
    const pack90 = (await t.services.catalog.getProduct(product.id)).packs.find((k) => k.units === 90)!;
    const priced = await post(`/produits/${product.id}/conditionnements/${pack90.id}`, { unitPrice: '6800', sellable: 'on' });
    expect(priced.status).toBe(200);
    expect((await t.services.catalog.getProduct(product.id)).packs.find((k) => k.units === 90)).toMatchObject({ unitPrice: 6800, sellable: true, retired: false });
    const refused = await post(`/produits/${product.id}/conditionnements`, { name: 'Boîte', units: '1', unitPrice: '10' });
    expect(refused.status).toBe(409);
    expect(refused.text).toContain('Le conditionnement de 1 unité existe déjà');
    const stock = await agent.get('/stock').set('HX-Request', 'true');
    expect(stock.text).toContain('2 boîtes + 7 comprimés');
  });
});
