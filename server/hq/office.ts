import { catalogAtHq } from '../catalog/service.js';
import type { Db } from '../db/pool.js';
import { describeConflict } from '../domain/conflict-text.js';
import { addDays, dateInZone, daysBetween } from '../domain/dates.js';
import { shopHealth } from '../domain/health.js';
import type { Logger } from '../logger.js';
import { listConflicts, markConflictsReviewed, type ConflictFilter } from '../outbox/queries.js';
import { cashAtHq } from '../cash/service.js';
import { salesAtHq } from '../sales/service.js';
import { stockAtHq } from '../stock/service.js';
import { feedEpoch, refusalsOf, shopByCode, shopChoices, shopsWithHealth, type ShopHealth } from './queries.js';
import { notFound } from '../errors.js';
import { hqService, SKEW_WARNING_MS } from './service.js';
import { securityService } from '../security/service.js';

export const CONFLICTS_PER_PAGE = 50;
export const MAX_PERIOD_DAYS = 366;

type TakingsRow = Awaited<ReturnType<ReturnType<typeof salesAtHq>['takings']>>[number];
const TAKINGS_SUMS = ['sales', 'total', 'voided', 'cash', 'mobileMoney', 'card'] as const;

function sumTakings(rows: readonly TakingsRow[]) {
  return Object.fromEntries(TAKINGS_SUMS.map((k) => [k, rows.reduce((n, r) => n + Number(r[k]), 0)])) as Record<(typeof TAKINGS_SUMS)[number], number>;
}

/** A chain's month is 200 shops × 30 days: the page shows it per shop and per day, the CSV has every row. */
function groupTakings(rows: readonly TakingsRow[], by: 'shopCode' | 'day') {
  const groups = new Map<string, TakingsRow[]>();
  for (const r of rows) groups.set(r[by], [...(groups.get(r[by]) ?? []), r]);
  return [...groups.entries()]
    .sort(([a], [b]) => (by === 'day' ? b.localeCompare(a) : a.localeCompare(b)))
    .map(([key, rs]) => ({ key, shopCode: rs[0]!.shopCode, shopName: rs[0]!.shopName, day: rs[0]!.day, ...sumTakings(rs) }));
}

/**
 * What head office's pages read and do, for people (hq/pages.ts): the
 * chain's shops and their health, takings, expiring lots, recalls and their
 * reach, the catalogue, the conflict log. Features are reached through their
 * head-office seats, never their queries.
 */
export function headOffice({ db, logger, now, timezone }: { db: Db; logger: Logger; now: () => Date; timezone: string }) {
  const catalog = catalogAtHq({ db, now });
  const stock = stockAtHq({ db, now });
  const sales = salesAtHq({ db });
  const cash = cashAtHq({ db });
  const security = securityService({ db, logger, now });
  const today = () => dateInZone(now(), timezone);
  const withHealth = (s: ShopHealth) => ({
    ...s,
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
        securityAlerts: await security.alertsOfShop(base.id),
      };
    },

    /** Ventes: takings per shop and day over a period (this month by default), with totals. */
    async takings(q: { from?: string | undefined; to?: string | undefined; shop?: string | undefined }) {
      const [a, b] = [q.from ?? `${(q.to ?? today()).slice(0, 8)}01`, q.to ?? today()].sort() as [string, string];
      // A year at most: what a person compares on a page; longer is for the CSV of each year.
      const to = b;
      const from = daysBetween(a, b) > MAX_PERIOD_DAYS ? addDays(b, -MAX_PERIOD_DAYS) : a;
      const shopId = q.shop ? (await shopOrNotFound(q.shop)).id : undefined;
      const rows = await sales.takings({ from, to, shopId });
      return { from, to, shop: q.shop, rows, totals: sumTakings(rows)!, byShop: groupTakings(rows, 'shopCode'), byDay: groupTakings(rows, 'day') };
    },

    /** A shop's calendar day: its sales, each with its lines. */
    async salesOfDay(code: string, day: string) {
      const shop = await shopOrNotFound(code);
      return { shop, day, sales: await sales.salesOfShop(shop, { from: day, to: day, limit: 2000 }) };
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
    createProduct: catalog.createProduct,
    updateProduct: catalog.updateProduct,

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
