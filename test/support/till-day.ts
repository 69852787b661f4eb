/**
 * A shop's whole day at two tills, over the shop's API as the tills do it:
 * sales paid in cash (rounded to the coin), by mobile money, by card and
 * split; a sale voided; a return refunded in cash and one by mobile money;
 * cash in and out; both sessions closed with their Z reports. Head office's
 * tests push it and compare their figures with the shop's Z reports.
 */
import { expect } from 'vitest';
import type { CashReport } from '../../server/domain/cash-report.js';
import { seedBatch, seedProduct, type TestHq, type TestShop } from './harness.js';

export const DAY = '2026-12-01';

/**
 * The shop's clock from 08:00 of `day` (Dakar is UTC: the day stays until
 * midnight), and head office's with it when given (never behind the shop: a
 * sale from its future is suspect).
 */
export function clocks(shop: TestShop, hq?: TestHq, day = DAY) {
  let at = Date.parse(`${day}T08:00:00Z`);
  const set = (ms: number) => {
    at = ms;
    shop.clock.set(new Date(at));
    hq?.clock.set(new Date(at));
  };
  set(at);
  return {
    /** A few minutes later. */
    tick: (minutes = 5) => set(at + minutes * 60_000),
    to: (iso: string) => set(Date.parse(iso)),
  };
}

export interface TillDay {
  sessions: { id: string; zNumber: string; report: CashReport }[];
  sales: { cash: Sold; mobile: Sold; card: Sold; split: Sold; voided: Sold };
  returns: { cash: { id: string; number: string; refunded: number }; mobile: { id: string; number: string; refunded: number } };
}

interface Sold {
  id: string;
  number: string;
  items: { id: string; productName: string; lotNumber: string }[];
}

