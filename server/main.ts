import { boot } from './boot.js';
import { ConfigError, type Role } from './config.js';
import { EmbeddedPostgresError } from './db/embedded.js';
import { MigrationError } from './db/migrate.js';
import { t } from './i18n/fr.js';

/** Process entry for `npm start` (shop) and `npm run hq`. */
const role: Role = process.argv.slice(2).includes('--hq') ? 'hq' : 'shop';
// A fault whose shutdown hangs still ends the process (postgres is then told to stop on exit).
const FATAL_DEADLINE_MS = 30_000;

try {
  const { shutdown, logger } = await boot(role);
  let stopping: Promise<void> | undefined;
  const stop = (reason: string, code: number) => {
    if (code !== 0) process.exitCode = code;
    if (stopping) return;
    logger.info({ reason }, 'shutting down');
    stopping = shutdown.run().finally(() => process.exit());
  };
  process.on('SIGTERM', () => stop('SIGTERM', 0));
  process.on('SIGINT', () => stop('SIGINT', 0));
  // A fault of ours that escaped every handler (no client input may get here:
  // each handler answers 4xx itself). The process's state is then unknown, so
  // it is not resumed: the same orderly shutdown as SIGTERM (PostgreSQL
  // stopped cleanly, never orphaned), exit 1, and systemd or Docker restarts it.
  const fatal = (err: unknown) => {
    logger.fatal({ err, event: 'fatal_error' }, t('boot.fatal'));
    setTimeout(() => process.exit(1), FATAL_DEADLINE_MS).unref();
    stop('fatal error', 1);
  };
  process.on('uncaughtException', fatal);
  process.on('unhandledRejection', fatal);
} catch (err) {
  // Operator mistakes get one plain sentence; anything else keeps its stack.
  const plain = err instanceof ConfigError || err instanceof EmbeddedPostgresError || err instanceof MigrationError;
  process.stderr.write(`Comptoir n’a pas pu démarrer : ${plain ? (err as Error).message : ((err as Error).stack ?? String(err))}\n`);
  process.exit(1);
}
