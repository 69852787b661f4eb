import { accountsService } from './accounts/service.js';
import { cashService } from './cash/service.js';
import { catalogService } from './catalog/service.js';
import type { Deps } from './context.js';
import { expensesService } from './expenses/service.js';
import { receiptsService } from './receipts/service.js';
import { reportsAtShop } from './reports/service.js';
import { returnsService } from './sales/returns.js';
import { salesService } from './sales/service.js';
import { settingsService } from './shops/service.js';
import { stockService } from './stock/service.js';
import { nightlyService } from './sync/nightly.js';
import { syncService } from './sync/service.js';
import { tillService } from './till/service.js';
import { stocktakesService } from './stocktakes/service.js';
import { transfersService } from './transfers/service.js';
import { requisitionsService } from './requisitions/service.js';
import { usersService } from './users/service.js';
import { deliveriesService } from './purchasing/deliveries.js';
import { purchaseOrdersService } from './purchasing/service.js';
import { supplierReturnsService } from './purchasing/supplier-returns.js';
import { suppliersService } from './suppliers/service.js';

export function createServices(deps: Deps) {
  const catalog = catalogService(deps);
  const users = usersService(deps);
  // Receipts read a sale through the sales service, and a credit sale's account line through accounts: both built below and asked only later.
  const receipts = receiptsService(deps, { sale: (id) => sales.getSale(id) }, (saleId) => accounts.receiptLine(saleId));
  // A session's report reads the sales and returns made in it (they are built below, and asked only later), with the
  // names of the managers who allowed a discount (users stay in their shop, so a sale keeps only the id), and what
  // its sales took per product and pack.
  const cash = cashService(
    deps,
    async (tx, sessionId) => {
      const [sold, returned, accountPayments] = [await sales.ofSession(tx, sessionId), await returns.ofSession(tx, sessionId), await accounts.ofSession(tx, sessionId)];
      const names = sold.some((s) => s.discountApprovedBy) ? new Map((await users.listUsers()).map((u) => [u.id, u.name])) : new Map<string, string>();
      return {
        sales: sold.map((s) => ({ ...s, discountApprovedByName: s.discountApprovedBy ? (names.get(s.discountApprovedBy) ?? null) : null })), returns: returned, accountPayments,
        creditApprovals: await accounts.creditApprovalsOf(tx, sessionId),
        articles: await sales.articlesOfSession(tx, sessionId),
      };
    },
    () => receipts,
    users.approver,
  );
  const accounts = accountsService(deps, { openSession: (tx, actor, terminal) => cash.openSession(tx, actor, terminal), sessionForSale: cash.sessionForSale, approver: users.approver, receipts: () => receipts });
  const seats = {
    openSession: cash.openSession, sessionForSale: cash.sessionForSale, sessionIsOpen: cash.sessionIsOpen, drawerCash: cash.drawerCash, approver: users.approver,
    holdCredit: accounts.holdCredit, recordCreditSale: accounts.recordCreditSale, saleVoiding: accounts.saleVoiding, returnCrediting: accounts.returnCrediting,
  };
  const sales = salesService(deps, seats);
  const returns = returnsService(deps, seats);
  const sync = syncService(deps, sales);
  const stock = stockService(deps);
  const settings = settingsService(deps);
  const suppliers = suppliersService(deps);
  const purchasing = { stock, suppliers, settings, catalog };
  const transfers = transfersService(deps);
  return {
    catalog,
    stock,
    sales,
    returns,
    cash,
    accounts,
    expenses: expensesService(deps, { drawerOut: cash.drawerOut, approver: users.approver }),
    till: tillService(deps, catalog, sales),
    users,
    sync,
    nightly: nightlyService(deps, sync),
    receipts,
    settings,
    suppliers,
    purchaseOrders: purchaseOrdersService(deps, purchasing),
    deliveries: deliveriesService(deps, purchasing),
    supplierReturns: supplierReturnsService(deps, purchasing),
    transfers,
    requisitions: requisitionsService(deps, transfers),
    stocktakes: stocktakesService(deps),
    reports: reportsAtShop(deps),
  };
}

export type Services = ReturnType<typeof createServices>;
