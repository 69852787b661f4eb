import type { Actor, Deps } from '../context.js';
import type { Db, Tx } from '../db/pool.js';
import { dateInZone, type IsoDate } from '../domain/dates.js';
import { hasRole } from '../domain/roles.js';
import { AppError, notFound } from '../errors.js';
import { t } from '../i18n/fr.js';
import { newId } from '../ids.js';
import { stampTransaction } from '../outbox/clock.js';
import { appendOutbox } from '../outbox/queries.js';
import { shopById } from '../shops/queries.js';
import {
  cancellationOf, expenseById, expensesBetween, hqExpenseCategories, hqExpenses, hqExpenseTotals, insertExpense, photoOf, savePhoto, type Expense, type ExpenseListed,
  type HqExpenseFilter,
} from './queries.js';
import type { ExpenseInput } from './schemas.js';

/** What expenses need of the cash day: cash out of the cashier's drawer, a manager's approval. */
export interface ExpenseSeats {
  drawerOut(tx: Tx, actor: Actor, terminal: string, amount: number, allowedBy: Actor | null): Promise<{
    sessionId: string;
    write(hlc: string, m: { reason: string; expenseId: string }): Promise<unknown>;
  }>;
  approver(pin: string, client: string): Promise<Actor>;
}

/** A receipt's photo: at most this many bytes (a phone's JPEG at a sensible size is far below). */
export const PHOTO_MAX_BYTES = 2 * 1024 * 1024;
export const PHOTO_TYPES = ['image/jpeg', 'image/png'] as const;

/** The first bytes say what a file is, whatever the browser called it. */
function looksLike(type: (typeof PHOTO_TYPES)[number], bytes: Buffer): boolean {
  if (type === 'image/jpeg') return bytes.length > 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
  return bytes.length > 8 && bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
}

const wire = ({ hlc: _hlc, ...e }: Expense) => e;

/**
 * The shop's expenses: from the drawer (a cash-out of the cashier's open
 * session, under the rules of any cash-out), by mobile money or from the
 * bank; a photo of the paper receipt can follow; a manager cancels one with
 * a new row. Nothing is ever deleted.
 */
