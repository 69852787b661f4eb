import { beforeAll, describe, expect, it } from 'vitest';
import { PINS, seedBatch, seedProduct, testHq, testShop, type TestShop } from '../support/harness.js';
import { pdfText, requireTool } from '../support/tools.js';

const poppler = requireTool('pdftotext', 'poppler-utils');

let t: TestShop;
const ids: Record<string, string> = {};

beforeAll(async () => {
  t = await testShop({ now: new Date('2026-11-26T09:00:00Z') });
  for (const [name, unitPrice] of [['Vitamine C', 1000], ['Insuline', 50_000], ['Sérum', 10_000], ['Sirop', 5000], ['Gel', 1005], ['Baume', 1005], ['Vaccin', 12_000]] as const) {
    const p = await seedProduct(t, { name, unitPrice });
    await seedBatch(t, { productId: p.id, lotNumber: `L-${name}`, expirationDate: '2028-12-31', quantity: 500 });
    ids[name] = p.id;
  }
});

/** A cashier at a terminal of their own, its drawer opened with `float`. */
async function cashierAt(terminal: string, float: number) {
  const cashier = await t.as('cashier');
  const opened = await cashier.post('/api/cash/sessions').set('x-comptoir-poste', terminal).send({ float });
  expect(opened.status).toBe(201);
  return { cashier, sessionId: opened.body.id as string, poste: { 'x-comptoir-poste': terminal } };
}

// Amounts in messages carry no-break spaces (U+00A0); the tests read them as plain ones.
const said = (res: { body: { error?: { message?: string } } }) => String(res.body.error?.message).replace(/\u00a0/g, ' ');
const line = (name: string, quantity = 1, discount?: object) => ({ productId: ids[name]!, quantity, ...(discount ? { discount } : {}) });

describe('discount limits', () => {
  it('refuses a 100 % discount on a cheap line hidden by an expensive one without a manager, and allows it with one', async () => {
    const { cashier, poste } = await cashierAt('Remise 1', 0);
    const hidden = { lines: [line('Insuline'), line('Vitamine C', 1, { kind: 'percent', value: 100, reason: 'geste' })], payment: { method: 'card' } };
    const before = await t.counts();
    const refused = await cashier.post('/api/sales').set(poste).send(hidden);
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('discount_needs_manager');
    expect(said(refused)).toBe('Remise de 100 % sur « Vitamine C » : au-delà de 10 % par ligne, le code PIN d’un responsable est demandé.');
    expect(await t.counts()).toEqual(before);

    const approved = await cashier.post('/api/sales').set(poste).send({ ...hidden, managerPin: PINS.manager });
    expect(approved.status).toBe(201);
    expect(approved.body).toMatchObject({ subtotal: 51_000, discount: 1000, total: 50_000, discountApprovedBy: t.userIds.manager });
  });

  it('counts a line’s share of the ticket’s discount with its own, as a return would refund it', async () => {
    const { cashier, poste } = await cashierAt('Remise 2', 0);
    // 10 % on the cheap line and 500 FCFA off the ticket: 10 % of the ticket, but 17.6 % of the cheap line.
    const sale = { lines: [line('Vitamine C', 1, { kind: 'percent', value: 10, reason: 'date courte' }), line('Sirop')], discount: { kind: 'amount', value: 500, reason: 'fidélité' }, payment: { method: 'card' } };
    const before = await t.counts();
    const refused = await cashier.post('/api/sales').set(poste).send(sale);
    expect(refused.status).toBe(403);
    expect(said(refused)).toMatch(/^Remise de 1\d,\d % sur « Vitamine C »/);
    expect(await t.counts()).toEqual(before);
    // Without the ticket's discount each line is within the limit.
    const { discount: _d, ...alone } = sale;
    expect((await cashier.post('/api/sales').set(poste).send(alone)).status).toBe(201);
  });

  it('refuses 10.04 % at a 10 % limit, comparing francs, and lets a discount of exactly 10 % through', async () => {
    const { cashier, poste } = await cashierAt('Remise 3', 0);
    const before = await t.counts();
    const over = await cashier.post('/api/sales').set(poste).send({ lines: [line('Sérum')], discount: { kind: 'amount', value: 1004, reason: 'client' }, payment: { method: 'card' } });
    expect(over.status).toBe(403);
    expect(said(over)).toBe('Remise de 10,1 % : au-delà de 10 %, le code PIN d’un responsable est demandé.');
    expect(await t.counts()).toEqual(before);
    expect((await cashier.post('/api/sales').set(poste).send({ lines: [line('Sérum')], discount: { kind: 'amount', value: 1000, reason: 'client' }, payment: { method: 'card' } })).status).toBe(201);
    // 10 % of two lines of 1 005 FCFA rounds up to 101 FCFA each: typed as a percentage, it is 10 %.
    const rounded = await cashier.post('/api/sales').set(poste).send({
      lines: [line('Gel', 1, { kind: 'percent', value: 10, reason: 'x' }), line('Baume', 1, { kind: 'percent', value: 10, reason: 'x' })], payment: { method: 'card' },
    });
    expect(rounded.status).toBe(201);
    expect(rounded.body.discount).toBe(202);
    const ticket = await cashier.post('/api/sales').set(poste).send({ lines: [line('Gel'), line('Baume'), line('Sirop', 3)], discount: { kind: 'percent', value: 10, reason: 'x' }, payment: { method: 'card' } });
    expect(ticket.status).toBe(201);
  });
});

