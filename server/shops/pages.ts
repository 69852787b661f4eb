import type { RequestHandler } from 'express';
import { backupReport } from '../ops/service.js';
import { formNumber, parse } from '../http/validate.js';
import { t } from '../i18n/fr.js';
import type { Services } from '../services.js';
import { settingsSchema } from './schemas.js';
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
      });
      await s.settings.update(input);
      show(views, req, res, { page: 'settings', fragment: 'shops/settings', data: { ...(await settingsData(s, deps)), saved: true } });
    }) satisfies RequestHandler,
  };
}
