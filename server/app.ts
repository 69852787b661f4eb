import express, { type Express } from 'express';
import { shopApi } from './api-routes.js';
import type { Deps, ShopContext } from './context.js';
import type { Role } from './config.js';
import { errorHandler, notFoundHandler, requestId, requestLog } from './http/errors.js';
import { securityHeaders, transportSecurity } from './http/headers.js';
import type { InFlight } from './http/in-flight.js';
import { refuseUnstorableText } from './http/text.js';
import { warnUntrustedForwarding } from './http/forwarded.js';
import { hqApi } from './hq/routes.js';
import { hqService } from './hq/service.js';
import { loadSession, sameOrigin, STAFF_COOKIE } from './http/session.js';
import { createServices, type Services } from './services.js';
import { assetRoutes, hqPageRoutes, shopPages } from './page-routes.js';
import { headOffice } from './hq/office.js';
import { hqPages } from './hq/pages.js';
import { ownerReports } from './reports/office.js';
import { reportPages } from './reports/pages.js';
import { reportsApi } from './reports/routes.js';
import { monthlyArchive } from './reports/monthly.js';
import { accessPages } from './hq/access-pages.js';
import { staffPages } from './hq/staff-pages.js';
import { heldPages } from './hq/held-pages.js';
import { purchasingHqPages } from './purchasing/hq-pages.js';
import { expensesHqPages } from './expenses/hq-pages.js';
import { requisitionsHqPages } from './requisitions/hq-pages.js';
import { requisitionsAtHq } from './requisitions/service.js';
import { expensesAtHq } from './expenses/service.js';
import { purchasingAtHq } from './purchasing/service.js';
import { securityService, tokenThrottle } from './security/service.js';
import { staffService } from './staff/service.js';
import { hqPageContext } from './web/context.js';
import { pageErrorHandler, renderErrorPage } from './web/errors.js';
import { loadViews } from './web/views.js';

export type AppOptions = Omit<Deps, 'shop'> & {
  role: Role;
  shop?: ShopContext;
  services?: Services;
  /** Head office: the administration token's hash. */
  hqAdminTokenHash?: string;
  /** Head office: the time zone its pages show times and default periods in. */
  timezone?: string;
  /** PUBLIC_URL: https:// means every request came over TLS (cookies Secure, HSTS). */
  publicUrl?: string | undefined;
  /** Counts requests under way, for a shutdown that waits for them. */
  inFlight?: InFlight;
  /** Which proxies' X-Forwarded-For to believe (config TRUST_PROXY); none unless configured. */
  trustProxy?: string | false;
};

/** Builds the Express app for a role; main.ts listens, tests hand it to supertest. */
export function createApp(opts: AppOptions): { app: Express; services: Services | undefined } {
  const shop = opts.shop;
  const services = opts.services ?? (shop ? createServices({ ...opts, shop }) : undefined);
  const views = loadViews();
  const app = express();
  app.disable('x-powered-by');
  // A forwarded address is believed only from a configured proxy: otherwise anyone could pick the address their guesses count under.
  app.set('trust proxy', opts.trustProxy ?? false);
  app.use(requestId, requestLog(opts.logger.child({ component: 'http' })));
  app.use(warnUntrustedForwarding(!!opts.trustProxy, opts.logger.child({ component: 'http' })));
  if (opts.inFlight) app.use(opts.inFlight.track);
  // What every answer allows a browser (CSP, framing, sniffing, referrers), and whether it came over TLS (a trusted proxy's X-Forwarded-Proto too).
  app.use(securityHeaders, transportSecurity(opts.publicUrl));

  app.get('/healthz', async (_req, res) => {
    await opts.db.one('select 1');
    res.json({ status: 'ok', role: opts.role, shop: shop?.code, time: new Date().toISOString() });
  });

  if (opts.role === 'shop' && services && shop) {
    app.use('/api', express.json({ limit: '256kb' }), refuseUnstorableText, sameOrigin, loadSession(services.users.userOfSession), shopApi(services));
    app.use('/assets', assetRoutes());
    // Browsers ask for it on every page: the icon, not a 404.
    app.get('/favicon.ico', (_req, res) => res.redirect(301, '/assets/favicon.svg'));
    app.use(sameOrigin, loadSession(services.users.userOfSession), shopPages(services, views, { db: opts.db, shop, now: opts.now }));
    app.use(pageErrorHandler(views));
    app.use(notFoundHandler);
    app.use(errorHandler(opts.logger.child({ component: 'http' }), renderErrorPage(views)));
    return { app, services };
  }
  if (opts.role === 'hq' && opts.hqAdminTokenHash) {
    const tokens = tokenThrottle(securityService(opts));
    const hq = hqService(opts);
    const timezone = opts.timezone ?? 'UTC';
    // Reports find shops through head office's own use cases.
    const reports = ownerReports({ ...opts, timezone, shops: { byCode: hq.shopByCode, all: hq.shopList } });
    const archive = monthlyArchive({ ...opts, reports });
    // The limit counts inflated bytes (gzip bombs included): a shop's push is at most 768 KB of JSON before gzip, 256 KB after (server/sync/service.ts).
    app.use('/api', express.json({ limit: '1mb', inflate: true }), refuseUnstorableText, hqApi(hq, opts.hqAdminTokenHash, tokens), reportsApi(reports, archive, opts.hqAdminTokenHash, tokens));
    const staff = staffService({ db: opts.db, now: opts.now, logger: opts.logger });
    const office = headOffice({ ...opts, timezone });
    const pages = hqPages(office, staff, views, timezone);
    app.use('/assets', assetRoutes());
    app.get('/favicon.ico', (_req, res) => res.redirect(301, '/assets/favicon.svg'));
    app.use(sameOrigin, loadSession(staff.userOfSession, STAFF_COOKIE), hqPageRoutes(pages, hqPageContext(timezone), accessPages(office, staff, views), reportPages(reports, archive, views, office.shopChoices), staffPages(hq.staff, office.shopChoices, views, timezone),
      purchasingHqPages(purchasingAtHq({ db: opts.db, now: opts.now, timezone }), office.shopChoices, views, hq.suppliers),
      expensesHqPages(expensesAtHq({ db: opts.db }), office.shopChoices, views, { now: opts.now, timezone }), heldPages(hq.heldValues, views, timezone),
      requisitionsHqPages(requisitionsAtHq({ db: opts.db }), office.shopChoices, views)));
    app.use(pageErrorHandler(views));
    app.use(notFoundHandler);
    app.use(errorHandler(opts.logger.child({ component: 'http' }), renderErrorPage(views)));
    return { app, services };
  }

  app.use(notFoundHandler);
  app.use(errorHandler(opts.logger.child({ component: 'http' })));
  return { app, services };
}
