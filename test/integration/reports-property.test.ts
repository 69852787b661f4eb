/**
 * The owner's numbers against independent computations on generated data.
 * Head office and a shop share one schema: the report SQL runs here on a
 * shop's database, with the same rows a push writes at head office.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { addDays } from '../../server/domain/dates.js';
import { AppError } from '../../server/errors.js';
import { newId } from '../../server/ids.js';
import { keepProductStock, replaceDay, stockWithSales } from '../../server/reports/queries.js';
import { keepStockMonths, monthOf, refreshReports, reportsAtHq } from '../../server/reports/service.js';
import { stockRisk } from '../../server/domain/stock-risk.js';
import { ledgerQuantities, setQuantities } from '../../server/stock/queries.js';
import { cashierActor, managerActor, seedProduct, testShop, type TestShop } from '../support/harness.js';

let t: TestShop;
const today = new Date().toISOString().slice(0, 10);
beforeAll(async () => {
  t = await testShop();
});

interface Move {
  id: string;
  lot: number;
  kind: 'receipt' | 'sale' | 'return' | 'adjustment' | 'count';
  delta: number;
  countedQty: number | null;
  createdAt: Date;
  hlc: string;
}

/** The replay as the design says it, written here on its own: by clock then id, a count sets, anything else adds. */
function replay(moves: readonly Move[]): number {
  let q = 0;
  for (const m of [...moves].sort((a, b) => (a.hlc < b.hlc ? -1 : a.hlc > b.hlc ? 1 : a.id < b.id ? -1 : 1))) q = m.kind === 'count' ? m.countedQty! : q + m.delta;
  return q;
}

const moveArb = fc.record({
  lot: fc.nat(3),
  kind: fc.constantFrom('receipt', 'sale', 'return', 'adjustment', 'count') as fc.Arbitrary<Move['kind']>,
  size: fc.integer({ min: 1, max: 30 }),
  day: fc.integer({ min: 0, max: 9 }),
  minute: fc.integer({ min: 0, max: 1439 }),
  // The till's clock may be a little off from the movement's time: the replay goes by clock, the date by time.
  skewMin: fc.integer({ min: -90, max: 90 }),
});

