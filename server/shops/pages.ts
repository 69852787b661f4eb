import type { RequestHandler } from 'express';
import { backupReport } from '../ops/service.js';
import { formNumber, parse } from '../http/validate.js';
import { t } from '../i18n/fr.js';
import type { Services } from '../services.js';
import { settingsSchema } from './schemas.js';
import { formatDateFr } from '../domain/dates.js';
import type { ShopContext } from '../context.js';
import type { Db } from '../db/pool.js';
import { onRefusal } from '../web/errors.js';
import { show } from '../web/respond.js';
import type { Views } from '../web/views.js';


/** What Paramètres shows: the shop, its people, sync and backups; other features' forms re-render it after a refusal. */
export async function settingsData(s: Services, deps: { db: Db }) {
  return {
    title: t('ui.nav.settings'), settings: await s.settings.get(), users: await s.users.listUsers(), sync: await s.sync.status(), refused: await s.sync.refused(),
    backup: await backupReport(deps.db),
    securityAlerts: await s.users.securityAlerts(),
  };
}

/** Tableau de bord and Paramètres. */
export function settingsPages(s: Services, views: Views, deps: { db: Db; shop: ShopContext; now: () => Date }) {

  return {
    dashboard: (async (req, res) => {
      show(views, req, res, {
        page: 'dashboard', fragment: 'sync/panel',
        data: {
          title: t('ui.nav.dashboard'),
          takings: await s.sales.takings(),
          alerts: await s.stock.expiryAlerts(),
          newAlerts: await s.stock.recentExpiryAlerts(),
          securityAlerts: await s.users.securityAlerts(),
          charts: await dashboardCharts(s),
        },
      });
    }) satisfies RequestHandler,

    settings: (async (req, res) => {
      show(views, req, res, { page: 'settings', fragment: 'sync/panel', data: await settingsData(s, deps) });
    }) satisfies RequestHandler,

    saveSettings: (async (req, res) => {
      const b = req.body as Record<string, unknown>;
      onRefusal(res, async (err) => ({ page: 'settings', fragment: 'shops/settings', data: { ...(await settingsData(s, deps)), settings: { ...(await s.settings.get()), ...b }, error: err.message } }));
      const { _csrf: _c, ...fields } = b;
      const input = parse(settingsSchema, {
        ...fields, receiptWidthMm: formNumber(b.receiptWidthMm), cashRounding: formNumber(b.cashRounding),
        discountLimitPct: formNumber(b.discountLimitPct), varianceCommentOver: formNumber(b.varianceCommentOver),
        returnApprovalOver: formNumber(b.returnApprovalOver), returnApprovalAfterDays: formNumber(b.returnApprovalAfterDays),
        cashOutApprovalOver: formNumber(b.cashOutApprovalOver),
        // A checkbox sends nothing unchecked: the hidden 0 before it says so; the categories are one per line.
        allowAdvance: b.allowAdvance === undefined ? undefined : [b.allowAdvance].flat().includes('1'),
        expenseCategories: typeof b.expenseCategories === 'string' ? b.expenseCategories.split(/\r?\n/).map((c) => c.trim()).filter(Boolean) : undefined,
      });
      await s.settings.update(input);
      show(views, req, res, { page: 'settings', fragment: 'shops/settings', data: { ...(await settingsData(s, deps)), saved: true } });
    }) satisfies RequestHandler,
  };
}

/** Today by hour against the same weekday's average, and the week: drawn on the shop itself (no internet at a till). */
async function dashboardCharts(s: Services) {
  // Plot, d3 and linkedom are loaded at the first Tableau de bord (≈ 8 MB of heap), not by every till's process at start.
  const { barsChart, hoursAgainstAverageChart } = await import('../web/charts.js');
  const d = await s.reports.today();
  // The hours the shop sold in (today or the same weekdays), 8 h to 20 h at least: a pharmacy on night duty shows its night.
  const busy = d.hours.filter((h) => h.today > 0 || h.average > 0).map((h) => h.hour);
  const [first, last] = [Math.min(8, ...busy), Math.max(20, ...busy)];
  return {
    hours: hoursAgainstAverageChart(d.hours.filter((h) => h.hour >= first && h.hour <= last).map((h) => ({ label: String(h.hour), today: h.today, average: h.average })), t('chart.shop_hours_title')),
    week: barsChart(d.week.map((w) => ({ label: formatDateFr(w.day).slice(0, 5), value: w.total })), t('chart.shop_week_title')),
  };
}
