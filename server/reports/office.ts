import type { Db } from '../db/pool.js';
import { addDays, dateInZone, daysBetween, formatDateFr, formatTimeFr } from '../domain/dates.js';
import { groupThousands } from '../domain/money.js';
import { t, type MessageKey } from '../i18n/fr.js';
import { DEFAULT_RISK } from '../domain/stock-risk.js';
import { netTakings } from '../domain/takings.js';
import { PAYMENT_METHODS } from '../domain/tender.js';
import { salesAtHq } from '../sales/service.js';
import { monthOf, reportsAtHq, type ReportShop } from './service.js';
import { withPackLabels, withPackMargins } from './packs.js';

/** At most a year on a page, as Ventes: longer is for each year's export. */
export const MAX_REPORT_DAYS = 366;
export const TOP_PRODUCTS = 20;
export const EXPIRY_MONTHS = 6;
export const VALUE_MONTHS = 12;
/** What a page lists of dead stock or overstock: the most valuable first. */
export const RISK_ROWS = 500;
/** Rows of margins one answer carries at most (a chain's year is millions): past it, `truncated` says to ask shop by shop or month by month. */
export const MARGIN_ROWS = 200_000;
export const LOSS_CAUSES = ['expired', 'damaged', 'recalled'] as const;

/** A sales journal's columns, in order: one row per sale line and per return line. */
export const JOURNAL_COLUMNS = [
  ['day', 'date'], ['time', 'text'], ['number', 'text'], ['kind', 'text'], ['cashier', 'text'], ['product', 'text'], ['lot', 'text'],
  ['quantity', 'int'], ['unit_price', 'money'], ['line_discount', 'money'], ['line_total', 'money'], ['ticket_discount', 'money'],
  ['paid', 'money'], ['payments', 'text'], ['of_sale', 'text'],
] as const;
type JournalRow = (string | number | null)[];

/** How reports find shops: given by head office at wiring (its own use cases), never its queries. */
export interface ShopDirectory {
  /** The shop of that code, or a 404 `shop.not_found`. */
  byCode(code: string): Promise<ReportShop>;
  all(): Promise<ReportShop[]>;
}

/**
 * The owner's numbers at head office, for its pages and its API: margins per
 * product and day, the stock's value at cost on a date, and the figures
 * behind each chart of the Tableau de bord.
 */
