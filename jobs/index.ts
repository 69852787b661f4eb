import PgBoss from 'pg-boss';
import type { Logger } from '../server/logger.js';

export interface Jobs {
  boss: PgBoss;
  stop(): Promise<void>;
}

/**
 * pg-boss in the shop's own PostgreSQL: jobs survive restarts and power cuts
 * with the data they act on. Queues are created before anything is sent.
 */
export async function startJobs(connectionString: string, logger: Logger): Promise<Jobs> {
  const boss = new PgBoss({ connectionString, schema: 'pgboss', max: 4 });
  boss.on('error', (err) => logger.error({ err }, 'job queue error'));
  await boss.start();
  return {
    boss,
    async stop() {
      await boss.stop({ graceful: true, wait: true, timeout: 10_000 });
    },
  };
}
