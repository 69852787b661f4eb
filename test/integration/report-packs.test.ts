import request from 'supertest';
import { beforeAll, afterAll, describe, expect, it } from 'vitest';
import { formatFcfa } from '../../server/domain/money.js';
import { staffService } from '../../server/staff/service.js';
import { pdfText, requireTool } from '../support/tools.js';
import { managerActor, testHq, testShop, type TestHq, type TestShop } from '../support/harness.js';

const day = new Date().toISOString().slice(0, 10);
const PASSWORD = 'un-mot-de-passe-solide';
let hq: TestHq;
let shop: TestShop;
const ids = {} as { doli: string; smecta: string; lot: string };

/** A box's product made at the shop, its packs with it. */
async function productWithBox(p: { sku: string; name: string; baseUnit: string; unitPrice: number; box: { name: string; units: number; unitPrice: number } }) {
  const pharmacist = await shop.as('pharmacist');
  const res = await pharmacist.post('/api/products').send({ sku: p.sku, name: p.name, baseUnit: p.baseUnit, unitPrice: p.unitPrice, packs: [p.box] });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; packs: { id: string; units: number }[] };
}

/**
 * Doliprane 500 mg (comprimé, Boîte de 30 at 2 500, lot cost 50 a tablet):
 * 100 received, 2 boxes and 7 tablets sold (5 700 paid, cost 3 350: margin
 * 2 350, so 1 052 a box); Smecta (sachet, Boîte de 12) 30 received, never sold.
 */
beforeAll(async () => {
  hq = await testHq();
  await hq.listen();
  await staffService({ db: hq.db, now: () => new Date() }).addUser({ login: 'awa', name: 'Awa Diop', role: 'lecture', password: PASSWORD });
  shop = await testShop({ code: 'DKR01', hq: { url: hq.url, token: await hq.registerShop('DKR01') } });
  const doli = await productWithBox({ sku: 'DOLI500', name: 'Doliprane 500 mg', baseUnit: 'comprimé', unitPrice: 100, box: { name: 'Boîte de 30', units: 30, unitPrice: 2500 } });
  const smecta = await productWithBox({ sku: 'SMECTA', name: 'Smecta', baseUnit: 'sachet', unitPrice: 300, box: { name: 'Boîte de 12', units: 12, unitPrice: 3200 } });
  const lot = await shop.services.stock.receiveBatch({ productId: doli.id, lotNumber: 'DL-1', expirationDate: '2028-06-30', quantity: 100, unitCost: 50 }, managerActor(shop));
  await shop.services.stock.receiveBatch({ productId: smecta.id, lotNumber: 'SM-1', expirationDate: '2028-06-30', quantity: 30, unitCost: 200 }, managerActor(shop));
  Object.assign(ids, { doli: doli.id, smecta: smecta.id, lot: lot.id });
  const box = doli.packs.find((k) => k.units === 30)!;
  const cashier = await shop.as('cashier');
  const sale = await cashier.post('/api/sales').set({ 'x-comptoir-poste': 'Caisse 1' }).send({
    lines: [{ productId: doli.id, packId: box.id, quantity: 2 }, { productId: doli.id, quantity: 7 }], payment: { method: 'cash', tendered: 5700 },
  });
  expect(sale.status, JSON.stringify(sale.body)).toBe(201);
  expect(sale.body.total).toBe(5700);
  await shop.services.sync.pushNow({ force: true });
  await shop.services.sync.pushNow({ force: true });
  expect((await shop.services.sync.status()).pendingChanges).toBe(0);
});
afterAll(async () => {
  await shop?.close();
  await hq?.close();
});

async function browser() {
  const agent = request.agent(hq.app);
  expect((await agent.post('/connexion').type('form').send({ login: 'awa', password: PASSWORD })).status).toBe(303);
  return agent;
}
const cell = (html: string, attr: string, cls: string) => {
  const row = html.slice(html.indexOf(attr));
  const m = row.match(new RegExp(`<td class="num ${cls}"[^>]*>([^<]*)</td>`));
  return m?.[1]?.trim();
};

describe('packs in the owner’s reports', () => {
  it('says on Marges what sold in boxes and loose units, and what one box earned', async () => {
    const agent = await browser();
    const res = await agent.get(`/marges?boutique=DKR01&du=${day}&au=${day}`);
    expect(res.status).toBe(200);
    expect(res.text).toContain('Marge par conditionnement');
    const row = `data-product="${ids.doli}"`;
    expect(res.text.slice(res.text.indexOf(row))).toContain('data-units="67"');
    expect(cell(res.text, row, 'quantity')).toBe('2 boîtes + 7 comprimés');
    expect(cell(res.text, row, 'margin')).toBe(formatFcfa(2350));
    expect(cell(res.text, row, 'per-pack')).toBe(`${formatFcfa(1052)} / boîte`);
    // The spreadsheet keeps numbers in base units, as before.
    const csv = await agent.get(`/marges/export.csv?boutique=DKR01&du=${day}&au=${day}`);
    expect(csv.text).toContain('Doliprane 500 mg;DOLI500;67;5700;3350;2350;0');
  });

  it('says each lot of one shop’s stock value in boxes, the figures staying in base units', async () => {
    const agent = await browser();
    const res = await agent.get(`/valeur-stock?boutique=DKR01&date=${day}`);
    expect(res.status).toBe(200);
    expect(cell(res.text, `data-batch="${ids.lot}"`, 'quantity')).toBe('1 boîte + 3 comprimés');
    const api = await hq.admin('get', `/api/reports/valuation?shop=DKR01&date=${day}`);
    const line = api.body.shops[0].lines.find((l: { batchId: string }) => l.batchId === ids.lot);
    expect(line).toMatchObject({ quantity: 33, value: 1650, quantityLabel: '1 boîte + 3 comprimés' });
  });

  it('says dead stock in boxes and sachets on Stock à risque', async () => {
    const agent = await browser();
    const res = await agent.get('/stock-a-risque?boutique=DKR01');
    expect(res.status).toBe(200);
    expect(cell(res.text, `data-product="${ids.smecta}"`, 'quantity')).toBe('2 boîtes + 6 sachets');
  });

  it.skipIf(!requireTool('pdftotext', 'poppler-utils').available)('lists the monthly report’s top products with their quantities in packs and their margin per box', async () => {
    const agent = await browser();
    const res = await agent.get(`/rapports/mensuel.pdf?boutique=DKR01&mois=${day.slice(0, 7)}`).buffer(true).parse((r, done) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => done(null, Buffer.concat(chunks)));
    });
    expect(res.status).toBe(200);
    const text = pdfText(res.body as Buffer);
    expect(text).toContain('Les 10 meilleurs produits : quantités et marges');
    expect(text).toMatch(/Doliprane 500 mg — 2 boîtes \+ 7 comprimés\s+2 350 FCFA \(1 052 FCFA \/\s*boîte\)/);
  });
});