describe('stock valuation at a date', () => {
  it('equals, for any receipts at any costs, sales, returns, adjustments and counts, each lot’s replayed ledger of that date × its cost; and today’s equals today’s lot quantities × cost', async () => {
    const product = await seedProduct(t, { name: 'Amoxicilline 500 mg' });
    const reports = reportsAtHq({ db: t.db });
    const shop = { id: t.shop.id, code: t.shop.code, name: 'Test', timezone: 'Africa/Dakar' };
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(moveArb, { minLength: 1, maxLength: 25 }),
        fc.array(fc.option(fc.integer({ min: 0, max: 5000 }), { nil: null }), { minLength: 4, maxLength: 4 }),
        fc.array(fc.integer({ min: -12, max: 12 }), { minLength: 4, maxLength: 4 }),
        fc.array(fc.integer({ min: -1, max: 10 }), { minLength: 1, maxLength: 4 }),
        async (generated, costs, expiryOffsets, askedDays) => {
          run++;
          // Each run has lots of its own: the ledger is never edited.
          const lots: string[] = [];
          for (let k = 0; k < 4; k++) {
            const id = newId();
            lots.push(id);
            await t.db.exec(
              `insert into product_batches (id, shop_id, product_id, lot_number, expiration_date, initial_qty, quantity, unit_cost, received_date, hlc)
               values ($1, $2, $3, $4, $5, 0, 0, $6, $7, '001700000000000:000000:DKR01')`,
              [id, t.shop.id, product.id, `V${run}-${k}`, addDays(today, expiryOffsets[k]!), costs[k], addDays(today, -10)],
            );
          }
          const moves: Move[] = generated.map((g) => {
            const at = Date.parse(`${addDays(today, -g.day)}T00:00:00Z`) + g.minute * 60_000;
            const sign = g.kind === 'sale' ? -1 : g.kind === 'adjustment' && g.size % 2 ? -1 : 1;
            return {
              id: newId(), lot: g.lot, kind: g.kind, delta: g.kind === 'count' ? 0 : sign * g.size, countedQty: g.kind === 'count' ? g.size : null,
              createdAt: new Date(Math.min(at, Date.now() - 1000)), hlc: `${String(at + g.skewMin * 60_000).padStart(15, '0')}:000000:DKR01`,
            };
          });
          for (const m of moves) {
            await t.db.exec(
              `insert into stock_movements (id, shop_id, batch_id, kind, delta, counted_qty, reason, hlc, created_at) values ($1, $2, $3, $4, $5, $6, 'test', $7, $8)`,
              [m.id, t.shop.id, lots[m.lot], m.kind, m.delta, m.countedQty, m.hlc, m.createdAt],
            );
          }
          for (const offset of askedDays) {
            const date = addDays(today, -offset);
            const end = Date.parse(`${addDays(date, 1)}T00:00:00Z`);
            const v = await reports.valuation(shop, date);
            const expected = { sellable: 0, expired: 0, blocked: 0, unknownCostQty: 0 };
            lots.forEach((id, k) => {
              const quantity = replay(moves.filter((m) => m.lot === k && m.createdAt.getTime() < end));
              const line = v.lines.find((l) => l.batchId === id);
              expect(line?.quantity ?? 0).toBe(quantity);
              if (costs[k] === null) expected.unknownCostQty += quantity;
              else expected[addDays(today, expiryOffsets[k]!) < date ? 'expired' : 'sellable'] += quantity * costs[k]!;
            });
            // Lines of this run's lots only: earlier runs' lots are the same product.
            const mine = v.lines.filter((l) => lots.includes(l.batchId));
            const sum = (state: string) => mine.filter((l) => l.state === state).reduce((n, l) => n + (l.value ?? 0), 0);
            expect({ sellable: sum('sellable'), expired: sum('expired'), blocked: 0, unknownCostQty: mine.filter((l) => l.value === null).reduce((n, l) => n + l.quantity, 0) }).toEqual(expected);
          }
          // Today: the lots' quantities as head office settles them from their ledgers, × cost.
          const settled = await ledgerQuantities(t.db, lots);
          const now = await reports.valuation(shop, today);
          for (const s of settled) expect(now.lines.find((l) => l.batchId === s.batchId)?.quantity ?? 0).toBe(s.quantity);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('margins', () => {
  it('add up, for any carts with line and ticket discounts and any returns at random lot costs, to what the sales took less what returns refunded, and to the lots’ cost of what stayed sold', async () => {
    const products: string[] = [];
    const costOf = new Map<string, number | null>();
    for (let k = 0; k < 3; k++) {
      const p = await seedProduct(t, { name: `Marge ${k}`, unitPrice: 500 + 700 * k });
      products.push(p.id);
      for (let l = 0; l < 2; l++) {
        const cost = (k + l) % 3 === 0 ? null : 100 + 150 * k + 37 * l;
        const lot = await t.services.stock.receiveBatch(
          { productId: p.id, lotNumber: `M${k}-${l}`, expirationDate: `2029-0${l + 1}-15`, quantity: 100_000, unitCost: cost },
          managerActor(t),
        );
        costOf.set(lot.id, cost);
      }
    }
    const lineArb = fc.record({ product: fc.nat(2), quantity: fc.integer({ min: 1, max: 6 }), pct: fc.integer({ min: 0, max: 10 }) });
    const saleArb = fc.record({ lines: fc.array(lineArb, { minLength: 1, maxLength: 4 }), ticketPct: fc.integer({ min: 0, max: 10 }), back: fc.array(fc.nat(), { maxLength: 3 }) });
    const day = new Date().toISOString().slice(0, 10);
    await fc.assert(
      fc.asyncProperty(fc.array(saleArb, { minLength: 1, maxLength: 5 }), async (sales) => {
        // Every run starts from the day's rows as they are now.
        const before = await t.db.rows<{ productId: string; takings: number; cost: number; unknownCostQty: number; quantity: number }>(
          'select product_id, takings::float8 as takings, cost::float8 as cost, unknown_cost_qty, quantity from hq_daily_margins where shop_id = $1', [t.shop.id],
        );
        const expected = new Map(products.map((p) => [p, { takings: 0, cost: 0, unknownCostQty: 0, quantity: 0 }]));
        for (const b of before) Object.assign(expected.get(b.productId)!, { takings: b.takings, cost: b.cost, unknownCostQty: b.unknownCostQty, quantity: b.quantity });
        let taken = 0;
        for (const s of sales) {
          const discount = (pct: number) => (pct > 0 ? { kind: 'percent' as const, value: pct, reason: 'test' } : undefined);
          let sale;
          try {
            sale = await t.services.sales.recordSale(
              { lines: s.lines.map((l) => ({ productId: products[l.product]!, quantity: l.quantity, discount: discount(l.pct) })), payment: { method: 'card' }, discount: discount(s.ticketPct) },
              cashierActor(t),
            );
          } catch (err) {
            // Line and ticket discounts together may pass the limit: refused, as a cashier would be.
            if (err instanceof AppError && err.status < 500) continue;
            throw err;
          }
          taken += sale.total;
          const account = (productId: string, batchId: string, quantity: number) => {
            const e = expected.get(productId)!;
            e.quantity += quantity;
            const cost = costOf.get(batchId);
            if (cost === null || cost === undefined) e.unknownCostQty += quantity;
            else e.cost += quantity * cost;
          };
          for (const i of sale.items) account(i.productId, i.batchId, i.quantity);
          for (const pick of s.back) {
            const item = sale.items[pick % sale.items.length]!;
            try {
              const r = await t.services.returns.recordReturn(sale.id, { lines: [{ saleItemId: item.id, quantity: 1, destination: 'stock' }] }, managerActor(t));
              taken -= r.amount;
              account(item.productId, item.batchId, -1);
            } catch (err) {
              if (err instanceof AppError && err.status < 500) continue; // nothing left of that line to return
              throw err;
            }
          }
        }
        await t.db.withTransaction((tx) => refreshReports(tx, { shopId: t.shop.id, timezone: 'Africa/Dakar', days: [day] }));
        const rows = await reportsAtHq({ db: t.db }).products({ from: day, to: day, shopId: t.shop.id });
        const previous = before.reduce((n, b) => n + b.takings, 0);
        expect(rows.reduce((n, r) => n + r.takings, 0) - previous).toBe(taken);
        for (const p of products) {
          const r = rows.find((x) => x.productId === p) ?? { cost: 0, unknownCostQty: 0, quantity: 0 };
          const e = expected.get(p)!;
          expect({ cost: r.cost, unknownCostQty: r.unknownCostQty, quantity: r.quantity }).toEqual({ cost: e.cost, unknownCostQty: e.unknownCostQty, quantity: e.quantity });
        }
      }),
      { numRuns: 25 },
    );
  });
});

/**
 * What head office keeps for the chain-wide pages (migration 0033) against
 * the computation it replaces, on a shop of its own (so earlier properties'
 * lots, never kept, stay out of it) in a zone three hours east of UTC (its
 * months end at 21:00 UTC the day before).
 */
describe('what head office keeps for the owner’s pages', () => {
  const kept = { id: newId(), code: 'PRP02', name: 'Gardée', timezone: 'Africa/Nairobi' };
  /** The instant the shop's calendar day `date` ends (UTC+3, no summer time). */
  const endOf = (date: string) => Date.parse(`${addDays(date, 1)}T00:00:00+03:00`);
  beforeAll(async () => {
    await t.db.exec(`insert into shops (id, code, name, timezone) values ($1, $2, $3, $4)`, [kept.id, kept.code, kept.name, kept.timezone]);
  });

  it('gives, after pushes of receipts, sales, returns, adjustments and counts in any order and at any date, each past month’s end the replayed ledger’s value, and today the cached quantities’ value', async () => {
    const product = await seedProduct(t, { name: 'Paracétamol 500 mg' });
    const reports = reportsAtHq({ db: t.db });
    const lots: { id: string; cost: number | null; expiry: string }[] = [];
    const moves: (Move & { lotId: string })[] = [];
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({
          lot: fc.nat(1),
          kind: fc.constantFrom('receipt', 'sale', 'return', 'adjustment', 'count') as fc.Arbitrary<Move['kind']>,
          size: fc.integer({ min: 1, max: 30 }),
          // Over four months or so: several month ends, and movements on the last evening of a month (UTC) that fall in the next (Nairobi).
          day: fc.integer({ min: 0, max: 130 }),
          minute: fc.constantFrom(0, 600, 1260, 1300, 1439),
          skewMin: fc.integer({ min: -90, max: 90 }),
          push: fc.nat(3),
        }), { minLength: 1, maxLength: 30 }),
        fc.array(fc.option(fc.integer({ min: 0, max: 5000 }), { nil: null }), { minLength: 2, maxLength: 2 }),
        fc.array(fc.integer({ min: -150, max: 30 }), { minLength: 2, maxLength: 2 }),
        async (generated, costs, expiryOffsets) => {
          run++;
          // Each run adds two lots to the shop's earlier ones: the month ends must hold for all of them.
          const mine: string[] = [];
          for (let k = 0; k < 2; k++) {
            const id = newId();
            mine.push(id);
            lots.push({ id, cost: costs[k]!, expiry: addDays(today, expiryOffsets[k]!) });
            await t.db.exec(
              `insert into product_batches (id, shop_id, product_id, lot_number, expiration_date, initial_qty, quantity, unit_cost, received_date, hlc)
               values ($1, $2, $3, $4, $5, 0, 0, $6, $7, '001700000000000:000000:PRP02')`,
              [id, kept.id, product.id, `K${run}-${k}`, addDays(today, expiryOffsets[k]!), costs[k], addDays(today, -130)],
            );
          }
          const fresh = generated.map((g) => {
            const at = Date.parse(`${addDays(today, -g.day)}T00:00:00Z`) + g.minute * 60_000;
            const sign = g.kind === 'sale' ? -1 : g.kind === 'adjustment' && g.size % 2 ? -1 : 1;
            return {
              id: newId(), lot: g.lot % 2, lotId: mine[g.lot % 2]!, kind: g.kind, push: g.push, delta: g.kind === 'count' ? 0 : sign * g.size,
              countedQty: g.kind === 'count' ? g.size : null, createdAt: new Date(Math.min(at, Date.now() - 1000)),
              hlc: `${String(at + g.skewMin * 60_000).padStart(15, '0')}:000000:PRP02`,
            };
          });
          // Four pushes, each with movements of any date (a shop offline for weeks sends old ones late), kept as the push keeps them.
          for (let push = 0; push < 4; push++) {
            const batch = fresh.filter((m) => m.push === push);
            if (batch.length === 0) continue;
            await t.db.withTransaction(async (tx) => {
              for (const m of batch) {
                await tx.exec(
                  `insert into stock_movements (id, shop_id, batch_id, kind, delta, counted_qty, reason, hlc, created_at) values ($1, $2, $3, $4, $5, $6, 'test', $7, $8)`,
                  [m.id, kept.id, m.lotId, m.kind, m.delta, m.countedQty, m.hlc, m.createdAt],
                );
              }
              const touched = [...new Set(batch.map((m) => m.lotId))];
              await setQuantities(tx, await ledgerQuantities(tx, touched));
              const moved = new Map<string, Date>();
              for (const m of batch) if (!moved.has(m.lotId) || m.createdAt < moved.get(m.lotId)!) moved.set(m.lotId, m.createdAt);
              await keepStockMonths(tx, moved);
            });
          }
          moves.push(...fresh);
          const months = await reports.stockValueByMonth(kept, today, 6);
          expect(months).toHaveLength(6);
          for (const [k, m] of months.entries()) {
            // The month's last day, or today for the last one; each lot replayed by the test's own rule up to its end.
            expect(m.date).toBe(k === 5 ? today : addDays(`${monthOf(today, k - 4)}-01`, -1));
            const expected = { sellable: 0, expired: 0, blocked: 0 };
            for (const lot of lots) {
              const q = replay(moves.filter((x) => x.lotId === lot.id && x.createdAt.getTime() < endOf(m.date)));
              if (lot.cost !== null) expected[lot.expiry < m.date ? 'expired' : 'sellable'] += q * lot.cost;
            }
            expect({ sellable: m.sellable, expired: m.expired, blocked: m.blocked }).toEqual(expected);
            // And the same as the replay in SQL that a past date's valuation does.
            const v = await reports.valuation(kept, m.date);
            expect({ sellable: m.sellable, expired: m.expired, blocked: m.blocked }).toEqual({ sellable: v.sellable, expired: v.expired, blocked: v.blocked });
          }
          // Today from the cached quantities: the same as the replay, lot by lot, and the chain's totals of it.
          const now = await reports.valuationNow(kept, today);
          const replayed = await reports.valuation(kept, today);
          expect(now.lines.map((l) => [l.batchId, l.quantity, l.state]).sort()).toEqual(replayed.lines.map((l) => [l.batchId, l.quantity, l.state]).sort());
          const [totals] = await reports.totalsNow([{ ...kept, today }]);
          expect(totals).toEqual({ code: kept.code, name: kept.name, sellable: replayed.sellable, expired: replayed.expired, blocked: replayed.blocked, unknownCostQty: replayed.unknownCostQty });
        },
      ),
      { numRuns: 40 },
    );
  });

  // Asked up to 7 days before the last day written (the kept sums' slack) and up to 10 after: the pages ask today.
  it('gives, after any days’ margins written and written again, each product’s last sale and units sold over the 56 days to the day asked as the per-day rows say', async () => {
    const products: string[] = [];
    const lots: string[] = [];
    for (let k = 0; k < 3; k++) {
      const p = await seedProduct(t, { name: `Gardé ${k}` });
      products.push(p.id);
      lots.push(newId());
      // In stock, so Stock à risque lists it (its stock kept as a push keeps it).
      await t.db.exec(
        `insert into product_batches (id, shop_id, product_id, lot_number, expiration_date, initial_qty, quantity, unit_cost, received_date, hlc)
         values ($1, $2, $3, $4, '2030-01-31', 50, 50, 100, $5, '001700000000000:000000:PRP02')`,
        [lots.at(-1), kept.id, p.id, `S-${k}`, addDays(today, -200)],
      );
    }
    await keepProductStock(t.db, lots);
    const reports = reportsAtHq({ db: t.db });
    /** What the per-day table holds, as the test writes it: day → product → units. */
    const days = new Map<string, Map<string, number>>();
    const dayArb = fc.record({
      day: fc.integer({ min: 0, max: 150 }),
      // A product absent from the day (its sale voided, or never sold), or its net units, returns netting out (0 or below).
      units: fc.array(fc.option(fc.integer({ min: -2, max: 6 }), { nil: null }), { minLength: 3, maxLength: 3 }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(dayArb, { minLength: 1, maxLength: 12 }), fc.array(fc.integer({ min: -10, max: 7 }), { minLength: 1, maxLength: 4 }), async (writes, asked) => {
        for (const w of writes) {
          const day = addDays(today, -w.day);
          const margins = products.flatMap((productId, k) => {
            const units = w.units[k];
            return units === null || units === undefined ? [] : [{ productId, quantity: units, takings: units * 500, cost: units * 100, knownTakings: units * 500, unknownCostQty: 0 }];
          });
          await t.db.withTransaction((tx) => replaceDay(tx, { shopId: kept.id, day, margins, hours: [] }));
          days.set(day, new Map(margins.map((m) => [m.productId, m.quantity])));
        }
        // The chain's per-day sums, kept by adding each rewrite's difference, are the per-shop rows summed (this shop's and the earlier properties' shop's).
        const chain = await t.db.rows('select to_char(day, \'YYYY-MM-DD\') as day, product_id, quantity, takings::float8 as takings, cost::float8 as cost, known_takings::float8 as known_takings, unknown_cost_qty from hq_chain_daily_margins where quantity <> 0 or takings <> 0 or cost <> 0 or known_takings <> 0 or unknown_cost_qty <> 0 order by 1, 2');
        const summed = await t.db.rows(`select * from (select to_char(day, 'YYYY-MM-DD') as day, product_id, sum(quantity)::int as quantity, sum(takings)::float8 as takings, sum(cost)::float8 as cost,
            sum(known_takings)::float8 as known_takings, sum(unknown_cost_qty)::int as unknown_cost_qty from hq_daily_margins group by 1, 2) x
          where quantity <> 0 or takings <> 0 or cost <> 0 or known_takings <> 0 or unknown_cost_qty <> 0 order by 1, 2`);
        expect(chain).toEqual(summed);
        for (const offset of asked) {
          const at = addDays(today, -offset);
          const rules = { today: at, deadDays: 90, coverDays: 180, rateDays: 56 };
          const rows = await stockWithSales(t.db, { today: at, shopId: kept.id });
          const risk = await reports.stockRisk({ ...rules, shopId: kept.id, limit: 2 });
          // The page's counts and values, classified in SQL, are the domain's over every product in stock.
          const all = stockRisk(rows, rules);
          const value = (r: readonly { value: number }[]) => r.reduce((n, x) => n + x.value, 0);
          expect([risk.deadCount, risk.deadValue, risk.overstockCount, risk.overstockValue]).toEqual([all.dead.length, value(all.dead), all.overstock.length, value(all.overstock)]);
          // At most `limit` of each are listed, the most valuable.
          expect(risk.dead.map((r) => r.productId)).toEqual(all.dead.slice(0, 2).map((r) => r.productId));
          expect(risk.overstock.map((r) => [r.productId, r.cover])).toEqual(all.overstock.slice(0, 2).map((r) => [r.productId, r.cover]));
          for (const productId of products) {
            let lastSold: string | null = null;
            let recentlySold = 0;
            for (const [day, units] of days) {
              const u = units.get(productId);
              if (u === undefined) continue;
              if (u > 0 && (lastSold === null || day > lastSold)) lastSold = day;
              if (day > addDays(at, -56) && day <= at) recentlySold += u;
            }
            const row = rows.find((r) => r.productId === productId)!;
            expect({ lastSold: row.lastSold, recentlySold: row.recentlySold }).toEqual({ lastSold, recentlySold });
            // And the page's split of it: dead, overstock or neither, as the rules say of those figures.
            const expected = stockRisk([{ productId, quantity: 50, lastSold, recentlySold }], rules);
            expect(all.dead.some((r) => r.productId === productId)).toBe(expected.dead.length > 0);
            expect(all.overstock.some((r) => r.productId === productId)).toBe(expected.overstock.length > 0);
          }
        }
      }),
      { numRuns: 40 },
    );
  });
});