export function ownerReports({ db, now, timezone, shops }: { db: Db; now: () => Date; timezone: string; shops: ShopDirectory }) {
  const reports = reportsAtHq({ db });
  const sales = salesAtHq({ db });
  const today = () => dateInZone(now(), timezone);

  /** This month by default; from after to is swapped; a year at most. */
  function period(q: { from?: string | undefined; to?: string | undefined }) {
    const [a, b] = [q.from ?? `${(q.to ?? today()).slice(0, 8)}01`, q.to ?? today()].sort() as [string, string];
    return { from: daysBetween(a, b) > MAX_REPORT_DAYS ? addDays(b, -MAX_REPORT_DAYS) : a, to: b };
  }
  const shopOf = async (code: string | undefined) => (code ? shops.byCode(code) : undefined);

  /**
   * Net takings per day over a period (every shop, or one), and by method over
   * the days from `methodsFrom` on: a chart of this period against the one
   * before it is one read of both.
   */
  async function dailyNet(q: { from: string; to: string; shopId?: string | undefined }, methodsFrom = q.from) {
    const byDay = new Map<string, number>();
    const methods = { cash: 0, mobile_money: 0, card: 0 };
    const refunds = { cash: 0, mobile_money: 0, card: 0 };
    for (const r of await sales.takingsPerDay(q)) {
      byDay.set(r.day, (byDay.get(r.day) ?? 0) + r.total - r.refunds);
      if (r.day < methodsFrom) continue;
      methods.cash += r.cash; methods.mobile_money += r.mobileMoney; methods.card += r.card;
      refunds.cash += r.cashRefunds; refunds.mobile_money += r.mobileMoneyRefunds; refunds.card += r.cardRefunds;
    }
    return { byDay, byMethod: netTakings(methods, refunds).byMethod };
  }

  return {
    today,
    period,
    /** Every shop, and one by its code (a 404 otherwise): the monthly reports kept go through them. */
    shops: () => shops.all(),
    shopByCode: (code: string) => shops.byCode(code),

    /** GET /api/reports/margins: per shop, product and day. */
    async margins(q: { shop?: string | undefined; from?: string | undefined; to?: string | undefined }) {
      const shop = await shopOf(q.shop);
      const p = period(q);
      const rows = await reports.margins({ ...p, shopId: shop?.id, limit: MARGIN_ROWS + 1 });
      return { ...p, shop: shop?.code, truncated: rows.length > MARGIN_ROWS, rows: rows.slice(0, MARGIN_ROWS) };
    },

    /** The margins page: per product over the period, with the chain's (or the shop's) totals. */
    async productMargins(q: { shop?: string | undefined; from?: string | undefined; to?: string | undefined }) {
      const shop = await shopOf(q.shop);
      const p = period(q);
      const products = await withPackMargins(db, await reports.products({ ...p, shopId: shop?.id }));
      const totals = products.reduce(
        (s, r) => ({ takings: s.takings + r.takings, cost: s.cost + r.cost, margin: s.margin + r.margin, unknownCostQty: s.unknownCostQty + r.unknownCostQty }),
        { takings: 0, cost: 0, margin: 0, unknownCostQty: 0 },
      );
      return { ...p, shop: shop?.code, products, totals };
    },

    /** GET /api/reports/valuation: each shop (or one) at the end of `date` (today by default), its calendar. */
    async valuation(q: { shop?: string | undefined; date?: string | undefined }) {
      const list = q.shop ? [await shops.byCode(q.shop)] : await shops.all();
      const out = [];
      for (const s of list) {
        const day = dateInZone(now(), s.timezone);
        // Today's is the lots' cached quantities (the ledger rule settles them at every push); a past date replays the ledger.
        const v = !q.date || q.date === day ? await reports.valuationNow(s, day) : await reports.valuation(s, q.date);
        // One shop's lots are said in packs too; the chain's are thousands of lots, read by scripts: base units only.
        out.push(q.shop ? { ...v, lines: await withPackLabels(db, v.lines) } : v);
      }
      return { date: q.date ?? today(), shops: out };
    },

    /**
     * Valeur du stock of the chain: each shop's totals without its lots. For
     * today, one read of every shop's cached quantities; for a past date, each
     * shop's ledger replayed (as the API does).
     */
    async valuationTotals(q: { date?: string | undefined }) {
      const list = await shops.all();
      const days = list.map((s) => ({ ...s, today: dateInZone(now(), s.timezone) }));
      if (!q.date || days.every((s) => s.today === q.date)) return { date: q.date ?? today(), shops: await reports.totalsNow(days) };
      const out = [];
      for (const s of list) {
        const { lines: _lines, ...v } = await reports.valuation(s, q.date);
        out.push(v);
      }
      return { date: q.date, shops: out };
    },

    /**
     * A shop's sales journal over its calendar days from..to (this month by
     * default), for the accountant: every line of every sale (voided ones
     * said so), then the day's returns as negative lines, day by day so a
     * month streams without being held whole.
     */
    async journal(q: { shop: string; from?: string | undefined; to?: string | undefined }) {
      const shop = await shops.byCode(q.shop);
      const p = period(q);
      return { ...p, shop, rows: journalRows(shop, p) };
    },

    /** A shop's month (YYYY-MM; the current one up to today), as its monthly PDF report lays it out. */
    async monthly(q: { shop: string; month?: string | undefined }) {
      const shop = await shops.byCode(q.shop);
      const day = dateInZone(now(), shop.timezone);
      const month = q.month ?? day.slice(0, 7);
      const from = `${month}-01`;
      const end = addDays(`${monthOf(from, 1)}-01`, -1);
      const to = end < day ? end : day;
      const rows = await sales.takings({ from, to, shopId: shop.id });
      const sum = (pick: (r: (typeof rows)[number]) => number) => rows.reduce((n, r) => n + pick(r), 0);
      const byMethod = netTakings(
        { cash: sum((r) => r.cash), mobile_money: sum((r) => r.mobileMoney), card: sum((r) => r.card) },
        { cash: sum((r) => r.cashRefunds), mobile_money: sum((r) => r.mobileMoneyRefunds), card: sum((r) => r.cardRefunds) },
      ).byMethod;
      const products = await reports.products({ from, to, shopId: shop.id });
      const stock = await reports.valuation(shop, to);
      const offs = (await reports.writeOffs({ since: from, shopId: shop.id })).filter((o) => o.month === month);
      const previousFrom = `${monthOf(from, -1)}-01`;
      // This month and the one before in one read (the days are apart).
      const net = await dailyNet({ from: previousFrom, to, shopId: shop.id }, from);
      return {
        shop, month, from, to,
        takings: {
          gross: sum((r) => r.total), refunds: sum((r) => r.refunds), net: sum((r) => r.total - r.refunds), sales: sum((r) => r.sales), returns: sum((r) => r.returns),
          methods: PAYMENT_METHODS.map((method) => ({ method, net: byMethod[method].net })),
        },
        margin: {
          takings: products.reduce((n, p) => n + p.takings, 0), cost: products.reduce((n, p) => n + p.cost, 0),
          margin: products.reduce((n, p) => n + p.margin, 0), unknownCostQty: products.reduce((n, p) => n + p.unknownCostQty, 0),
        },
        stock: { date: to, sellable: stock.sellable, expired: stock.expired, blocked: stock.blocked, unknownCostQty: stock.unknownCostQty },
        losses: LOSS_CAUSES.map((cause) => {
          const r = offs.filter((o) => o.cause === cause);
          return { cause: t(`report.loss.${cause}`), units: r.reduce((n, o) => n + o.units, 0), value: r.reduce((n, o) => n + o.value, 0) };
        }),
        topProducts: await withPackMargins(db, products.slice(0, 10)),
        days: Array.from({ length: daysBetween(from, to) + 1 }, (_, k) => {
          const d = addDays(from, k);
          // A longer month's last days have no day of the month before (read together, its next days are this month's).
          const p = addDays(previousFrom, k);
          return { label: formatDateFr(d).slice(0, 5), current: net.byDay.get(d) ?? 0, previous: p < from ? net.byDay.get(p) ?? 0 : 0 };
        }),
      };
    },

    /** Stock à risque: dead stock, overstock and the last 12 months' write-offs. */
    async risk(q: { shop?: string | undefined; deadDays?: number | undefined }) {
      const shop = await shopOf(q.shop);
      const day = shop ? dateInZone(now(), shop.timezone) : today();
      const rules = { ...DEFAULT_RISK, deadDays: q.deadDays ?? DEFAULT_RISK.deadDays, today: day };
      const { dead, overstock, deadCount, deadValue, overstockCount, overstockValue } = await reports.stockRisk({ ...rules, shopId: shop?.id, limit: RISK_ROWS });
      const since = `${monthOf(day, -(VALUE_MONTHS - 1))}-01`;
      const offs = await reports.writeOffs({ since, shopId: shop?.id });
      const losses = Array.from({ length: VALUE_MONTHS }, (_, k) => monthOf(day, k - (VALUE_MONTHS - 1))).map((month) => {
        const rows = offs.filter((o) => o.month === month);
        const of = (cause: (typeof LOSS_CAUSES)[number]) => {
          const r = rows.filter((o) => o.cause === cause);
          return { units: r.reduce((n, o) => n + o.units, 0), value: r.reduce((n, o) => n + o.value, 0) };
        };
        return {
          month, label: `${month.slice(5, 7)}/${month.slice(0, 4)}`, expired: of('expired'), damaged: of('damaged'), recalled: of('recalled'),
          unknownCostQty: rows.reduce((n, o) => n + o.unknownCostQty, 0),
        };
      });
      return {
        shop: shop?.code, today: day, rules, listed: RISK_ROWS,
        dead: await withPackLabels(db, dead), deadCount, deadValue,
        overstock: await withPackLabels(db, overstock), overstockCount, overstockValue,
        losses, lossValue: losses.reduce((n, l) => n + l.expired.value + l.damaged.value + l.recalled.value, 0),
      };
    },

    /** The figures behind each chart of head office's Tableau de bord. */
    async dashboard(q: { shop?: string | undefined; from?: string | undefined; to?: string | undefined }) {
      const shop = await shopOf(q.shop);
      const p = period(q);
      const span = daysBetween(p.from, p.to) + 1;
      const before = { from: addDays(p.from, -span), to: addDays(p.from, -1) };
      // Both periods in one read: the days are apart, the methods' shares are this period's.
      const net = await dailyNet({ from: before.from, to: p.to, shopId: shop?.id }, p.from);
      const days = Array.from({ length: span }, (_, k) => {
        const day = addDays(p.from, k);
        return { day, label: formatDateFr(day).slice(0, 5), current: net.byDay.get(day) ?? 0, previous: net.byDay.get(addDays(before.from, k)) ?? 0 };
      });
      const hours = await reports.byHour({ ...p, shopId: shop?.id });
      const products = await reports.products({ ...p, shopId: shop?.id });
      const byMargin = [...products].sort((a, b) => b.margin - a.margin);
      const day = shop ? dateInZone(now(), shop.timezone) : today();
      const expiring = await reports.expiringByMonth({ today: day, months: EXPIRY_MONTHS, shopId: shop?.id });
      const months = Array.from({ length: EXPIRY_MONTHS }, (_, k) => monthOf(day, k));
      return {
        ...p, shop: shop?.code, previous: before,
        days,
        periodTotal: days.reduce((n, d) => n + d.current, 0),
        previousTotal: days.reduce((n, d) => n + d.previous, 0),
        hours: Array.from({ length: 24 }, (_, hour) => hours.find((h) => h.hour === hour) ?? { hour, sales: 0, total: 0 }),
        methods: PAYMENT_METHODS.map((method) => ({ method, net: net.byMethod[method].net })),
        topByTakings: products.slice(0, TOP_PRODUCTS),
        topByMargin: byMargin.slice(0, TOP_PRODUCTS),
        expiring: months.map((month) => {
          const rows = expiring.filter((e) => e.month === month);
          return { month, label: `${month.slice(5, 7)}/${month.slice(0, 4)}`, value: rows.reduce((n, r) => n + r.value, 0), units: rows.reduce((n, r) => n + r.units, 0), unknownCostQty: rows.reduce((n, r) => n + r.unknownCostQty, 0), byShop: rows };
        }),
        // A past month's value replays the shop's ledger: one shop at a time (the chain's would be every shop's ledger twelve times).
        stockValue: shop ? await reports.stockValueByMonth(shop, day, VALUE_MONTHS) : null,
      };
    },
  };

  async function* journalRows(shop: ReportShop, p: { from: string; to: string }): AsyncGenerator<JournalRow> {
    const time = (at: Date) => formatTimeFr(at, shop.timezone);
    for (let day = p.from; day <= p.to; day = addDays(day, 1)) {
      const sold = (await sales.salesOfShop(shop, { from: day, to: day, limit: 100_000 })).reverse();
      for (const s of sold) {
        const payments = s.payments
          .map((pay) => `${t(`payment.${pay.method}` as MessageKey)} ${groupThousands(pay.amount)}${pay.operator ? ` ${t(`operator.${pay.operator}` as MessageKey)}` : ''}${pay.reference ? ` (${pay.reference})` : ''}`)
          .join(' ; ');
        const kind = t(s.status === 'voided' ? 'report.journal.voided' : 'report.journal.sale');
        const ticket = s.discount - s.items.reduce((n, i) => n + i.discount, 0);
        const at = time(s.createdAt);
        for (const [k, i] of s.items.entries()) {
          yield [day, at, s.number, kind, s.cashierName, i.productName, i.lotNumber, i.quantity, i.unitPrice, i.discount, i.lineTotal,
            k === 0 ? ticket : null, k === 0 ? s.total + s.rounding : null, k === 0 ? payments : null, null];
        }
      }
      const back = (await sales.returnsOfShop(shop, { from: day, to: day, limit: 100_000 })).reverse();
      for (const r of back) {
        for (const [k, l] of r.lines.entries()) {
          yield [day, time(r.createdAt), r.number, t('report.journal.return'), r.cashierName, l.productName, l.lotNumber, -l.quantity, null, null, -l.amount,
            null, k === 0 ? -r.refunded : null, k === 0 ? t(`payment.${r.refundMethod}` as MessageKey) : null, r.saleNumber];
        }
      }
    }
  }
}

export type OwnerReports = ReturnType<typeof ownerReports>;
