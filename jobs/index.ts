import cron, { type ScheduledTask } from 'node-cron';
import PgBoss from 'pg-boss';
import type { ChangeBus } from '../server/events.js';
import type { Logger } from '../server/logger.js';
import type { BackupService } from '../server/ops/service.js';
import type { SyncService } from '../server/sync/service.js';

export interface Jobs {
  boss: PgBoss;
  stop(): Promise<void>;
}

export const QUEUES = { push: 'sync-push', pull: 'sync-pull', backup: 'backup-nightly' } as const;

/** 03:00 in the shop's time zone: after the day's last sale, before the first of the next. */
export const BACKUP_CRON = '0 3 * * *';

/**
 * pg-boss in the shop's own PostgreSQL: jobs survive restarts and power cuts
 * with the data they act on. The outbox is the truth; a job is only a kick.
 * Handlers are thin: the sync service holds the rules and records failures.
 */
export async function startJobs(
  connectionString: string,
  logger: Logger,
  deps: { sync?: SyncService | undefined; bus?: ChangeBus | undefined; backup?: BackupService | undefined; timezone?: string } = {},
): Promise<Jobs> {
  const boss = new PgBoss({ connectionString, schema: 'pgboss', max: 4 });
  boss.on('error', (err) => logger.error({ err }, 'job queue error'));
  await boss.start();

  const { sync, bus } = deps;
  const manual = new Set<Promise<unknown>>();
  if (sync?.configured) {
    // stately: at most one queued and one running, so kicks after every sale collapse.
    await boss.createQueue(QUEUES.push, { name: QUEUES.push, policy: 'stately', retryLimit: 0, expireInSeconds: 600 });
    await boss.createQueue(QUEUES.pull, { name: QUEUES.pull, policy: 'stately', retryLimit: 0, expireInSeconds: 600 });
    const run = (what: string, work: (force: boolean) => Promise<unknown>) => async (jobs: PgBoss.Job<{ force?: boolean }>[]) => {
      try {
        await work(jobs.some((j) => j.data?.force === true));
      } catch (err) {
        logger.debug({ err, job: what }, 'sync job ended with an error (recorded in sync_state)');
      }
    };
    await boss.work(QUEUES.push, { pollingIntervalSeconds: 2 }, run('push', (force) => sync.pushNow({ force })));
    await boss.work(QUEUES.pull, { pollingIntervalSeconds: 2 }, run('pull', (force) => sync.pullNow({ force })));
    await boss.schedule(QUEUES.push, '* * * * *');
    await boss.schedule(QUEUES.pull, '*/5 * * * *');
    const kick = (force: boolean) => {
      void boss.send(QUEUES.push, { force }).catch((err: unknown) => logger.warn({ err }, 'could not queue a push'));
    };
    bus?.on('committed', (entity) => {
      if (entity !== 'sync') kick(false);
    });
    // Asked by a person: run now, here, rather than queue behind a routine kick that would respect the backoff.
    bus?.on('syncRequested', () => {
      const run = sync.runNow({ force: true }).catch((err: unknown) => logger.debug({ err }, 'manual sync ended with an error (recorded in sync_state)'));
      manual.add(run);
      void run.finally(() => manual.delete(run));
    });
  }
  // node-cron only says when; the work is a pg-boss job, so a run cut by a power failure is not half-forgotten.
  const crons: ScheduledTask[] = [];
  if (deps.backup) {
    const backup = deps.backup;
    await boss.createQueue(QUEUES.backup, { name: QUEUES.backup, policy: 'singleton', retryLimit: 1, expireInSeconds: 3600 });
    await boss.work(QUEUES.backup, async () => {
      await backup.nightly(); // records its own failure
    });
    crons.push(cron.schedule(BACKUP_CRON, () => void boss.send(QUEUES.backup, {}).catch((err: unknown) => logger.warn({ err }, 'could not queue the backup')), {
      timezone: deps.timezone ?? 'UTC', name: 'backup-nightly',
    }));
    if (await backup.overdue()) await boss.send(QUEUES.backup, {}); // a night missed (the shop was off at 03:00)
  }
  return {
    boss,
    async stop() {
      for (const c of crons) await c.stop();
      bus?.removeAllListeners();
      await Promise.all([...manual]);
      await boss.stop({ graceful: true, wait: true, timeout: 10_000 });
    },
  };
}
