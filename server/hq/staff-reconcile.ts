import type { Covered } from '../outbox/coverage.js';
import { staffRestored, type PulledStaff } from '../users/merge.js';
import { staffPage } from './staff-queries.js';

/**
 * A shop's people, as head office keeps them: brought back by a rebuild
 * without any PIN (each gets one at the shop: the first manager at the
 * rebuild, the others with a one-time code from head office). Not digested:
 * a person travels on the push and the feed, and head office's row is the
 * one that counts once it has set it.
 */
export const staffCoverage: Covered = {
  entity: 'staff',
  snapshot: [
    {
      part: 'staff',
      page: staffPage,
      restore: (run, rows: PulledStaff[], head) => staffRestored(run.tx, head.shopId, rows),
    },
  ],
};
