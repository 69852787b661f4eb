import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { PINS, seedBatch, seedProduct, testShop, type TestShop } from '../support/harness.js';
import { pdfText, requireTool } from '../support/tools.js';

const poppler = requireTool('pdftotext', 'poppler-utils');

let t: TestShop;
let product: string;

beforeAll(async () => {
  t = await testShop({ now: new Date('2026-11-26T09:00:00Z') });
  const p = await seedProduct(t, { name: 'Amoxicilline 500 mg', unitPrice: 2500 });
  await seedBatch(t, { productId: p.id, lotNumber: 'AMX-1', expirationDate: '2028-12-31', quantity: 1000 });
  product = p.id;
});

// Amounts in messages carry no-break spaces (U+00A0); the tests read them as plain ones.
const said = (res: { body: { error?: { message?: string } } }) => String(res.body.error?.message).replace(/\u00a0/g, ' ');

/** Every row a refusal must not write, this feature's tables with the day's. */
async function counts() {
  const base = await t.counts();
  const mine: Record<string, number> = {};
  for (const table of ['customers', 'account_entries', 'expenses', 'expense_photos']) {
    mine[table] = (await t.db.one<{ n: number }>(`select count(*)::int as n from ${table}`))!.n;
  }
  return { ...base, ...mine };
}

async function cashierAt(terminal: string, float: number) {
  const cashier = await t.as('cashier');
  const opened = await cashier.post('/api/cash/sessions').set('x-comptoir-poste', terminal).send({ float });
  expect(opened.status).toBe(201);
  return { cashier, sessionId: opened.body.id as string, poste: { 'x-comptoir-poste': terminal } };
}