describe('refunds', () => {
  it('refunds a card sale in cash only with a manager’s PIN, and by card without one', async () => {
    const { cashier, poste } = await cashierAt('Retour 1', 20_000);
    const sale = (await cashier.post('/api/sales').set(poste).send({ lines: [line('Sirop', 2)], payment: { method: 'card' } })).body;
    const item = sale.items[0].id;
    const before = await t.counts();
    const refused = await cashier.post(`/api/sales/${sale.id}/returns`).set(poste).send({ lines: [{ saleItemId: item, quantity: 1 }], refundMethod: 'cash' });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('return_needs_manager');
    expect(said(refused)).toBe('Ce retour demande le code PIN d’un responsable : remboursement en Espèces d’une vente payée en Carte bancaire.');
    expect(await t.counts()).toEqual(before);

    const approved = await cashier.post(`/api/sales/${sale.id}/returns`).set(poste).send({ lines: [{ saleItemId: item, quantity: 1 }], refundMethod: 'cash', managerPin: PINS.manager });
    expect(approved.status).toBe(201);
    expect(approved.body).toMatchObject({ refundMethod: 'cash', amount: 5000, approvedBy: t.userIds.manager, approvedByName: 'Test manager', approval: ['method'] });
    const byCard = await cashier.post(`/api/sales/${sale.id}/returns`).set(poste).send({ lines: [{ saleItemId: item, quantity: 1 }] });
    expect(byCard.status).toBe(201);
    expect(byCard.body).toMatchObject({ refundMethod: 'card', approvedBy: null, approval: [] });
  });

  it('refunds a split sale by each method up to what it took that way', async () => {
    const { cashier, poste } = await cashierAt('Retour 2', 20_000);
    const sale = (await cashier.post('/api/sales').set(poste).send({
      lines: [line('Sirop', 2)], payments: [{ method: 'cash', tendered: 2000 }, { method: 'card', amount: 8000 }],
    })).body;
    const item = sale.items[0].id;
    // 5 000 in cash from a sale that took 2 000 in cash: a manager's, by default refunded on the card.
    const cash = await cashier.post(`/api/sales/${sale.id}/returns`).set(poste).send({ lines: [{ saleItemId: item, quantity: 1 }], refundMethod: 'cash' });
    expect(cash.status).toBe(403);
    expect(said(cash)).toMatch(/remboursement en Espèces au-delà des 2 000 FCFA payés ainsi/);
    const auto = await cashier.post(`/api/sales/${sale.id}/returns`).set(poste).send({ lines: [{ saleItemId: item, quantity: 1 }] });
    expect(auto.status).toBe(201);
    expect(auto.body).toMatchObject({ refundMethod: 'card', approval: [] });
  });

  it('asks a manager’s PIN for a return above 20 000 FCFA, counting earlier returns of the sale', async () => {
    const { cashier, poste } = await cashierAt('Retour 3', 100_000);
    const big = (await cashier.post('/api/sales').set(poste).send({ lines: [line('Vaccin', 2)], payment: { method: 'cash', tendered: 24_000 } })).body;
    const item = big.items[0].id;
    const before = await t.counts();
    const whole = await cashier.post(`/api/sales/${big.id}/returns`).set(poste).send({ lines: [{ saleItemId: item, quantity: 2 }] });
    expect(whole.status).toBe(403);
    expect(said(whole)).toBe('Ce retour demande le code PIN d’un responsable : 24 000 FCFA remboursés sur cette vente sans responsable, au-delà de 20 000 FCFA.');
    expect(await t.counts()).toEqual(before);
    // Split in two, the second half goes over the limit all the same.
    expect((await cashier.post(`/api/sales/${big.id}/returns`).set(poste).send({ lines: [{ saleItemId: item, quantity: 1 }] })).status).toBe(201);
    const second = await cashier.post(`/api/sales/${big.id}/returns`).set(poste).send({ lines: [{ saleItemId: item, quantity: 1 }] });
    expect(second.status).toBe(403);
    const approved = await cashier.post(`/api/sales/${big.id}/returns`).set(poste).send({ lines: [{ saleItemId: item, quantity: 1 }], managerPin: PINS.manager });
    expect(approved.status).toBe(201);
    expect(approved.body).toMatchObject({ approvedByName: 'Test manager', approval: ['amount'] });
  });

  it('asks a manager’s PIN for a return of a sale older than 7 days', async () => {
    const { cashier, poste } = await cashierAt('Retour 4', 10_000);
    const sale = (await cashier.post('/api/sales').set(poste).send({ lines: [line('Vitamine C', 2)], payment: { method: 'cash', tendered: 2000 } })).body;
    const item = sale.items[0].id;
    try {
      t.clock.set('2026-12-03T18:00:00Z'); // 7 days later: still a cashier's
      expect((await cashier.post(`/api/sales/${sale.id}/returns`).set(poste).send({ lines: [{ saleItemId: item, quantity: 1 }] })).status).toBe(201);
      t.clock.set('2026-12-04T08:00:00Z'); // 8 days
      const before = await t.counts();
      const late = await cashier.post(`/api/sales/${sale.id}/returns`).set(poste).send({ lines: [{ saleItemId: item, quantity: 1 }] });
      expect(late.status).toBe(403);
      expect(said(late)).toBe('Ce retour demande le code PIN d’un responsable : vente du 26/11/2026, il y a plus de 7 jours.');
      expect(await t.counts()).toEqual(before);
      const approved = await cashier.post(`/api/sales/${sale.id}/returns`).set(poste).send({ lines: [{ saleItemId: item, quantity: 1 }], managerPin: PINS.manager });
      expect(approved.body).toMatchObject({ approval: ['age'] });
    } finally {
      t.clock.set('2026-11-26T09:00:00Z');
    }
  });

  it('refuses a cash refund beyond what the drawer holds, even with a manager, leaving the drawer as it was', async () => {
    const { cashier, sessionId, poste } = await cashierAt('Retour 5', 1000);
    const sale = (await cashier.post('/api/sales').set(poste).send({ lines: [line('Insuline')], payment: { method: 'card' } })).body;
    const before = await t.counts();
    const refused = await cashier.post(`/api/sales/${sale.id}/returns`).set(poste)
      .send({ lines: [{ saleItemId: sale.items[0].id, quantity: 1 }], refundMethod: 'cash', managerPin: PINS.manager });
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('refund_exceeds_drawer');
    expect(said(refused)).toBe('La caisse ne contient que 1 000 FCFA : impossible de rembourser 50 000 FCFA en espèces. Remboursez par le moyen de paiement de la vente, ou ajoutez une entrée de caisse.');
    expect(await t.counts()).toEqual(before);
    expect((await cashier.get(`/api/cash/sessions/${sessionId}`)).body.report.expected.cash).toBe(1000);
  });
});

