import type { Covered, Unit } from '../outbox/coverage.js';
import {
  cashMovementsDigest, cashMovementsOfDay, cashMovementsPage, raiseZCounter, restoreCashMovements, restoreSessions, sessionsByIds,
  sessionsDigest, sessionsOfDay, sessionsPage, type CashMovement, type TillSession,
} from './queries.js';

/**
 * A session as it travels: opened, or closed with its Z report (head office
 * inserts what it lacks, then closes it once; the same closing again changes
 * nothing).
 */
function sessionUnit(s: TillSession): Unit {
  const opening = {
    id: s.id, shopId: s.shopId, terminal: s.terminal, cashierId: s.cashierId, cashierName: s.cashierName,
    openedAt: s.openedAt, openingFloat: s.openingFloat, openingCounts: s.openingCounts,
  };
  const closing = s.status === 'closed'
    ? {
        ...opening, closedAt: s.closedAt, closedBy: s.closedBy, closedByName: s.closedByName, zNumber: s.zNumber, expected: s.expected,
        counted: s.counted, cashVariance: s.cashVariance, closingComment: s.closingComment,
      }
    : undefined;
  return {
    entity: 'till_session',
    id: s.id,
    entries: [closing
      ? { entity: 'till_session', entityId: s.id, op: 'update', payload: closing, hlc: s.hlc }
      : { entity: 'till_session', entityId: s.id, op: 'insert', payload: opening, hlc: s.hlc }],
    needs: [],
  };
}

/** Cash sessions and their Z reports (the Z's PDF stays at the shop that printed it). */
export const sessionCoverage: Covered = {
  entity: 'till_session',
  digest: sessionsDigest,
  ofDay: async (db, q) => (await sessionsOfDay(db, q)).map(sessionUnit),
  byIds: async (db, q, ids) => (await sessionsByIds(db, q.shopId, ids)).map(sessionUnit),
  snapshot: [
    {
      part: 'sessions',
      page: sessionsPage,
      async restore(run, rows: TillSession[], head) {
        await restoreSessions(run.tx, rows);
        // Z numbers continue after head office's last.
        await raiseZCounter(run.tx, head.shopId, rows.reduce((max, s) => Math.max(max, Number(/(\d+)$/.exec(s.zNumber ?? '')?.[1] ?? 0)), 0));
      },
      clocks: (s: TillSession) => [s.hlc],
    },
  ],
};

/** Cash in and out of a session's drawer. */
export const cashMovementCoverage: Covered = {
  entity: 'cash_movement',
  digest: cashMovementsDigest,
  ofDay: async (db, q) =>
    (await cashMovementsOfDay(db, q)).map(({ hlc, ...m }: CashMovement): Unit => ({
      entity: 'cash_movement', id: m.id, entries: [{ entity: 'cash_movement', entityId: m.id, op: 'insert', payload: m, hlc }],
      needs: [{ entity: 'till_session', id: m.sessionId }, ...(m.expenseId ? [{ entity: 'expense', id: m.expenseId }] : [])],
    })),
  snapshot: [{ part: 'cash-movements', page: cashMovementsPage, restore: (run, rows: CashMovement[]) => restoreCashMovements(run.tx, rows), clocks: (m: CashMovement) => [m.hlc] }],
};
