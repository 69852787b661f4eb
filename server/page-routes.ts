import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { Router } from 'express';
import type { ShopContext } from './context.js';
import type { Db } from './db/pool.js';
import { requireRole } from './http/session.js';
import { refuseUnstorableText } from './http/text.js';
import type { Services } from './services.js';
import { checkCsrf, htmxVersion, pageContext, requirePageUser, wsVersion } from './web/context.js';
import { authPages } from './web/pages/auth.js';
import { backOfficePages } from './web/pages/back-office.js';
import { tillPages } from './web/pages/till.js';
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
  return r;
}
