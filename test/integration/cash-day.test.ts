import net from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import { PINS, seedBatch, seedProduct, testHq, testShop, type TestHq, type TestShop } from '../support/harness.js';
import { pdfText, requireTool } from '../support/tools.js';

const poppler = requireTool('pdftotext', 'poppler-utils');

let hq: TestHq;
let t: TestShop;
beforeAll(async () => {
  hq = await testHq();
  await hq.listen();
  t = await testShop({ now: new Date('2026-11-26T09:00:00Z'), hq: { url: hq.url, token: await hq.registerShop('DKR01') } });
});

async function product(name: string, unitPrice: number, lots: [string, string, number][]) {
  const p = await seedProduct(t, { name, unitPrice });
  const batches = [];
  for (const [lotNumber, expirationDate, quantity] of lots) batches.push(await seedBatch(t, { productId: p.id, lotNumber, expirationDate, quantity }));
  return { p, batches };
}

const quantityOf = async (batchId: string) => (await t.db.one<{ quantity: number }>('select quantity from product_batches where id = $1', [batchId]))!.quantity;

describe('a day at the till, over the API', () => {
  it('runs from the opening float to the Z report: split payment, discounts, a return to the lot, cash out, a variance', async () => {
    const { p: smecta, batches: [smectaLot] } = await product('Smecta', 1233, [['SM1', '2027-03-31', 20]]);
    const { p: doliprane, batches: [doliLot] } = await product('Doliprane 1000 mg', 2000, [['DL1', '2027-06-30', 20]]);
    const cashier = await t.as('cashier');
    const poste = { 'x-comptoir-poste': 'Caisse 2' };

    // Opening: the float counted note by note.
    const opened = await cashier.post('/api/cash/sessions').set(poste).send({ counts: { 5000: 1, 1000: 4, 500: 2 } });
    expect(opened.status).toBe(201);
    expect(opened.body).toMatchObject({ terminal: 'Caisse 2', openingFloat: 10_000, status: 'open', cashierName: 'Test cashier' });
    const again = await cashier.post('/api/cash/sessions').set(poste).send({ float: 0 });
    expect(again.status).toBe(409);
    const sessionId = opened.body.id as string;

    // 3 × 1 233 = 3 699: 2 000 by Wave, the rest in cash rounded to 5 FCFA (1 699 → 1 700).
    const split = await cashier.post('/api/sales').set(poste).send({
      lines: [{ productId: smecta.id, quantity: 3 }],
      payments: [{ method: 'cash', tendered: 2000 }, { method: 'mobile_money', amount: 2000, operator: 'wave', reference: 'WV-1234' }],
    });
    expect(split.status).toBe(201);
    expect(split.body).toMatchObject({ sessionId, total: 3699, rounding: 1, paymentMethod: 'mixed', change: 300 });
    expect(split.body.payments).toEqual([{ method: 'cash', amount: 1700 }, { method: 'mobile_money', amount: 2000, operator: 'wave', reference: 'WV-1234' }]);

    // 20 % off is above the 10 % a cashier may give: refused without a manager's PIN, and nothing is written.
    const before = await t.counts();
    const discounted = { lines: [{ productId: doliprane.id, quantity: 2 }], discount: { kind: 'percent', value: 20, reason: 'fidélité' }, payment: { method: 'cash', tendered: 5000 } };
    const refused = await cashier.post('/api/sales').set(poste).send(discounted);
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatchObject({ code: 'discount_needs_manager' });
    expect(refused.body.error.message).toMatch(/PIN d’un responsable/);
    expect(await t.counts()).toEqual(before);
    const wrongPin = await cashier.post('/api/sales').set(poste).send({ ...discounted, managerPin: PINS.cashier });
    // A cashier's valid PIN is answered as any wrong one: the approval says nothing of whose PIN it was.
    expect(wrongPin.status).toBe(401);
    expect(wrongPin.body.error).toMatchObject({ code: 'pin_wrong', message: 'Code PIN de responsable incorrect.' });
    const approved = await cashier.post('/api/sales').set(poste).send({ ...discounted, managerPin: PINS.manager });
    expect(approved.status).toBe(201);
    expect(approved.body).toMatchObject({ subtotal: 4000, discount: 800, total: 3200, discountLabel: 'Remise 20 % — fidélité', discountApprovedBy: t.userIds.manager, change: 1800 });

    // A line discount within the limit needs no PIN; its reason is printed under the line.
    const lineOff = await cashier.post('/api/sales').set(poste).send({
      lines: [{ productId: doliprane.id, quantity: 5, discount: { kind: 'amount', value: 500, reason: 'boîte abîmée' } }], payment: { method: 'card' },
    });
    expect(lineOff.status).toBe(201);
    expect(lineOff.body.items[0]).toMatchObject({ discount: 500, lineTotal: 9500, discountLabel: 'Remise — boîte abîmée' });

    // A partial return of the discounted sale: back into lot DL1, refunded at what was paid (1 600 a box).
    const doliBefore = await quantityOf(doliLot!.id);
    const item = approved.body.items[0];
    const ret = await cashier.post(`/api/sales/${approved.body.id}/returns`).set(poste).send({ lines: [{ saleItemId: item.id, quantity: 1 }] });
    expect(ret.status).toBe(201);
    expect(ret.body).toMatchObject({ number: 'DKR01-AV000001', amount: 1600, rounding: 0, refundMethod: 'cash', sessionId });
    expect(await quantityOf(doliLot!.id)).toBe(doliBefore + 1);
    const tooMany = await cashier.post(`/api/sales/${approved.body.id}/returns`).set(poste).send({ lines: [{ saleItemId: item.id, quantity: 2 }] });
    expect(tooMany.status).toBe(422);
    expect(tooMany.body.error.message).toMatch(/seulement 1 restant/);
    // The last box comes back unsellable: into the ledger, then set aside, with the pharmacist's reason.
    const quarantined = await cashier.post(`/api/sales/${approved.body.id}/returns`).set(poste)
      .send({ lines: [{ saleItemId: item.id, quantity: 1, destination: 'quarantine', reason: 'emballage ouvert' }] });
    expect(quarantined.status).toBe(201);
    expect(quarantined.body.amount).toBe(1600);
    expect(await quantityOf(doliLot!.id)).toBe(doliBefore + 1);
    const moves = await t.db.rows<{ kind: string; delta: number; reason: string }>(
      `select kind, delta, reason from stock_movements where batch_id = $1 and reason like '%AV000002%' order by kind desc`, [doliLot!.id]);
    expect(moves).toEqual([
      { kind: 'return', delta: 1, reason: 'retour DKR01-AV000002' },
      { kind: 'adjustment', delta: -1, reason: 'Retour DKR01-AV000002 mis de côté : emballage ouvert' },
    ]);
    const manager = await t.as('manager');
    const voidReturned = await manager.post(`/api/sales/${approved.body.id}/void`);
    expect(voidReturned.status).toBe(409);
    expect(voidReturned.body.error.code).toBe('sale_returned');

    // A voided sale gives its money back and cannot be returned.
    const voided = await cashier.post('/api/sales').set(poste).send({ lines: [{ productId: smecta.id, quantity: 1 }], payment: { method: 'cash' } });
    expect((await manager.post(`/api/sales/${voided.body.id}/void`)).status).toBe(200);
    const returnVoided = await cashier.post(`/api/sales/${voided.body.id}/returns`).set(poste).send({ lines: [{ saleItemId: voided.body.items[0].id, quantity: 1 }] });
    expect(returnVoided.status).toBe(409);
    expect(smectaLot).toBeDefined();

    // Cash out to pay a supplier; more than the drawer holds is refused.
    const out = await cashier.post(`/api/cash/sessions/${sessionId}/movements`).send({ kind: 'out', amount: 2500, reason: 'Fournisseur eau' });
    expect(out.status).toBe(201);
    const tooMuch = await cashier.post(`/api/cash/sessions/${sessionId}/movements`).send({ kind: 'out', amount: 1_000_000, reason: 'Banque' });
    expect(tooMuch.status).toBe(422);
    expect(tooMuch.body.error.code).toBe('cash_out_exceeds');

    // X report: float 10 000 + cash sales 1 700 + 3 200 − refunds 3 200 − out 2 500 = 9 200.
    const x = await cashier.get(`/api/cash/sessions/${sessionId}`);
    expect(x.body.report).toMatchObject({
      salesCount: 3, voidsCount: 1, returnsCount: 2, refunds: 3200, discounts: 1300, cashOut: 2500,
      expected: { cash: 9200, mobile_money: 2000, card: 9500 },
    });

    // Closing 700 short: a comment is required above 500 FCFA; then Z n° 1, kept as PDF.
    const noComment = await cashier.post(`/api/cash/sessions/${sessionId}/close`).send({ counted: { cash: 8500, mobile_money: 2000, card: 9500 } });
    expect(noComment.status).toBe(422);
    expect(noComment.body.error.code).toBe('comment_required');
    expect((await t.db.one<{ status: string }>('select status from till_sessions where id = $1', [sessionId]))!.status).toBe('open');
    const closed = await cashier.post(`/api/cash/sessions/${sessionId}/close`)
      .send({ counted: { cash: 8500, mobile_money: 2000, card: 9500 }, comment: 'Erreur de monnaie' });
    expect(closed.status).toBe(200);
    expect(closed.body).toMatchObject({ status: 'closed', zNumber: 'DKR01-Z00001', cashVariance: -700, closingComment: 'Erreur de monnaie' });
    expect((await cashier.post(`/api/cash/sessions/${sessionId}/movements`).send({ kind: 'in', amount: 100, reason: 'x' })).status).toBe(409);

    const z = await cashier.get(`/api/cash/sessions/${sessionId}/z.pdf`).buffer(true).parse((res, cb) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => cb(null, Buffer.concat(chunks)));
    });
    expect(z.status).toBe(200);
    expect(z.headers['content-type']).toBe('application/pdf');
    if (poppler.available) {
      const text = pdfText(z.body as Buffer);
      for (const expected of ['Z n° DKR01-Z00001', 'Poste : Caisse 2', 'Espèces attendues', '9 200 FCFA', 'Fournisseur eau', '-2 500 FCFA', 'Écart Espèces', '-700 FCFA', 'Erreur de monnaie', 'Remises', '-1 300 FCFA']) {
        expect(text).toContain(expected);
      }
    }
  });

  it('opens a session by itself for a sale, or asks for one, as Paramètres say; voids after the Z are refused', async () => {
    const { p } = await product('Vogalène', 1500, [['VG1', '2027-06-30', 10]]);
    const pharmacist = await t.as('pharmacist');
    const first = await pharmacist.post('/api/sales').send({ lines: [{ productId: p.id, quantity: 1 }], payment: { method: 'cash' } });
    expect(first.status).toBe(201);
    const session = (await pharmacist.get('/api/cash/sessions/current')).body;
    expect(session).toMatchObject({ id: first.body.sessionId, terminal: 'Caisse 1', openingFloat: 0 });
    expect((await pharmacist.post(`/api/cash/sessions/${session.id}/close`).send({ counted: { cash: 1500 } })).status).toBe(200);
    const manager = await t.as('manager');
    const late = await manager.post(`/api/sales/${first.body.id}/void`);
    expect(late.status).toBe(409);
    expect(late.body.error.message).toMatch(/session de caisse clôturée/);

    expect((await manager.patch('/api/settings').send({ sessionPolicy: 'ask' })).status).toBe(200);
    const before = await t.counts();
    const asked = await pharmacist.post('/api/sales').send({ lines: [{ productId: p.id, quantity: 1 }], payment: { method: 'cash' } });
    expect(asked.status).toBe(409);
    expect(asked.body.error.code).toBe('session_required');
    expect(await t.counts()).toEqual(before);
    expect((await manager.patch('/api/settings').send({ sessionPolicy: 'auto' })).status).toBe(200);
  });

  it('lets only the cashier or a manager close a session, and sends sessions, cash movements and returns to head office once', async () => {
    const cashier = await t.as('cashier');
    const pharmacist = await t.as('pharmacist');
    const opened = (await cashier.post('/api/cash/sessions').send({ float: 5000 })).body;
    const other = await pharmacist.post(`/api/cash/sessions/${opened.id}/close`).send({ counted: { cash: 5000 } });
    expect(other.status).toBe(403);
    const manager = await t.as('manager');
    expect((await manager.post(`/api/cash/sessions/${opened.id}/close`).send({ counted: { cash: 5000 } })).body).toMatchObject({ status: 'closed', closedByName: 'Test manager' });

    await t.services.sync.pushNow();
    await t.services.sync.pushNow();
    const local = await t.db.rows<{ id: string; status: string; z_number: string | null }>('select id, status, z_number from till_sessions order by id');
    const remote = await hq.db.rows<{ id: string; status: string; z_number: string | null }>('select id, status, z_number from till_sessions order by id');
    expect(remote).toEqual(local);
    for (const table of ['cash_movements', 'sale_returns']) {
      expect(await hq.count(table)).toBe((await t.db.one<{ n: number }>(`select count(*)::int as n from ${table}`))!.n);
    }
    expect(await hq.count('sale_returns')).toBe(2);
    const refusals = await hq.db.rows('select code, reason from hq_refusals');
    expect(refusals).toEqual([]);
    // Head office's takings give each method the money it brought, split sales included; each sale is counted once.
    const paid = await t.db.rows<{ method: string; amount: number; sales: number }>(
      `select p->>'method' as method, sum((p->>'amount')::bigint)::int as amount, count(distinct s.id) filter (where p = s.payments->0)::int as sales
       from sales s cross join jsonb_array_elements(s.payments) p where s.status = 'completed' group by 1 order by 1`);
    const takings = await hq.db.rows<{ method: string; amount: number; sales: number }>(
      'select payment_method as method, sum(total)::int as amount, sum(sales)::int as sales from hq_daily_takings group by 1 order by 1');
    expect(takings).toEqual(paid);
    expect(takings.find((r) => r.method === 'mobile_money')!.amount).toBeGreaterThanOrEqual(2000);
  });

  it('prints the Z report and the credit note on the ESC/POS printer that prints receipts', async () => {
    const jobs: string[] = [];
    const printer = net.createServer((socket) => {
      const chunks: Buffer[] = [];
      socket.on('data', (d) => chunks.push(d));
      socket.on('close', () => jobs.push(Buffer.concat(chunks).toString('latin1')));
    });
    await new Promise<void>((r) => printer.listen(0, '127.0.0.1', r));
    const manager = await t.as('manager');
    try {
      await manager.patch('/api/settings').send({ printerKind: 'escpos', printerTarget: `tcp://127.0.0.1:${(printer.address() as net.AddressInfo).port}` }).expect(200);
      const { p } = await product('Biafine', 4300, [['BF1', '2028-01-31', 5]]);
      const cashier = await t.as('cashier');
      const session = (await cashier.post('/api/cash/sessions').set('x-comptoir-poste', 'Caisse Z').send({ float: 1000 })).body;
      const sale = (await cashier.post('/api/sales').set('x-comptoir-poste', 'Caisse Z').send({ lines: [{ productId: p.id, quantity: 2 }], payment: { method: 'cash' } })).body;
      await cashier.post(`/api/sales/${sale.id}/returns`).set('x-comptoir-poste', 'Caisse Z').send({ lines: [{ saleItemId: sale.items[0].id, quantity: 1 }] }).expect(201);
      const closed = (await cashier.post(`/api/cash/sessions/${session.id}/close`).send({ counted: { cash: 5300 } })).body;
      await t.services.receipts.drain();
      await expect.poll(() => jobs.length).toBe(3);
      const avoir = jobs.find((j) => j.includes('AVOIR'))!;
      expect(avoir).toContain('TOTAL REMBOURS');
      expect(avoir).toContain('Remis en stock, lot BF1');
      const z = jobs.find((j) => j.includes(closed.zNumber))!;
      expect(z).toContain('Poste : Caisse Z');
      expect(z).toContain('attendues');
      expect(z).toContain('5 300 FCFA');
    } finally {
      printer.close();
      await manager.patch('/api/settings').send({ printerKind: 'none', printerTarget: '' });
    }
  });

  it('opens sessions for many cashiers’ first sales at once, while others sell, without a deadlock', async () => {
    // Other products each: sales of the same product would queue on its lot before reaching the counter and the clock.
    const products: { id: string }[] = [];
    for (let i = 0; i < 8; i++) products.push((await product(`Daflon ${i}`, 1000, [[`DF${i}`, '2028-01-31', 1000]])).p);
    const cashiers: { id: string; name: string; role: 'cashier' }[] = [];
    for (let i = 0; i < 8; i++) {
      const u = await t.services.users.createUser({ name: `Rush ${i}`, role: 'cashier', pin: String(700000 + i * 11) });
      cashiers.push({ id: u.id, name: u.name, role: 'cashier' as const });
    }
    const pairs = new Set<string>();
    const sell = (actor: { id: string; name: string; role: 'cashier' }, i: number) => {
      pairs.add(`${actor.id}:Rush ${i % 3}`);
      return t.services.sales.recordSale({ lines: [{ productId: products[i]!.id, quantity: 1 }], payment: { method: 'cash' }, terminal: `Rush ${i % 3}` }, actor);
    };
    // Each cashier's first sale opens a session (stamping the clock) while the others' sales hold the counter.
    const sales = await Promise.all(cashiers.flatMap((c, i) => [sell(c, i), sell(cashiers[(i + 1) % 8]!, i), sell(c, (i + 2) % 8)]));
    expect(sales).toHaveLength(24);
    const sessions = await t.db.rows<{ n: number }>(
      `select count(*)::int as n from till_sessions where cashier_name like 'Rush %' and status = 'open' group by cashier_id, terminal`);
    // One open session per cashier and terminal, however many first sales raced to open it.
    expect(sessions).toHaveLength(pairs.size);
    expect(sessions.every((s) => s.n === 1)).toBe(true);
    expect(new Set(sales.map((s) => s.number)).size).toBe(24);
  });
});