async function customer(name: string, creditLimit: number, phone?: string) {
  const manager = await t.as('manager');
  const res = await manager.post('/api/customers').send({ name, creditLimit, ...(phone ? { phone } : {}) });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

const sale = (quantity: number, payments: object[]) => ({ lines: [{ productId: product, quantity }], payments });

describe('customer accounts', () => {
  it('opens an account once for the same id, refuses a phone another customer has, and finds customers by name or phone', async () => {
    const manager = await t.as('manager');
    const id = randomUUID();
    const body = { id, name: 'Awa Diop', phone: '+221 77 123 45 67', creditLimit: 50_000 };
    expect((await manager.post('/api/customers').send(body)).status).toBe(201);
    const again = await manager.post('/api/customers').send(body);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ id, balance: 0, ageing: { d0_30: 0, d31_60: 0, d61_90: 0, over90: 0 } });

    const before = await counts();
    const twin = await manager.post('/api/customers').send({ name: 'Autre', phone: '+221771234567' });
    expect(twin.status).toBe(409);
    expect(said(twin)).toBe('Le téléphone +221771234567 est déjà celui d’un autre client (Awa Diop).');
    expect(await counts()).toEqual(before);

    const cashier = await t.as('cashier');
    expect((await cashier.get('/api/customers?q=awa diop')).body.map((c: { id: string }) => c.id)).toEqual([id]);
    expect((await cashier.get('/api/customers?q=77 123')).body.map((c: { id: string }) => c.id)).toEqual([id]);
    // A cashier opens an account, but only a manager sets a limit.
    const limited = await cashier.post('/api/customers').send({ name: 'Moussa', creditLimit: 1000 });
    expect(limited.status).toBe(403);
  });

  it('sells on credit with a cash deposit: the deposit is in the drawer, the rest on the account, the X report counts each once', async () => {
    const awa = await customer('Fatou Sarr', 100_000);
    const { cashier, sessionId, poste } = await cashierAt('Crédit 1', 5000);
    const res = await cashier.post('/api/sales').set(poste).send(sale(4, [{ method: 'cash', tendered: 3000 }, { method: 'credit', customerId: awa }]));
    expect(res.status).toBe(201);
    expect(res.body.total).toBe(10_000);
    expect(res.body.payments).toEqual([{ method: 'cash', amount: 3000 }, { method: 'credit', amount: 7000, customerId: awa }]);
    const account = await cashier.get(`/api/customers/${awa}`);
    expect(account.body).toMatchObject({ balance: 7000, ageing: { d0_30: 7000 } });
    const x = await cashier.get(`/api/cash/sessions/${sessionId}`);
    expect(x.body.report).toMatchObject({ netSales: 10_000, creditSales: 7000, salesByMethod: { cash: 3000, mobile_money: 0, card: 0 } });
    expect(x.body.report.expected.cash).toBe(5000 + 3000);
  });

  it('refuses a credit over the limit or to a blocked customer with the balance, writing nothing, unless a manager’s PIN allows it', async () => {
    const moussa = await customer('Moussa Fall', 5000);
    const { cashier, poste } = await cashierAt('Crédit 2', 0);
    expect((await cashier.post('/api/sales').set(poste).send(sale(1, [{ method: 'credit', customerId: moussa }]))).status).toBe(201);
    const before = await counts();
    const over = await cashier.post('/api/sales').set(poste).send(sale(2, [{ method: 'credit', customerId: moussa }]));
    expect(over.status).toBe(403);
    expect(over.body.error.code).toBe('credit_needs_manager');
    expect(said(over)).toBe('Crédit refusé pour Moussa Fall : solde dû 2 500 FCFA, plus 5 000 FCFA, dépasse le plafond de 5 000 FCFA. Le code PIN d’un responsable est demandé.');
    expect(await counts()).toEqual(before);
    const allowed = await cashier.post('/api/sales').set(poste).send({ ...sale(2, [{ method: 'credit', customerId: moussa }]), managerPin: PINS.manager });
    expect(allowed.status).toBe(201);
    const entry = await t.db.one<{ approvedBy: string }>("select approved_by from account_entries where sale_id = $1", [allowed.body.id]);
    expect(entry!.approvedBy).toBe(t.userIds.manager);

    const manager = await t.as('manager');
    expect((await manager.patch(`/api/customers/${moussa}`).send({ blocked: true, creditLimit: 1_000_000 })).status).toBe(200);
    const blockedBefore = await counts();
    const blocked = await cashier.post('/api/sales').set(poste).send(sale(1, [{ method: 'credit', customerId: moussa }]));
    expect(blocked.status).toBe(403);
    expect(said(blocked)).toBe('Le compte de Moussa Fall est bloqué (solde dû : 7 500 FCFA) : le code PIN d’un responsable est demandé pour lui vendre à crédit.');
    expect(await counts()).toEqual(blockedBefore);
    // A credit needs a customer: the amount left due is never taken as paid.
    const anonymous = await cashier.post('/api/sales').set(poste).send(sale(1, [{ method: 'credit' }]));
    expect(anonymous.status).toBe(422);
    expect(anonymous.body.error.code).toBe('credit_customer_required');
    expect(await counts()).toEqual(blockedBefore);
  });

  it('takes a payment on account into the drawer, oldest sales first, once however often it is sent, and shows it in the X report', async () => {
    const ibou = await customer('Ibrahima Ndiaye', 100_000);
    const { cashier, sessionId, poste } = await cashierAt('Crédit 3', 1000);
    const first = await cashier.post('/api/sales').set(poste).send(sale(2, [{ method: 'credit', customerId: ibou }]));
    t.clock.set('2026-11-26T10:00:00Z');
    const second = await cashier.post('/api/sales').set(poste).send(sale(1, [{ method: 'credit', customerId: ibou }]));
    const id = randomUUID();
    const paid = await cashier.post(`/api/customers/${ibou}/payments`).set(poste).send({ id, amount: 6000, method: 'cash' });
    expect(paid.status).toBe(201);
    expect(paid.body).toMatchObject({ kind: 'payment', amount: 6000, sessionId, balanceAfter: 1500, number: 'DKR01-RG000001' });
    expect(paid.body.allocations).toEqual([{ saleId: first.body.id, amount: 5000 }, { saleId: second.body.id, amount: 1000 }]);
    const again = await cashier.post(`/api/customers/${ibou}/payments`).set(poste).send({ id, amount: 6000, method: 'cash' });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(id);
    expect((await cashier.get(`/api/customers/${ibou}`)).body.balance).toBe(1500);
    const x = (await cashier.get(`/api/cash/sessions/${sessionId}`)).body.report;
    expect(x).toMatchObject({ accountPayments: { cash: 6000, mobile_money: 0, card: 0 }, accountPaymentsCount: 1, salesByMethod: { cash: 0 } });
    expect(x.expected.cash).toBe(1000 + 6000);

    const before = await counts();
    const tooMuch = await cashier.post(`/api/customers/${ibou}/payments`).set(poste).send({ amount: 2000, method: 'cash' });
    expect(tooMuch.status).toBe(422);
    expect(said(tooMuch)).toBe('Règlement de 2 000 FCFA refusé : le client ne doit que 1 500 FCFA (les avances ne sont pas permises dans Paramètres).');
    expect((await cashier.post(`/api/customers/${ibou}/payments`).set(poste).send({ amount: -5, method: 'cash' })).status).toBe(400);
    expect((await cashier.post(`/api/customers/${ibou}/payments`).set(poste).send({ amount: 500, method: 'mobile_money' })).status).toBe(422);
    expect(await counts()).toEqual(before);
    const receipt = await cashier.get(`/api/account-payments/${id}/receipt.pdf`);
    expect(receipt.status).toBe(200);
    if (poppler.available) expect(pdfText(receipt.body as Buffer)).toContain('Nouveau solde dû');
  });

  it('credits the account, not the drawer, when goods bought on credit come back, and a void gives the credit back', async () => {
    const khady = await customer('Khady Ba', 100_000);
    const { cashier, sessionId, poste } = await cashierAt('Crédit 4', 2000);
    const sold = await cashier.post('/api/sales').set(poste).send(sale(2, [{ method: 'cash', tendered: 1000 }, { method: 'credit', customerId: khady }]));
    expect(sold.status).toBe(201);
    const [item] = sold.body.items;
    const returned = await cashier.post(`/api/sales/${sold.body.id}/returns`).set(poste).send({ lines: [{ saleItemId: item.id, quantity: 1 }] });
    expect(returned.status).toBe(201);
    expect(returned.body).toMatchObject({ amount: 2500, accountCredit: 2500, refundMethod: 'credit', rounding: 0 });
    expect((await cashier.get(`/api/customers/${khady}`)).body.balance).toBe(1500);
    const x = (await cashier.get(`/api/cash/sessions/${sessionId}`)).body.report;
    expect(x.expected.cash).toBe(2000 + 1000);
    expect(x.creditReturns).toBe(2500);

    const manager = await t.as('manager');
    const other = await cashier.post('/api/sales').set(poste).send(sale(1, [{ method: 'credit', customerId: khady }]));
    expect((await manager.post(`/api/sales/${other.body.id}/void`)).status).toBe(200);
    expect((await cashier.get(`/api/customers/${khady}`)).body.balance).toBe(1500);
  });

  it('lets a manager write off a debt with a reason, the oldest sale first, and no one else', async () => {
    const omar = await customer('Omar Sy', 100_000);
    const { cashier, poste } = await cashierAt('Crédit 5', 0);
    await cashier.post('/api/sales').set(poste).send(sale(1, [{ method: 'credit', customerId: omar }]));
    const before = await counts();
    expect((await cashier.post(`/api/customers/${omar}/write-offs`).send({ amount: 1000, reason: 'client parti' })).status).toBe(403);
    expect(await counts()).toEqual(before);
    const manager = await t.as('manager');
    const off = await manager.post(`/api/customers/${omar}/write-offs`).send({ amount: 1000, reason: 'client parti' });
    expect(off.status).toBe(201);
    expect(off.body).toMatchObject({ kind: 'write_off', balanceAfter: 1500, approvedBy: t.userIds.manager });
  });

  it('prints a statement of the period with its opening and closing balances', async () => {
    const aida = await customer('Aïda Faye', 100_000);
    const { cashier, poste } = await cashierAt('Crédit 6', 0);
    t.clock.set('2026-10-15T10:00:00Z');
    await cashier.post('/api/sales').set(poste).send(sale(4, [{ method: 'credit', customerId: aida }]));
    t.clock.set('2026-11-20T10:00:00Z');
    await cashier.post('/api/sales').set(poste).send(sale(2, [{ method: 'credit', customerId: aida }]));
    await cashier.post(`/api/customers/${aida}/payments`).set(poste).send({ amount: 3000, method: 'card' });
    t.clock.set('2026-11-26T10:00:00Z');
    expect((await cashier.get(`/api/customers/${aida}`)).body.ageing).toEqual({ d0_30: 5000, d31_60: 7000, d61_90: 0, over90: 0 });
    const pdf = await cashier.get(`/api/customers/${aida}/statement.pdf?from=2026-11-01&to=2026-11-30`);
    expect(pdf.status).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    if (!poppler.available) return;
    const text = pdfText(pdf.body as Buffer);
    expect(text).toContain('Relevé de compte client');
    expect(text).toMatch(/Solde au début de la période\s+10 000 FCFA/);
    expect(text).toMatch(/Solde à la fin de la période\s+12 000 FCFA/);
  });
});

