import type { Deps } from '../context.js';
import { backoffMs } from '../domain/merge.js';
import { AppError } from '../errors.js';
import { t } from '../i18n/fr.js';
import { FeedApplication } from './apply.js';
import { HqError, hqClient, type HqClient } from './client.js';
import { absorbClock, currentClock } from './clock.js';
import {
  attemptState,
  deleteAcked,
  outboxHead,
  outboxStats,
  recordPullSuccess,
  recordPushSuccess,
  recordSyncFailure,
  syncState,
  listConflicts,
  type OutboxRow,
} from './queries.js';

export const MAX_CHANGES_PER_PUSH = 500;
export const MAX_BYTES_PER_PUSH = 256 * 1024;
const PULL_PAGE = 500;
// Any constant, the same in every Comptoir process: one push at a time per shop database.
const PUSH_LOCK = 7_320_002;

const DAY = 86_400_000;

/** Whole local transactions, oldest first, up to the request limits (one oversized transaction goes alone). */
export function nextPushBatch(rows: readonly OutboxRow[]): OutboxRow[] {
  const groups = new Map<string, OutboxRow[]>();
  for (const r of rows) groups.set(r.txId, [...(groups.get(r.txId) ?? []), r]);
  const batch: OutboxRow[] = [];
  let bytes = 0;
  for (const group of groups.values()) {
    const size = group.reduce((s, r) => s + JSON.stringify(r.payload).length + 120, 0);
    if (batch.length > 0 && (batch.length + group.length > MAX_CHANGES_PER_PUSH || bytes + size > MAX_BYTES_PER_PUSH)) break;
    batch.push(...group);
    bytes += size;
  }
  return batch;
}

export type Health = 'ok' | 'amber' | 'red' | 'offline';

