import { beforeAll, describe, expect, it } from 'vitest';
import { dateInZone } from '../../server/domain/dates.js';
import { initFromHq } from '../../server/sync/rebuild.js';
import { copyOfDatabase, seedBatch, seedProduct, testHq, testShop, type TestHq, type TestShop } from '../support/harness.js';

// Issue 22: customers, their account entries and the shop's expenses are kept whole at head office by the nightly run, and come back to a rebuilt shop.
type Db = TestShop['db'] | TestHq['db'];

/** What of a shop's accounts and expenses one end holds: ids with what may change of them. */
async function held(db: Db, shopId: string) {
  const keys = async (sql: string) => (await db.rows<{ k: string }>(sql, [shopId])).map((r) => r.k);
  return {
    customers: await keys(`select id || ':' || name || ':' || coalesce(phone, '') || ':' || blocked || ':' || notes as k from customers where shop_id = $1 order by id`),
    entries: await keys(`select id || ':' || kind || ':' || amount || ':' || balance_after || ':' || coalesce(number, '') || ':' || allocations::text as k
      from account_entries where shop_id = $1 order by id`),
    expenses: await keys(`select id || ':' || category || ':' || amount || ':' || paid_from || ':' || coalesce(cancels::text, '') as k from expenses where shop_id = $1 order by id`),
    cashOut: await keys(`select id || ':' || amount || ':' || coalesce(expense_id::text, '') as k from cash_movements where shop_id = $1 order by id`),
  };
}

let hq: TestHq;
let shop: TestShop;
let token: string;
const poste = { 'x-comptoir-poste': 'Caisse 1' };

beforeAll(async () => {
  hq = await testHq();
  await hq.listen();
  token = await hq.registerShop('CRD01');
  shop = await testShop({ code: 'CRD01', hq: { url: hq.url, token } });
  await shop.services.sync.pullNow({ force: true });
}, 60_000);

async function creditSale(customerId: string, productId: string, quantity: number, deposit = 0) {
  const payments = [...(deposit > 0 ? [{ method: 'cash', tendered: deposit }] : []), { method: 'credit', customerId }];
  const res = await (await shop.as('manager')).post('/api/sales').set(poste).send({ lines: [{ productId, quantity }], payments });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string };
}
async function pay(customerId: string, amount: number, method = 'cash') {
  const res = await (await shop.as('manager')).post(`/api/customers/${customerId}/payments`).set(poste).send({ amount, method });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { number: string };
}
async function expense(body: Record<string, unknown>) {
  const res = await (await shop.as('manager')).post('/api/expenses').set(poste).send(body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string };
}
async function openSession() {
  const res = await (await shop.as('manager')).post('/api/cash/sessions').set(poste).send({ float: 20_000 });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id as string;
}
async function closeSession(id: string) {
  const manager = await shop.as('manager');
  const x = (await manager.get(`/api/cash/sessions/${id}`).expect(200)).body as { report: { expected: Record<string, number> } };
  await manager.post(`/api/cash/sessions/${id}/close`).send({ counted: x.report.expected }).expect(200);
}

