import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays } from '../../server/domain/dates.js';
import { addMonths, receivedLotCheck, receivedStatus, suggestQuantity, weightedCost, type SuggestionInput } from '../../server/domain/purchasing.js';

const today = '2026-11-26';
const base: SuggestionInput = { today, soldInPeriod: 0, weeks: 8, lots: [], onOrder: 0, leadTimeDays: 2, coverDays: 14, minStock: null, maxStock: null, packUnits: 1 };

/**
 * An independent model: the shop is simulated day by day until the next
 * delivery, selling the window's rate (whole units, cumulated) first-expiry
 * first; what is still on the shelf of a lot when it expires is lost. What
 * can be counted on is what is there minus what will be lost.
 */
function model(s: SuggestionInput): { usable: number; onHand: number; suggested: number } {
  const rate = s.soldInPeriod / (s.weeks * 7);
  const shelf = s.lots.filter((l) => l.status === 'active' && l.expirationDate >= s.today && l.quantity > 0).map((l) => ({ ...l, left: l.quantity }));
  const onHand = shelf.reduce((n, l) => n + l.quantity, 0);
  const arrival = addDays(s.today, s.leadTimeDays);
  let lost = 0;
  let sold = 0;
  for (let d = 0; addDays(s.today, d) < arrival; d++) {
    const day = addDays(s.today, d);
    let demand = Math.floor(rate * (d + 1)) - sold;
    sold += demand;
    const open = shelf.filter((l) => l.expirationDate >= day && l.left > 0).sort((a, b) => (a.expirationDate < b.expirationDate ? -1 : a.expirationDate > b.expirationDate ? 1 : 0));
    for (const l of open) {
      const take = Math.min(l.left, demand);
      l.left -= take;
      demand -= take;
    }
    for (const l of shelf) if (l.expirationDate === day) (lost += l.left), (l.left = 0);
  }
  const usable = onHand - lost;
  const position = usable + s.onOrder;
  let need: number;
  const cover = Math.ceil(rate * (s.leadTimeDays + s.coverDays));
  // Reorder point: strictly below the min (or the max when no min); a min alone is a floor under the cover.
  if (s.maxStock !== null) need = position < (s.minStock ?? s.maxStock) ? s.maxStock - position : 0;
  else if (s.minStock !== null) need = Math.max(0, (cover > s.minStock ? cover : s.minStock) - position);
  else need = Math.max(0, cover - position);
  let suggested = 0;
  while (suggested < need) suggested += s.packUnits;
  return { usable, onHand, suggested };
}

const lot = fc.record({
  quantity: fc.integer({ min: 0, max: 200 }),
  expirationDate: fc.integer({ min: -10, max: 120 }).map((d) => addDays(today, d)),
  status: fc.constantFrom('active', 'active', 'active', 'quarantined', 'recalled') as fc.Arbitrary<'active' | 'quarantined' | 'recalled'>,
});
const input: fc.Arbitrary<SuggestionInput> = fc
  .record({
    soldInPeriod: fc.integer({ min: 0, max: 3000 }),
    weeks: fc.integer({ min: 1, max: 26 }),
    lots: fc.array(lot, { maxLength: 6 }),
    onOrder: fc.integer({ min: 0, max: 300 }),
    leadTimeDays: fc.integer({ min: 0, max: 30 }),
    coverDays: fc.integer({ min: 0, max: 60 }),
    minMax: fc.option(fc.tuple(fc.option(fc.integer({ min: 0, max: 100 }), { nil: null }), fc.option(fc.integer({ min: 0, max: 100 }), { nil: null }))),
    packUnits: fc.integer({ min: 1, max: 24 }),
  })
  .map(({ minMax, ...r }) => {
    const [min, max] = minMax ?? [null, null];
    return { ...r, today, minStock: min !== null && max !== null ? Math.min(min, max) : min, maxStock: max };
  });

