import express, { Router } from 'express';
import { accountsRoutes } from './accounts/routes.js';
import { cashRoutes } from './cash/routes.js';
import { expensesRoutes } from './expenses/routes.js';
import { PHOTO_MAX_BYTES } from './expenses/service.js';
import { catalogRoutes } from './catalog/routes.js';
import { READ_RULES } from './domain/roles.js';
import { requireRole, requireUser } from './http/session.js';
import { receiptsRoutes } from './receipts/routes.js';
import { salesRoutes } from './sales/routes.js';
import { settingsRoutes } from './shops/routes.js';
import type { Services } from './services.js';
import { stockRoutes } from './stock/routes.js';
import { syncRoutes } from './sync/routes.js';
import { stocktakesRoutes } from './stocktakes/routes.js';
import { transfersRoutes } from './transfers/routes.js';
import { requisitionsRoutes } from './requisitions/routes.js';
import { usersRoutes } from './users/routes.js';
import { purchasingRoutes } from './purchasing/routes.js';
import { suppliersRoutes } from './suppliers/routes.js';

/** The shop's JSON API (../shared/api-contract.md), one line a route. */
export function shopApi(s: Services): Router {
  const users = usersRoutes(s.users);
  const catalog = catalogRoutes(s.catalog);
  const stock = stockRoutes(s.stock);
  const sales = salesRoutes(s.sales, s.returns, s.receipts);
  const cash = cashRoutes(s.cash);
  const receipts = receiptsRoutes(s.receipts);
  const settings = settingsRoutes(s.settings);
  const sync = syncRoutes(s.sync);
  const accounts = accountsRoutes(s.accounts);
  const expenses = expensesRoutes(s.expenses);
  const suppliers = suppliersRoutes(s.suppliers);
  const purchasing = purchasingRoutes(s.purchaseOrders, s.deliveries, s.supplierReturns);
  const transfers = transfersRoutes(s.transfers);
  const requisitions = requisitionsRoutes(s.requisitions);
  const stocktakes = stocktakesRoutes(s.stocktakes);
  const manager = requireRole('manager');
  const pharmacist = requireRole('pharmacist');

  const r = Router();
  r.post('/session', users.login);
  r.post('/session/first-pin', users.firstPin);
  r.delete('/session', users.logout);
  r.use(requireUser);
  r.get('/session', users.me);
  r.get('/users', manager, users.list);
  r.post('/users', manager, users.create);

  r.get('/products', catalog.search);
  r.post('/products', pharmacist, catalog.create);
  r.get('/products/:id', catalog.get);
  r.patch('/products/:id', manager, catalog.update);
  r.post('/products/:id/packs', pharmacist, catalog.addPack);
  r.patch('/products/:id/packs/:packId', manager, catalog.updatePack);
  r.get('/products/:id/batches', stock.ofProduct);

  r.post('/batches', manager, stock.receive);
  r.get('/batches/:id', stock.get);
  r.patch('/batches/:id', manager, stock.correct);
  r.post('/batches/:id/movements', manager, stock.movement);

  r.post('/sales', sales.record);
  r.get('/sales', sales.list);
  r.get('/sales/:id', sales.get);
  r.post('/sales/:id/void', manager, sales.void);
  r.get('/sales/:id/receipt.pdf', receipts.pdf);
  r.post('/sales/:id/print', receipts.print);
  r.get('/sales/:id/prints', receipts.prints);
  r.post('/sales/:id/returns', sales.returnLines);
  r.get('/sales/:id/returns', sales.returnsOf);
  r.get('/returns/:id/avoir.pdf', sales.creditNotePdf);

  r.post('/cash/sessions', cash.open);
  r.get('/cash/sessions', cash.list);
  r.get('/cash/sessions/current', cash.current);
  r.get('/cash/sessions/:id', cash.report);
  r.post('/cash/sessions/:id/movements', cash.move);
  r.post('/cash/sessions/:id/close', cash.close);
  r.get('/cash/sessions/:id/z.pdf', cash.zPdf);
  r.get('/cash/sessions/:id/x.pdf', cash.xPdf);

  r.post('/customers', accounts.create);
  r.get('/customers', accounts.search);
  r.get('/customers/receivables', accounts.receivables);
  r.get('/customers/:id', accounts.get);
  r.patch('/customers/:id', manager, accounts.update);
  r.post('/customers/:id/payments', accounts.pay);
  r.post('/customers/:id/write-offs', manager, accounts.writeOff);
  r.get('/customers/:id/statement.pdf', accounts.statement);
  r.get('/account-payments/:id/receipt.pdf', accounts.paymentReceipt);

  r.post('/expenses', expenses.create);
  r.get('/expenses', expenses.list);
  r.post('/expenses/:id/cancel', manager, expenses.cancel);
  // Any type is read (and refused as 415 unless JPEG or PNG); beyond the size, 413 before the body is kept.
  r.post('/expenses/:id/photo', express.raw({ type: () => true, limit: PHOTO_MAX_BYTES }), expenses.photo);
  r.get('/expenses/:id/photo', expenses.getPhoto);

  r.post('/transfers', pharmacist, transfers.create);
  r.get('/transfers', transfers.list);
  r.get('/transfers/:id', transfers.get);
  r.post('/transfers/:id/ship', pharmacist, transfers.ship);
  r.post('/transfers/:id/cancel', manager, transfers.cancel);
  r.post('/transfers/:id/receive', pharmacist, transfers.receive);
  r.get('/transfers/:id/note.pdf', transfers.note);
  r.post('/requisitions', pharmacist, requisitions.create);
  r.get('/requisitions', requisitions.list);
  r.get('/requisitions/:id', requisitions.get);
  r.post('/requisitions/:id/cancel', pharmacist, requisitions.cancel);
  r.post('/requisitions/:id/answer', pharmacist, requisitions.answer);

  r.post('/stocktakes', manager, stocktakes.open);
  r.get('/stocktakes', stocktakes.list);
  // Before `/stocktakes/:id`: a zone is no stocktake.
  r.get('/stocktakes/zones', stocktakes.zones);
  r.put('/products/:id/zone', pharmacist, stocktakes.setZone);
  r.get('/stocktakes/:id', stocktakes.get);
  r.post('/stocktakes/:id/counts', stocktakes.count);
  r.get('/stocktakes/:id/sheet.pdf', stocktakes.sheet);
  r.post('/stocktakes/:id/finalise', manager, stocktakes.finalise);
  r.post('/stocktakes/:id/cancel', manager, stocktakes.cancel);

  r.get('/settings', settings.get);
  r.patch('/settings', manager, settings.update);

  // Purchasing: a pharmacist orders, receives and returns; head office's suppliers are edited here only for this shop.
  r.get('/suppliers', suppliers.list);
  r.post('/suppliers', pharmacist, suppliers.create);
  r.get('/suppliers/:id', suppliers.get);
  r.patch('/suppliers/:id', pharmacist, suppliers.update);
  r.put('/suppliers/:id/products/:productId', pharmacist, suppliers.putLink);
  r.get('/purchase-orders/suggestions', pharmacist, purchasing.suggestions);
  r.get('/purchase-orders', pharmacist, purchasing.listOrders);
  r.post('/purchase-orders', pharmacist, purchasing.createOrder);
  r.get('/purchase-orders/:id/order.csv', pharmacist, purchasing.orderCsv);
  r.get('/purchase-orders/:id/order.pdf', pharmacist, purchasing.orderPdf);
  r.get('/purchase-orders/:id', pharmacist, purchasing.getOrder);
  r.patch('/purchase-orders/:id', pharmacist, purchasing.updateOrder);
  r.post('/purchase-orders/:id/send', pharmacist, purchasing.sendOrder);
  r.post('/purchase-orders/:id/cancel', pharmacist, purchasing.cancelOrder);
  r.get('/deliveries', purchasing.listDeliveries);
  r.post('/deliveries', purchasing.createDelivery);
  r.get('/deliveries/:id', purchasing.getDelivery);
  r.patch('/deliveries/:id', purchasing.updateDelivery);
  r.post('/deliveries/:id/lines', purchasing.addDeliveryLine);
  r.delete('/deliveries/:id/lines/:lineId', purchasing.removeDeliveryLine);
  r.post('/deliveries/:id/validate', pharmacist, purchasing.validateDelivery);
  r.post('/supplier-returns', pharmacist, purchasing.createReturn);
  r.post('/supplier-returns/recalled-lot', pharmacist, purchasing.returnRecalledLot);
  r.get('/supplier-returns/:id', pharmacist, purchasing.getReturn);
  r.get('/supplier-returns/:id/note.pdf', pharmacist, purchasing.returnPdf);
  r.post('/supplier-returns/:id/validate', pharmacist, purchasing.validateReturn);
  r.post('/supplier-returns/:id/credit', pharmacist, purchasing.creditReturn);
  r.post('/supplier-returns/:id/dispute', pharmacist, purchasing.disputeReturn);

  r.get('/sync/status', sync.status);
  r.post('/sync/run', sync.run);
  r.get('/sync/refused', manager, sync.refused);
  r.post('/sync/refused/retry', manager, sync.retry);
  r.post('/sync/refused/discard', manager, sync.discard);
  r.get('/conflicts', requireRole(READ_RULES.conflicts), sync.conflicts);
  return r;
}
