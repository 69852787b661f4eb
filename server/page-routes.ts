import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { Router, type RequestHandler } from 'express';
type HqPages = ReturnType<typeof import('./hq/pages.js').hqPages>;
type AccessPages = ReturnType<typeof import('./hq/access-pages.js').accessPages>;
type StaffPages = ReturnType<typeof import('./hq/staff-pages.js').staffPages>;
type HeldPages = ReturnType<typeof import('./hq/held-pages.js').heldPages>;
type PurchasingHqPages = ReturnType<typeof import('./purchasing/hq-pages.js').purchasingHqPages>;
type ExpensesHqPages = ReturnType<typeof import('./expenses/hq-pages.js').expensesHqPages>;
type ReportPages = ReturnType<typeof import('./reports/pages.js').reportPages>;
import type { ShopContext } from './context.js';
import type { Db } from './db/pool.js';
import { READ_RULES } from './domain/roles.js';
import { requireRole } from './http/session.js';
import { refuseUnstorableText } from './http/text.js';
import type { Services } from './services.js';
import { checkCsrf, htmxVersion, pageContext, requirePageUser, wsVersion } from './web/context.js';
import { accountPages } from './accounts/pages.js';
import { cashPages } from './cash/pages.js';
import { expensePages } from './expenses/pages.js';
import { catalogPages } from './catalog/pages.js';
import { salesPages } from './sales/pages.js';
import { purchasingPages } from './purchasing/pages.js';
import { returnPages } from './sales/return-pages.js';
import { settingsPages } from './shops/pages.js';
import { stockPages } from './stock/pages.js';
import { supplierPages } from './suppliers/pages.js';
import { stocktakesPages } from './stocktakes/pages.js';
import { transfersPages } from './transfers/pages.js';
import type { RequisitionsHqPages } from './requisitions/hq-pages.js';
import { conflictPages, syncNowPage } from './sync/pages.js';
import { tillPages } from './till/pages.js';
import { userPages } from './users/pages.js';
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
  const auth = userPages(s, views, deps);
  const till = tillPages(s, views);
  const cash = cashPages(s, views);
  const returns = returnPages(s, views);
  const sales = salesPages(s, views, deps);
  const stock = stockPages(s, views, deps);
  const transfers = transfersPages(s, views);
  const stocktakes = stocktakesPages(s, views);
  const catalog = catalogPages(s, views, deps);
  const settings = settingsPages(s, views, deps);
  const sync = syncNowPage(s, views, deps);
  const conflicts = conflictPages(s.sync, views);
  const customers = accountPages(s, views, deps);
  const expenses = expensePages(s, views, deps);
  const suppliers = supplierPages(s, views);
  const { orders, deliveries, returns: supplierReturns } = purchasingPages(s, views, deps);
  const manager = requireRole('manager');
  const pharmacist = requireRole('pharmacist');

  const r = Router();
  r.use(express.urlencoded({ extended: false, limit: '64kb' }), refuseUnstorableText, checkCsrf, pageContext(s, deps.shop));
  r.get('/connexion', auth.page);
  r.post('/connexion', auth.login);
  r.get('/connexion/code', auth.codePage);
  r.post('/connexion/code', auth.codeLogin);
  r.post('/deconnexion', auth.logout);
  r.use(requirePageUser);
  r.get('/', (_req, res) => res.redirect(303, '/caisse'));

  r.get('/caisse', till.page);
  r.get('/caisse/recherche', till.search);
  r.get('/caisse/clients', till.customers);
  r.post('/caisse/scan', till.scan);
  r.get('/caisse/panier', till.cart);
  r.post('/caisse/panier', till.add);
  r.post('/caisse/panier/:lineId', till.setQuantity);
  r.post('/caisse/panier/:lineId/supprimer', till.remove);
  r.post('/caisse/panier/:lineId/remise', till.discount);
  r.post('/caisse/panier/:lineId/conditionnement', till.setPack);
  r.post('/caisse/vider', till.clear);
  r.post('/caisse/payer', till.pay);

  r.get('/caisse/session', cash.current);
  r.post('/caisse/session/ouvrir', cash.open);
  r.get('/caisse/session/:id', cash.one);
  r.post('/caisse/session/:id/mouvement', cash.move);
  r.post('/caisse/session/:id/cloturer', cash.close);

  r.get('/retours', returns.page);
  r.post('/retours/:id', returns.record);

  r.get('/ventes', sales.sales);
  r.post('/ventes/:id/annuler', manager, sales.voidSale);

  r.get('/stock', stock.stock);
  r.post('/stock/reception/ligne', manager, stock.receptionRow);
  r.post('/stock/reception', manager, stock.receive);
  r.post('/stock/lots/:id/mouvement', manager, stock.movement);

  r.get('/transferts', transfers.page);
  r.post('/transferts', pharmacist, transfers.create);
  r.post('/transferts/:id/expedier', pharmacist, transfers.ship);
  r.post('/transferts/:id/annuler', manager, transfers.cancel);
  r.post('/transferts/:id/reception', pharmacist, transfers.receive);
  r.post('/transferts/demandes', pharmacist, transfers.ask);
  r.post('/transferts/demandes/:id/repondre', pharmacist, transfers.answer);
  r.post('/transferts/demandes/:id/annuler', pharmacist, transfers.cancelRequisition);

  r.get('/inventaires', stocktakes.page);
  r.post('/inventaires', manager, stocktakes.open);
  r.post('/inventaires/zones', pharmacist, stocktakes.shelve);
  r.post('/inventaires/:id/comptage', stocktakes.count);
  r.post('/inventaires/:id/cloturer', manager, stocktakes.finalise);
  r.post('/inventaires/:id/annuler', manager, stocktakes.cancel);

  r.get('/produits', catalog.products);
  r.post('/produits', pharmacist, catalog.createProduct);
  r.post('/produits/:id', manager, catalog.updatePrice);
  r.post('/produits/:id/conditionnements', pharmacist, catalog.addPack);
  r.post('/produits/:id/conditionnements/:packId', manager, catalog.updatePack);

  r.get('/clients', customers.list);
  r.post('/clients', customers.create);
  r.get('/clients/:id', customers.one);
  r.post('/clients/:id', manager, customers.update);
  r.post('/clients/:id/reglement', customers.pay);
  r.post('/clients/:id/perte', manager, customers.writeOff);

  r.get('/depenses', expenses.page);
  r.post('/depenses', expenses.record);
  r.get('/depenses/export.csv', expenses.csv);
  r.post('/depenses/:id/annuler', manager, expenses.cancel);
  // Purchasing: pharmacists and managers order, receive and send back (the same rule as the API's).
  r.get('/fournisseurs', pharmacist, suppliers.list);
  r.post('/fournisseurs', pharmacist, suppliers.create);
  r.get('/fournisseurs/:id', pharmacist, suppliers.one);
  r.post('/fournisseurs/:id', pharmacist, suppliers.update);
  r.post('/fournisseurs/:id/produits', pharmacist, suppliers.link);
  r.get('/commandes', pharmacist, orders.list);
  r.get('/commandes/suggestions', pharmacist, orders.suggestions);
  r.post('/commandes', pharmacist, orders.create);
  r.get('/commandes/:id', pharmacist, orders.one);
  r.post('/commandes/:id/lignes', pharmacist, orders.update);
  r.post('/commandes/:id/envoyer', pharmacist, orders.act('send'));
  r.post('/commandes/:id/annuler', pharmacist, orders.act('cancel'));
  r.get('/receptions', pharmacist, deliveries.list);
  r.post('/receptions', pharmacist, deliveries.create);
  r.get('/receptions/:id', pharmacist, deliveries.one);
  r.post('/receptions/:id/entete', pharmacist, deliveries.header);
  r.post('/receptions/:id/scan', pharmacist, deliveries.scan);
  r.get('/receptions/:id/conditionnements', pharmacist, deliveries.packs);
  r.post('/receptions/:id/lignes', pharmacist, deliveries.addLine);
  r.post('/receptions/:id/lignes/:lineId/supprimer', pharmacist, deliveries.removeLine);
  r.post('/receptions/:id/valider', pharmacist, deliveries.validate);
  r.get('/retours-fournisseur', pharmacist, supplierReturns.list);
  r.post('/retours-fournisseur', pharmacist, supplierReturns.create);
  r.post('/retours-fournisseur/rappel', pharmacist, supplierReturns.recalledLot);
  r.get('/retours-fournisseur/:id', pharmacist, supplierReturns.one);
  r.post('/retours-fournisseur/:id/valider', pharmacist, supplierReturns.act('validate'));
  r.post('/retours-fournisseur/:id/avoir', pharmacist, supplierReturns.act('credit'));
  r.post('/retours-fournisseur/:id/litige', pharmacist, supplierReturns.act('dispute'));

  r.get('/tableau-de-bord', settings.dashboard);

  r.get('/parametres', settings.settings);
  r.post('/parametres/boutique', manager, settings.saveSettings);
  r.post('/parametres/utilisateurs', manager, auth.addUser);
  r.post('/parametres/utilisateurs/:id/pin', manager, auth.setPin);
  r.post('/parametres/actualiser', sync.syncNow('pull'));
  r.post('/parametres/synchroniser', sync.syncNow('run'));
  // Who reads the conflict log is one rule for this page and GET /api/conflicts (domain/roles.ts).
  r.get('/parametres/conflits', requireRole(READ_RULES.conflicts), conflicts.list);
  r.post('/parametres/conflits/revus', manager, conflicts.review);
  return r;
}