describe('expenses', () => {
  it('pays an expense from the drawer as a cash-out of the open session, shown apart in the X report, and refuses one above the drawer', async () => {
    const { cashier, sessionId, poste } = await cashierAt('Dépense 1', 10_000);
    const id = randomUUID();
    const body = { id, category: 'transport', amount: 2000, paidFrom: 'drawer', payee: 'Taxi livraison' };
    const res = await cashier.post('/api/expenses').set(poste).send(body);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ sessionId, category: 'transport', amount: 2000 });
    expect((await cashier.post('/api/expenses').set(poste).send(body)).status).toBe(200);
    const x = (await cashier.get(`/api/cash/sessions/${sessionId}`)).body.report;
    expect(x).toMatchObject({ expenses: 2000, expensesCount: 1, cashOut: 0 });
    expect(x.expected.cash).toBe(8000);

    const before = await counts();
    const over = await cashier.post('/api/expenses').set(poste).send({ category: 'électricité', amount: 9000, paidFrom: 'drawer' });
    expect(over.status).toBe(422);
    expect(over.body.error.code).toBe('cash_out_exceeds');
    const unknown = await cashier.post('/api/expenses').set(poste).send({ category: 'casino', amount: 10, paidFrom: 'bank' });
    expect(unknown.status).toBe(422);
    expect(await counts()).toEqual(before);
    const bank = await cashier.post('/api/expenses').send({ category: 'électricité', amount: 45_000, paidFrom: 'bank' });
    expect(bank.status).toBe(201);
    expect(bank.body.sessionId).toBeNull();
  });

  it('takes a JPEG or PNG photo of the receipt, refuses anything else (415) or too large (413), and a manager cancels with a new row', async () => {
    const cashier = await t.as('cashier');
    const made = await cashier.post('/api/expenses').send({ category: 'nettoyage', amount: 1500, paidFrom: 'mobile_money' });
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(100)]);
    expect((await cashier.post(`/api/expenses/${made.body.id}/photo`).set('content-type', 'image/png').send(png)).status).toBe(201);
    const before = await counts();
    const text = await cashier.post(`/api/expenses/${made.body.id}/photo`).set('content-type', 'text/plain').send('bonjour');
    expect(text.status).toBe(415);
    expect(said(text)).toBe('La photo du reçu doit être une image JPEG ou PNG.');
    const liar = await cashier.post(`/api/expenses/${made.body.id}/photo`).set('content-type', 'image/jpeg').send(Buffer.from('not a jpeg at all'));
    expect(liar.status).toBe(415);
    const huge = await cashier.post(`/api/expenses/${made.body.id}/photo`).set('content-type', 'image/jpeg').send(Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), Buffer.alloc(3 * 1024 * 1024)]));
    expect(huge.status).toBe(413);
    expect(await counts()).toEqual(before);

    expect((await cashier.post(`/api/expenses/${made.body.id}/cancel`).send({ reason: 'saisie en double' })).status).toBe(403);
    const manager = await t.as('manager');
    const cancelled = await manager.post(`/api/expenses/${made.body.id}/cancel`).send({ reason: 'saisie en double' });
    expect(cancelled.status).toBe(201);
    expect(cancelled.body).toMatchObject({ cancels: made.body.id, amount: 1500 });
    const listed = (await manager.get('/api/expenses?from=2026-11-01&to=2026-11-30')).body.find((e: { id: string }) => e.id === made.body.id);
    expect(listed).toMatchObject({ cancelledBy: 'Test manager', cancelReason: 'saisie en double', hasPhoto: true });
  });
});