describe('suggested quantities', () => {
  it('agree with a day-by-day simulation of the shelf, for any stock, sales, orders and rule', () => {
    fc.assert(
      fc.property(input, (s) => {
        const got = suggestQuantity(s);
        const want = model(s);
        expect({ usable: got.usable, onHand: got.onHand, suggested: got.suggestedQty }).toEqual(want);
        expect(got.suggestedQty % s.packUnits).toBe(0);
      }),
      { numRuns: 2000 },
    );
  });

  it('count what a sent order will bring and order nothing more when it covers the need', () => {
    const s = suggestQuantity({ ...base, soldInPeriod: 56, onOrder: 20 }); // 1 a day, 16 days of cover
    expect(s).toMatchObject({ onHand: 0, onOrder: 20, target: 16, suggestedQty: 0 });
  });

  it('round up to the supplier’s carton', () => {
    expect(suggestQuantity({ ...base, soldInPeriod: 56, packUnits: 10 }).suggestedQty).toBe(20);
  });

  it('count a lot expiring before the next delivery only for what sells before it expires', () => {
    const s = suggestQuantity({ ...base, soldInPeriod: 56, leadTimeDays: 10, lots: [{ quantity: 50, expirationDate: addDays(today, 4), status: 'active' }] });
    expect(s).toMatchObject({ onHand: 50, usable: 5 });
  });

  it('never count expired, recalled or quarantined lots', () => {
    const s = suggestQuantity({ ...base, lots: [
      { quantity: 9, expirationDate: addDays(today, -1), status: 'active' },
      { quantity: 9, expirationDate: addDays(today, 300), status: 'recalled' },
      { quantity: 9, expirationDate: addDays(today, 300), status: 'quarantined' },
    ] });
    expect(s.onHand).toBe(0);
  });

  it('top up to the max once the stock and what is on order fall below the min', () => {
    const held = (quantity: number) => [{ quantity, expirationDate: '2028-01-31', status: 'active' as const }];
    expect(suggestQuantity({ ...base, minStock: 10, maxStock: 40, lots: held(9) })).toMatchObject({ rule: 'min_max', target: 40, suggestedQty: 31 });
    expect(suggestQuantity({ ...base, minStock: 10, maxStock: 40, lots: held(10) }).suggestedQty).toBe(0);
    expect(suggestQuantity({ ...base, minStock: 10, maxStock: 40, lots: held(4), onOrder: 6 }).suggestedQty).toBe(0);
    expect(suggestQuantity({ ...base, minStock: 10, maxStock: 40, lots: held(4), onOrder: 5, packUnits: 12 }).suggestedQty).toBe(36);
  });

  it('use the min/max rather than the sales when a product has them, and a min alone as a floor under the cover', () => {
    // 56 sold in 8 weeks would ask 16 by the cover; the max asks up to 25.
    expect(suggestQuantity({ ...base, soldInPeriod: 56, minStock: 5, maxStock: 25 }).suggestedQty).toBe(25);
    expect(suggestQuantity({ ...base, soldInPeriod: 56, minStock: 30 })).toMatchObject({ rule: 'min', target: 30, suggestedQty: 30 });
    expect(suggestQuantity({ ...base, soldInPeriod: 56, minStock: 3 })).toMatchObject({ rule: 'min', target: 16, suggestedQty: 16 });
  });
});

describe('receiving rules', () => {
  it('refuse an expired lot and flag one expiring within the threshold', () => {
    expect(receivedLotCheck('2026-11-25', today, 6)).toBe('expired');
    expect(receivedLotCheck('2026-11-26', today, 6)).toBe('short_dated');
    expect(receivedLotCheck('2027-05-25', today, 6)).toBe('short_dated');
    expect(receivedLotCheck('2027-05-26', today, 6)).toBe('ok');
    expect(addMonths('2026-08-31', 6)).toBe('2027-02-28');
  });

  it('average a lot’s cost over its receipts by units', () => {
    expect(weightedCost({ units: 40, unitCost: 1800 }, { units: 20, unitCost: 2100 })).toBe(1900);
    expect(weightedCost({ units: 10, unitCost: null }, { units: 5, unitCost: 700 })).toBe(700);
  });

  it('say an order is received once every line has come in full', () => {
    expect(receivedStatus([{ quantity: 5, receivedQty: 0 }])).toBe('sent');
    expect(receivedStatus([{ quantity: 5, receivedQty: 2 }])).toBe('partially_received');
    expect(receivedStatus([{ quantity: 5, receivedQty: 6 }, { quantity: 1, receivedQty: 1 }])).toBe('received');
  });
});