/** Head office's pages (French URLs); `lecture` reads everything, only `admin` changes anything. */
export function hqPageRoutes(pages: HqPages, hqContext: RequestHandler, access: AccessPages, reports: ReportPages, personnel: StaffPages, purchasing: PurchasingHqPages, expenses?: ExpensesHqPages, held?: HeldPages, requisitions?: RequisitionsHqPages): Router {
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
  r.post('/boutiques/:code/retenues/:id/accepter', admin, pages.decideHeld('release'));
  r.post('/boutiques/:code/retenues/:id/ecarter', admin, pages.decideHeld('discard'));
  r.post('/boutiques/:code/clients/:id/plafond', admin, pages.customerLimit);

  r.get('/ventes', pages.takings);
  r.get('/ventes/export.csv', pages.takingsCsv);
  r.get('/ventes/export.xlsx', pages.takingsCsv);
  r.get('/ventes/vente/:id', pages.sale);
  r.get('/ventes/:code/journal.csv', reports.journal);
  r.get('/ventes/:code/journal.xlsx', reports.journal);
  r.get('/ventes/:code/:day', pages.salesOfDay);

  r.get('/peremptions', pages.expiring);
  r.get('/peremptions/export.csv', pages.expiringCsv);
  r.get('/peremptions/export.xlsx', pages.expiringCsv);

  r.get('/tableau-de-bord', reports.dashboard);
  r.get('/marges', reports.margins);
  r.get('/marges/export.csv', reports.marginsExport);
  r.get('/marges/export.xlsx', reports.marginsExport);
  r.get('/stock-a-risque', reports.risk);
  r.get('/rapports/mensuel.pdf', reports.monthly);
  r.get('/rapports/archives/:code/:mois.pdf', reports.kept);
  r.get('/valeur-stock', reports.valuation);
  r.get('/valeur-stock/export.csv', reports.valuationExport);
  r.get('/valeur-stock/export.xlsx', reports.valuationExport);

  r.get('/rappels', pages.recalls);
  r.get('/rappels/liste', pages.recallList);
  r.post('/rappels', admin, pages.recall);

  r.get('/catalogue', pages.catalog);
  r.post('/catalogue', admin, pages.createProduct);
  r.post('/catalogue/:id', admin, pages.updateProduct);
  r.post('/catalogue/:id/conditionnements', admin, pages.addPack);
  r.post('/catalogue/:id/conditionnements/:packId', admin, pages.updatePack);
  r.post('/catalogue/propositions/:id/accepter', admin, pages.decideProposal('accept'));
  r.post('/catalogue/propositions/:id/refuser', admin, pages.decideProposal('refuse'));

  r.get('/conflits', pages.conflicts);
  r.post('/conflits/revus', admin, pages.review);

  // Hardening II: head office's own accounts and sessions, a shop's token.
  r.get('/comptes', admin, access.accounts);
  r.post('/comptes', admin, access.addAccount);
  r.post('/comptes/sessions/:id/terminer', admin, access.endSession);
  r.post('/comptes/:login/desactiver', admin, access.setActive(false));
  r.post('/comptes/:login/activer', admin, access.setActive(true));
  r.post('/comptes/:login/mot-de-passe', admin, access.changePassword);
  r.post('/boutiques/:code/jeton', admin, access.rotateToken);

  // Issue 24: every shop's people, kept at head office (never a PIN).
  r.get('/personnel', personnel.list);
  r.post('/personnel', admin, personnel.add);
  r.post('/personnel/:id/desactiver', admin, personnel.deactivate);
  r.post('/personnel/:id/modifier', admin, personnel.change);
  r.post('/personnel/:id/code', admin, personnel.firstPinCode);
  // Values held for a far-future clock: read by all, decided by an admin.
  if (held) {
    r.get('/valeurs-retenues', held.list);
    r.post('/valeurs-retenues/:id/accepter', admin, held.accept);
    r.post('/valeurs-retenues/:id/ecarter', admin, held.discard);
  }

  // Issue 21: every shop's orders, deliveries and pending supplier credits, read-only.
  r.get('/achats', purchasing.page);
  r.get('/achats/fournisseurs', purchasing.suppliers.list);
  r.post('/achats/fournisseurs', admin, purchasing.suppliers.create);
  r.get('/achats/fournisseurs/:id', purchasing.suppliers.one);
  r.post('/achats/fournisseurs/:id', admin, purchasing.suppliers.update);
  for (const [path, kind] of [['commandes', 'orders'], ['receptions', 'deliveries'], ['avoirs', 'credits'], ['par-fournisseur', 'by_supplier']] as const) {
    r.get(`/achats/${path}.csv`, purchasing.export(kind));
    r.get(`/achats/${path}.xlsx`, purchasing.export(kind));
  }

  // Issue 22: every shop's expenses per shop, category and month, read-only.
  if (expenses) {
    r.get('/depenses', expenses.page);
    for (const [path, kind] of [['par-mois', 'totals'], ['liste', 'list']] as const) {
      r.get(`/depenses/${path}.csv`, expenses.export(kind));
      r.get(`/depenses/${path}.xlsx`, expenses.export(kind));
    }
  }
  // Issue 23: every shop's requisitions, read-only.
  if (requisitions) r.get('/demandes', requisitions.page);
  return r;
}
