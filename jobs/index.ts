import cron, { type ScheduledTask } from 'node-cron';
import PgBoss from 'pg-boss';
import type { ChangeBus } from '../server/events.js';
import type { Logger } from '../server/logger.js';
import type { BackupService } from '../server/ops/service.js';
import type { SyncService } from '../server/sync/service.js';
import type { Actor } from '../server/context.js';
import { RECEIPT_PRINT_QUEUE } from '../server/job-queue.js';
import type { ReceiptsService } from '../server/receipts/service.js';
import type { NightlyService } from '../server/sync/nightly.js';
import { nightlyDue } from '../server/domain/digest.js';

export interface Jobs {
  boss: PgBoss;
  stop(): Promise<void>;
}

export const QUEUES = {
  push: 'sync-push', pull: 'sync-pull', backup: 'backup-nightly', nightly: 'sync-nightly', expiry: 'expiry-scan', ledger: 'ledger-check',
  reports: 'reports-backfill', monthly: 'reports-monthly',
} as const;

/** How often the job runner asks the sync service whether a dropped link is back (the service paces the probes themselves). */
export const LINK_WATCH_MS = 1_000;

/** 03:00 in the shop's time zone: after the day's last sale, before the first of the next. */
export const BACKUP_CRON = '0 3 * * *';
/** 02:00: the nightly reconciliation, before the backup so the backup holds its result. */
export const NIGHTLY_CRON = '0 2 * * *';
/** 04:00 every night: last month's reports, if not kept yet (the 1st's run makes them; a later one makes up a missed 1st). */
export const MONTHLY_CRON = '0 4 * * *';
/** 06:00: expiry alerts are fresh when the shop opens. */
export const EXPIRY_CRON = '0 6 * * *';

/**
 * node-cron only says when: the callback enqueues a pg-boss job, so a run cut
 * by a power failure is not half-forgotten. Exported so tests drive it with a
 * fake clock instead of waiting for 02:00.
 */
export function scheduleDaily(expression: string, timezone: string, name: string, enqueue: () => Promise<unknown>, logger: Logger): ScheduledTask {
  return cron.schedule(expression, () => void enqueue().catch((err: unknown) => logger.warn({ err, job: name }, 'could not queue a scheduled job')), {
    timezone, name,
  });
}

/**
 * pg-boss in the shop's own PostgreSQL: jobs survive restarts and power cuts
 * with the data they act on. The outbox is the truth; a job is only a kick.
 * Handlers are thin: the sync service holds the rules and records failures.
 */
