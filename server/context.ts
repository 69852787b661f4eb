import type { Db } from './db/pool.js';
import type { ChangeBus } from './events.js';
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
  /** Told after each committed change; optional so a script can run services alone. */
  bus?: ChangeBus;
  /** pg-boss, for work sent in a transaction (attached once jobs start). */
  jobs?: import('./job-queue.js').JobQueue;
  /** Head office, when this shop syncs with one. */
  hq?: { url: string; token: string };
}

/** Who is acting, as the services need it. */
export interface Actor {
  id: string;
  name: string;
  role: import('./domain/roles.js').UserRole | import('./domain/roles.js').StaffRole;
}
