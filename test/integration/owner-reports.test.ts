import fs from 'node:fs';
import ExcelJS from 'exceljs';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { addDays } from '../../server/domain/dates.js';
import { formatFcfa } from '../../server/domain/money.js';
import { backfillReports } from '../../server/reports/service.js';
import { staffService } from '../../server/staff/service.js';
import { pdfText, requireTool } from '../support/tools.js';
import { managerActor, seedProduct, testHq, testShop, type TestHq, type TestShop } from '../support/harness.js';

// Today, on the real clock: a delivery's movement is stamped by the database's clock, a sale by the till's.
const day = new Date().toISOString().slice(0, 10);
const PASSWORD = 'un-mot-de-passe-solide';
let hq: TestHq;
let shop: TestShop;
const ids = {} as { a: string; b: string; c: string; lotA: string; lotB: string; sale: string };

/**
 * One shop's day: Doliprane (lot cost 600) and Smecta (a lot with no cost),
 * one ticket with a 500 FCFA discount over both, one Doliprane brought back,
 * two Doliprane written off broken; Vogalène (cost 300) received and never sold.
 */
beforeAll(async () => {
  hq = await testHq();
  await hq.listen();
  await staffService({ db: hq.db, now: () => new Date() }).addUser({ login: 'awa', name: 'Awa Diop', role: 'lecture', password: PASSWORD });
  shop = await testShop({ code: 'DKR01', hq: { url: hq.url, token: await hq.registerShop('DKR01') } });
  const a = await seedProduct(shop, { name: 'Doliprane 1000 mg', unitPrice: 1000 });
  const b = await seedProduct(shop, { name: 'Smecta', unitPrice: 2000 });
  const lotA = await shop.services.stock.receiveBatch({ productId: a.id, lotNumber: 'DL-1', expirationDate: '2028-06-30', quantity: 20, unitCost: 600 }, managerActor(shop));
  const lotB = await shop.services.stock.receiveBatch({ productId: b.id, lotNumber: 'SM-1', expirationDate: '2028-06-30', quantity: 10, unitCost: null }, managerActor(shop));
  const c = await seedProduct(shop, { name: 'Vogalène', unitPrice: 1500 });
  await shop.services.stock.receiveBatch({ productId: c.id, lotNumber: 'VG-1', expirationDate: '2028-06-30', quantity: 5, unitCost: 300 }, managerActor(shop));
  Object.assign(ids, { a: a.id, b: b.id, c: c.id, lotA: lotA.id, lotB: lotB.id });
  const cashier = await shop.as('cashier');
  const poste = { 'x-comptoir-poste': 'Caisse 1' };
  // 3 × 1 000 + 2 000 = 5 000, less 500 on the ticket (10 %): 300 falls on the Doliprane, 200 on the Smecta.
  const sale = await cashier.post('/api/sales').set(poste).send({
    lines: [{ productId: a.id, quantity: 3 }, { productId: b.id, quantity: 1 }],
    discount: { kind: 'amount', value: 500, reason: 'fidélité' }, payment: { method: 'cash', tendered: 5000 },
  });
  expect(sale.status, JSON.stringify(sale.body)).toBe(201);
  ids.sale = sale.body.id;
  const item = sale.body.items.find((i: { productId: string }) => i.productId === a.id);
  const back = await cashier.post(`/api/sales/${sale.body.id}/returns`).set(poste).send({ lines: [{ saleItemId: item.id, quantity: 1 }] });
  expect(back.status, JSON.stringify(back.body)).toBe(201);
  expect(back.body.amount).toBe(900);
  await shop.services.stock.recordMovement(lotA.id, { kind: 'adjustment', delta: -2, reason: 'boîtes écrasées' }, managerActor(shop));
  await shop.services.sync.pushNow({ force: true });
  await shop.services.sync.pushNow({ force: true });
  expect((await shop.services.sync.status()).pendingChanges).toBe(0);
});

async function browser() {
  const agent = request.agent(hq.app);
  expect((await agent.post('/connexion').type('form').send({ login: 'awa', password: PASSWORD })).status).toBe(303);
  return agent;
}

