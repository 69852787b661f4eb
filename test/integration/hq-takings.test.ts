import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { addDays } from '../../server/domain/dates.js';
import { formatFcfa } from '../../server/domain/money.js';
import { staffService } from '../../server/staff/service.js';
import { testHq, testShop, type TestHq, type TestShop } from '../support/harness.js';
import { clocks, sumOfZ, tillDay, type TillDay } from '../support/till-day.js';

// Yesterday (Dakar is UTC): within the shop page's last 7 days, and head office's real clock is never behind the shops'.
const day = addDays(new Date().toISOString().slice(0, 10), -1);
const PASSWORD = 'un-mot-de-passe-solide';
let hq: TestHq;
const shops: Record<'DKR01' | 'THS02', { shop: TestShop; day: TillDay }> = {} as never;

beforeAll(async () => {
  hq = await testHq();
  await hq.listen();
  await staffService({ db: hq.db, now: () => new Date() }).addUser({ login: 'moussa', name: 'Moussa Ba', role: 'lecture', password: PASSWORD });
  for (const code of ['DKR01', 'THS02'] as const) {
    const shop = await testShop({ code, now: new Date(`${day}T08:00:00Z`), hq: { url: hq.url, token: await hq.registerShop(code) } });
    shops[code] = { shop, day: await tillDay(shop, clocks(shop, undefined, day)) };
    await shop.services.sync.pushNow({ force: true });
    await shop.services.sync.pushNow({ force: true });
    expect((await shop.services.sync.status()).pendingChanges).toBe(0);
  }
});

async function browser() {
  const agent = request.agent(hq.app);
  expect((await agent.post('/connexion').type('form').send({ login: 'moussa', password: PASSWORD })).status).toBe(303);
  return agent;
}

/** The cells of the day's row of a takings table (the first, or the one of that class), as text. */
function row(html: string, table: string, shop = '[^"]+') {
  const body = html.slice(html.indexOf(`class="takings ${table}`));
  const tr = new RegExp(`<tr data-day="${day}" data-shop="${shop}">([\\s\\S]*?)</tr>`).exec(body)![1]!;
  // Amounts keep their no-break spaces (« 12 500 FCFA »); markup and line breaks become one space.
  const text = (s: string) => s.replace(/<[^>]+>/g, ' ').replace(/[ \t\r\n]+/g, ' ').trim();
  const method = (m: string) => text(new RegExp(`data-method="${m}">([\\s\\S]*?)</td>`).exec(tr)![1]!);
  return {
    takings: text(/class="takings">([\s\S]*?)<\/td>/.exec(tr)![1]!),
    refunds: text(/class="refunds">([\s\S]*?)<\/td>/.exec(tr)![1]!),
    net: text(/class="net">([\s\S]*?)<\/td>/.exec(tr)![1]!),
    cash: method('cash'), mobileMoney: method('mobile_money'), card: method('card'),
  };
}

const methodCell = (z: ReturnType<typeof sumOfZ>, m: 'cash' | 'mobile_money' | 'card') =>
  z.refunds[m] > 0 ? `${formatFcfa(z.net[m])} encaissé ${formatFcfa(z.takings[m])} − remboursé ${formatFcfa(z.refunds[m])}` : formatFcfa(z.net[m]);
const expectedRow = (z: ReturnType<typeof sumOfZ>) => ({
  takings: formatFcfa(z.takings.cash + z.takings.mobile_money + z.takings.card),
  refunds: `${formatFcfa(z.refunds.cash + z.refunds.mobile_money + z.refunds.card)} (${z.returns} retour(s))`,
  net: formatFcfa(z.total),
  cash: methodCell(z, 'cash'), mobileMoney: methodCell(z, 'mobile_money'), card: methodCell(z, 'card'),
});

