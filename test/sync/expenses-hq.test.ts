import ExcelJS from 'exceljs';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { staffService } from '../../server/staff/service.js';
import { testHq, testShop, type TestHq, type TestShop } from '../support/harness.js';

// Issue 22: head office's « Dépenses »: every shop's expenses per shop, category and month, with filters, CSV and XLSX.
const PASSWORD = 'un-mot-de-passe-solide';
const NOW = new Date('2026-11-20T10:00:00Z');
let hq: TestHq;
let dakar: TestShop;
let thies: TestShop;
let cancelledId: string;

async function browser(login: string) {
  const agent = request.agent(hq.app);
  expect((await agent.post('/connexion').type('form').send({ login, password: PASSWORD })).status).toBe(303);
  return agent;
}
const binary = (req: request.Test) =>
  req.buffer(true).parse((res, done) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => done(null, Buffer.concat(chunks)));
  });
const csvRows = (text: string) => text.replace(/^\uFEFF/, '').trim().split('\r\n');
const plain = (s: string) => s.replace(/[\u00a0\u202f]/g, ' ');

beforeAll(async () => {
  hq = await testHq({ now: NOW });
  await hq.listen();
  const staff = staffService({ db: hq.db, now: () => NOW });
  await staff.addUser({ login: 'ibou', name: 'Ibou Fall', role: 'lecture', password: PASSWORD });
  dakar = await testShop({ code: 'DKR01', now: NOW, hq: { url: hq.url, token: await hq.registerShop('DKR01') } });
  thies = await testShop({ code: 'THS02', now: NOW, hq: { url: hq.url, token: await hq.registerShop('THS02') } });

  const poste = { 'x-comptoir-poste': 'Caisse 1' };
  const d = await dakar.as('manager');
  await d.post('/api/cash/sessions').set(poste).send({ float: 50_000 }).expect(201);
  await d.post('/api/expenses').set(poste).send({ category: 'transport', amount: 1500, paidFrom: 'drawer', payee: 'Livreur' }).expect(201);
  await d.post('/api/expenses').send({ category: 'transport', amount: 2500, paidFrom: 'mobile_money', payee: 'Taxi' }).expect(201);
  await d.post('/api/expenses').send({ category: 'électricité', amount: 30_000, paidFrom: 'bank', spentOn: '2026-10-28' }).expect(201);
  cancelledId = (await d.post('/api/expenses').send({ category: 'électricité', amount: 99_000, paidFrom: 'bank', note: 'double' }).expect(201)).body.id;
  await d.post(`/api/expenses/${cancelledId}/cancel`).send({ reason: 'Saisie en double' }).expect(201);
  const th = await thies.as('manager');
  await th.post('/api/expenses').send({ category: 'nettoyage', amount: 4000, paidFrom: 'bank', payee: 'Propre & Net' }).expect(201);
  await th.post('/api/expenses').send({ category: 'transport', amount: 1000, paidFrom: 'mobile_money' }).expect(201);
  for (const s of [dakar, thies]) await s.services.sync.pushNow({ force: true });
}, 60_000);