describe('customers, account entries and expenses kept whole', () => {
  it('a head office restored from an older backup gets them back after one nightly, and a shop rebuilt from it has its customers, balances and expenses, numbering continuing', { timeout: 240_000 }, async () => {
    const today = new Date();
    const setClocks = (at: Date) => {
      for (const c of [shop.clock, hq.clock]) c.set(at);
    };
    // Two days ago: the nightly resends what differs by day, so only the days head office lost go again.
    setClocks(new Date(`${dateInZone(new Date(today.getTime() - 2 * 86_400_000), 'Africa/Dakar')}T08:00:00Z`));
    const p = await seedProduct(shop, { name: 'Paracétamol 500 mg', unitPrice: 1000 });
    await seedBatch(shop, { productId: p.id, lotNumber: 'PARA-1', expirationDate: '2028-06-30', quantity: 200 });
    const manager = await shop.as('manager');
    const awa = (await manager.post('/api/customers').send({ name: 'Awa Diop', phone: '771234567', creditLimit: 50_000 }).expect(201)).body.id as string;
    const s1 = await openSession();
    await creditSale(awa, p.id, 10, 2000);
    await pay(awa, 3000);
    await expense({ category: 'transport', amount: 1500, paidFrom: 'drawer', payee: 'Livreur' });
    await closeSession(s1);
    await shop.services.sync.runNow({ force: true });
    const backup = await copyOfDatabase(hq.dbUrl);

    // Today, after the backup: a new customer, a credit sale and a payment, Awa's phone changed, an expense recorded and cancelled, one from the drawer.
    setClocks(today);
    const moussa = (await manager.post('/api/customers').send({ name: 'Moussa Ndiaye', phone: '781112233', creditLimit: 30_000 }).expect(201)).body.id as string;
    const s2 = await openSession();
    await creditSale(moussa, p.id, 12);
    await creditSale(awa, p.id, 4);
    const rg = await pay(moussa, 5000, 'card');
    expect(rg.number).toBe('CRD01-RG000002');
    await manager.patch(`/api/customers/${awa}`).send({ phone: '77 999 88 77', notes: 'paie le 30' }).expect(200);
    const bank = await expense({ category: 'électricité', amount: 30_000, paidFrom: 'bank' });
    await manager.post(`/api/expenses/${bank.id}/cancel`).send({ reason: 'Saisie en double' }).expect(201);
    await expense({ category: 'nettoyage', amount: 2000, paidFrom: 'drawer' });
    await shop.services.sync.runNow({ force: true });
    expect((await shop.services.sync.status()).pendingChanges).toBe(0);
    const atShop = await held(shop.db, shop.shop.id);
    expect(await held(hq.db, shop.shop.id)).toEqual(atShop);
    expect(atShop.customers).toHaveLength(2);
    expect(atShop.entries).toHaveLength(5);
    expect(atShop.expenses).toHaveLength(4);

    // Head office restored from the backup: today's rows and Awa's edit are gone there.
    await hq.stop();
    const restored = await testHq({ url: backup });
    await restored.listen();
    const lost = await held(restored.db, shop.shop.id);
    expect(lost.customers).toHaveLength(1);
    expect(lost.customers[0]).not.toEqual(atShop.customers.find((c) => c.startsWith(awa)));
    expect(lost.entries).toHaveLength(2);
    expect(lost.expenses).toHaveLength(1);

    // One nightly run of the shop makes it whole.
    const shop2 = await testShop({ code: 'CRD01', url: shop.url, hq: { url: restored.url, token } });
    const run = await shop2.services.nightly.run();
    expect(run).toMatchObject({ mismatches: 0, error: null, rowsRefused: 0 });
    // Awa again (her edit is on the day she was opened), Moussa as the parent of his entries and for his own day; today's entries and expenses.
    expect(run.resent).toMatchObject({ customer: 2, account_entry: 3, expense: 3 });
    expect(await held(restored.db, shop.shop.id)).toEqual(atShop);
    expect(await restored.count('hq_refusals')).toBe(0);
    // Head office's receivables say what the shop's say.
    const shopSide = (await (await shop2.as('manager')).get('/api/customers/receivables').expect(200)).body as { total: { balance: number } };
    const hqSide = (await restored.admin('get', '/api/shops/CRD01/customers').expect(200)).body as { total: { balance: number } };
    expect(hqSide.total.balance).toBe(shopSide.total.balance);
    // Paramètres says what was resent, in French.
    expect((await (await shop2.as('manager')).get('/parametres')).text).toContain('2 client(s)');
    // A second night finds nothing to send.
    expect(await shop2.services.nightly.run()).toMatchObject({ rowsResent: 0, mismatches: 0 });

    // The shop's SD card dies: rebuilt from head office, it has its customers, balances and expenses back.
    const shop3 = await testShop({ code: 'CRD01', hq: { url: restored.url, token } });
    const rebuilt = await initFromHq(shop3.deps);
    expect(rebuilt.rows).toMatchObject({ customers: 2, 'account-entries': 5, expenses: 4 });
    expect(await held(shop3.db, shop.shop.id)).toEqual(atShop);
    expect((await shop3.services.sync.status()).pendingChanges).toBe(0);
    const m3 = await shop3.as('manager');
    const awaSeen = (await m3.get(`/api/customers/${awa}`).expect(200)).body as { balance: number; phone: string };
    const awaBefore = (await (await shop2.as('manager')).get(`/api/customers/${awa}`).expect(200)).body as { balance: number };
    expect(awaSeen).toMatchObject({ balance: awaBefore.balance, phone: '779998877' });
    // 10 000 − 2 000 deposit − 3 000 paid + 4 000.
    expect(awaSeen.balance).toBe(9000);
    // Search at the till finds her by the new phone.
    expect(((await m3.get('/api/customers?q=779998877').expect(200)).body as { id: string }[]).map((c) => c.id)).toEqual([awa]);
    const month = dateInZone(today, 'Africa/Dakar').slice(0, 7);
    const listed = (await m3.get(`/api/expenses?from=${month}-01&to=${dateInZone(today, 'Africa/Dakar')}`).expect(200)).body as { category: string; cancelledBy: string | null }[];
    expect(listed.find((e) => e.category === 'électricité')?.cancelledBy).toBeTruthy();

    // Payment-receipt numbers continue after head office's last; the next payment goes up once, no duplicate at head office.
    const s3 = (await m3.post('/api/cash/sessions').set(poste).send({ float: 5000 }).expect(201)).body.id as string;
    expect(s3).not.toBe(s2);
    const next = await m3.post(`/api/customers/${moussa}/payments`).set(poste).send({ amount: 1000, method: 'cash' });
    expect(next.status, JSON.stringify(next.body)).toBe(201);
    expect(next.body.number).toBe('CRD01-RG000003');
    await shop3.services.sync.pushNow({ force: true });
    const after = await held(restored.db, shop.shop.id);
    expect(after.customers).toEqual(atShop.customers);
    expect(after.entries).toHaveLength(6);
    expect(after.expenses).toEqual(atShop.expenses);
    expect(await shop3.services.nightly.run()).toMatchObject({ rowsResent: 0, mismatches: 0 });
  });
});