export function expensesService({ db, shop, now, bus }: Deps, seats: ExpenseSeats) {
  const today = () => dateInZone(now(), shop.timezone);

  return {
    async record(input: ExpenseInput, actor: Actor, opts: { client?: string | undefined } = {}): Promise<{ expense: Expense; created: boolean }> {
      const settings = (await shopById(db, shop.id))!;
      if (!settings.expenseCategories.includes(input.category)) {
        throw new AppError(422, 'expense_category_unknown', 'expense.category_unknown', { category: input.category, categories: settings.expenseCategories.join(', ') });
      }
      const allowedBy = input.managerPin ? await seats.approver(input.managerPin, opts.client ?? 'local') : hasRole(actor.role, 'manager') ? actor : null;
      const id = input.id ?? newId();
      const terminal = input.terminal ?? t('session.default_terminal');
      const result = await db.withTransaction(async (tx) => {
        // The drawer's session is locked first (as any cash-out); a replay is then read under that lock.
        const drawer = input.paidFrom === 'drawer' ? await seats.drawerOut(tx, actor, terminal, input.amount, allowedBy) : null;
        const held = await expenseById(tx, shop.id, id);
        if (held) {
          if (held.amount !== input.amount || held.paidFrom !== input.paidFrom || held.category !== input.category) throw new AppError(409, 'id_reused', 'credit.id_reused');
          return { expense: held, created: false };
        }
        const hlc = await stampTransaction(tx, now());
        const expense: Expense = {
          id, shopId: shop.id, cancels: null, category: input.category, amount: input.amount, paidFrom: input.paidFrom, payee: input.payee ?? null,
          note: input.note ?? null, spentOn: input.spentOn ?? today(), sessionId: drawer?.sessionId ?? null, userId: actor.id, userName: actor.name,
          hlc, createdAt: now(),
        };
        await insertExpense(tx, expense);
        // The expense before its cash-out: the cash movement names it.
        await appendOutbox(tx, [{ entity: 'expense', entityId: id, op: 'insert', payload: wire(expense), hlc }]);
        await drawer?.write(hlc, { reason: t('expense.cash_reason', { category: expense.category, payee: expense.payee ?? '' }).replace(/ — $/, ''), expenseId: id });
        return { expense, created: true };
      });
      if (result.created && input.paidFrom === 'drawer') bus?.committed('sale');
      return result;
    },

    /** A manager cancels an expense with a reason: a new row naming it (no money comes back by itself). */
    async cancel(expenseId: string, input: { id?: string | undefined; reason: string }, actor: Actor): Promise<Expense> {
      if (!hasRole(actor.role, 'manager')) throw new AppError(403, 'forbidden', 'expense.cancel_manager');
      return db.withTransaction(async (tx) => {
        const expense = await expenseById(tx, shop.id, expenseId);
        if (!expense || expense.cancels) throw notFound('expense.not_found');
        const done = await cancellationOf(tx, expenseId);
        if (done) {
          if (input.id && done.id === input.id) return done;
          throw new AppError(409, 'expense_cancelled', 'expense.already_cancelled', { name: done.userName });
        }
        const hlc = await stampTransaction(tx, now());
        const row: Expense = {
          ...expense, id: input.id ?? newId(), cancels: expenseId, note: input.reason, sessionId: null, userId: actor.id, userName: actor.name,
          hlc, createdAt: now(),
        };
        await insertExpense(tx, row);
        await appendOutbox(tx, [{ entity: 'expense', entityId: row.id, op: 'insert', payload: wire(row), hlc }]);
        return row;
      });
    },

    /** The paper receipt's photo: a JPEG or PNG (checked by its bytes), at most PHOTO_MAX_BYTES; a retake replaces it. */
    async attachPhoto(expenseId: string, contentType: string | undefined, bytes: Buffer): Promise<void> {
      const type = PHOTO_TYPES.find((p) => p === (contentType ?? '').split(';')[0]!.trim().toLowerCase());
      if (!type || !looksLike(type, bytes)) throw new AppError(415, 'photo_type', 'expense.photo_type');
      if (bytes.length > PHOTO_MAX_BYTES) throw new AppError(413, 'photo_too_large', 'expense.photo_too_large', { max: PHOTO_MAX_BYTES / 1024 / 1024 });
      const expense = await expenseById(db, shop.id, expenseId);
      if (!expense || expense.cancels) throw notFound('expense.not_found');
      await savePhoto(db, { expenseId, contentType: type, bytes });
    },

    async photo(expenseId: string) {
      const p = await photoOf(db, expenseId);
      if (!p) throw notFound('expense.photo_not_found');
      return p;
    },

    /** The expenses spent on days from..to (this month by default). */
    async list(q: { from?: string | undefined; to?: string | undefined }): Promise<{ from: IsoDate; to: IsoDate; expenses: ExpenseListed[]; total: number }> {
      const to = q.to ?? today();
      const from = q.from ?? `${to.slice(0, 8)}01`;
      const expenses = await expensesBetween(db, { shopId: shop.id, from, to });
      return { from, to, expenses, total: expenses.filter((e) => !e.cancelledBy).reduce((s, e) => s + e.amount, 0) };
    },

    categories: async () => (await shopById(db, shop.id))!.expenseCategories,
  };
}

export type ExpensesService = ReturnType<typeof expensesService>;

/** Head office's seat: a shop's expenses as pushed. */
export function expensesAtHq({ db }: { db: Db }) {
  return {
    list: (shopId: string, from: IsoDate, to: IsoDate) => expensesBetween(db, { shopId, from, to }),
    /**
     * « Dépenses »: every shop's expenses over a period, filtered by shop and
     * category, with totals per shop, category and month (a cancelled expense
     * is listed, marked, and counted in no total).
     */
    async overview(f: HqExpenseFilter, limit = HQ_EXPENSE_ROWS) {
      const [list, totals, categories] = await Promise.all([hqExpenses(db, { ...f, limit }), hqExpenseTotals(db, f), hqExpenseCategories(db)]);
      return {
        list, totals, categories, truncated: list.length === limit,
        total: totals.reduce((n, r) => n + r.amount, 0), drawer: totals.reduce((n, r) => n + r.drawer, 0),
      };
    },
  };
}

/** The page lists this many expenses at most (its totals count them all; the export lists up to EXPORT_ROWS). */
export const HQ_EXPENSE_ROWS = 2000;
export const HQ_EXPENSE_EXPORT_ROWS = 200_000;
export type ExpensesAtHq = ReturnType<typeof expensesAtHq>;