describe('Ventes at head office', () => {
  it('shows each shop’s day gross, refunded and net per method, and the chain’s day as the sum of every Z report', async () => {
    const agent = await browser();
    const zOf = (code: 'DKR01' | 'THS02') => sumOfZ(shops[code].day.sessions);
    const page = await agent.get(`/ventes?du=${day}&au=${day}`);
    expect(page.status).toBe(200);
    expect(row(page.text, 'by-shop', 'DKR01')).toEqual(expectedRow(zOf('DKR01')));
    expect(row(page.text, 'by-shop', 'THS02')).toEqual(expectedRow(zOf('THS02')));
    // Every shop's day in one row: what the Z reports of both shops add up to.
    const both = sumOfZ([...shops.DKR01.day.sessions, ...shops.THS02.day.sessions]);
    expect(row(page.text, 'by-day')).toEqual(expectedRow(both));
    expect(page.text).toContain(`net ${formatFcfa(both.total)}`);
    expect(page.text).toContain('un retour compte le jour où il est fait');

    // One shop: its days, each linking to the day's sales and returns.
    const one = await agent.get(`/ventes?du=${day}&au=${day}&boutique=DKR01`).set('HX-Request', 'true');
    expect(row(one.text, '', 'DKR01')).toEqual(expectedRow(zOf('DKR01')));
    const dayPage = await agent.get(`/ventes/DKR01/${day}`);
    expect(dayPage.status).toBe(200);
    const { returns } = shops.DKR01.day;
    for (const r of [returns.cash, returns.mobile]) expect(dayPage.text).toContain(`data-return="${r.number}"`);
    expect(dayPage.text).toContain(`net ${formatFcfa(zOf('DKR01').total)}`);
  });

  it('exports refunds and net, in all and per method, after the columns a sheet already reads', async () => {
    const agent = await browser();
    const csv = await agent.get(`/ventes/export.csv?du=${day}&au=${day}`);
    expect(csv.status).toBe(200);
    const [header, ...lines] = csv.text.replace(/^\uFEFF/, '').trimEnd().split('\r\n').map((l) => l.split(';'));
    expect(header!.slice(0, 9)).toEqual(['Jour', 'Code boutique', 'Boutique', 'Nombre de ventes', 'Chiffre (FCFA)', 'Espèces', 'Mobile money', 'Carte bancaire', 'Ventes annulées']);
    const col = (name: string) => {
      expect(header).toContain(name);
      return header!.indexOf(name);
    };
    for (const code of ['DKR01', 'THS02'] as const) {
      const z = sumOfZ(shops[code].day.sessions);
      const line = lines.find((l) => l[1] === code)!;
      const n = (name: string) => Number(line[col(name)]);
      expect(line[0]).toBe(`${day.slice(8)}/${day.slice(5, 7)}/${day.slice(0, 4)}`);
      expect({
        sales: n('Nombre de ventes'), voided: n('Ventes annulées'), returns: n('Retours'),
        gross: n('Chiffre (FCFA)'), refunds: n('Remboursé (FCFA)'), net: n('Net (FCFA)'),
        cash: [n('Espèces'), n('Remboursé — Espèces'), n('Net — Espèces')],
        mobile: [n('Mobile money'), n('Remboursé — Mobile money'), n('Net — Mobile money')],
        card: [n('Carte bancaire'), n('Remboursé — Carte bancaire'), n('Net — Carte bancaire')],
        voidedTotal: n('Montant annulé (FCFA)'),
      }).toEqual({
        sales: z.sales, voided: z.voids, returns: z.returns,
        gross: z.takings.cash + z.takings.mobile_money + z.takings.card, refunds: z.refunds.cash + z.refunds.mobile_money, net: z.total,
        cash: [z.takings.cash, z.refunds.cash, z.net.cash],
        mobile: [z.takings.mobile_money, z.refunds.mobile_money, z.net.mobile_money],
        card: [z.takings.card, z.refunds.card, z.net.card],
        voidedTotal: shops[code].day.sessions.reduce((s, x) => s + x.report.voidsAmount, 0),
      });
    }
  });
});

