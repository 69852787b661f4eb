import type { Db, Queryable } from '../db/pool.js';
import { addDays, dateInZone } from '../domain/dates.js';
import { dayMargins, marginOf } from '../domain/margins.js';
import { valuation } from '../domain/valuation.js';
import { stockRisk, type RiskRules } from '../domain/stock-risk.js';
import {
  daySales,
  dayReturnLines,
  daysOf,
  daysOfLots,
  daysWithoutReports,
  expiringByMonth,
  keepMonthEnds,
  keepProductStock,
  KEPT_SOLD_DAYS,
  lockDay,
  lotCosts,
  lotsAsOf,
  lotsAtMonthEnds,
  lotsNow,
  marginsBetween,
  productTotals,
  replaceDay,
  salesByDayAndHour,
  shopOfLot,
  stockAtRisk,
  stockTotalsNow,
  takingsByHour,
  writeOffsByMonth,
} from './queries.js';

/** The shop's days these sales and returns fall on: read once by a push (or a release) for both its takings and its margins. */
export const daysTouched = (tx: Queryable, q: { timezone: string; saleIds: readonly string[]; returnIds: readonly string[] }) => daysOf(tx, q);

/**
 * Head office's margins and hourly takings of these days (those the caller's
 * sales and returns fall on: daysTouched) and of the days these lots (a
 * corrected unit cost) were sold on, summed again from the rows of each day, in the caller's transaction (the push's, the digest's): the per-day
 * tables never drift for long from what they sum.
 */
export async function refreshReports(
  tx: Queryable,
  q: { shopId: string; timezone: string; days?: readonly string[]; batchIds?: readonly string[] },
): Promise<void> {
  const days = new Set(q.days ?? []);
  if (q.batchIds?.length) {
    // A corrected cost changes the value of its product's stock too.
    await keepProductStock(tx, q.batchIds);
    for (const d of await daysOfLots(tx, { shopId: q.shopId, timezone: q.timezone, batchIds: q.batchIds })) days.add(d);
  }
  for (const day of [...days].sort()) {
    await lockDay(tx, q.shopId, day);
    const at = { shopId: q.shopId, timezone: q.timezone, day };
    const sales = await daySales(tx, at);
    const returns = await dayReturnLines(tx, at);
    const lots = await lotCosts(tx, [...new Set([...sales.flatMap((s) => s.lines.map((l) => l.batchId)), ...returns.map((r) => r.batchId)])]);
    const hours = new Map<number, { hour: number; sales: number; total: number }>();
    for (const s of sales) {
      const h = hours.get(s.hour) ?? { hour: s.hour, sales: 0, total: 0 };
      h.sales += 1;
      h.total += s.total;
      hours.set(s.hour, h);
    }
    await replaceDay(tx, { shopId: q.shopId, day, margins: dayMargins(sales, returns, lots), hours: [...hours.values()] });
  }
}

/**
 * The month-end quantities of the lots a push wrote movements of, and the
 * stock of their products, in the push's transaction (after the lots'
 * quantities are settled): the 12-month stock value reads the first instead
 * of replaying the ledger twelve times, Stock à risque the second instead of
 * summing every lot of the chain.
 */
export async function keepStockMonths(tx: Queryable, moved: ReadonlyMap<string, Date>): Promise<void> {
  await keepMonthEnds(tx, moved);
  await keepProductStock(tx, [...moved.keys()]);
}

/** A head-office unit-cost correction: the margins of the days that lot was sold or returned on. */
export async function refreshLotCost(db: Db, batchId: string): Promise<void> {
  const shop = await shopOfLot(db, batchId);
  if (!shop) return;
  await db.withTransaction((tx) => refreshReports(tx, { ...shop, batchIds: [batchId] }));
}

/**
 * Margins of the days head office held before migration 0020 (or lost):
 * a batch of shop-days at a time, each in its own transaction, newest
 * first, until none is left or the time is up. Returns the days done.
 */
export async function backfillReports(db: Db, opts: { batch?: number; untilMs?: number } = {}): Promise<number> {
  const deadline = Date.now() + (opts.untilMs ?? 10 * 60_000);
  let done = 0;
  while (Date.now() < deadline) {
    const days = await daysWithoutReports(db, opts.batch ?? 200);
    if (days.length === 0) break;
    for (const d of days) await db.withTransaction((tx) => refreshReports(tx, { shopId: d.shopId, timezone: d.timezone, days: [d.day] }));
    done += days.length;
    // A day that yields no margin row (sales without lines) would be found again: a short batch was the last one.
    if (days.length < (opts.batch ?? 200)) break;
  }
  return done;
}

const pickTotals = (r: { sellable: number; expired: number; blocked: number; unknownCostQty: number } | undefined) =>
  r ? { sellable: r.sellable, expired: r.expired, blocked: r.blocked, unknownCostQty: r.unknownCostQty } : {};

const withMargin = <T extends { knownTakings: number; cost: number }>(r: T) => ({ ...r, margin: marginOf(r) });

export interface ReportShop {
  id: string;
  code: string;
  name: string;
  timezone: string;
}

