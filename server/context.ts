import type { Db } from './db/pool.js';
import type { Logger } from './logger.js';

/** The shop this server is, as its services see it. */
export interface ShopContext {
  id: string;
  code: string;
  name: string;
  timezone: string;
}

/** What every service is built from. `now` is injectable so tests can move time. */
export interface Deps {
  db: Db;
  logger: Logger;
  shop: ShopContext;
  now: () => Date;
}

/** Who is acting, as the services need it. */
export interface Actor {
  id: string;
  name: string;
  role: import('./domain/roles.js').UserRole;
}