describe('the drawer', () => {
  it('needs a manager’s PIN for cash taken out above the setting, counting the session’s earlier cash-outs', async () => {
    const { cashier, sessionId } = await cashierAt('Sortie 1', 100_000);
    const out = (amount: number, extra: object = {}) => cashier.post(`/api/cash/sessions/${sessionId}/movements`).send({ kind: 'out', amount, reason: 'banque', ...extra });
    expect((await out(15_000)).status).toBe(201);
    const before = await t.counts();
    const refused = await out(10_000);
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('cash_out_needs_manager');
    expect(said(refused)).toBe('Sortie de 10 000 FCFA : avec les 15 000 FCFA déjà sortis sans responsable, elle dépasse 20 000 FCFA ; le code PIN d’un responsable est demandé.');
    expect(await t.counts()).toEqual(before);
    const approved = await out(10_000, { managerPin: PINS.manager });
    expect(approved.status).toBe(201);
    expect(approved.body).toMatchObject({ approvedBy: t.userIds.manager, approvedByName: 'Test manager' });
    // What a manager allowed does not count against the cashier's own allowance.
    expect((await out(5000)).status).toBe(201);
    expect((await out(1000)).status).toBe(403);
  });

  it('asks a closing comment for a variance of any method, a card counted 0 against 1 000 expected included', async () => {
    const { cashier, sessionId, poste } = await cashierAt('Clôture 1', 5000);
    await cashier.post('/api/sales').set(poste).send({ lines: [line('Vitamine C')], payment: { method: 'card' } });
    const refused = await cashier.post(`/api/cash/sessions/${sessionId}/close`).send({ counted: { cash: 5000, mobile_money: 0, card: 0 } });
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('comment_required');
    expect(said(refused)).toBe('Écart de -1 000 FCFA en Carte bancaire : un commentaire est obligatoire au-delà de 500 FCFA.');
    expect((await t.db.one<{ status: string }>('select status from till_sessions where id = $1', [sessionId]))!.status).toBe('open');
    const closed = await cashier.post(`/api/cash/sessions/${sessionId}/close`).send({ counted: { cash: 5000, mobile_money: 0, card: 0 }, comment: 'terminal en panne' });
    expect(closed.status).toBe(200);
  });
});

