import type { Request, RequestHandler, Response } from 'express';
import { addDays, dateInZone } from '../domain/dates.js';
import { AppError } from '../errors.js';
import { parse } from '../http/validate.js';
import { t } from '../i18n/fr.js';
import { show } from '../web/respond.js';
import { sendTable, type Column } from '../web/table-export.js';
import type { Views } from '../web/views.js';
import { hqExpensesPageSchema } from './schemas.js';
import { HQ_EXPENSE_EXPORT_ROWS, type ExpensesAtHq } from './service.js';

type Handler = (req: Request, res: Response) => Promise<void>;
const page = (h: Handler): RequestHandler => h as RequestHandler;
/** A year and a day at most: a chain's expenses, not its history. */
const MAX_DAYS = 366;

/** Head office's « Dépenses »: every shop's expenses per shop, category and month, filtered, as a page, CSV and XLSX. */
export function expensesHqPages(seat: ExpensesAtHq, shopChoices: () => Promise<{ code: string; name: string }[]>, views: Views, opts: { now: () => Date; timezone: string }) {
  const filterOf = (req: Request) => {
    const q = parse(hqExpensesPageSchema, req.query);
    const today = dateInZone(opts.now(), opts.timezone);
    const to = q.au ?? today;
    const from = q.du ?? `${to.slice(0, 8)}01`;
    if (from > to) throw new AppError(422, 'period_invalid', 'expense.hq.period_reversed', { from, to });
    if (addDays(from, MAX_DAYS) < to) throw new AppError(422, 'period_invalid', 'expense.hq.period_long', { days: MAX_DAYS });
    return { query: q, filter: { shopCode: q.boutique, category: q.categorie, from, to } };
  };
  const exportQuery = (req: Request) => new URLSearchParams(Object.entries(req.query).filter((e): e is [string, string] => typeof e[1] === 'string' && e[1] !== '')).toString();
  const col = (k: string, type: Column['type']): Column => ({ header: t(`expense.hq.csv.${k as 'shop'}`), type });

  return {
    page: page(async (req, res) => {
      const { query, filter } = filterOf(req);
      const data = await seat.overview(filter);
      show(views, req, res, {
        page: 'hq-expenses', fragment: 'expenses/hq-expenses',
        data: {
          title: t('expense.hq.title'), ...data, shops: await shopChoices(), shop: query.boutique, category: query.categorie, from: filter.from, to: filter.to,
          exportQuery: exportQuery(req),
        },
      });
    }),

    /** The same filters as a file: the totals per shop, category and month, or every expense (CSV, or XLSX by the extension). */
    export: (kind: 'totals' | 'list') => page(async (req, res) => {
      const { filter } = filterOf(req);
      const data = await seat.overview(filter, HQ_EXPENSE_EXPORT_ROWS);
      const table = kind === 'totals'
        ? {
            columns: [col('month', 'text'), col('shop_code', 'text'), col('shop', 'text'), col('category', 'text'), col('count', 'int'), col('amount', 'money'),
              col('drawer', 'money'), col('cancelled', 'int')],
            rows: data.totals.map((r) => [r.month, r.shopCode, r.shopName, r.category, r.count, r.amount, r.drawer, r.cancelledCount]),
          }
        : {
            columns: [col('shop_code', 'text'), col('day', 'date'), col('category', 'text'), col('amount', 'money'), col('paid_from', 'text'), col('payee', 'text'),
              col('note', 'text'), col('by', 'text'), col('cancelled_by', 'text'), col('cancel_reason', 'text')],
            rows: data.list.map((e) => [e.shopCode, e.spentOn, e.category, e.amount, t(`ui.expense.from.${e.paidFrom}`), e.payee, e.note, e.userName, e.cancelledBy, e.cancelReason]),
          };
      const filename = [t(`expense.hq.file.${kind}`), filter.shopCode, filter.from, filter.to].filter(Boolean).join('-');
      await sendTable(req, res, { filename, columns: table.columns, sheets: [{ name: t(`expense.hq.file.${kind}`), rows: table.rows }] });
    }),
  };
}
