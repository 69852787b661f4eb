import type { Server } from 'node:http';
import { startJobs } from '../jobs/index.js';
import { createApp } from './app.js';
import { ConfigError, loadConfig, type Role } from './config.js';
import { openDatabase } from './db/open.js';
import { migrate } from './db/migrate.js';
import { createDb } from './db/pool.js';
import { createLogger, type Logger } from './logger.js';
import { ensureShop } from './shops/service.js';
import { initClock } from './sync/clock.js';
import { usersService } from './users/service.js';

type Step = { name: string; run: () => Promise<void> };

/** Each part of the boot registers how to undo itself; shutdown runs them in reverse. */
class Shutdown {
  private steps: Step[] = [];
  private running: Promise<void> | undefined;
  constructor(private logger: Logger) {}
  add(name: string, run: () => Promise<void>) {
    this.steps.push({ name, run });
  }
  run(): Promise<void> {
    this.running ??= (async () => {
      for (const step of this.steps.reverse()) {
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

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
    // In-flight requests get ten seconds; a till holding a socket open does not keep us up.
    setTimeout(() => server.closeAllConnections(), 10_000).unref();
  });
}

function roleFromArgs(argv: string[]): Role {
  return argv.includes('--hq') || argv.includes('hq') ? 'hq' : 'shop';
}

async function main(): Promise<void> {
  const role = roleFromArgs(process.argv.slice(2));
  const config = loadConfig(role);
  const logger = createLogger(config.logLevel);
  const shutdown = new Shutdown(logger);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    void shutdown.run().then(() => process.exit(0));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  try {
    const database = await openDatabase(config, logger);
    shutdown.add('database', database.stop);
    await migrate(database.connectionString, logger.child({ component: 'migrate' }));
    const db = createDb({ connectionString: database.connectionString, logger: logger.child({ component: 'db' }) });
    shutdown.add('pool', db.close);

    await initClock(db, role === 'shop' ? config.shopCode : 'HQ');
    const shop =
      role === 'shop' ? await ensureShop(db, { code: config.shopCode, name: config.shopName, timezone: config.timezone }) : undefined;
    const now = () => new Date();
    if (shop) {
      const first = await usersService({ db, logger, shop, now }).ensureFirstManager(config.adminPin);
      if (first.generatedPin) {
        // Shown once on the operator's terminal, never written to the log.
        process.stdout.write(
          `\n  Premier responsable créé. Code PIN : ${first.generatedPin}\n  (notez-le : il ne sera plus affiché)\n\n`,
        );
      }
    }

    const jobs = await startJobs(database.connectionString, logger.child({ component: 'jobs' }));
    shutdown.add('jobs', jobs.stop);

    const { app } = createApp({ role, db, logger, now, ...(shop ? { shop } : {}) });
    const server = app.listen(config.port);
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', reject);
    });
    shutdown.add('http', () => closeServer(server));
    logger.info({ role, port: config.port, shop: shop?.code, embeddedDatabase: database.embedded }, `Comptoir ${role} listening on http://localhost:${config.port}`);
  } catch (err) {
    if (err instanceof ConfigError) process.stderr.write(`${err.message}\n`);
    else logger.fatal({ err }, 'start failed');
    await shutdown.run();
    process.exit(1);
  }
}

await main();