describe('mobile money', () => {
  it('refuses a mobile-money payment without its operator and reference, writing nothing', async () => {
    const { cashier, poste } = await cashierAt('Mobile 1', 0);
    const before = await t.counts();
    for (const payment of [{ method: 'mobile_money', operator: 'wave' }, { method: 'mobile_money', reference: 'WV-1' }, { method: 'mobile_money' }]) {
      const res = await cashier.post('/api/sales').set(poste).send({ lines: [line('Vitamine C')], payment });
      expect(res.status, JSON.stringify(payment)).toBe(422);
      expect(res.body.error.code).toBe('mobile_money_incomplete');
      expect(said(res)).toBe('Paiement mobile : indiquez l’opérateur et la référence de la transaction, lus sur le téléphone du client.');
    }
    const split = await cashier.post('/api/sales').set(poste).send({ lines: [line('Sirop')], payments: [{ method: 'cash', tendered: 3000 }, { method: 'mobile_money', amount: 2000, operator: 'orange_money' }] });
    expect(split.status).toBe(422);
    expect(await t.counts()).toEqual(before);
    const paid = await cashier.post('/api/sales').set(poste).send({ lines: [line('Vitamine C')], payment: { method: 'mobile_money', operator: 'wave', reference: 'WV-1' } });
    expect(paid.status).toBe(201);
  });
});

describe('the Z report', () => {
  it('lists who approved the discounts, returns, cash-outs and refunds by another method', async () => {
    const { cashier, sessionId, poste } = await cashierAt('Z 1', 50_000);
    const discounted = (await cashier.post('/api/sales').set(poste).send({
      lines: [line('Sérum')], discount: { kind: 'percent', value: 30, reason: 'personnel' }, payment: { method: 'card' }, managerPin: PINS.manager,
    })).body;
    const returned = await cashier.post(`/api/sales/${discounted.id}/returns`).set(poste)
      .send({ lines: [{ saleItemId: discounted.items[0].id, quantity: 1 }], refundMethod: 'cash', managerPin: PINS.manager });
    expect(returned.status).toBe(201);
    expect((await cashier.post(`/api/cash/sessions/${sessionId}/movements`).send({ kind: 'out', amount: 25_000, reason: 'dépôt banque', managerPin: PINS.manager })).status).toBe(201);

    const x = (await cashier.get(`/api/cash/sessions/${sessionId}`)).body.report;
    expect(x.approvals).toEqual([
      { kind: 'discount', reference: discounted.number, amount: 3000, approvedBy: 'Test manager', why: [] },
      { kind: 'return', reference: returned.body.number, amount: 7000, approvedBy: 'Test manager', why: ['method'] },
      { kind: 'cash_out', reference: 'dépôt banque', amount: 25_000, approvedBy: 'Test manager', why: [] },
    ]);
    const expected = x.expected;
    expect((await cashier.post(`/api/cash/sessions/${sessionId}/close`).send({ counted: expected })).status).toBe(200);
    if (poppler.available) {
      const z = await cashier.get(`/api/cash/sessions/${sessionId}/z.pdf`).buffer(true).parse((res, cb) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => cb(null, Buffer.concat(chunks)));
      });
      const text = pdfText(z.body as Buffer);
      for (const s of ['Autorisations d’un responsable', `Remise ${discounted.number}`, `Retour ${returned.body.number}`, 'dépôt banque', 'Test manager', '-25 000 FCFA']) {
        expect(text).toContain(s);
      }
    }
  });
});

