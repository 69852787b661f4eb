import type { Request, RequestHandler } from 'express';
import { z } from 'zod';
import { dateInZone } from '../domain/dates.js';
import { hasRole } from '../domain/roles.js';
import { idParam } from '../http/params.js';
import { actorOf, terminalOf } from '../http/session.js';
import { formNumber, parse } from '../http/validate.js';
import { t } from '../i18n/fr.js';
import { newId } from '../ids.js';
import type { Services } from '../services.js';
import { sendCsv, toCsv } from '../web/csv.js';
import { onRefusal } from '../web/errors.js';
import { redirect, show } from '../web/respond.js';
import type { Views } from '../web/views.js';
import { cancelExpenseSchema, expenseSchema } from './schemas.js';

const text = (v: unknown) => (typeof v === 'string' && v.trim() ? v : undefined);
const monthSchema = z.object({ mois: z.union([z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/), z.literal('')]).optional() });

/** A month's first and last days: « 2026-02 » → 2026-02-01 .. 2026-02-28. */
function monthRange(month: string) {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return { from: `${month}-01`, to: `${month}-${String(last).padStart(2, '0')}` };
}

/** Dépenses: record what the shop pays (from the drawer or not), the month's list and its CSV, a manager's cancellation. */
export function expensePages(s: Services, views: Views, deps: { now: () => Date; shop: { timezone: string } }) {
  const monthOf = (req: Request) => parse(monthSchema, req.query).mois || dateInZone(deps.now(), deps.shop.timezone).slice(0, 7);

  const data = async (req: Request, extra: Record<string, unknown> = {}) => {
    const month = monthOf(req);
    const list = await s.expenses.list(monthRange(month));
    return {
      title: t('ui.expense.title'), month, ...list, categories: await s.expenses.categories(), manager: hasRole(actorOf(req).role, 'manager'),
      terminal: terminalOf(req) ?? t('session.default_terminal'), form: { id: newId(), paidFrom: 'drawer' }, ...extra,
    };
  };

  return {
    page: (async (req, res) => {
      show(views, req, res, { page: 'expenses', fragment: 'expenses/list', data: await data(req, { recorded: req.query.ok === '1' }) });
    }) satisfies RequestHandler,

    record: (async (req, res) => {
      const b = req.body as Record<string, unknown>;
      onRefusal(res, async (err) => ({ page: 'expenses', fragment: 'expenses/list', data: await data(req, { error: err.message, form: { ...b, managerPin: '' }, needsManager: err.code === 'cash_out_needs_manager' }) }));
      const input = parse(expenseSchema, {
        id: text(b.id), category: b.category, amount: formNumber(b.amount), paidFrom: b.paidFrom, payee: text(b.payee), note: text(b.note),
        spentOn: text(b.spentOn), terminal: terminalOf(req), managerPin: text(b.managerPin),
      });
      await s.expenses.record(input, actorOf(req), { client: req.ip });
      redirect(req, res, '/depenses?ok=1');
    }) satisfies RequestHandler,

    cancel: (async (req, res) => {
      const b = req.body as Record<string, unknown>;
      onRefusal(res, async (err) => ({ page: 'expenses', fragment: 'expenses/list', data: await data(req, { error: err.message }) }));
      await s.expenses.cancel(idParam(req), parse(cancelExpenseSchema, { reason: b.reason }), actorOf(req));
      redirect(req, res, '/depenses');
    }) satisfies RequestHandler,

    csv: (async (req, res) => {
      const month = monthOf(req);
      const { expenses } = await s.expenses.list(monthRange(month));
      const rows = expenses.map((e) => [e.spentOn, e.category, e.amount, t(`ui.expense.from.${e.paidFrom}`), e.payee, e.note, e.userName, e.cancelledBy ? t('ui.expense.cancelled') : '']);
      sendCsv(res, `depenses-${month}.csv`, toCsv(
        [t('credit.col_date'), t('ui.expense.category'), t('credit.col_amount'), t('ui.expense.paid_from'), t('ui.expense.payee'), t('ui.expense.note'), t('ui.credit.by'), t('ui.expense.status')],
        rows,
      ));
    }) satisfies RequestHandler,
  };
}
