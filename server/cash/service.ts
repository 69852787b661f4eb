import type { Actor, Deps } from '../context.js';
import type { Db, Queryable, Tx } from '../db/pool.js';
import { cashOutNeedsManager } from '../domain/approvals.js';
import { cashReport, countedTotal, varianceNeedingComment, variances, type CashReport, type PerMethod, type SessionDay } from '../domain/cash-report.js';
import { formatFcfa } from '../domain/money.js';
import { hasRole, maySeeSession } from '../domain/roles.js';
import { t } from '../i18n/fr.js';
import { zReportModel, type ZSource } from '../domain/z-report.js';
import { AppError, notFound } from '../errors.js';
import { newId } from '../ids.js';
import { stampTransaction } from '../outbox/clock.js';
import { appendOutbox } from '../outbox/queries.js';
import type { ReceiptsService } from '../receipts/service.js';
import { shopById, type Shop } from '../shops/queries.js';
import type { ReceiptModel } from '../domain/receipt.js';
import {
  cashMovementsBetween,
  cashMovementsByIds,
  closedSessions,
  insertCashMovement,
  insertSession,
  markClosed,
  movementsOfSession,
  openSessionOf,
  openSessions,
  saveZPdf,
  sessionById,
  sessionsBetween,
  sessionsOfShop,
  takeZNumber,
  zPdfOf,
  type CashMovement,
  type TillSession,
} from './queries.js';

/** What a session's report needs from the features that wrote into it (sales, returns). */
export type SessionLedger = (db: Queryable, sessionId: string) => Promise<Pick<SessionDay, 'sales' | 'returns' | 'accountPayments' | 'creditApprovals'> & { articles?: ZSource['articles'] }>;

/** A manager's PIN typed at the till: the one approval check (users' service, with its throttle). */
export type Approver = (pin: string, client: string) => Promise<Actor>;

const formatZNumber = (shopCode: string, n: number) => `${shopCode}-Z${String(n).padStart(5, '0')}`;

/** A drawer is the cashier's own: only they, or a manager, put money in or out of it or close it. */
function assertMayHandle(session: TillSession, actor: Actor): void {
  if (session.cashierId !== actor.id && !hasRole(actor.role, 'manager')) throw new AppError(403, 'forbidden', 'session.not_yours');
}

/** Its X and Z reports too: the one rule of domain/roles.ts, for the pages and the API alike. */
function assertMaySee(session: TillSession, reader: Actor): void {
  if (!maySeeSession(reader, session)) throw new AppError(403, 'forbidden', 'session.not_yours_to_read');
}

/** The session's row as it travels: everything but the kept PDF. */
const opening = (s: TillSession) => ({
  id: s.id, shopId: s.shopId, terminal: s.terminal, cashierId: s.cashierId, cashierName: s.cashierName,
  openedAt: s.openedAt, openingFloat: s.openingFloat, openingCounts: s.openingCounts,
});

/**
 * Cash sessions: a drawer opened with a float by one cashier at one terminal,
 * cash in and out with a reason, closed with a count per payment method
 * against what the till expected, and a Z report numbered without gaps.
 */
