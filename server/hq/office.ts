import { catalogProposals } from '../catalog/proposals.js';
import { catalogAtHq } from '../catalog/service.js';
import type { Db } from '../db/pool.js';
import { describeConflict } from '../domain/conflict-text.js';
import { addDays, dateInZone, daysBetween } from '../domain/dates.js';
import { shopHealth } from '../domain/health.js';
import { netTakings } from '../domain/takings.js';
import { PAYMENT_METHODS } from '../domain/tender.js';
import type { Logger } from '../logger.js';
import { listConflicts, markConflictsReviewed, type ConflictFilter } from '../outbox/queries.js';
import { accountsAtHq } from '../accounts/service.js';
import { cashAtHq } from '../cash/service.js';
import { expensesAtHq } from '../expenses/service.js';
import { salesAtHq } from '../sales/service.js';
import { stockAtHq } from '../stock/service.js';
import { describeResent } from '../domain/resent-text.js';
import { REPORT_ORDER } from '../sync/coverage.js';
import { feedEpoch, refusalsOf, shopByCode, shopChoices, shopsWithHealth, type ShopHealth } from './queries.js';
import { notFound } from '../errors.js';
import { hqService, SKEW_WARNING_MS } from './service.js';
import { heldSalesOf } from './held-queries.js';
import { formatReceiptNumber } from '../domain/receipt-number.js';
import { securityService } from '../security/service.js';

export const CONFLICTS_PER_PAGE = 50;
export const MAX_PERIOD_DAYS = 366;

type TakingsRow = Awaited<ReturnType<ReturnType<typeof salesAtHq>['takings']>>[number];
const TAKINGS_SUMS = [
  'sales', 'total', 'voided', 'voidedTotal', 'cash', 'mobileMoney', 'card', 'credit', 'returns', 'refunds', 'cashRefunds', 'mobileMoneyRefunds', 'cardRefunds',
  'creditRefunds',
] as const;
type TakingsSums = Record<(typeof TAKINGS_SUMS)[number], number>;

/**
 * Gross, refunds and net, per method and in all, as the Z report counts them
 * (domain/takings.ts): a shop's day is the sum of its sessions' Z reports.
 */
export function methodsOf(r: TakingsSums) {
  const { byMethod } = netTakings(
    { cash: r.cash, mobile_money: r.mobileMoney, card: r.card },
    { cash: r.cashRefunds, mobile_money: r.mobileMoneyRefunds, card: r.cardRefunds },
  );
  // « Crédit client » last, apart: sold, not received; the methods still add up to the day's net.
  const credit = { method: 'credit' as const, takings: r.credit, refunds: r.creditRefunds, net: r.credit - r.creditRefunds };
  return [...PAYMENT_METHODS.map((method) => ({ method, ...byMethod[method] })), ...(credit.takings || credit.refunds ? [credit] : [])];
}

/** A row as a table shows it; copied, so only for the rows a page shows (a month's 6 200 shop-days go to the CSV as they are). */
function withNet<T extends TakingsSums>(r: T) {
  return { ...r, net: r.total - r.refunds, methods: methodsOf(r) };
}

function sumTakings(rows: readonly TakingsSums[]): TakingsSums {
  const sums = Object.fromEntries(TAKINGS_SUMS.map((k) => [k, 0])) as TakingsSums;
  for (const r of rows) for (const k of TAKINGS_SUMS) sums[k] += r[k];
  return sums;
}

/** A chain's month is 200 shops × 30 days: the page shows it per shop and per day, the CSV has every row. */
function groupTakings(rows: readonly TakingsRow[], by: 'shopCode' | 'day') {
  const groups = new Map<string, TakingsRow[]>();
  for (const r of rows) {
    const group = groups.get(r[by]);
    if (group) group.push(r);
    else groups.set(r[by], [r]);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (by === 'day' ? b.localeCompare(a) : a.localeCompare(b)))
    .map(([key, rs]) => withNet({ key, shopCode: rs[0]!.shopCode, shopName: rs[0]!.shopName, day: rs[0]!.day, ...sumTakings(rs) }));
}

/**
 * What head office's pages read and do, for people (hq/pages.ts): the
 * chain's shops and their health, takings, expiring lots, recalls and their
 * reach, the catalogue, the conflict log. Features are reached through their
 * head-office seats, never their queries.
 */
