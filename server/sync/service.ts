import type { Deps } from '../context.js';
import { outboxStats, syncState } from './queries.js';

export function syncService({ db, now }: Pick<Deps, 'db' | 'now'>) {
  return {
    /** What the badge shows: a wedged queue must be visible, so the oldest unsent change is reported. */
    async status() {
      const [stats, state] = await Promise.all([outboxStats(db), syncState(db)]);
      const oldest = stats.oldestPendingAt;
      return {
        pendingChanges: stats.pendingChanges,
        oldestPendingAt: oldest,
        oldestPendingAgeSeconds: oldest ? Math.max(0, Math.round((now().getTime() - oldest.getTime()) / 1000)) : null,
        lastPushAt: state?.lastPushAt ?? null,
        lastPullAt: state?.lastPullAt ?? null,
        lastError: state?.lastError ?? null,
        lastErrorAt: state?.lastErrorAt ?? null,
        bytesSent: state?.bytesSent ?? 0,
      };
    },
  };
}

export type SyncService = ReturnType<typeof syncService>;