export async function startJobs(
  connectionString: string,
  logger: Logger,
  deps: {
    sync?: SyncService | undefined;
    nightly?: NightlyService | undefined;
    /** Head office's nightly ledger check across shops, and its expiry scan. */
    hqChecks?: { ledgerCheck(): Promise<unknown>; expiryScan(): Promise<unknown>; reportsBackfill?(): Promise<unknown> } | undefined;
    bus?: ChangeBus | undefined;
    backup?: BackupService | undefined;
    /** Head office keeps each shop's monthly report once its month has ended. */
    monthlyReports?: { keepDue(): Promise<unknown> } | undefined;
    /** Receipts to print, sent in each sale's transaction. */
    receipts?: ReceiptsService | undefined;
    timezone?: string;
    now?: () => Date;
  } = {},
): Promise<Jobs> {
  const boss = new PgBoss({ connectionString, schema: 'pgboss', max: 4 });
  boss.on('error', (err) => logger.error({ err }, 'job queue error'));
  await boss.start();

  const { sync, bus } = deps;
  const manual = new Set<Promise<unknown>>();
  let linkWatch: NodeJS.Timeout | undefined;
  let probing: Promise<unknown> = Promise.resolve();
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
    // A kick while one is already queued adds nothing (stately would drop it): not even the round trip to send it.
    let pushQueued = false;
    await boss.work(QUEUES.push, { pollingIntervalSeconds: 2 }, run('push', (force) => {
      pushQueued = false;
      return sync.pushNow({ force });
    }));
    await boss.work(QUEUES.pull, { pollingIntervalSeconds: 2 }, run('pull', (force) => sync.pullNow({ force })));
    await boss.schedule(QUEUES.push, '* * * * *');
    await boss.schedule(QUEUES.pull, '*/5 * * * *');
    const kick = (force: boolean) => {
      if (pushQueued && !force) return;
      pushQueued = true;
      void boss.send(QUEUES.push, { force }).catch((err: unknown) => {
        pushQueued = false;
        logger.warn({ err }, 'could not queue a push');
      });
    };
    bus?.on('committed', (entity) => {
      if (entity !== 'sync') kick(false);
    });
    // After a drop, the service probes head office (paced by domain/link.ts); once it answers, push and pull now, not at the backoff's end.
    linkWatch = setInterval(() => {
      probing = probing.then(async () => {
        if (!(await sync.linkBack())) return;
        kick(true);
        await boss.send(QUEUES.pull, { force: true });
      }).catch((err: unknown) => logger.warn({ err }, 'link probe failed'));
    }, LINK_WATCH_MS);
    linkWatch.unref();
    // Asked by a person: run now, here, rather than queue behind a routine kick that would respect the backoff.
    bus?.on('syncRequested', () => {
      const run = sync.runNow({ force: true }).catch((err: unknown) => logger.debug({ err }, 'manual sync ended with an error (recorded in sync_state)'));
      manual.add(run);
      void run.finally(() => manual.delete(run));
    });
  }
  if (deps.receipts) {
    const receipts = deps.receipts;
    // No retry: printNow records a failure (shown on the tills) and a person reprints from Ventes.
    await boss.createQueue(RECEIPT_PRINT_QUEUE, { name: RECEIPT_PRINT_QUEUE, policy: 'standard', retryLimit: 0, expireInSeconds: 120 });
    await boss.work<{ saleId: string; actor: Actor }>(RECEIPT_PRINT_QUEUE, { pollingIntervalSeconds: 1 }, async (jobs) => {
      for (const job of jobs) await receipts.printNow(job.data.saleId, job.data.actor);
    });
  }
  const crons: ScheduledTask[] = [];
  const timezone = deps.timezone ?? 'UTC';
  const now = deps.now ?? (() => new Date());
  /** A daily job: one queued or running at a time, enqueued by node-cron, its handler thin. */
  const daily = async (queue: string, expression: string, work: () => Promise<unknown>) => {
    await boss.createQueue(queue, { name: queue, policy: 'singleton', retryLimit: 1, expireInSeconds: 3600 });
    await boss.work(queue, async () => {
      try {
        await work();
      } catch (err) {
        logger.warn({ err, job: queue }, 'scheduled job failed (its result is recorded)');
      }
    });
    crons.push(scheduleDaily(expression, timezone, queue, () => boss.send(queue, {}), logger));
  };
  if (deps.backup) {
    const backup = deps.backup;
    await daily(QUEUES.backup, BACKUP_CRON, () => backup.nightly()); // records its own failure
    if (await backup.overdue()) await boss.send(QUEUES.backup, {}); // a night missed (the shop was off at 03:00)
  }
  if (deps.nightly) {
    const nightly = deps.nightly;
    await daily(QUEUES.nightly, NIGHTLY_CRON, () => nightly.scheduled());
    await daily(QUEUES.expiry, EXPIRY_CRON, () => nightly.localChecks());
    // A night missed (the shop was off at 02:00) runs now.
    if (nightlyDue(now(), timezone, (await nightly.last())?.at ?? null)) await boss.send(QUEUES.nightly, {});
  }
  if (deps.hqChecks) {
    const checks = deps.hqChecks;
    await daily(QUEUES.ledger, NIGHTLY_CRON, () => checks.ledgerCheck());
    await daily(QUEUES.expiry, EXPIRY_CRON, () => checks.expiryScan());
    await boss.send(QUEUES.expiry, {});
    if (checks.reportsBackfill) {
      const backfill = checks.reportsBackfill.bind(checks);
      // Margins of days received before they were kept (migration 0020): at the first start, and each night for any left.
      await daily(QUEUES.reports, NIGHTLY_CRON, () => backfill());
      await boss.send(QUEUES.reports, {});
    }
  }
  if (deps.monthlyReports) {
    const monthly = deps.monthlyReports;
    await daily(QUEUES.monthly, MONTHLY_CRON, () => monthly.keepDue());
    // Head office was off on the 1st at 04:00: the month is made now (a kept one is never made again).
    await boss.send(QUEUES.monthly, {});
  }
  return {
    boss,
    async stop() {
      clearInterval(linkWatch);
      await probing;
      for (const c of crons) await c.stop();
      bus?.removeAllListeners();
      await Promise.all([...manual]);
      await boss.stop({ graceful: true, wait: true, timeout: 10_000 });
    },
  };
}