describe('settings', () => {
  it('keeps the approval thresholds in Paramètres and the API, a manager’s to change', async () => {
    const manager = await t.as('manager');
    expect((await manager.get('/api/settings')).body).toMatchObject({ returnApprovalOver: 20_000, returnApprovalAfterDays: 7, cashOutApprovalOver: 20_000 });
    const cashier = await t.as('cashier');
    expect((await cashier.patch('/api/settings').send({ cashOutApprovalOver: 1_000_000 })).status).toBe(403);
    expect((await manager.patch('/api/settings').send({ returnApprovalAfterDays: -1 })).status).toBe(400);
    try {
      const saved = await manager.patch('/api/settings').send({ returnApprovalOver: 50_000, returnApprovalAfterDays: 30, cashOutApprovalOver: 0 });
      expect(saved.status).toBe(200);
      expect(saved.body).toMatchObject({ returnApprovalOver: 50_000, returnApprovalAfterDays: 30, cashOutApprovalOver: 0 });
      // 0: every cash-out is a manager's.
      const { cashier: c, sessionId } = await cashierAt('Réglages 1', 10_000);
      const out = await c.post(`/api/cash/sessions/${sessionId}/movements`).send({ kind: 'out', amount: 1, reason: 'x' });
      expect(out.status).toBe(403);
      const page = await manager.get('/parametres');
      for (const name of ['returnApprovalOver', 'returnApprovalAfterDays', 'cashOutApprovalOver']) expect(page.text).toContain(`name="${name}"`);
    } finally {
      await manager.patch('/api/settings').send({ returnApprovalOver: 20_000, returnApprovalAfterDays: 7, cashOutApprovalOver: 20_000 });
    }
  });
});

describe('head office', () => {
  it('receives who approved a return and a cash-out with them, once', async () => {
    const hq = await testHq();
    await hq.listen();
    try {
      const shop = await testShop({ code: 'DKR02', now: new Date('2026-11-26T09:00:00Z'), hq: { url: hq.url, token: await hq.registerShop('DKR02') } });
      const p = await seedProduct(shop, { name: 'Sirop', unitPrice: 5000 });
      await seedBatch(shop, { productId: p.id, expirationDate: '2028-12-31', quantity: 10 });
      const cashier = await shop.as('cashier');
      const session = (await cashier.post('/api/cash/sessions').send({ float: 50_000 })).body.id as string;
      const sale = (await cashier.post('/api/sales').send({ lines: [{ productId: p.id, quantity: 1 }], payment: { method: 'card' } })).body;
      const credit = (await cashier.post(`/api/sales/${sale.id}/returns`).send({ lines: [{ saleItemId: sale.items[0].id, quantity: 1 }], refundMethod: 'cash', managerPin: PINS.manager })).body;
      const out = (await cashier.post(`/api/cash/sessions/${session}/movements`).send({ kind: 'out', amount: 30_000, reason: 'banque', managerPin: PINS.manager })).body;
      await shop.services.sync.pushNow();
      await shop.services.sync.pushNow();
      expect(await hq.db.one('select approved_by, approved_by_name, approval from sale_returns where id = $1', [credit.id]))
        .toEqual({ approvedBy: shop.userIds.manager, approvedByName: 'Test manager', approval: ['method'] });
      expect(await hq.db.one('select approved_by, approved_by_name from cash_movements where id = $1', [out.id]))
        .toEqual({ approvedBy: shop.userIds.manager, approvedByName: 'Test manager' });
      expect(await hq.db.rows('select code, reason from hq_refusals')).toEqual([]);
    } finally {
      await hq.close();
    }
  });
});
