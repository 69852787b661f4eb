import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startJobs } from '../../jobs/index.js';
import { createLogger } from '../../server/logger.js';
import { hqService } from '../../server/hq/service.js';
import { monthlyArchive } from '../../server/reports/monthly.js';
import { ownerReports } from '../../server/reports/office.js';
import { monthOf } from '../../server/reports/service.js';
import { staffService } from '../../server/staff/service.js';
import { pdfText, requireTool } from '../support/tools.js';
import { managerActor, seedProduct, testHq, testShop, type TestHq, type TestShop } from '../support/harness.js';

// The sale is made today on the real clock; the night job then runs as on the 1st of next month, 04:00 in Dakar.
const day = new Date().toISOString().slice(0, 10);
const month = day.slice(0, 7);
const firstNight = new Date(`${monthOf(day, 1)}-01T04:00:00Z`);
const PASSWORD = 'un-mot-de-passe-solide';
const logger = createLogger('silent');
let hq: TestHq;
let shop: TestShop;

const archiveAt = (at: Date) => {
  const office = hqService({ db: hq.db, logger, now: () => at });
  const reports = ownerReports({ db: hq.db, now: () => at, timezone: 'Africa/Dakar', shops: { byCode: office.shopByCode, all: office.shopList } });
  return monthlyArchive({ db: hq.db, reports, logger, now: () => at });
};
const binary = (req: request.Test) =>
  req.buffer(true).parse((res, done) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => done(null, Buffer.concat(chunks)));
  });
async function browser() {
  const agent = request.agent(hq.app);
  expect((await agent.post('/connexion').type('form').send({ login: 'awa', password: PASSWORD })).status).toBe(303);
  return agent;
}

beforeAll(async () => {
  hq = await testHq();
  await hq.listen();
  await staffService({ db: hq.db, now: () => new Date() }).addUser({ login: 'awa', name: 'Awa Diop', role: 'lecture', password: PASSWORD });
  shop = await testShop({ code: 'DKR01', hq: { url: hq.url, token: await hq.registerShop('DKR01') } });
  const a = await seedProduct(shop, { name: 'Doliprane 1000 mg', unitPrice: 1000 });
  await shop.services.stock.receiveBatch({ productId: a.id, lotNumber: 'DL-1', expirationDate: '2028-06-30', quantity: 20, unitCost: 600 }, managerActor(shop));
  const cashier = await shop.as('cashier');
  const sale = await cashier.post('/api/sales').set({ 'x-comptoir-poste': 'Caisse 1' }).send({ lines: [{ productId: a.id, quantity: 3 }], payment: { method: 'cash', tendered: 3000 } });
  expect(sale.status, JSON.stringify(sale.body)).toBe(201);
  await shop.services.sync.pushNow({ force: true });
  expect((await shop.services.sync.status()).pendingChanges).toBe(0);
});
afterAll(async () => {
  await shop?.close();
  await hq?.close();
});

describe('the monthly report kept each month’s first night', () => {
  it('is not made while the month runs, nor for a month before the shop was registered: the dashboard says none is kept, the file is a 404 in French', async () => {
    expect((await archiveAt(new Date()).keepDue()).made).toEqual([]);
    const agent = await browser();
    const dash = await agent.get('/tableau-de-bord?boutique=DKR01');
    expect(dash.status).toBe(200);
    expect(dash.text).toContain('Rapports mensuels gardés :');
    expect(dash.text).toContain('aucun pour l’instant');
    const missing = await agent.get(`/rapports/archives/DKR01/${month}.pdf`);
    expect(missing.status).toBe(404);
    expect(missing.text).toContain(`Aucun rapport mensuel gardé pour DKR01 en ${month.slice(5, 7)}/${month.slice(0, 4)}.`);
    expect(await hq.count('hq_monthly_reports')).toBe(0);
  });

  it('makes one report per shop and month on the first night, and none again when the job runs twice or after a restart', async () => {
    const first = await archiveAt(firstNight).keepDue();
    expect(first.made).toEqual([{ shop: 'DKR01', month }]);
    const again = await archiveAt(new Date(firstNight.getTime() + 60_000)).keepDue();
    expect(again.made).toEqual([]);
    // Two runs at once (a restart while the night's job was running): the key keeps one.
    const both = await Promise.all([archiveAt(firstNight).keepDue(), archiveAt(firstNight).keepDue()]);
    expect(both.flatMap((r) => r.made)).toEqual([]);
    const rows = await hq.db.rows<{ month: string; madeAt: Date }>(`select month, made_at from hq_monthly_reports`);
    expect(rows).toEqual([{ month, madeAt: firstNight }]);
  });

  it('is listed on the shop’s dashboard and in the API, and downloads as the month’s PDF in French', async () => {
    const agent = await browser();
    const dash = await agent.get('/tableau-de-bord?boutique=DKR01');
    expect(dash.text).toContain(`href="/rapports/archives/DKR01/${month}.pdf"`);
    expect(dash.text).toContain(`>${month.slice(5, 7)}/${month.slice(0, 4)}</a>`);
    const list = await hq.admin('get', '/api/reports/monthly?shop=DKR01');
    expect(list.status).toBe(200);
    expect(list.body.shop).toBe('DKR01');
    expect(list.body.reports).toHaveLength(1);
    expect(list.body.reports[0]).toMatchObject({ month, madeAt: firstNight.toISOString() });
    expect(list.body.reports[0].bytes).toBeGreaterThan(1000);
    const res = await binary(agent.get(`/rapports/archives/DKR01/${month}.pdf`));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    const api = await binary(hq.admin('get', `/api/reports/monthly/DKR01/${month}`));
    expect(api.status).toBe(200);
    expect(Buffer.compare(api.body as Buffer, res.body as Buffer)).toBe(0);
    if (requireTool('pdftotext', 'poppler-utils').available) {
      const text = pdfText(res.body as Buffer);
      expect(text).toMatch(new RegExp(`Rapport mensuel — DKR01 — Boutique DKR01 —\\s+${month.slice(5, 7)}/${month.slice(0, 4)}`));
      expect(text).toMatch(/Net\s+3 000 FCFA/);
      expect(text).toMatch(/Marge\s+1 200 FCFA/);
    }
  });

  it('refuses a month that is not one and an unknown shop, in French, without a token nothing', async () => {
    const agent = await browser();
    expect((await agent.get('/rapports/archives/DKR01/2026-13.pdf')).status).toBe(400);
    const unknown = await agent.get(`/rapports/archives/ZZZ99/${month}.pdf`);
    expect(unknown.status).toBe(404);
    expect((await request(hq.app).get('/api/reports/monthly?shop=DKR01')).status).toBe(401);
    expect((await hq.admin('get', '/api/reports/monthly')).status).toBe(400);
  });

  it('is asked of the service by head office’s job runner as soon as it starts (a first night missed is made up)', async () => {
    let asked = 0;
    const jobs = await startJobs(hq.dbUrl, logger, { monthlyReports: { keepDue: async () => { asked += 1; } } });
    try {
      for (let k = 0; k < 100 && asked === 0; k++) await new Promise((r) => setTimeout(r, 100));
    } finally {
      await jobs.stop();
    }
    expect(asked).toBe(1);
  });
});