export async function tillDay(shop: TestShop, time: ReturnType<typeof clocks>): Promise<TillDay> {
  const product = async (name: string, unitPrice: number, lot: string) => {
    const p = await seedProduct(shop, { name, unitPrice });
    await seedBatch(shop, { productId: p.id, lotNumber: lot, expirationDate: '2028-06-30', quantity: 50 });
    return p.id;
  };
  const smecta = await product('Smecta', 1233, 'SM-24');
  const doliprane = await product('Doliprane 1000 mg', 2000, 'DL-24');
  const vogalene = await product('Vogalène', 1500, 'VG-24');

  const cashier = await shop.as('cashier');
  const pharmacist = await shop.as('pharmacist');
  const manager = await shop.as('manager');
  const one = { 'x-comptoir-poste': 'Caisse 1' };
  const two = { 'x-comptoir-poste': 'Caisse 2' };
  const ok = <T>(res: { status: number; body: T }, status = 201): T => {
    expect(res.status, JSON.stringify(res.body)).toBe(status);
    return res.body;
  };

  const a = ok(await cashier.post('/api/cash/sessions').set(one).send({ float: 10_000 })) as { id: string };
  const b = ok(await pharmacist.post('/api/cash/sessions').set(two).send({ float: 5_000 })) as { id: string };
  const sell = async (agent: typeof cashier, poste: Record<string, string>, body: object): Promise<Sold> => {
    time.tick();
    return ok(await agent.post('/api/sales').set(poste).send(body)) as Sold;
  };
  // 3 × 1 233 = 3 699, paid 3 700 in cash (rounded to 5 FCFA).
  const cash = await sell(cashier, one, { lines: [{ productId: smecta, quantity: 3 }], payment: { method: 'cash', tendered: 5000 } });
  const mobile = await sell(cashier, one, {
    lines: [{ productId: doliprane, quantity: 2 }], payments: [{ method: 'mobile_money', amount: 4000, operator: 'wave', reference: 'WV-5521' }],
  });
  const card = await sell(pharmacist, two, { lines: [{ productId: vogalene, quantity: 1 }], payment: { method: 'card' } });
  // 2 000 + 1 233 = 3 233: 2 000 by Orange Money, 1 233 in cash paid 1 235.
  const split = await sell(pharmacist, two, {
    lines: [{ productId: doliprane, quantity: 1 }, { productId: smecta, quantity: 1 }],
    payments: [{ method: 'mobile_money', amount: 2000, operator: 'orange_money', reference: 'OM-9034' }, { method: 'cash', tendered: 2000 }],
  });
  await sell(pharmacist, two, { lines: [{ productId: doliprane, quantity: 2 }], payment: { method: 'cash', tendered: 4000 } });
  const voided = await sell(cashier, one, { lines: [{ productId: vogalene, quantity: 2 }], payment: { method: 'cash', tendered: 3000 } });
  time.tick();
  ok(await manager.post(`/api/sales/${voided.id}/void`), 200);

  // A box of Smecta back in cash (1 233, paid back 1 235), a box of Doliprane back by mobile money at the other till.
  time.tick();
  const cashReturn = ok(await cashier.post(`/api/sales/${cash.id}/returns`).set(one).send({ lines: [{ saleItemId: cash.items[0]!.id, quantity: 1 }] })) as {
    id: string; number: string; amount: number; rounding: number; refundMethod: string;
  };
  expect(cashReturn).toMatchObject({ refundMethod: 'cash', amount: 1233, rounding: 2 });
  time.tick();
  const mobileReturn = ok(await pharmacist.post(`/api/sales/${mobile.id}/returns`).set(two).send({ lines: [{ saleItemId: mobile.items[0]!.id, quantity: 1 }] })) as {
    id: string; number: string; amount: number; rounding: number; refundMethod: string;
  };
  expect(mobileReturn).toMatchObject({ refundMethod: 'mobile_money', amount: 2000, rounding: 0 });

  time.tick();
  ok(await cashier.post(`/api/cash/sessions/${a.id}/movements`).send({ kind: 'out', amount: 2500, reason: 'Eau et café' }));
  ok(await pharmacist.post(`/api/cash/sessions/${b.id}/movements`).send({ kind: 'in', amount: 1000, reason: 'Monnaie de la banque' }));

  // Closing: each drawer counted as expected, so no comment is asked; the Z is the report at closing.
  const sessions = [];
  for (const [agent, id] of [[cashier, a.id], [pharmacist, b.id]] as const) {
    time.tick(60);
    const x = ok(await agent.get(`/api/cash/sessions/${id}`), 200) as { report: CashReport };
    const closed = ok(await agent.post(`/api/cash/sessions/${id}/close`).send({ counted: x.report.expected }), 200) as { zNumber: string };
    const z = ok(await agent.get(`/api/cash/sessions/${id}`), 200) as { report: CashReport };
    sessions.push({ id, zNumber: closed.zNumber, report: z.report });
  }
  const refunded = (r: typeof cashReturn) => ({ id: r.id, number: r.number, refunded: r.amount + r.rounding });
  return { sessions, sales: { cash, mobile, card, split, voided }, returns: { cash: refunded(cashReturn), mobile: refunded(mobileReturn) } };
}

/** What the Z reports of those sessions add up to, per method and in all (what head office's day must show). */
export function sumOfZ(sessions: readonly { report: CashReport }[]) {
  const methods = ['cash', 'mobile_money', 'card'] as const;
  const per = (pick: (r: CashReport) => Record<(typeof methods)[number], number>) =>
    Object.fromEntries(methods.map((m) => [m, sessions.reduce((n, s) => n + pick(s.report)[m], 0)])) as Record<(typeof methods)[number], number>;
  const takings = per((r) => r.salesByMethod);
  const refunds = per((r) => r.refundsByMethod);
  return {
    sales: sessions.reduce((n, s) => n + s.report.salesCount, 0),
    voids: sessions.reduce((n, s) => n + s.report.voidsCount, 0),
    returns: sessions.reduce((n, s) => n + s.report.returnsCount, 0),
    takings,
    refunds,
    net: Object.fromEntries(methods.map((m) => [m, takings[m] - refunds[m]])) as Record<(typeof methods)[number], number>,
    // The Z's « Ventes nettes » less its returns: its bottom line.
    total: sessions.reduce((n, s) => n + s.report.netSales - s.report.refunds, 0),
  };
}