export function cashService({ db, shop, now, logger }: Deps, ledger: SessionLedger, receipts: () => ReceiptsService, approver: Approver) {
  async function openIn(tx: Tx, actor: Actor, terminal: string, float: number, counts: Record<string, number> | null): Promise<TillSession | undefined> {
    const hlc = await stampTransaction(tx, now());
    const session = await insertSession(tx, {
      id: newId(), shopId: shop.id, terminal, cashierId: actor.id, cashierName: actor.name, openedAt: now(),
      openingFloat: float, openingCounts: counts, hlc,
    });
    if (session) await appendOutbox(tx, [{ entity: 'till_session', entityId: session.id, op: 'insert', payload: opening(session), hlc }]);
    return session;
  }

  async function dayOf(tx: Queryable, session: TillSession): Promise<{ report: CashReport; movements: CashMovement[]; articles?: ZSource['articles'] }> {
    const movements = await movementsOfSession(tx, session.id);
    const { sales, returns, accountPayments, creditApprovals, articles } = await ledger(tx, session.id);
    return { report: cashReport({ openingFloat: session.openingFloat, sales, returns, movements, accountPayments, creditApprovals }), movements, articles };
  }

  async function settings() {
    return (await shopById(db, shop.id))!;
  }

  /**
   * Cash going out of a locked open session: never more than the drawer
   * holds, and past `cashOutApprovalOver` taken out alone, only with a
   * manager. Returns the manager who allowed it, when one was needed.
   */
  async function checkCashOut(tx: Tx, session: TillSession, amount: number, allowedBy: Actor | null): Promise<Actor | null> {
    const { report, movements } = await dayOf(tx, session);
    if (amount > report.expected.cash) {
      throw new AppError(422, 'cash_out_exceeds', 'cash.out_exceeds', { amount: formatFcfa(amount), expected: formatFcfa(report.expected.cash) });
    }
    const takenAlone = movements.filter((m) => m.kind === 'out' && !m.approvedBy).reduce((sum, m) => sum + m.amount, 0);
    const over = (await shopById(tx, shop.id))!.cashOutApprovalOver;
    if (!cashOutNeedsManager(amount, takenAlone, over)) return null;
    if (!allowedBy) {
      const params = { amount: formatFcfa(amount), taken: formatFcfa(takenAlone), limit: formatFcfa(over) };
      throw new AppError(403, 'cash_out_needs_manager', takenAlone > 0 ? 'cash.out_needs_manager_after' : 'cash.out_needs_manager', params);
    }
    return allowedBy;
  }

  async function writeMovement(tx: Tx, m: Omit<CashMovement, 'hlc' | 'createdAt'>, hlc: string): Promise<CashMovement> {
    const written = await insertCashMovement(tx, { ...m, hlc, createdAt: now() });
    await appendOutbox(tx, [{ entity: 'cash_movement', entityId: written.id, op: 'insert', payload: written, hlc }]);
    return written;
  }

  /** The X (open) or Z (closed) report of a session, laid out as a receipt model. */
  const reportModel = (settings: Shop, session: TillSession, day: { report: CashReport; movements: CashMovement[]; articles?: ZSource['articles'] }): ReceiptModel =>
    zReportModel({ shop: { ...settings, timezone: shop.timezone }, session, movements: day.movements, report: day.report, articles: day.articles, at: now() });

  const service = {
    /** Opens the drawer: a float as a total, or counted note by note (the total is their sum). */
    async open(actor: Actor, terminal: string, input: { float?: number | undefined; counts?: Partial<Record<string, number>> | undefined }): Promise<TillSession> {
      const given = Object.fromEntries(Object.entries(input.counts ?? {}).filter((e): e is [string, number] => (e[1] ?? 0) > 0));
      const counts = Object.keys(given).length > 0 ? given : null;
      const float = counts ? countedTotal(counts) : (input.float ?? 0);
      return db.withTransaction(async (tx) => {
        const opened = await openIn(tx, actor, terminal, float, counts);
        if (!opened) throw new AppError(409, 'session_open', 'session.already_open', { name: actor.name, terminal });
        return opened;
      });
    },

    /**
     * In a sale's transaction, before its lots are locked: the cashier's open session at this terminal, locked for
     * share; for update by a cash refund, which must count the drawer alone.
     */
    openSession: async (tx: Tx, actor: Actor, terminal: string, lock: 'share' | 'update' = 'share'): Promise<string | undefined> =>
      (await openSessionOf(tx, shop.id, actor.id, terminal, lock === 'update' ? ' for update' : ' for share'))?.id,

    /** What a session's drawer should hold now; the caller holds the session's row. */
    async drawerCash(tx: Tx, sessionId: string): Promise<number> {
      const session = (await sessionById(tx, shop.id, sessionId))!;
      return (await dayOf(tx, session)).report.expected.cash;
    },

    /**
     * In a sale's (or a return's) transaction: the cashier's open session at
     * this terminal, locked for share so it cannot close under the sale; with
     * none, one is opened (float 0) or the sale is refused, as Paramètres say.
     */
    async sessionForSale(tx: Tx, actor: Actor, terminal: string): Promise<string> {
      const open = await openSessionOf(tx, shop.id, actor.id, terminal, ' for share');
      if (open) return open.id;
      if ((await shopById(tx, shop.id))!.sessionPolicy === 'ask') throw new AppError(409, 'session_required', 'session.required');
      await openIn(tx, actor, terminal, 0, null);
      return (await openSessionOf(tx, shop.id, actor.id, terminal, ' for share'))!.id;
    },

    async sessionIsOpen(tx: Tx, sessionId: string): Promise<boolean> {
      return (await sessionById(tx, shop.id, sessionId, ' for share'))?.status === 'open';
    },

    current: (actor: Actor, terminal: string) => openSessionOf(db, shop.id, actor.id, terminal),

    async session(id: string): Promise<TillSession> {
      const s = await sessionById(db, shop.id, id);
      if (!s) throw notFound('session.not_found');
      return s;
    },

    /**
     * Money put in or taken out of the drawer, with its reason; more cash than the drawer holds cannot go out, and
     * beyond `cashOutApprovalOver` taken out alone in the session, a manager's PIN is asked.
     * client: where the PIN is typed from; wrong PINs count against it, as at login.
     */
    async move(
      sessionId: string, actor: Actor, input: { id?: string | undefined; kind: 'in' | 'out'; amount: number; reason: string; managerPin?: string | undefined },
      opts: { client?: string | undefined } = {},
    ): Promise<CashMovement> {
      // The PIN is checked before the session is locked: its hashing takes tens of milliseconds.
      const allowedBy = input.managerPin ? await approver(input.managerPin, opts.client ?? 'local') : hasRole(actor.role, 'manager') ? actor : null;
      return db.withTransaction(async (tx) => {
        const session = await sessionById(tx, shop.id, sessionId, ' for update');
        if (!session) throw notFound('session.not_found');
        // The same id again (a slow link, a retry): the movement as it was recorded, once. Read under the session's lock.
        const [held] = input.id ? await cashMovementsByIds(tx, [input.id]) : [];
        if (held) {
          if (held.sessionId !== sessionId || held.kind !== input.kind || held.amount !== input.amount) throw new AppError(409, 'id_reused', 'credit.id_reused');
          return held;
        }
        if (session.status !== 'open') throw new AppError(409, 'session_closed', 'session.closed');
        assertMayHandle(session, actor);
        const approval = input.kind === 'out' ? await checkCashOut(tx, session, input.amount, allowedBy) : null;
        const hlc = await stampTransaction(tx, now());
        return writeMovement(tx, {
          id: input.id ?? newId(), shopId: shop.id, sessionId, kind: input.kind, amount: input.amount, reason: input.reason,
          userId: actor.id, userName: actor.name, approvedBy: approval?.id ?? null, approvedByName: approval?.name ?? null, expenseId: null,
        }, hlc);
      });
    },

    /**
     * In an expense's transaction: cash out of the cashier's open session at
     * this terminal (locked for update), under the rules of any cash-out.
     * Returns the session, and the write to make once the expense's row
     * exists and the clock is taken.
     */
    async drawerOut(tx: Tx, actor: Actor, terminal: string, amount: number, allowedBy: Actor | null) {
      const session = await openSessionOf(tx, shop.id, actor.id, terminal, ' for update');
      if (!session) throw new AppError(409, 'session_required', 'expense.session_required', { terminal });
      const approval = await checkCashOut(tx, session, amount, allowedBy);
      return {
        sessionId: session.id,
        write: (hlc: string, m: { reason: string; expenseId: string }) => writeMovement(tx, {
          id: newId(), shopId: shop.id, sessionId: session.id, kind: 'out', amount, reason: m.reason, userId: actor.id, userName: actor.name,
          approvedBy: approval?.id ?? null, approvedByName: approval?.name ?? null, expenseId: m.expenseId,
        }, hlc),
      };
    },

    /** The X report: where an open session stands (or a closed one stood), for its cashier or a manager. */
    async report(sessionId: string, reader: Actor): Promise<{ session: TillSession; report: CashReport; movements: CashMovement[]; articles?: ZSource['articles'] }> {
      const session = await service.session(sessionId);
      assertMaySee(session, reader);
      return { session, ...(await dayOf(db, session)) };
    },

    /**
     * Closes a session: counted amounts against expected, a comment required
     * above the variance threshold, a Z number without gaps, the Z report kept
     * as PDF and printed. The cashier closes their own; a manager any.
     */
    async close(sessionId: string, actor: Actor, input: { counted: PerMethod; comment?: string | undefined }): Promise<TillSession> {
      const shopNow = await settings();
      const closed = await db.withTransaction(async (tx) => {
        const session = await sessionById(tx, shop.id, sessionId, ' for update');
        if (!session) throw notFound('session.not_found');
        if (session.status !== 'open') throw new AppError(409, 'session_closed', 'session.closed');
        assertMayHandle(session, actor);
        const day = await dayOf(tx, session);
        const { report } = day;
        const variance = variances(report.expected, input.counted);
        const comment = input.comment?.trim() || null;
        // Every method: a card counted 0 against 1 000 expected is as much a variance as missing notes.
        const off = varianceNeedingComment(variance, shopNow.varianceCommentOver);
        if (off && !comment) {
          throw new AppError(422, 'comment_required', 'session.comment_required_method', {
            variance: formatFcfa(variance[off]), method: t(`payment.${off}`), limit: formatFcfa(shopNow.varianceCommentOver),
          });
        }
        const zNumber = formatZNumber(shop.code, await takeZNumber(tx, shop.id));
        const hlc = await stampTransaction(tx, now());
        const done = await markClosed(tx, sessionId, {
          closedAt: now(), closedBy: actor.id, closedByName: actor.name, zNumber, expected: report.expected, counted: input.counted,
          cashVariance: variance.cash, comment, hlc,
        });
        const model = reportModel(shopNow, done, day);
        await saveZPdf(tx, sessionId, await receipts().renderPdf(model, shopNow.receiptWidthMm));
        await appendOutbox(tx, [{
          entity: 'till_session', entityId: sessionId, op: 'update', hlc,
          payload: {
            ...opening(done), closedAt: done.closedAt, closedBy: done.closedBy, closedByName: done.closedByName, zNumber,
            expected: done.expected, counted: done.counted, cashVariance: done.cashVariance, closingComment: done.closingComment,
          },
        }]);
        return { done, model };
      });
      if (shopNow.printerKind !== 'none') receipts().printModelInBackground(closed.model, closed.done.zNumber!);
      logger.info({ sessionId, zNumber: closed.done.zNumber, cashVariance: closed.done.cashVariance }, 'cash session closed');
      return closed.done;
    },

    /** The Z report as printed at closing. */
    async zPdf(sessionId: string, reader: Actor): Promise<{ pdf: Buffer; number: string }> {
      assertMaySee(await service.session(sessionId), reader);
      const z = await zPdfOf(db, shop.id, sessionId);
      if (!z?.pdf) throw notFound('session.not_found');
      return { pdf: z.pdf, number: z.zNumber };
    },

    /** The report of a session as it prints (X while open, Z once closed), to show in a page. */
    async reportPreview(sessionId: string, reader: Actor): Promise<ReceiptModel> {
      const { session, ...day } = await service.report(sessionId, reader);
      return reportModel(await settings(), session, day);
    },

    /** The X report as a PDF, for the counter's printer or the screen. */
    async xPdf(sessionId: string, reader: Actor): Promise<Buffer> {
      const { session, ...day } = await service.report(sessionId, reader);
      const s = await settings();
      return receipts().renderPdf(reportModel(s, session, day), s.receiptWidthMm);
    },

    /** The sessions `reader` may see: all of them for a manager, a cashier's own otherwise (as the reports). */
    async sessionsFor(reader: Actor, closedLimit: number): Promise<{ open: TillSession[]; closed: TillSession[] }> {
      const [open, closed] = await Promise.all([openSessions(db, shop.id), closedSessions(db, shop.id, closedLimit)]);
      return { open: open.filter((x) => maySeeSession(reader, x)), closed: closed.filter((x) => maySeeSession(reader, x)) };
    },
  };
  return service;
}

export type CashService = ReturnType<typeof cashService>;

type ShopDays = { from: string; to: string; limit: number };

/** Head office's seat: the sessions and cash movements a shop reported. */
export function cashAtHq({ db }: { db: Db }) {
  return {
    sessionsOfShop: (shopId: string, limit = 20) => sessionsOfShop(db, shopId, limit),
    /** Sessions opened on the shop's calendar days from..to, newest first, each with its Z number once closed. */
    async sessionsBetween(shop: { id: string; timezone: string }, q: ShopDays) {
      return (await sessionsBetween(db, { shopId: shop.id, timezone: shop.timezone, ...q })).map(({ hlc: _clock, ...s }) => s);
    },
    /** Cash in and out on the shop's calendar days from..to, newest first, each with its session's terminal and Z number. */
    movementsBetween: (shop: { id: string; timezone: string }, q: ShopDays) => cashMovementsBetween(db, { shopId: shop.id, timezone: shop.timezone, ...q }),
  };
}