export function headOffice({ db, logger, now, timezone }: { db: Db; logger: Logger; now: () => Date; timezone: string }) {
  const catalog = catalogAtHq({ db, now });
  const proposals = catalogProposals({ db, now, logger });
  const stock = stockAtHq({ db, now });
  const sales = salesAtHq({ db });
  const cash = cashAtHq({ db });
  const accounts = accountsAtHq({ db, now });
  const expenses = expensesAtHq({ db });
  const sync = hqService({ db, logger, now });
  const security = securityService({ db, logger, now });
  const today = () => dateInZone(now(), timezone);
  const withHealth = (s: ShopHealth) => ({
    ...s,
    todayNet: s.todayTotal - s.todayRefunds,
    nightlyResentText: describeResent(s.nightlyResent, REPORT_ORDER),
    health: shopHealth(s.lastContactAt, now()),
    clockSkewFlagged: s.clockSkewMs !== null && Math.abs(s.clockSkewMs) > SKEW_WARNING_MS,
  });

  async function shopOrNotFound(code: string) {
    const shop = await shopByCode(db, code);
    if (!shop) throw notFound('shop.not_found');
    return shop;
  }

  return {
    today,

    /** Boutiques: every shop's sync health and its day so far. */
    async shops() {
      const counts = new Map((await security.alertCounts()).map((c) => [c.shopId, c.alerts]));
      const shops = (await shopsWithHealth(db)).map((s) => ({ ...withHealth(s), securityAlerts: counts.get(s.id) ?? 0 }));
      const codes = new Map(shops.map((s) => [s.id, s.code]));
      // Bursts of wrong PINs at the shops and of wrong passwords or tokens here: the last week's, newest first.
      const securityAlerts = (await security.latestAlerts()).map((a) => ({ ...a, shopCode: a.shopId ? (codes.get(a.shopId) ?? '') : '' }));
      return {
        shops,
        securityAlerts,
        late: shops.filter((s) => s.health !== 'ok').length,
        todaySales: shops.reduce((n, s) => n + s.todaySales, 0),
        todayTotal: shops.reduce((n, s) => n + s.todayTotal, 0),
        todayRefunds: shops.reduce((n, s) => n + s.todayRefunds, 0),
        todayNet: shops.reduce((n, s) => n + s.todayNet, 0),
      };
    },

    /** The shops a filter offers: code and name only (not each one's health and day). */
    shopChoices: () => shopChoices(db),

    /** One shop: its health, last sales, conflicts, refusals and lots expiring soon. */
    async shop(code: string) {
      const base = await shopOrNotFound(code);
      const [health] = await shopsWithHealth(db, code);
      const day = dateInZone(now(), base.timezone);
      return {
        today: day,
        shop: withHealth(health!),
        sales: await sales.salesOfShop(base, { from: addDays(day, -6), to: day, limit: 20 }),
        conflicts: (await listConflicts(db, { shopId: base.id, limit: 10 })).map((c) => ({ ...c, message: describeConflict(c) })),
        refusals: await refusalsOf(db, base.id, 10),
        expiring: await stock.expiringLots({ horizon: 30, today: day, shopId: base.id, limit: 20 }),
        expired: await stock.expiringLots({ horizon: 'expired', today: day, shopId: base.id, limit: 20 }),
        sessions: await cash.sessionsOfShop(base.id, 20),
        cashMovements: await cash.movementsBetween(base, { from: addDays(day, -6), to: day, limit: 50 }),
        // Receivables as the shop's entries say, and the month's expenses (cancelled ones shown, not counted).
        receivables: await accounts.receivables(base, day),
        expenses: await (async () => {
          const list = await expenses.list(base.id, `${day.slice(0, 8)}01`, day);
          return { list, total: list.filter((e) => !e.cancelledBy).reduce((n, e) => n + e.amount, 0) };
        })(),
        held: (await heldSalesOf(db, base.id, { limit: 50 })).map((h) => ({
          ...h, numberList: h.numbers.join(', '), lastNumber: formatReceiptNumber(base.code, h.lastReceipt),
        })),
        securityAlerts: await security.alertsOfShop(base.id),
      };
    },

    /** Head office's credit limit for one of the shop's customers: kept against a shop's raise, sent down its feed. */
    async setCustomerLimit(code: string, customerId: string, creditLimit: number) {
      return accounts.setLimit((await shopOrNotFound(code)).id, customerId, creditLimit);
    },

    /** A held group of sales (receipt numbers out of sequence): accepted as the shop's, or discarded; logged with who decided. */
    releaseHeldSales: (id: string, by: string) => sync.releaseHeldSales(id, by),
    discardHeldSales: (id: string, by: string) => sync.discardHeldSales(id, by),

    /** Ventes: takings per shop and day over a period (this month by default), with totals. */
    async takings(q: { from?: string | undefined; to?: string | undefined; shop?: string | undefined }) {
      const [a, b] = [q.from ?? `${(q.to ?? today()).slice(0, 8)}01`, q.to ?? today()].sort() as [string, string];
      // A year at most: what a person compares on a page; longer is for the CSV of each year.
      const to = b;
      const from = daysBetween(a, b) > MAX_PERIOD_DAYS ? addDays(b, -MAX_PERIOD_DAYS) : a;
      const shopId = q.shop ? (await shopOrNotFound(q.shop)).id : undefined;
      const rows = await sales.takings({ from, to, shopId });
      return {
        from, to, shop: q.shop, rows, totals: withNet(sumTakings(rows)),
        // One shop: its days; the chain: per shop and per day.
        days: shopId ? rows.map(withNet) : [], byShop: shopId ? [] : groupTakings(rows, 'shopCode'), byDay: shopId ? [] : groupTakings(rows, 'day'),
      };
    },

    /** A shop's calendar day: its takings (gross, refunds, net), its sales with their lines, the returns made that day. */
    async salesOfDay(code: string, day: string) {
      const shop = await shopOrNotFound(code);
      const [takings] = await sales.takings({ from: day, to: day, shopId: shop.id });
      return {
        shop, day,
        takings: withNet(takings ?? sumTakings([])),
        sales: await sales.salesOfShop(shop, { from: day, to: day, limit: 2000 }),
        returns: await sales.returnsOfShop(shop, { from: day, to: day, limit: 2000 }),
      };
    },

    sale: (id: string) => sales.sale(id),

    /** Stock et péremptions: lots with stock expiring within the horizon (or expired), across shops. */
    async expiring(q: { horizon: 30 | 60 | 90 | 'expired'; shop?: string | undefined; product?: string | undefined }) {
      const shopId = q.shop ? (await shopOrNotFound(q.shop)).id : undefined;
      const lots = await stock.expiringLots({ horizon: q.horizon, today: today(), shopId, product: q.product, limit: 5000 });
      const alerts = await stock.recentExpiryAlerts(shopId);
      return { ...q, lots, alerts, units: lots.reduce((n, l) => n + l.quantity, 0), value: lots.reduce((n, l) => n + l.value, 0) };
    },

    /** Rappels: recent recalls, each with, per shop, whether it is applied there and what that shop still holds. */
    async recalls() {
      const rows = await stock.recallsWithShopStatus(await feedEpoch(db, logger), 30);
      const byRecall = new Map<string, { recall: (typeof rows)[number]; shops: typeof rows }>();
      for (const r of rows) {
        const entry = byRecall.get(r.id) ?? { recall: r, shops: [] };
        entry.shops.push(r);
        byRecall.set(r.id, entry);
      }
      return [...byRecall.values()].map(({ recall, shops }) => ({
        ...recall,
        shops,
        appliedCount: shops.filter((s) => s.applied).length,
        unitsHeld: shops.reduce((n, s) => n + s.unitsHeld, 0),
      }));
    },

    /** A recall asked for in the page: the product named by GTIN, SKU or a search that finds one. */
    async recall(input: { product: string; lotNumber: string; reason: string }) {
      const product = await catalog.resolve(input.product);
      const productIds = await catalog.twinsOf(product.id);
      const done = await stock.recall({ productId: product.id, productIds, lotNumber: input.lotNumber, reason: input.reason });
      logger.info({ productId: product.id, lotNumber: input.lotNumber, lots: done.batchesRecalled }, 'lot recalled from head office');
      return { product, ...done };
    },

    catalog: (q: string) => catalog.search(q, 200),
    product: (id: string) => catalog.productWithPacks(id),
    createProduct: catalog.createProduct,
    updateProduct: catalog.updateProduct,
    productWithPacks: (id: string) => catalog.productWithPacks(id),
    addPack: catalog.addPack,
    updatePack: catalog.updatePack,
    /** The shops' open proposals for head office's products, as the Catalogue page lists them. */
    proposals: () => proposals.list('pending', 200),
    acceptProposal: (id: string, by: string) => proposals.accept(id, by),
    refuseProposal: (id: string, by: string) => proposals.refuse(id, by),

    /** Conflits: the log filtered, each row a French sentence. */
    async conflicts(q: Omit<ConflictFilter, 'limit' | 'shopId' | 'timezone'> & { shop?: string | undefined; page: number }) {
      const shopId = q.shop ? (await shopOrNotFound(q.shop)).id : undefined;
      const rows = await listConflicts(db, { ...q, shopId, timezone, limit: CONFLICTS_PER_PAGE + 1, offset: (q.page - 1) * CONFLICTS_PER_PAGE });
      return {
        conflicts: rows.slice(0, CONFLICTS_PER_PAGE).map((c) => ({ ...c, message: describeConflict(c) })),
        hasMore: rows.length > CONFLICTS_PER_PAGE,
      };
    },

    markReviewed: (ids: readonly string[]) => markConflictsReviewed(db, ids),

    /** A shop's new sync token (shown once); its old one is refused from now on. */
    rotateToken: (code: string, by: string) => hqService({ db, logger, now }).rotateToken(code, by),
  };
}

export type HeadOffice = ReturnType<typeof headOffice>;
