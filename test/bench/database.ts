/**
 * A migrated database for a benchmark: an embedded PostgreSQL in a fresh
 * temporary folder (or TEST_DATABASE_URL), dropped with its folder at the end.
 * With `keepDir`, the cluster lives in that folder and is left there at the
 * end, so a bench whose data takes minutes to generate can be run again over
 * it (the bench decides whether what it finds is complete; the migrations run
 * again, as on an upgraded head office).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDb, type Db } from '../../server/db/pool.js';
import { startEmbeddedPostgres } from '../../server/db/embedded.js';
import { migrate } from '../../server/db/migrate.js';
import type { Logger } from '../../server/logger.js';
import { initClock } from '../../server/outbox/clock.js';
import { createServices } from '../../server/services.js';
import { ensureShop } from '../../server/shops/service.js';
import { freePort } from '../support/process.js';

export async function benchDatabase(
  name: string, logger: Logger, opts: { keepDir?: string } = {},
): Promise<{ db: Db; url: string; kept: boolean; stop(opts?: { remove?: boolean }): Promise<void> }> {
  const kept = opts.keepDir !== undefined;
  const dir = kept ? path.resolve(opts.keepDir!) : fs.mkdtempSync(path.join(os.tmpdir(), `comptoir-bench-${name}-`));
  fs.mkdirSync(dir, { recursive: true });
  fs.chmodSync(dir, 0o755); // the embedded PostgreSQL runs as `postgres` when we are root
  const external = process.env.TEST_DATABASE_URL;
  const pg = external ? undefined : await startEmbeddedPostgres({ dataDir: dir, port: await freePort(), database: 'bench', logger });
  const url = external ?? pg!.connectionString;
  await migrate(url, logger);
  const db = createDb({ connectionString: url, logger });
  return {
    db, url, kept,
    async stop({ remove = !kept } = {}) {
      await db.close();
      await pg?.stop();
      if (remove) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The manager's PIN of every bench shop. */
export const BENCH_MANAGER_PIN = '987654';

/** A shop on the bench's database: its clock, its row, its services, and a manager to act as. */
export async function benchShop(db: Db, logger: Logger, code: string) {
  await initClock(db, code);
  const shop = await ensureShop(db, { code, name: `Bench ${code}`, timezone: 'Africa/Dakar' });
  const services = createServices({ db, logger, shop, now: () => new Date() });
  const manager = await services.users.createUser({ name: 'Responsable', role: 'manager', pin: BENCH_MANAGER_PIN });
  return { shop, services, actor: { id: manager.id, name: manager.name, role: 'manager' as const } };
}