/** A spreadsheet answer, read back with exceljs. */
async function workbook(res: request.Response) {
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toContain('spreadsheetml');
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(res.body as never);
  return wb;
}
const binary = (req: request.Test) =>
  req.buffer(true).parse((res, done) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => done(null, Buffer.concat(chunks)));
  });

describe('margins at head office', () => {
  it('counts each line at what it was paid after discounts less its lot’s cost, nets the return out of both, and keeps a lot with no cost apart', async () => {
    const res = await hq.admin('get', `/api/reports/margins?shop=DKR01&from=${day}&to=${day}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ from: day, to: day, shop: 'DKR01', truncated: false });
    const of = (id: string) => res.body.rows.find((r: { productId: string }) => r.productId === id);
    // Doliprane: 3 sold at 2 700 after the ticket's discount, one back (900): 2 units, 1 800 taken, 1 200 of cost.
    expect(of(ids.a)).toMatchObject({ day, shopCode: 'DKR01', quantity: 2, takings: 1800, cost: 1200, margin: 600, unknownCostQty: 0 });
    // Smecta: 1 800 taken, its lot has no cost: no cost and no margin, one unit « coût inconnu ».
    expect(of(ids.b)).toMatchObject({ quantity: 1, takings: 1800, cost: 0, margin: 0, unknownCostQty: 1 });
  });

  it('takes a unit cost head office corrects into the margins of every day that lot was sold', async () => {
    await hq.admin('patch', `/api/batches/${ids.lotB}`).send({ unitCost: 1500 }).expect(200);
    const res = await hq.admin('get', `/api/reports/margins?shop=DKR01&from=${day}&to=${day}`);
    expect(res.body.rows.find((r: { productId: string }) => r.productId === ids.b)).toMatchObject({ takings: 1800, cost: 1500, margin: 300, unknownCostQty: 0 });
    await hq.admin('patch', `/api/batches/${ids.lotB}`).send({ unitCost: null }).expect(200);
  });

  it('shows the period per product on Marges, the unknown-cost units named, and exports the same rows as CSV and XLSX', async () => {
    const agent = await browser();
    const page = await agent.get(`/marges?du=${day}&au=${day}&boutique=DKR01`);
    expect(page.status).toBe(200);
    expect(page.text).toContain(`Chiffre ${formatFcfa(3600)} · coût ${formatFcfa(1200)} · marge ${formatFcfa(600)}`);
    expect(page.text).toContain('1 unité(s) à coût inconnu');
    expect(page.text).toMatch(new RegExp(`data-product="${ids.b}">[\\s\\S]*?1 \\(coût inconnu\\)`));

    const csv = await agent.get(`/marges/export.csv?du=${day}&au=${day}&boutique=DKR01`);
    expect(csv.status).toBe(200);
    expect(csv.headers['cache-control']).toBe('no-store');
    expect(csv.text.split('\r\n')[0]).toBe('\uFEFFJour;Code boutique;Produit;Référence;Quantité (unités);Chiffre (FCFA);Coût (FCFA);Marge (FCFA);Unités à coût inconnu');
    expect(csv.text).toContain(`${day.split('-').reverse().join('/')};DKR01;Doliprane 1000 mg;`);

    const wb = await workbook(await binary(agent.get(`/marges/export.xlsx?du=${day}&au=${day}&boutique=DKR01`)));
    const ws = wb.getWorksheet('DKR01')!;
    expect(ws.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    expect(ws.getRow(1).getCell(1).value).toBe('Jour');
    const rows = [2, 3].map((n) => ws.getRow(n));
    const doliprane = rows.find((r) => r.getCell(3).value === 'Doliprane 1000 mg')!;
    expect(doliprane.getCell(1).value).toEqual(new Date(`${day}T00:00:00Z`));
    expect(doliprane.getCell(1).numFmt).toBe('dd/mm/yyyy');
    expect(doliprane.getCell(6).value).toBe(1800);
    expect(doliprane.getCell(6).numFmt).toBe('#,##0 "FCFA"');
    expect(doliprane.getCell(8).value).toBe(600);
    expect(rows.reduce((n, r) => n + Number(r.getCell(6).value), 0)).toBe(3600);
  });
});

describe('stock valuation at a date', () => {
  it('values each lot’s quantity of that date from its ledger at its unit cost, and the lots without cost apart', async () => {
    const at = await hq.admin('get', `/api/reports/valuation?shop=DKR01&date=${day}`);
    expect(at.status).toBe(200);
    const [v] = at.body.shops;
    expect(at.body.date).toBe(day);
    // 20 − 3 + 1 − 2 Doliprane at 600 and 5 Vogalène at 300; 9 Smecta with no cost.
    expect(v).toMatchObject({ code: 'DKR01', sellable: 16 * 600 + 5 * 300, expired: 0, blocked: 0, unknownCostQty: 9 });
    expect(v.lines.find((l: { batchId: string }) => l.batchId === ids.lotA)).toMatchObject({ productId: ids.a, quantity: 16, unitCost: 600, value: 9600 });
    expect(v.lines.find((l: { batchId: string }) => l.batchId === ids.lotB)).toMatchObject({ quantity: 9, unitCost: null, value: null });
    // The day before the delivery, nothing was in stock.
    const before = await hq.admin('get', `/api/reports/valuation?shop=DKR01&date=${addDays(day, -1)}`);
    expect(before.body.shops[0]).toMatchObject({ sellable: 0, unknownCostQty: 0, lines: [] });
    // The same lots counted expired on a date past their expiry.
    const later = await hq.admin('get', '/api/reports/valuation?shop=DKR01&date=2028-07-01');
    expect(later.body.shops[0]).toMatchObject({ sellable: 0, expired: 11_100 });
  });

  it('answers 404 for an unknown shop, 400 for a date that is none, and 401 without the administration token', async () => {
    const unknown = await hq.admin('get', '/api/reports/valuation?shop=ZZ99');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toMatch(/boutique/i);
    const bad = await hq.admin('get', '/api/reports/margins?from=2026-02-30');
    expect(bad.status).toBeGreaterThanOrEqual(400);
    expect(bad.status).toBeLessThan(500);
    expect((await request(hq.app).get('/api/reports/margins')).status).toBe(401);
  });

  it('shows Valeur du stock per shop and lot by lot, and its spreadsheet has the lots with typed cells', async () => {
    const agent = await browser();
    const page = await agent.get(`/valeur-stock?date=${day}&boutique=DKR01`);
    expect(page.status).toBe(200);
    expect(page.text).toContain(`Vendable ${formatFcfa(11_100)}`);
    expect(page.text).toMatch(new RegExp(`data-batch="${ids.lotB}">[\\s\\S]*?coût inconnu`));
    const wb = await workbook(await binary(agent.get(`/valeur-stock/export.csv?date=${day}&boutique=DKR01&format=xlsx`)));
    const ws = wb.getWorksheet('DKR01')!;
    expect(ws.rowCount).toBe(4);
    const lot = [2, 3, 4].map((n) => ws.getRow(n)).find((r) => r.getCell(4).value === 'DL-1')!;
    expect(lot.getCell(5).value).toEqual(new Date('2028-06-30T00:00:00Z'));
    expect(lot.getCell(7).value).toBe(16);
    expect(lot.getCell(9).value).toBe(9600);
  });
});

describe('head office’s existing exports as spreadsheets', () => {
  it('answers Ventes and Stock et péremptions as XLSX at the same URL with .xlsx or ?format=xlsx', async () => {
    const agent = await browser();
    const sales = await workbook(await binary(agent.get(`/ventes/export.xlsx?du=${day}&au=${day}`)));
    const row = sales.worksheets[0]!.getRow(2);
    expect(row.getCell(2).value).toBe('DKR01');
    expect(row.getCell(5).value).toBe(4500);
    expect(row.getCell(5).numFmt).toBe('#,##0 "FCFA"');
    const expiry = await workbook(await binary(agent.get('/peremptions/export.csv?horizon=expired&format=xlsx')));
    expect(expiry.worksheets[0]!.getRow(1).getCell(1).value).toBe('Code boutique');
  });
});

describe('Tableau de bord', () => {
  it('draws its charts as SVG with no inline style, over the period’s figures', async () => {
    const agent = await browser();
    const page = await agent.get(`/tableau-de-bord?du=${day}&au=${day}&boutique=DKR01`);
    expect(page.status).toBe(200);
    for (const chart of ['days', 'hours', 'methods', 'top-takings', 'top-margin', 'expiring', 'stock-value']) {
      expect(page.text).toMatch(new RegExp(`data-chart="${chart}"><figcaption>[^<]*<\/figcaption>\\s*<svg`));
    }
    expect(page.text).not.toMatch(/<style|\sstyle=/);
    // Net of the day: 4 500 taken, 900 back in cash (rounded to 900): 3 600, all in cash.
    expect(page.text).toContain(`Net de la période : ${formatFcfa(3600)}`);
    expect(page.text).toMatch(/data-method="cash"><td>Espèces<\/td><td class="num">3\s600\sFCFA<\/td><td class="num">100 %/);
    expect(page.text).toContain('Doliprane 1000 mg');
  });
});

describe('Stock à risque', () => {
  it('lists a product in stock that never sold as dead stock, slow sellers as overstock, and a broken box as this month’s loss', async () => {
    const agent = await browser();
    const page = await agent.get('/stock-a-risque?boutique=DKR01');
    expect(page.status).toBe(200);
    const section = (cls: string) => page.text.slice(page.text.indexOf(`<table class="${cls}">`)).split('</table>')[0]!;
    expect(section('dead')).toContain(`data-product="${ids.c}"`);
    expect(section('dead')).toContain('jamais');
    expect(section('dead')).not.toContain(`data-product="${ids.a}"`);
    // 16 Doliprane left after 2 sold in 8 weeks: 16 × 56 / 2 = 448 days of cover.
    expect(section('overstock')).toMatch(new RegExp(`data-product="${ids.a}">[\\s\\S]*?class="num cover">448<`));
    expect(page.text).toContain(`Stock dormant : en stock, aucune vente depuis 90 jours (1 produit(s), ${formatFcfa(1500)} au coût)`);
    const month = day.slice(0, 7);
    expect(page.text).toMatch(new RegExp(`data-month="${month}">[\\s\\S]*?class="num damaged">${formatFcfa(1200)} \\(2\\)`));
    expect(page.text).toMatch(/data-chart="losses"><figcaption>[^<]*<\/figcaption><svg/);
    // Another threshold: nothing at all sold in the last 7 days is dead; the Doliprane sold today is not.
    const week = await agent.get('/stock-a-risque?boutique=DKR01&jours=7');
    expect(week.text).toContain('aucune vente depuis 7 jours (1 produit(s)');
    expect((await agent.get('/stock-a-risque?jours=3')).status).toBe(400);
  });
});

describe('margins of days received before they were kept', () => {
  it('are computed by the backfill from the sales and returns head office holds, the same as the pushes made them', async () => {
    const read = () => hq.db.rows('select * from hq_daily_margins order by shop_id, day, product_id');
    const kept = await read();
    expect(kept.length).toBeGreaterThan(0);
    // As after migration 0020 on a head office that already held these sales.
    await hq.db.exec('delete from hq_daily_margins');
    await hq.db.exec('delete from hq_hourly_takings');
    // Nor the chain's sums of them (migration 0033), which the backfill adds to as a push does.
    await hq.db.exec('delete from hq_chain_daily_margins');
    expect(await backfillReports(hq.db)).toBe(1);
    expect(await read()).toEqual(kept);
    expect(await backfillReports(hq.db)).toBe(0);
  });
});

describe('what head office keeps for the chain-wide pages (migration 0033)', () => {
  it('holds after the push each lot’s quantity at the end of this month and each product’s last sale, and the chain’s Valeur du stock of today from the cached quantities', async () => {
    const month = `${day.slice(0, 7)}-01`;
    const ends = await hq.db.rows<{ batchId: string; quantity: number }>(
      `select batch_id, quantity from hq_lot_month_ends where month = $1::date order by quantity`, [month],
    );
    // Vogalène 5, Smecta 10 − 1, Doliprane 20 − 3 + 1 − 2.
    expect(ends.map((e) => e.quantity)).toEqual([5, 9, 16]);
    expect(ends.find((e) => e.batchId === ids.lotA)?.quantity).toBe(16);
    const sold = await hq.db.rows<{ productId: string; lastSold: string }>(`select product_id, to_char(last_sold, 'YYYY-MM-DD') as last_sold from hq_product_sales`);
    expect(new Map(sold.map((r) => [r.productId, r.lastSold]))).toEqual(new Map([[ids.a, day], [ids.b, day]]));
    const agent = await browser();
    const page = await agent.get('/valeur-stock');
    expect(page.status).toBe(200);
    expect(page.text).toMatch(/data-shop="DKR01">[\s\S]*?class="num sellable">11\s100\sFCFA<[\s\S]*?class="num unknown">9</);
  });

  it('are backfilled by the migration’s own statements from what head office held, the same as the pushes kept them', async () => {
    const read = async () => ({
      ends: await hq.db.rows('select * from hq_lot_month_ends order by batch_id, month'),
      sales: await hq.db.rows('select * from hq_product_sales order by shop_id, product_id'),
      chain: await hq.db.rows('select * from hq_chain_daily_margins order by day, product_id'),
    });
    const kept = await read();
    expect(kept.ends.length).toBeGreaterThan(0);
    expect(kept.sales.length).toBe(2);
    expect(kept.chain.length).toBe(2);
    // As on a head office that held these rows before 0033: its last statements, the backfill, run again over emptied tables.
    const sql = fs.readFileSync(new URL('../../migrations/0033_owner_kept_stock.sql', import.meta.url), 'utf8');
    await hq.db.exec('delete from hq_lot_month_ends');
    await hq.db.exec('delete from hq_product_sales');
    await hq.db.exec('delete from hq_chain_daily_margins');
    for (const statement of sql.slice(sql.indexOf('-- Backfill')).split(';').map((x) => x.trim()).filter((x) => /^(select|insert)/m.test(x))) await hq.db.exec(statement);
    expect(await read()).toEqual(kept);
  });
});

describe('the stock per shop and product head office keeps for Stock à risque (migration 0038)', () => {
  const kept = async () => new Map((await hq.db.rows<{ productId: string; quantity: number; value: number; unknownCostQty: number }>(
    'select product_id, quantity, value, unknown_cost_qty from hq_product_stock where quantity > 0 order by product_id',
  )).map((r) => [r.productId, [r.quantity, r.value, r.unknownCostQty]]));

  it('holds after the push each product’s units, value at cost and units of no known cost as its lots sum them, and follows a cost head office corrects', async () => {
    // Doliprane 16 × 600, Smecta 9 of no cost, Vogalène 5 × 300.
    expect(await kept()).toEqual(new Map([[ids.a, [16, 9600, 0]], [ids.b, [9, 0, 9]], [ids.c, [5, 1500, 0]]]));
    await hq.admin('patch', `/api/batches/${ids.lotB}`).send({ unitCost: 700 }).expect(200);
    expect((await kept()).get(ids.b)).toEqual([9, 6300, 0]);
    const agent = await browser();
    const page = await agent.get('/stock-a-risque?boutique=DKR01');
    expect(page.status).toBe(200);
    // Vogalène, never sold, is dead stock at its kept value.
    expect(page.text).toMatch(new RegExp(`data-product="${ids.c}">[\\s\\S]*?${formatFcfa(1500)}`));
    await hq.admin('patch', `/api/batches/${ids.lotB}`).send({ unitCost: null }).expect(200);
    expect((await kept()).get(ids.b)).toEqual([9, 0, 9]);
  });

  it('is backfilled by its migration’s own statement from the lots head office held, the same as the pushes kept it', async () => {
    const before = await kept();
    const sql = fs.readFileSync(new URL('../../migrations/0038_hq_product_stock.sql', import.meta.url), 'utf8');
    await hq.db.exec('delete from hq_product_stock');
    await hq.db.exec(sql.slice(sql.indexOf('-- Backfill')).split('\n').filter((l) => !l.startsWith('--')).join('\n'));
    expect(await kept()).toEqual(before);
  });
});

describe('the sales journal', () => {
  it('lists every line of every sale and the returns as negative lines, with time, cashier, discounts and payments, as XLSX and CSV', async () => {
    const agent = await browser();
    const dayPage = await agent.get(`/ventes/DKR01/${day}`);
    expect(dayPage.text).toContain(`href="/ventes/DKR01/journal.xlsx?du=${day}&amp;au=${day}"`);
    const wb = await workbook(await binary(agent.get(`/ventes/DKR01/journal.xlsx?du=${day}&au=${day}`)));
    const ws = wb.getWorksheet('DKR01')!;
    expect(ws.rowCount).toBe(4);
    const [first, second, back] = [2, 3, 4].map((n) => ws.getRow(n).values as unknown[]);
    // [, day, time, number, kind, cashier, product, lot, qty, unit price, line discount, line total, ticket discount, paid, payments, of sale]
    expect(first!.slice(3, 13)).toEqual(['DKR01-000001', 'Vente', 'Test cashier', 'Doliprane 1000 mg', 'DL-1', 3, 1000, 0, 3000, 500]);
    expect(first![13]).toBe(4500);
    expect(first![14]).toBe('Espèces 4\u00a0500');
    expect(second!.slice(6, 12)).toEqual(['Smecta', 'SM-1', 1, 2000, 0, 2000]);
    expect(second![12]).toBeUndefined();
    expect(back!.slice(4, 9)).toEqual(['Retour', 'Test cashier', 'Doliprane 1000 mg', 'DL-1', -1]);
    expect(back!.slice(11, 16)).toEqual([-900, undefined, -900, 'Espèces', 'DKR01-000001']);
    expect(ws.getRow(2).getCell(1).value).toEqual(new Date(`${day}T00:00:00Z`));
    expect(String(ws.getRow(2).getCell(2).value)).toMatch(/^\d\d:\d\d$/);
    const csv = await agent.get(`/ventes/DKR01/journal.csv?du=${day}&au=${day}`);
    expect(csv.status).toBe(200);
    expect(csv.text.split('\r\n')).toHaveLength(5);
    expect((await agent.get(`/ventes/ZZ99/journal.csv`)).status).toBe(404);
  });
});

const poppler = requireTool('pdftotext', 'poppler-utils');
describe.skipIf(!poppler.available)('the monthly report', () => {
  it('lays the shop’s month on A4 in French: net takings, margin, stock value, losses and the charts', async () => {
    const agent = await browser();
    const dash = await agent.get('/tableau-de-bord?boutique=DKR01');
    expect(dash.text).toContain('href="/rapports/mensuel.pdf?boutique=DKR01"');
    const res = await binary(agent.get(`/rapports/mensuel.pdf?boutique=DKR01&mois=${day.slice(0, 7)}`));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(res.headers['cache-control']).toBe('private, no-store');
    const text = pdfText(res.body as Buffer);
    expect(text).toMatch(new RegExp(`Rapport mensuel — DKR01 — Boutique DKR01 —\\s+${day.slice(5, 7)}/${day.slice(0, 4)}`));
    expect(text).toMatch(/Net\s+3 600 FCFA/);
    expect(text).toMatch(/Marge\s+600 FCFA/);
    expect(text).toMatch(/Vendable\s+11 100 FCFA/);
    expect(text).toMatch(/Casse ou autre \(2\)\s+1 200 FCFA/);
    // The charts are drawn, their labels as text: the products of the top 10.
    expect(text).toContain('Les 10 produits qui ont le plus rapporté');
    expect(text.match(/Doliprane 1000 mg/g)!.length).toBeGreaterThanOrEqual(1);
    expect((await agent.get('/rapports/mensuel.pdf?boutique=DKR01&mois=2026-13')).status).toBe(400);
  });
});
