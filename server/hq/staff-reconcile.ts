import type { Covered, Unit } from '../outbox/coverage.js';
import { staffRestored, staffUp, type PulledStaff } from '../users/merge.js';
import { staffMadeHereDigest, staffMadeHereOfDay, type User } from '../users/queries.js';
import { staffOriginDigest, staffPage } from './staff-queries.js';

/**
 * A shop's people, as head office keeps them: brought back by a rebuild
 * without any PIN (each gets one at the shop: the first manager at the
 * rebuild, the others with a one-time code from head office). Digested per
 * day the shop made them, only the people that shop made (head office's own
 * are head office's to hold): a person head office lost (restored from an
 * older backup) goes again as the shop holds them, role and active included,
 * and head office takes them as a shop's push (`StaffMerge`: a person it has
 * set keeps its role, shops and active). Never a PIN on the wire.
 */
export const staffCoverage: Covered = {
  entity: 'staff',
  digest: (db, q) => (q.at === 'hq' ? staffOriginDigest(db, q) : staffMadeHereDigest(db, q)),
  ofDay: async (db, q) =>
    (await staffMadeHereOfDay(db, q)).map((u: User): Unit => ({
      entity: 'staff', id: u.id, needs: [],
      // The shop's current clock: newer than any change it pushed of them, so head office takes the shop's state of its own person.
      entries: [{ entity: 'staff', entityId: u.id, op: 'insert', payload: staffUp(u), hlc: q.ownClock }],
    })),
  snapshot: [
    {
      part: 'staff',
      page: staffPage,
      restore: (run, rows: PulledStaff[], head) => staffRestored(run.tx, head.shopId, rows),
    },
  ],
};
