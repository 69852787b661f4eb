import { newestOwnClock } from '../domain/hlc.js';
import type { Covered, ResendQuery, Unit } from '../outbox/coverage.js';
import { expensesDigest, expensesOfDay, expensesOfShopByIds, expensesPage, restoreExpenses, type Expense } from './queries.js';

const expenseUnit = (q: ResendQuery) => ({ hlc, ...e }: Expense): Unit => ({
  entity: 'expense',
  id: e.id,
  entries: [{ entity: 'expense', entityId: e.id, op: 'insert', payload: e, hlc: newestOwnClock([hlc], q.node) ?? q.ownClock }],
  // A drawer expense names its session; a cancellation names the expense it cancels.
  needs: [...(e.sessionId ? [{ entity: 'till_session', id: e.sessionId }] : []), ...(e.cancels ? [{ entity: 'expense', id: e.cancels }] : [])],
});

/** Expenses and their cancellations, by the day they were recorded (the receipt's photo stays at the shop). */
export const expenseCoverage: Covered = {
  entity: 'expense',
  digest: expensesDigest,
  ofDay: async (db, q) => (await expensesOfDay(db, q)).map(expenseUnit(q)),
  byIds: async (db, q, ids) => (await expensesOfShopByIds(db, q.shopId, ids)).map(expenseUnit(q)),
  snapshot: [{ part: 'expenses', page: expensesPage, restore: (run, rows: Expense[]) => restoreExpenses(run.tx, rows), clocks: (e: Expense) => [e.hlc] }],
};
