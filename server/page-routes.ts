import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { Router, type RequestHandler } from 'express';
type HqPages = ReturnType<typeof import('./hq/pages.js').hqPages>;
import type { ShopContext } from './context.js';
import type { Db } from './db/pool.js';
import { requireRole } from './http/session.js';
import { refuseUnstorableText } from './http/text.js';
import type { Services } from './services.js';
import { checkCsrf, htmxVersion, pageContext, requirePageUser, wsVersion } from './web/context.js';
import { authPages } from './web/pages/auth.js';
import { backOfficePages } from './web/pages/back-office.js';
import { tillPages } from './web/pages/till.js';
import { conflictPages } from './sync/pages.js';
import type { Views } from './web/views.js';

const require = createRequire(import.meta.url);
const assetsDir = fileURLToPath(new URL('../views/assets/', import.meta.url));

/** Static files: htmx from the installed packages, versioned in the URL so tills cache them for good. */
export function assetRoutes(): Router {
  const r = Router();
  const forever = { maxAge: '365d', immutable: true };
  r.get(`/htmx-${htmxVersion}.min.js`, (_req, res) => res.sendFile(require.resolve('htmx.org/dist/htmx.min.js'), forever));
  r.get(`/htmx-ext-ws-${wsVersion}.min.js`, (_req, res) => res.sendFile(path.join(path.dirname(require.resolve('htmx-ext-ws/package.json')), 'dist/ws.min.js'), forever));
  r.use(express.static(assetsDir, { maxAge: '1h' }));
  return r;
}

/** The shop's pages (French URLs), one line a route. */
export function shopPages(s: Services, views: Views, deps: { db: Db; shop: ShopContext; now: () => Date }): Router {
  const auth = authPages(s, views);
  const till = tillPages(s, views);
  const bo = backOfficePages(s, views, deps);
  const conflicts = conflictPages(s.sync, views);
  const manager = requireRole('manager');
  const pharmacist = requireRole('pharmacist');

  const r = Router();
  r.use(express.urlencoded({ extended: false, limit: '64kb' }), refuseUnstorableText, checkCsrf, pageContext(s, deps.shop));
  r.get('/connexion', auth.page);
  r.post('/connexion', auth.login);
  r.post('/deconnexion', auth.logout);
  r.use(requirePageUser);
  r.get('/', (_req, res) => res.redirect(303, '/caisse'));

  r.get('/caisse', till.page);
  r.get('/caisse/recherche', till.search);
  r.post('/caisse/scan', till.scan);
  r.get('/caisse/panier', till.cart);
  r.post('/caisse/panier', till.add);
  r.post('/caisse/panier/:lineId', till.setQuantity);
  r.post('/caisse/panier/:lineId/supprimer', till.remove);
  r.post('/caisse/vider', till.clear);
  r.post('/caisse/payer', till.pay);

  r.get('/ventes', bo.sales);
  r.post('/ventes/:id/annuler', manager, bo.voidSale);

  r.get('/stock', bo.stock);
  r.post('/stock/reception/ligne', manager, bo.receptionRow);
  r.post('/stock/reception', manager, bo.receive);
  r.post('/stock/lots/:id/mouvement', manager, bo.movement);

  r.get('/produits', bo.products);
  r.post('/produits', pharmacist, bo.createProduct);
  r.post('/produits/:id', manager, bo.updatePrice);

  r.get('/tableau-de-bord', bo.dashboard);

  r.get('/parametres', bo.settings);
  r.post('/parametres/boutique', manager, bo.saveSettings);
  r.post('/parametres/utilisateurs', manager, bo.addUser);
  r.post('/parametres/actualiser', bo.syncNow('pull'));
  r.post('/parametres/synchroniser', bo.syncNow('run'));
  r.get('/parametres/conflits', conflicts.list);
  r.post('/parametres/conflits/revus', manager, conflicts.review);
  return r;
}

/** Head office's pages (French URLs); `lecture` reads everything, only `admin` changes anything. */
export function hqPageRoutes(pages: HqPages, hqContext: RequestHandler): Router {
  const admin = requireRole('admin');
  const r = Router();
  r.use(express.urlencoded({ extended: false, limit: '64kb' }), refuseUnstorableText, checkCsrf, hqContext);
  r.get('/connexion', pages.login.page);
  r.post('/connexion', pages.login.submit);
  r.post('/deconnexion', pages.login.logout);
  r.use(requirePageUser);
  r.get('/', (_req, res) => res.redirect(303, '/boutiques'));

  r.get('/boutiques', pages.shops);
  r.get('/boutiques/:code', pages.shop);

  r.get('/ventes', pages.takings);
  r.get('/ventes/export.csv', pages.takingsCsv);
  r.get('/ventes/vente/:id', pages.sale);
  r.get('/ventes/:code/:day', pages.salesOfDay);

  r.get('/peremptions', pages.expiring);
  r.get('/peremptions/export.csv', pages.expiringCsv);

  r.get('/rappels', pages.recalls);
  r.post('/rappels', admin, pages.recall);

  r.get('/catalogue', pages.catalog);
  r.post('/catalogue', admin, pages.createProduct);
  r.post('/catalogue/:id', admin, pages.updateProduct);

  r.get('/conflits', pages.conflicts);
  r.post('/conflits/revus', admin, pages.review);
  return r;
}
