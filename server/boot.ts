import fs from 'node:fs';
import type { Server } from 'node:http';
import path from 'node:path';
import { startJobs } from '../jobs/index.js';
import { monthlyArchive } from './reports/monthly.js';
import { ownerReports } from './reports/office.js';
import { JobQueue } from './job-queue.js';
import { staffService } from './staff/service.js';
import { createApp } from './app.js';
import { InFlight } from './http/in-flight.js';
import { tuneForShopLinks } from './http/server-settings.js';
import { loadConfig, type Config, type Role } from './config.js';
import type { ShopContext } from './context.js';
import { migrate } from './db/migrate.js';
import { openDatabase, type OpenedDatabase } from './db/open.js';
import { createDb, type Db } from './db/pool.js';
import { t } from './i18n/fr.js';
import { createLogger, type Logger } from './logger.js';
import { backupService } from './ops/service.js';
import { createServices, type Services } from './services.js';
import { resolveAdminToken } from './hq/admin-token.js';
import { hqService } from './hq/service.js';
import { ensureShop } from './shops/service.js';
import { ChangeBus } from './events.js';
import { attachLiveHub } from './live/hub.js';
import { loadViews } from './web/views.js';
import { currentClock, initClock } from './outbox/clock.js';

type Step = { name: string; run: () => Promise<void> };

/** Each part of the boot registers how to undo itself; shutdown runs them in reverse. */
export class Shutdown {
  private steps: Step[] = [];
  private running: Promise<void> | undefined;
  constructor(private logger: Logger) {}
  add(name: string, run: () => Promise<void>) {
    this.steps.push({ name, run });
  }
  run(): Promise<void> {
    this.running ??= (async () => {
      for (const step of [...this.steps].reverse()) {
        try {
          await step.run();
        } catch (err) {
          this.logger.error({ err, step: step.name }, 'shutdown step failed');
        }
      }
    })();
    return this.running;
  }
}

/**
 * Stops taking requests and lets those under way finish: their handlers
 * (a sale's transaction, the print it starts) end before anything below the
 * HTTP layer is stopped. A till holding a socket open does not keep us up.
 */
async function closeServer(server: Server, inFlight: InFlight): Promise<void> {
  inFlight.closing = true;
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
    setTimeout(() => server.closeAllConnections(), 10_000).unref();
  });
  await inFlight.settled(10_000);
}