export function syncService({ db, logger, shop, now, hq, bus }: Pick<Deps, 'db' | 'logger' | 'now' | 'hq' | 'bus'> & { shop: Deps['shop'] }) {
  const client: HqClient | undefined = hq ? hqClient(hq) : undefined;
  const log = logger.child({ component: 'sync' });

  async function fail(err: unknown, phase: 'push' | 'pull'): Promise<never> {
    const state = await attemptState(db);
    const e = err instanceof HqError ? err : new HqError('unreachable', (err as Error).message);
    const retryInMs = backoffMs(state.failures + 1, Math.random());
    const message = e.kind === 'refused' ? t('sync.hq_refused', { status: e.status ?? 0, message: e.message }) : t('sync.hq_unreachable', { reason: e.message });
    await recordSyncFailure(db, { kind: e.kind, message, retryInMs, phase });
    // The age of the oldest unsent change is logged: a wedged queue must be visible from the logs too.
    const { pendingChanges, oldestPendingAt } = await outboxStats(db);
    const oldestPendingAgeSeconds = oldestPendingAt ? Math.round((now().getTime() - oldestPendingAt.getTime()) / 1000) : null;
    log.warn({ phase, kind: e.kind, error: e.message, retryInMs, pendingChanges, oldestPendingAgeSeconds }, 'sync failed');
    throw e;
  }

  /** One push at a time, even if pg-boss re-runs an expired job: a session advisory lock. */
  async function withPushLock<T>(work: () => Promise<T>): Promise<T | undefined> {
    const client = await db.pool.connect();
    try {
      const got = await client.query<{ ok: boolean }>('select pg_try_advisory_lock($1) as ok', [PUSH_LOCK]);
      if (!got.rows[0]?.ok) return undefined;
      try {
        return await work();
      } finally {
        await client.query('select pg_advisory_unlock($1)', [PUSH_LOCK]);
      }
    } finally {
      client.release();
    }
  }

  async function due(force: boolean): Promise<boolean> {
    if (force) return true;
    const state = await attemptState(db);
    return !state.nextAttemptAt || state.nextAttemptAt <= now();
  }

  const service = {
    configured: client !== undefined,

    /**
     * Drains the outbox in order. Acknowledged rows are deleted rather than a
     * cursor kept (design.md §5, the cursor-gap trap). Returns how many were sent.
     */
    async pushNow(opts: { force?: boolean } = {}): Promise<{ sent: number; skipped?: 'not_configured' | 'backoff' | 'busy' }> {
      if (!client) return { sent: 0, skipped: 'not_configured' };
      if (!(await due(opts.force ?? false))) return { sent: 0, skipped: 'backoff' };
      const result = await withPushLock(async () => {
        let sent = 0;
        for (let round = 0; round < 10_000; round++) {
          const batch = nextPushBatch(await outboxHead(db, MAX_CHANGES_PER_PUSH + 100));
          if (batch.length === 0) break;
          const body = {
            shopCode: shop.code,
            hlc: await currentClock(db),
            sentAt: now().toISOString(),
            changes: batch.map((r) => ({ seq: r.seq, entity: r.entity, id: r.entityId, op: r.op, hlc: r.hlc, data: r.payload })),
          };
          let pushed;
          try {
            pushed = await client.push(body);
          } catch (err) {
            await fail(err, 'push');
          }
          const { response, bytes } = pushed!;
          await db.withTransaction(async (tx) => {
            await deleteAcked(tx, response.acked);
            await absorbClock(tx, response.hlc, now());
          });
          await recordPushSuccess(db, bytes);
          sent += response.acked.length;
          log.info({ changes: response.acked.length, bytes, conflicts: response.conflicts }, 'pushed to head office');
        }
        return sent;
      });
      return result === undefined ? { sent: 0, skipped: 'busy' } : { sent: result };
    },

    /** Pages of head office's changes, each applied with its cursor in one transaction. */
    async pullNow(opts: { force?: boolean } = {}): Promise<{ applied: number; skipped?: 'not_configured' | 'backoff' }> {
      if (!client) return { applied: 0, skipped: 'not_configured' };
      if (!(await due(opts.force ?? false))) return { applied: 0, skipped: 'backoff' };
      let applied = 0;
      for (let page = 0; page < 10_000; page++) {
        const cursor = (await attemptState(db)).pullCursor ?? '0:0';
        let res;
        try {
          res = await client.pull(cursor, PULL_PAGE);
        } catch (err) {
          await fail(err, 'pull');
        }
        const { changes, cursor: next, hasMore, hlc } = res!;
        const changed = await db.withTransaction(async (tx) => {
          const run = new FeedApplication(tx, shop);
          for (const c of changes) await run.apply(c);
          await run.finish();
          await absorbClock(tx, hlc, now());
          await recordPullSuccess(tx, next);
          return run.changed;
        });
        applied += changes.length;
        for (const entity of changed) bus?.committed(entity);
        if (!hasMore) break;
      }
      if (applied > 0) log.info({ applied }, 'pulled from head office');
      return { applied };
    },

    /** Push always before pull (design.md §5). */
    async runNow(opts: { force?: boolean } = {}) {
      const push = await service.pushNow(opts);
      const pull = await service.pullNow(opts);
      return { push, pull };
    },

    /** What the badge shows: a wedged queue must be visible, so the oldest unsent change is reported. */
    async status() {
      const [stats, state] = await Promise.all([outboxStats(db), syncState(db)]);
      const at = now().getTime();
      const oldest = stats.oldestPendingAt;
      const successes = [state?.lastPushAt, state?.lastPullAt].filter((d): d is Date => !!d).map((d) => d.getTime());
      // Stale when head office has not answered for a while, or when a change has waited that long.
      const silentFor = successes.length > 0 ? at - Math.max(...successes) : 0;
      const waitingFor = oldest ? at - oldest.getTime() : 0;
      const late = Math.max(silentFor, waitingFor);
      const health: Health = !client ? 'offline' : late > 3 * DAY ? 'red' : late > DAY ? 'amber' : 'ok';
      return {
        configured: client !== undefined,
        health,
        pendingChanges: stats.pendingChanges,
        oldestPendingAt: oldest,
        oldestPendingAgeSeconds: oldest ? Math.max(0, Math.round((at - oldest.getTime()) / 1000)) : null,
        lastPushAt: state?.lastPushAt ?? null,
        lastPullAt: state?.lastPullAt ?? null,
        lastPushAttemptAt: state?.lastPushAttemptAt ?? null,
        lastPullAttemptAt: state?.lastPullAttemptAt ?? null,
        lastError: state?.lastError ?? null,
        lastErrorAt: state?.lastErrorAt ?? null,
        nextAttemptAt: state?.nextAttemptAt ?? null,
        failures: state?.failures ?? 0,
        bytesSent: state?.bytesSent ?? 0,
      };
    },

    /** Asks the job runner for a push and pull now; without one (a script), runs them here. */
    requestRun(): void {
      if (bus && bus.listenerCount('syncRequested') > 0) bus.syncRequested();
      else void service.runNow({ force: true }).catch(() => undefined); // failures are recorded in sync_state
    },

    conflicts: (limit: number) => listConflicts(db, { limit }),

    assertConfigured(): void {
      if (!client) throw new AppError(409, 'sync_not_configured', 'sync.not_configured');
    },
  };
  return service;
}

export type SyncService = ReturnType<typeof syncService>;
