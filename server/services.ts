import { cashService } from './cash/service.js';
import { catalogService } from './catalog/service.js';
import type { Deps } from './context.js';
import { receiptsService } from './receipts/service.js';
import { returnsService } from './sales/returns.js';
import { salesService } from './sales/service.js';
import { settingsService } from './shops/service.js';
import { stockService } from './stock/service.js';
import { nightlyService } from './sync/nightly.js';
import { syncService } from './sync/service.js';
import { tillService } from './till/service.js';
import { usersService } from './users/service.js';

export function createServices(deps: Deps) {
  const catalog = catalogService(deps);
  const users = usersService(deps);
  // Receipts read a sale through the sales service, built below and asked only later.
  const receipts = receiptsService(deps, { sale: (id) => sales.getSale(id) });
  // A session's report reads the sales and returns made in it; they are built below, and asked only later.
  const cash = cashService(
    deps,
    async (tx, sessionId) => ({ sales: await sales.ofSession(tx, sessionId), returns: await returns.ofSession(tx, sessionId), articles: await sales.articlesOfSession(tx, sessionId) }),
    () => receipts,
  );
  const seats = { openSession: cash.openSession, sessionForSale: cash.sessionForSale, sessionIsOpen: cash.sessionIsOpen, approver: users.approver };
  const sales = salesService(deps, seats);
  const returns = returnsService(deps, seats);
  const sync = syncService(deps, sales);
  return {
    catalog,
    stock: stockService(deps),
    sales,
    returns,
    cash,
    till: tillService(deps, catalog, sales),
    users,
    sync,
    nightly: nightlyService(deps, sync),
    receipts,
    settings: settingsService(deps),
  };
}

export type Services = ReturnType<typeof createServices>;