/** What head office's reports read: margins, takings by hour, stock value at a date, expiring value. */
export function reportsAtHq({ db }: { db: Db }) {
  return {
    /** Per shop, product and day. */
    margins: async (q: { from: string; to: string; shopId?: string | undefined; limit: number }) => (await marginsBetween(db, q)).map(withMargin),

    /** Per product over the period, biggest takings first. */
    products: async (q: { from: string; to: string; shopId?: string | undefined }) => (await productTotals(db, q)).map(withMargin),

    byHour: (q: { from: string; to: string; shopId?: string | undefined }) => takingsByHour(db, q),

    /** One shop's stock at cost as of the end of `date` (its calendar), lot by lot, sellable, expired and set aside apart. */
    async valuation(shop: ReportShop, date: string) {
      return { code: shop.code, name: shop.name, ...valuation(await lotsAsOf(db, { shopId: shop.id, date, timezone: shop.timezone }), date) };
    },

    /**
     * One shop's stock today from its lots' cached quantities (each its
     * ledger replayed by the push that last moved it): what the valuation of
     * today must equal, read without the replay.
     */
    async valuationNow(shop: ReportShop, today: string) {
      return { code: shop.code, name: shop.name, ...valuation(await lotsNow(db, shop.id), today) };
    },

    /** Every shop's totals today (sellable, expired, set aside, units without cost), summed in SQL from the cached quantities. */
    async totalsNow(shops: readonly (ReportShop & { today: string })[]) {
      const byShop = new Map((await stockTotalsNow(db, shops)).map((r) => [r.shopId, r]));
      return shops.map((s) => ({ code: s.code, name: s.name, sellable: 0, expired: 0, blocked: 0, unknownCostQty: 0, ...pickTotals(byShop.get(s.id)) }));
    },

    /**
     * The value at cost of a shop's stock at the end of each of the last
     * `months` months (the last one: today), from the kept month-end
     * quantities and, for today, the cached ones: two reads.
     */
    async stockValueByMonth(shop: ReportShop, today: string, months: number) {
      const ends: { month: string; date: string }[] = [];
      for (let k = months - 1; k >= 1; k--) {
        const month = monthOf(today, -k);
        ends.push({ month, date: addDays(`${monthOf(today, -k + 1)}-01`, -1) });
      }
      const lots = await lotsAtMonthEnds(db, { shopId: shop.id, months: ends.map((e) => `${e.month}-01`) });
      const out = ends.map(({ month, date }) => {
        const v = valuation(lots.filter((l) => l.month === month), date);
        return { date, sellable: v.sellable, expired: v.expired, blocked: v.blocked };
      });
      const v = valuation(await lotsNow(db, shop.id), today);
      out.push({ date: today, sellable: v.sellable, expired: v.expired, blocked: v.blocked });
      return out;
    },

    /** Dead stock and overstock per shop and product, by the rules given. */
    async stockRisk(q: RiskRules & { shopId?: string | undefined; limit: number }) {
      // The recent rate is read from the kept 56-day sums: another window would need them kept at its width.
      if (q.rateDays !== KEPT_SOLD_DAYS) throw new Error(`stock risk: the rate is kept over ${KEPT_SOLD_DAYS} days, not ${q.rateDays}`);
      const rows = await stockAtRisk(db, { today: q.today, deadDays: q.deadDays, coverDays: q.coverDays, limit: q.limit, shopId: q.shopId });
      // The domain's split of the rows SQL classified: the same (the property test says so), and it gives each overstock its cover.
      const { dead, overstock } = stockRisk(rows, q);
      const of = (risk: 'dead' | 'overstock') => rows.find((r) => r.risk === risk);
      return {
        dead, overstock,
        deadCount: of('dead')?.riskCount ?? 0, deadValue: of('dead')?.riskValue ?? 0,
        overstockCount: of('overstock')?.riskCount ?? 0, overstockValue: of('overstock')?.riskValue ?? 0,
      };
    },

    /** Write-offs per month and cause since a date. */
    writeOffs: (q: { since: string; shopId?: string | undefined }) => writeOffsByMonth(db, q),

    /** The stock expiring in each of the next `months` months, valued at cost, per shop. */
    async expiringByMonth(q: { today: string; months: number; shopId?: string | undefined }) {
      const to = addDays(`${monthOf(q.today, q.months)}-01`, -1);
      return expiringByMonth(db, { from: q.today, to, shopId: q.shopId });
    },
  };
}

/** 'YYYY-MM' of the month `k` months after the one of `date`. */
export function monthOf(date: string, k: number): string {
  const [y, m] = date.split('-').map(Number) as [number, number];
  const n = y * 12 + (m - 1) + k;
  return `${Math.floor(n / 12)}-${String((n % 12) + 1).padStart(2, '0')}`;
}

export type ReportsAtHq = ReturnType<typeof reportsAtHq>;

/** The weeks the shop's Tableau de bord compares today's hours with (the same weekday of each). */
export const SAME_WEEKDAY_WEEKS = 4;

/**
 * The shop's Tableau de bord: today's sales by hour against the average of
 * the same weekday over the last four weeks, and the last seven days.
 */
export function reportsAtShop({ db, shop, now }: { db: Db; shop: { id: string; timezone: string }; now: () => Date }) {
  return {
    async today() {
      const today = dateInZone(now(), shop.timezone);
      const from = addDays(today, -7 * SAME_WEEKDAY_WEEKS);
      const rows = await salesByDayAndHour(db, { shopId: shop.id, timezone: shop.timezone, from, to: today });
      const sameDays = Array.from({ length: SAME_WEEKDAY_WEEKS }, (_, k) => addDays(today, -7 * (k + 1)));
      const hours = Array.from({ length: 24 }, (_, hour) => {
        const at = rows.filter((r) => r.hour === hour);
        const sum = (days: readonly string[]) => at.filter((r) => days.includes(r.day)).reduce((n, r) => n + r.total, 0);
        return { hour, today: sum([today]), average: Math.round(sum(sameDays) / SAME_WEEKDAY_WEEKS) };
      });
      const week = Array.from({ length: 7 }, (_, k) => {
        const day = addDays(today, k - 6);
        return { day, total: rows.filter((r) => r.day === day).reduce((n, r) => n + r.total, 0) };
      });
      return { today, hours, week };
    },
  };
}
