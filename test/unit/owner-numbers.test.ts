import { describe, expect, it } from 'vitest';
import { dayMargins, marginOf, marginPerPack } from '../../server/domain/margins.js';
import { formatCompactFcfa } from '../../server/domain/money.js';
import { stockRisk } from '../../server/domain/stock-risk.js';
import { stateOn, valuation } from '../../server/domain/valuation.js';
import { rankingChart, takingsCompareChart } from '../../server/web/charts.js';

describe('a day’s margins', () => {
  const lots = new Map([
    ['lotA', { productId: 'A', unitCost: 600 }],
    ['lotB', { productId: 'B', unitCost: null }],
  ]);
  it('shares the ticket’s discount over the lines as a return refunds it, and nets a return out of takings and cost', () => {
    const sales = [{ discount: 500, lines: [{ productId: 'A', batchId: 'lotA', quantity: 3, discount: 0, lineTotal: 3000 }, { productId: 'B', batchId: 'lotB', quantity: 1, discount: 0, lineTotal: 2000 }] }];
    const rows = dayMargins(sales, [{ batchId: 'lotA', quantity: 1, amount: 900 }], lots);
    const a = rows.find((r) => r.productId === 'A')!;
    expect(a).toEqual({ productId: 'A', quantity: 2, takings: 1800, cost: 1200, knownTakings: 1800, unknownCostQty: 0 });
    expect(marginOf(a)).toBe(600);
    // No cost: counted apart, never a margin of 1 800 at zero cost.
    expect(rows.find((r) => r.productId === 'B')).toEqual({ productId: 'B', quantity: 1, takings: 1800, cost: 0, knownTakings: 0, unknownCostQty: 1 });
  });
  it('leaves the ticket’s share to the lines’ own discounts already taken', () => {
    const sales = [{ discount: 300, lines: [{ productId: 'A', batchId: 'lotA', quantity: 1, discount: 100, lineTotal: 900 }] }];
    expect(dayMargins(sales, [], lots)[0]).toMatchObject({ takings: 700, cost: 600 });
  });
});

describe('stock valuation', () => {
  it('counts a lot sellable up to its expiry day, expired the day after, set aside when recalled, and without cost apart', () => {
    expect(stateOn({ expirationDate: '2026-12-31', status: 'active' }, '2026-12-31')).toBe('sellable');
    expect(stateOn({ expirationDate: '2026-12-31', status: 'active' }, '2027-01-01')).toBe('expired');
    expect(stateOn({ expirationDate: '2027-12-31', status: 'recalled' }, '2027-01-01')).toBe('blocked');
    const v = valuation([
      { expirationDate: '2027-06-30', status: 'active', quantity: 4, unitCost: 250 },
      { expirationDate: '2026-01-31', status: 'active', quantity: 2, unitCost: 100 },
      { expirationDate: '2027-06-30', status: 'active', quantity: 7, unitCost: null },
    ] as const, '2026-12-02');
    expect(v).toMatchObject({ sellable: 1000, expired: 200, blocked: 0, unknownCostQty: 7 });
    expect(v.lines[2]!.value).toBeNull();
  });
});

describe('charts', () => {
  it('write amounts as « 1,2 M FCFA », with no-break spaces', () => {
    expect(formatCompactFcfa(1_234_567)).toBe('1,2\u00a0M\u00a0FCFA');
    expect(formatCompactFcfa(3_000_000)).toBe('3\u00a0M\u00a0FCFA');
    expect(formatCompactFcfa(350_400)).toBe('350\u00a0k\u00a0FCFA');
    expect(formatCompactFcfa(9_500, false)).toBe('9\u00a0500');
  });
  it('are SVG with a French title, no inline style, and names escaped', () => {
    const svg = rankingChart([{ label: 'Crème <b>', value: 1_234_567 }], 'Les 20 produits');
    expect(svg).toMatch(/^<svg [^>]*aria-label="Les 20 produits"/);
    expect(svg).toMatch(/^<svg [^>]*role="img"/);
    expect(svg).toContain('<title>Les 20 produits</title>');
    expect(svg).not.toMatch(/<style|\sstyle=/);
    expect(svg).toContain('Crème &lt;b&gt;');
    expect(svg).toContain('1,2&#160;M&#160;FCFA');
    // This period solid, the previous one dashed: told apart in black and white.
    expect(takingsCompareChart([{ label: '01/12', current: 5, previous: 3 }, { label: '02/12', current: 4, previous: 6 }], 'x')).toContain('stroke-dasharray="6,4"');
  });
});

describe('stock at risk', () => {
  const rules = { today: '2026-12-02', deadDays: 90, coverDays: 180, rateDays: 56 };
  it('calls dead what has not sold within the days given, and overstock what the last weeks’ rate would take over 180 days to sell', () => {
    const { dead, overstock } = stockRisk([
      { id: 'never', quantity: 5, lastSold: null, recentlySold: 0 },
      { id: 'old', quantity: 5, lastSold: '2026-09-03', recentlySold: 0 },
      { id: 'just-in', quantity: 5, lastSold: '2026-09-04', recentlySold: 1 },
      { id: 'slow', quantity: 100, lastSold: '2026-12-01', recentlySold: 28 },
      { id: 'fine', quantity: 90, lastSold: '2026-12-01', recentlySold: 28 },
      { id: 'empty', quantity: 0, lastSold: null, recentlySold: 0 },
    ], rules);
    expect(dead.map((p) => p.id)).toEqual(['never', 'old']);
    // 5 units at 1 every 56 days: 280 days; 100 at 28 every 56: 200 days; 90: 180, not more.
    expect(overstock.map((p) => [p.id, p.cover])).toEqual([['just-in', 280], ['slow', 200]]);
  });
});

describe('a margin per pack', () => {
  it('spreads the margin over the units of known cost only, times the pack’s units, and says nothing when none was of known cost', () => {
    expect(marginPerPack({ margin: 2350, quantity: 67, unknownCostQty: 0 }, 30)).toBe(1052);
    // 10 of the 40 units had no cost: the margin was earned by 30, so a box of 30 earned all of it.
    expect(marginPerPack({ margin: 900, quantity: 40, unknownCostQty: 10 }, 30)).toBe(900);
    expect(marginPerPack({ margin: 0, quantity: 5, unknownCostQty: 5 }, 30)).toBeNull();
    expect(marginPerPack({ margin: -300, quantity: 10, unknownCostQty: 0 }, 10)).toBe(-300);
  });
});