describe('returns and cash movements at head office', () => {
  it('a sale’s page lists its return: credit note, date, lines, amount and refund method', async () => {
    const agent = await browser();
    const { sales, returns } = shops.DKR01.day;
    const res = await agent.get(`/ventes/vente/${sales.cash.id}`);
    expect(res.status).toBe(200);
    const article = new RegExp(`<article class="return"[^>]*data-return="${returns.cash.number}">([\\s\\S]*?)</article>`).exec(res.text)![1]!;
    expect(article).toContain(returns.cash.number);
    expect(article).toMatch(new RegExp(`${day.slice(8)}/${day.slice(5, 7)}/${day.slice(0, 4)} \\d\\d:\\d\\d`));
    expect(article).toContain('remboursement : Espèces');
    expect(article).toContain(formatFcfa(1235));
    expect(article).toContain(`1 × Smecta — lot SM-24 — ${formatFcfa(1233)}`);
    // What the sale kept: 3 700 paid, 1 235 given back.
    expect(res.text).toContain(formatFcfa(3700 - 1235));
    const untouched = await agent.get(`/ventes/vente/${sales.split.id}`);
    expect(untouched.text).toContain('Aucun retour sur cette vente.');
  });

  it('the shop’s page lists its cash movements and its sessions with their Z numbers', async () => {
    const agent = await browser();
    const res = await agent.get('/boutiques/DKR01');
    expect(res.status).toBe(200);
    const movements = res.text.slice(res.text.indexOf('id="hq-cash-movements"'), res.text.indexOf('</table>', res.text.indexOf('id="hq-cash-movements"')));
    expect(movements).toContain('Eau et café');
    expect(movements).toContain('Sortie');
    expect(movements).toContain(formatFcfa(2500));
    expect(movements).toContain('Monnaie de la banque');
    expect(movements).toContain('Entrée');
    for (const s of shops.DKR01.day.sessions) expect(movements).toContain(s.zNumber);
    const sessions = res.text.slice(res.text.indexOf('id="hq-sessions"'), res.text.indexOf('id="hq-cash-movements"'));
    expect(sessions).toContain('DKR01-Z00001');
    expect(sessions).toContain('DKR01-Z00002');
    expect(res.text).toContain('Net du jour (après retours)');
  });

  it('the admin API answers a shop’s returns, cash movements and sessions of a period, and a sale with its returns', async () => {
    const { sales, returns, sessions } = shops.DKR01.day;
    const got = await hq.admin('get', `/api/shops/DKR01/returns?from=${day}&to=${day}`);
    expect(got.status).toBe(200);
    expect(got.body.map((r: { number: string }) => r.number).sort()).toEqual([returns.cash.number, returns.mobile.number].sort());
    expect(got.body.find((r: { number: string }) => r.number === returns.cash.number)).toMatchObject({
      id: returns.cash.id, saleId: sales.cash.id, saleNumber: sales.cash.number, amount: 1233, rounding: 2, refunded: 1235, refundMethod: 'cash',
      cashierName: 'Test cashier', sessionId: sessions[0]!.id, lines: [{ productName: 'Smecta', lotNumber: 'SM-24', quantity: 1, amount: 1233, destination: 'stock' }],
    });
    expect(got.body[0].createdAt).toMatch(new RegExp(`^${day}T`));
    expect((await hq.admin('get', `/api/shops/DKR01/returns?from=${addDays(day, -3)}&to=${addDays(day, -1)}`)).body).toEqual([]);

    const moves = await hq.admin('get', `/api/shops/DKR01/cash-movements?from=${day}&to=${day}`);
    expect(moves.status).toBe(200);
    expect(moves.body.map((m: object) => ({ ...m, id: undefined, sessionId: undefined, createdAt: undefined, userId: undefined })).sort((a: { kind: string }, b: { kind: string }) => a.kind.localeCompare(b.kind))).toEqual([
      { id: undefined, sessionId: undefined, createdAt: undefined, userId: undefined, shopId: shops.DKR01.shop.shop.id, kind: 'in', amount: 1000, reason: 'Monnaie de la banque', userName: 'Test pharmacist', terminal: 'Caisse 2', cashierName: 'Test pharmacist', zNumber: sessions[1]!.zNumber },
      { id: undefined, sessionId: undefined, createdAt: undefined, userId: undefined, shopId: shops.DKR01.shop.shop.id, kind: 'out', amount: 2500, reason: 'Eau et café', userName: 'Test cashier', terminal: 'Caisse 1', cashierName: 'Test cashier', zNumber: sessions[0]!.zNumber },
    ]);

    const till = await hq.admin('get', `/api/shops/DKR01/sessions?from=${day}&to=${day}`);
    expect(till.status).toBe(200);
    expect(till.body.map((s: { zNumber: string }) => s.zNumber).sort()).toEqual(sessions.map((s) => s.zNumber).sort());
    expect(till.body[0]).not.toHaveProperty('hlc');

    const sale = await hq.admin('get', `/api/sales/${sales.mobile.id}`);
    expect(sale.status).toBe(200);
    expect(sale.body).toMatchObject({ number: sales.mobile.number, returns: [{ number: returns.mobile.number, refundMethod: 'mobile_money', refunded: 2000 }] });
    const listed = await hq.admin('get', `/api/shops/DKR01/sales?from=${day}&to=${day}`);
    expect(listed.body.find((s: { id: string }) => s.id === sales.cash.id).returns).toHaveLength(1);
    expect(listed.body.find((s: { id: string }) => s.id === sales.split.id).returns).toEqual([]);
  });

  it('refuses a bad period, an unknown shop or sale, and a missing token, in French', async () => {
    const bad = await hq.admin('get', '/api/shops/DKR01/returns?from=01/12/2026');
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/AAAA-MM-JJ/);
    expect((await hq.admin('get', '/api/shops/NOPE1/cash-movements')).status).toBe(404);
    const unknown = await hq.admin('get', '/api/sales/00000000-0000-7000-8000-000000000000');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toBe('Vente introuvable.');
    expect((await request(hq.app).get('/api/shops/DKR01/returns')).status).toBe(401);
  });
});