function readClockFile(file: string): string | undefined {
  try {
    const value = fs.readFileSync(file, 'utf8').trim();
    return /^\d{15}:\d{6}:.+$/.test(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function writeClockFile(file: string, value: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  fs.writeFileSync(`${file}.tmp`, value, { mode: 0o600 });
  fs.renameSync(`${file}.tmp`, file);
}

export interface Booted {
  config: Config;
  database: OpenedDatabase;
  logger: Logger;
  db: Db;
  shop: ShopContext | undefined;
  services: Services | undefined;
  shutdown: Shutdown;
}

/**
 * The boot sequence, top to bottom: config → database → migrations → shop →
 * first manager → jobs → app → listen. `listen: false` stops before the HTTP
 * part (the CLI and the demo seeder use that).
 */
export async function boot(role: Role, opts: { listen?: boolean; env?: NodeJS.ProcessEnv } = {}): Promise<Booted> {
  const config = loadConfig(role, opts.env);
  const logger = createLogger(config.logLevel);
  const shutdown = new Shutdown(logger);
  try {
    const database = await openDatabase(config, logger, { shareRunning: opts.listen === false });
    shutdown.add('database', database.stop);
    await migrate(database.connectionString, logger.child({ component: 'migrate' }));
    const db = createDb({ connectionString: database.connectionString, logger: logger.child({ component: 'db' }) });
    shutdown.add('pool', db.close);

    // The shop first: a database of another shop is refused before anything (the clock's node) is written to it.
    const shop =
      role === 'shop' ? await ensureShop(db, { code: config.shopCode, name: config.shopName, timezone: config.timezone }) : undefined;
    // The clock's high-water mark also lives beside the data, so restoring an old backup cannot wind it back.
    const clockFile = path.join(config.dataDir, 'hlc');
    await initClock(db, role === 'shop' ? config.shopCode : 'HQ', readClockFile(clockFile));
    const now = () => new Date();
    const bus = new ChangeBus();
    const hq = config.hqUrl && config.hqToken ? { url: config.hqUrl, token: config.hqToken } : undefined;
    const jobQueue = new JobQueue();
    const services = shop ? createServices({ db, logger, shop, now, bus, jobs: jobQueue, ...(hq ? { hq } : {}) }) : undefined;
    const booted: Booted = { config, database, logger, db, shop, services, shutdown };
    if (opts.listen === false) return booted;

    if (services) {
      const first = await services.users.ensureFirstManager(config.adminPin);
      if (first.generatedPin) {
        // Shown once on the operator's terminal, never written to the log.
        process.stdout.write(`\n  ${t('boot.first_manager', { pin: first.generatedPin })}\n\n`);
      }
    }

    const saveClock = async () => writeClockFile(clockFile, await currentClock(db));
    const clockTimer = setInterval(() => void saveClock().catch((err: unknown) => logger.warn({ err }, 'could not save the clock')), 60_000);
    clockTimer.unref();
    shutdown.add('clock', async () => {
      clearInterval(clockTimer);
      await saveClock();
    });
    if (services) shutdown.add('receipt prints', services.receipts.close);
    const backup = shop
      ? backupService({ db, logger, connectionString: database.connectionString, dataDir: config.dataDir, shopCode: shop.code, copyDir: config.backupCopyDir, recipient: config.backupRecipient, now })
      : undefined;
    if (backup && config.backupCopyDir && !config.backupRecipient) {
      logger.warn({ copyDir: config.backupCopyDir }, 'BACKUP_COPY_DIR without BACKUP_RECIPIENT: copies to the stick are refused until backups are sealed');
    }
    const hqChecks = role === 'hq' ? hqService({ db, logger, now }) : undefined;
    const monthlyReports = hqChecks
      ? monthlyArchive({ db, logger, now, reports: ownerReports({ db, now, timezone: config.timezone, shops: { byCode: hqChecks.shopByCode, all: hqChecks.shopList } }) })
      : undefined;
    const jobs = await startJobs(database.connectionString, logger.child({ component: 'jobs' }), {
      sync: services?.sync, nightly: services?.nightly, receipts: services?.receipts, hqChecks, monthlyReports, bus, backup, timezone: config.timezone, now,
    });
    jobQueue.attach(jobs.boss);
    shutdown.add('jobs', jobs.stop);

    let hqAdminTokenHash: string | undefined;
    if (role === 'hq') {
      const admin = await resolveAdminToken(db, config.hqAdminToken);
      hqAdminTokenHash = admin.hash;
      if (admin.generated) {
        process.stdout.write(`\n  ${t('boot.admin_token', { token: admin.generated })}\n\n`);
      }
      if ((await staffService({ db, now }).count()) === 0) process.stdout.write(`\n  ${t('boot.no_staff')}\n\n`);
    }

    const inFlight = new InFlight();
    const { app } = createApp({
      inFlight, trustProxy: config.trustProxy,
      role, db, logger, now, timezone: config.timezone, ...(shop ? { shop } : {}), ...(services ? { services } : {}), ...(hqAdminTokenHash ? { hqAdminTokenHash } : {}),
      publicUrl: config.publicUrl,
    });
    const server = config.listenAddress ? app.listen(config.port, config.listenAddress) : app.listen(config.port);
    tuneForShopLinks(server);
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', reject);
    });
    shutdown.add('http', () => closeServer(server, inFlight));
    if (services && shop) {
      const hub = attachLiveHub(server, { services, views: loadViews(), bus, logger: logger.child({ component: 'live' }), timezone: shop.timezone });
      shutdown.add('live', hub.close);
    }
    logger.info(
      { role, port: config.port, address: config.listenAddress ?? 'every interface', shop: shop?.code, embeddedDatabase: database.embedded },
      `Comptoir ${role} listening on http://${config.listenAddress ?? 'localhost'}:${config.port}`,
    );
    return booted;
  } catch (err) {
    await shutdown.run();
    throw err;
  }
}