describe('head office’s « Dépenses »', () => {
  it('shows every shop’s expenses of the month per shop, category and month, a cancelled one listed but counted nowhere', async () => {
    const ibou = await browser('ibou');
    const res = await ibou.get('/depenses');
    expect(res.status).toBe(200);
    const text = plain(res.text);
    expect(text).toContain('Dépenses des boutiques');
    // November only: Dakar 1 500 + 2 500 (the 99 000 cancelled), Thiès 4 000 + 1 000.
    expect(text).toContain('9 000 FCFA dépensés, dont 1 500 FCFA payés en caisse');
    expect(text).toContain('data-total="DKR01:transport:2026-11"');
    expect(text).not.toContain('2026-10');
    expect(text).toMatch(/data-total="DKR01:électricité:2026-11"><td>2026-11<\/td><td>DKR01 — [^<]+<\/td><td>électricité<\/td><td class="num">0<\/td>\s*<td class="num">0 FCFA<\/td><td class="num">0 FCFA<\/td><td class="num">1<\/td>/);
    expect(text).toContain(`data-expense="${cancelledId}" class="cancelled"`);
    expect(text).toContain('annulée par Test manager : Saisie en double');
    expect(text).toContain('href="/depenses"');
  });

  it('filters by shop, category and period, and exports the same rows as CSV and XLSX', async () => {
    const ibou = await browser('ibou');
    const oct = plain((await ibou.get('/depenses?du=2026-10-01&au=2026-11-30&categorie=%C3%A9lectricit%C3%A9').expect(200)).text);
    expect(oct).toContain('data-total="DKR01:électricité:2026-10"');
    expect(oct).toContain('30 000 FCFA dépensés, dont 0 FCFA payés en caisse');
    expect(oct).not.toContain('data-total="DKR01:transport');

    const totals = await ibou.get('/depenses/par-mois.csv?du=2026-10-01&au=2026-11-30');
    expect(totals.status).toBe(200);
    expect(totals.headers['content-type']).toContain('text/csv');
    const rows = csvRows(totals.text);
    expect(rows[0]).toBe('Mois;Code boutique;Boutique;Catégorie;Nombre;Montant (FCFA);Dont en caisse (FCFA);Annulées');
    expect(rows.slice(1)).toEqual([
      expect.stringMatching(/^2026-10;DKR01;[^;]+;électricité;1;30000;0;0$/),
      expect.stringMatching(/^2026-11;DKR01;[^;]+;électricité;0;0;0;1$/),
      expect.stringMatching(/^2026-11;DKR01;[^;]+;transport;2;4000;1500;0$/),
      expect.stringMatching(/^2026-11;THS02;[^;]+;nettoyage;1;4000;0;0$/),
      expect.stringMatching(/^2026-11;THS02;[^;]+;transport;1;1000;0;0$/),
    ]);

    const list = await ibou.get('/depenses/liste.csv?boutique=THS02');
    const listed = csvRows(list.text);
    expect(listed[0]).toBe('Code boutique;Date;Catégorie;Montant (FCFA);Payée;Bénéficiaire;Note;Saisie par;Annulée par;Motif d’annulation');
    expect(listed.slice(1)).toEqual([
      'THS02;20/11/2026;nettoyage;4000;par la banque;Propre & Net;;Test manager;;',
      'THS02;20/11/2026;transport;1000;par mobile money;;;Test manager;;',
    ]);

    const xlsx = await binary(ibou.get('/depenses/par-mois.xlsx?boutique=DKR01&du=2026-10-01&au=2026-11-30'));
    expect(xlsx.status).toBe(200);
    expect(xlsx.headers['content-type']).toContain('spreadsheetml');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(xlsx.body as never);
    const sheet = wb.worksheets[0]!;
    expect(sheet.getRow(1).getCell(1).value).toBe('Mois');
    const values = [2, 3, 4].map((i) => [sheet.getRow(i).getCell(2).value, sheet.getRow(i).getCell(4).value, sheet.getRow(i).getCell(6).value]);
    expect(values).toEqual([['DKR01', 'électricité', 30_000], ['DKR01', 'électricité', 0], ['DKR01', 'transport', 4000]]);
    expect(sheet.getRow(5).getCell(1).value ?? null).toBeNull();
  });

  it('refuses a reversed period in French, and sends a visitor to Connexion', async () => {
    const ibou = await browser('ibou');
    const reversed = await ibou.get('/depenses?du=2026-11-30&au=2026-11-01');
    expect(reversed.status).toBe(422);
    expect(plain(reversed.text)).toContain('La date de début (2026-11-30) est après la date de fin (2026-11-01).');
    const visitor = await request(hq.app).get('/depenses');
    expect(visitor.status).toBe(303);
    expect(visitor.headers.location).toBe('/connexion');
    const csv = await request(hq.app).get('/depenses/liste.csv');
    expect(csv.status).toBe(303);
  });
});
