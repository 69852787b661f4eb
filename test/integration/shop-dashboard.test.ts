import { beforeAll, describe, expect, it } from 'vitest';
import { addDays } from '../../server/domain/dates.js';
import { cashierActor, seedBatch, seedProduct, testShop, type TestShop } from '../support/harness.js';

// A Wednesday in Dakar (UTC): the same weekday a week and two weeks before.
const today = '2026-12-02';
let shop: TestShop;

beforeAll(async () => {
  shop = await testShop({ now: new Date(`${addDays(today, -14)}T10:15:00Z`) });
  const p = await seedProduct(shop, { name: 'Doliprane 1000 mg', unitPrice: 1000 });
  await seedBatch(shop, { productId: p.id, expirationDate: '2029-01-31', quantity: 500 });
  const sell = async (at: string, quantity: number) => {
    shop.clock.set(at);
    await shop.services.sales.recordSale({ lines: [{ productId: p.id, quantity }], payment: { method: 'card' } }, cashierActor(shop));
  };
  await sell(`${addDays(today, -14)}T10:15:00Z`, 4); // two weeks ago, 10 h: 4 000
  await sell(`${addDays(today, -7)}T10:40:00Z`, 8); // last week, 10 h: 8 000
  await sell(`${addDays(today, -3)}T16:05:00Z`, 5); // Saturday, in this week
  await sell(`${today}T10:05:00Z`, 2);
  await sell(`${today}T10:55:00Z`, 1);
  await sell(`${today}T21:30:00Z`, 6); // a night on duty
  shop.clock.set(`${today}T22:00:00Z`);
});

describe('the shop’s Tableau de bord', () => {
  it('sets today’s sales by hour against the same weekday’s average over four weeks, and the last seven days', async () => {
    const d = await shop.services.reports.today();
    expect(d.today).toBe(today);
    expect(d.hours[10]).toEqual({ hour: 10, today: 3000, average: 3000 }); // (4 000 + 8 000 + 0 + 0) / 4
    expect(d.hours[21]).toEqual({ hour: 21, today: 6000, average: 0 });
    expect(d.week.map((w) => w.total)).toEqual([0, 0, 0, 5000, 0, 0, 9000]);
    expect(d.week.at(-1)!.day).toBe(today);
    expect(d.week[0]!.day).toBe(addDays(today, -6));
  });

  it('draws both as SVG with no inline style, the night hour included', async () => {
    const manager = await shop.as('manager');
    const page = await manager.get('/tableau-de-bord');
    expect(page.status).toBe(200);
    expect(page.text).toMatch(/data-chart="shop-hours"><figcaption>[^<]*<\/figcaption><svg/);
    expect(page.text).toMatch(/data-chart="shop-week"><figcaption>[^<]*<\/figcaption><svg/);
    expect(page.text).not.toMatch(/<style|\sstyle=/);
    const hours = page.text.slice(page.text.indexOf('data-chart="shop-hours"'), page.text.indexOf('data-chart="shop-week"'));
    expect(hours).toContain('>21</text>');
    expect(hours).toContain('>8</text>');
  });
});
