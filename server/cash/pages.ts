import type { Request, RequestHandler, Response } from 'express';
import { DENOMINATIONS } from '../domain/cash-report.js';
import { hasRole, maySeeSession } from '../domain/roles.js';
import { formatFcfa } from '../domain/money.js';
import { AppError } from '../errors.js';
import { idParam } from '../http/params.js';
import { actorOf, setTerminalCookie, terminalOf } from '../http/session.js';
import { formNumber, parse } from '../http/validate.js';
import { t } from '../i18n/fr.js';
import type { Services } from '../services.js';
import { onRefusal } from '../web/errors.js';
import { redirect, show } from '../web/respond.js';
import type { Views } from '../web/views.js';
import { cashMoveSchema, closeSessionSchema, openSessionSchema } from './schemas.js';
import type { TillSession } from './queries.js';

/** La session de caisse: open the drawer, cash in and out, the X report, close with the Z report. */
export function cashPages(s: Services, views: Views) {
  const terminal = (req: Request) => terminalOf(req) ?? t('session.default_terminal');

  async function pageData(req: Request, session: TillSession | undefined, extra: Record<string, unknown> = {}) {
    const actor = actorOf(req);
    const manager = hasRole(actor.role, 'manager');
    const [{ open, closed }, settings] = await Promise.all([s.cash.sessionsFor(actor, 10), s.settings.get()]);
    const day = session ? await s.cash.report(session.id, actor) : undefined;
    const zPreview = session?.status === 'closed' ? await s.cash.reportPreview(session.id, actor) : undefined;
    return {
      title: t('ui.session.title'),
      terminal: terminal(req),
      denominations: DENOMINATIONS,
      session,
      day,
      zPreview,
      mine: session ? session.cashierId === actor.id || manager : false,
      others: manager ? open.filter((o) => o.id !== session?.id) : [],
      closed,
      varianceOver: formatFcfa(settings.varianceCommentOver),
      cashOutOver: formatFcfa(settings.cashOutApprovalOver),
      ...extra,
    };
  }

  const render = async (req: Request, res: Response, session: TillSession | undefined, extra: Record<string, unknown> = {}, status = 200) =>
    show(views, req, res, { page: 'cash-session', fragment: 'cash/session', data: await pageData(req, session, extra) }, status);

  /** A session another cashier opened is a manager's to see and close (the rule the API follows too). */
  async function sessionFor(req: Request): Promise<TillSession> {
    const session = await s.cash.session(idParam(req));
    if (!maySeeSession(actorOf(req), session)) throw new AppError(403, 'forbidden', 'session.not_yours_to_read');
    return session;
  }

  return {
    current: (async (req, res) => {
      await render(req, res, await s.cash.current(actorOf(req), terminal(req)));
    }) satisfies RequestHandler,

    one: (async (req, res) => {
      const session = await sessionFor(req);
      // After a post (PRG): what was just done, said once.
      const q = req.query;
      const amount = Number(q.montant);
      const moved = (q.mouvement === 'in' || q.mouvement === 'out') && Number.isSafeInteger(amount)
        ? t('ui.session.moved', { kind: t(`session.kind.${q.mouvement}`), amount: formatFcfa(amount) })
        : undefined;
      const closedNow = q.cloture === '1' && session.zNumber ? t('ui.session.closed', { number: session.zNumber }) : undefined;
      await render(req, res, session, { moved, closedNow });
    }) satisfies RequestHandler,

    open: (async (req, res) => {
      const b = req.body as Record<string, unknown>;
      onRefusal(res, async (err) => ({ page: 'cash-session', fragment: 'cash/session', data: await pageData(req, undefined, { openError: err.message, form: b }) }));
      const counts = Object.fromEntries(DENOMINATIONS.map((d) => [String(d), formNumber(b[`n${d}`])]).filter(([, n]) => n !== undefined));
      const input = parse(openSessionSchema, { terminal: typeof b.terminal === 'string' && b.terminal.trim() ? b.terminal : terminal(req), float: formNumber(b.float), counts });
      const opened = await s.cash.open(actorOf(req), input.terminal!, input);
      setTerminalCookie(res, opened.terminal);
      redirect(req, res, '/caisse');
    }) satisfies RequestHandler,

    move: (async (req, res) => {
      const session = await sessionFor(req);
      const b = req.body as Record<string, unknown>;
      // The PIN is never sent back into the page.
      onRefusal(res, async (err) => ({ page: 'cash-session', fragment: 'cash/session', data: await pageData(req, session, { moveError: err.message, moveForm: { ...b, managerPin: '' } }) }));
      const input = parse(cashMoveSchema, { kind: b.kind, amount: formNumber(b.amount), reason: b.reason, managerPin: b.managerPin || undefined });
      await s.cash.move(session.id, actorOf(req), input, { client: req.ip });
      redirect(req, res, `/caisse/session/${session.id}?mouvement=${input.kind}&montant=${input.amount}`);
    }) satisfies RequestHandler,

    close: (async (req, res) => {
      const session = await sessionFor(req);
      const b = req.body as Record<string, unknown>;
      onRefusal(res, async (err) => ({ page: 'cash-session', fragment: 'cash/session', data: await pageData(req, session, { closeError: err.message, closeForm: b }) }));
      const input = parse(closeSessionSchema, {
        counted: { cash: formNumber(b.cash), mobile_money: formNumber(b.mobile_money), card: formNumber(b.card) },
        comment: typeof b.comment === 'string' ? b.comment : undefined,
      });
      await s.cash.close(session.id, actorOf(req), input);
      redirect(req, res, `/caisse/session/${session.id}?cloture=1`);
    }) satisfies RequestHandler,
  };
}

