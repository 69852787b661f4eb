import pg from 'pg';
import { ConfigError, type Config } from '../config.js';
import { t } from '../i18n/fr.js';
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
    await waitForDatabase(config.databaseUrl, config.dbWaitSeconds, logger);
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

/**
 * An external database may start after us (a container, a reboot): we wait
 * for it ourselves rather than rely on whoever started us to order things.
 */
async function waitForDatabase(url: string, seconds: number, logger: Logger): Promise<void> {
  const host = new URL(url).host;
  const deadline = Date.now() + seconds * 1000;
  for (let attempt = 0; ; attempt++) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
    try {
      await client.connect();
      await client.query('select 1');
      return;
    } catch (err) {
      if (Date.now() >= deadline) throw new ConfigError(t('ops.db_unreachable', { host, seconds, reason: (err as Error).message }));
      if (attempt === 0) logger.warn({ host }, t('ops.db_waiting', { host }));
      await new Promise((r) => setTimeout(r, 1000));
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}
