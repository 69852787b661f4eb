import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { startEmbeddedPostgres } from './embedded.js';

export interface OpenedDatabase {
  connectionString: string;
  embedded: boolean;
  /** The embedded cluster belongs to a Comptoir server running now. */
  shared: boolean;
  stop(): Promise<void>;
}

/** DATABASE_URL when given; otherwise the embedded PostgreSQL under DATA_DIR. */
export async function openDatabase(
  config: Config,
  logger: Logger,
  opts: { shareRunning?: boolean } = {},
): Promise<OpenedDatabase> {
  if (config.databaseUrl) {
    return { connectionString: config.databaseUrl, embedded: false, shared: false, stop: async () => undefined };
  }
  const pg = await startEmbeddedPostgres({
    dataDir: config.dataDir,
    port: config.embeddedPgPort,
    database: 'comptoir',
    logger: logger.child({ component: 'postgres' }),
    shareRunning: opts.shareRunning ?? false,
  });
  return { connectionString: pg.connectionString, embedded: true, shared: pg.shared, stop: pg.stop };
}
