import { boot } from './boot.js';
import { ConfigError, type Role } from './config.js';
import { EmbeddedPostgresError } from './db/embedded.js';
import { MigrationError } from './db/migrate.js';

/** Process entry for `npm start` (shop) and `npm run hq`. */
const role: Role = process.argv.slice(2).includes('--hq') ? 'hq' : 'shop';

try {
  const { shutdown, logger } = await boot(role);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    void shutdown.run().then(() => process.exit(0));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
} catch (err) {
  // Operator mistakes get one plain sentence; anything else keeps its stack.
  const plain = err instanceof ConfigError || err instanceof EmbeddedPostgresError || err instanceof MigrationError;
  process.stderr.write(`Comptoir n’a pas pu démarrer : ${plain ? (err as Error).message : ((err as Error).stack ?? String(err))}\n`);
  process.exit(1);
}
