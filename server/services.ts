import { catalogService } from './catalog/service.js';
import type { Deps } from './context.js';
import { receiptsService } from './receipts/service.js';
import { salesService } from './sales/service.js';
import { settingsService } from './shops/service.js';
import { stockService } from './stock/service.js';
import { nightlyService } from './sync/nightly.js';
import { syncService } from './sync/service.js';
import { tillService } from './till/service.js';
import { usersService } from './users/service.js';

export function createServices(deps: Deps) {
  const catalog = catalogService(deps);
  const sales = salesService(deps);
  const sync = syncService(deps, sales);
  return {
    catalog,
    stock: stockService(deps),
    sales,
    till: tillService(deps, catalog, sales),
    users: usersService(deps),
    sync,
    nightly: nightlyService(deps, sync),
    receipts: receiptsService(deps),
    settings: settingsService(deps),
  };
}

export type Services = ReturnType<typeof createServices>;
