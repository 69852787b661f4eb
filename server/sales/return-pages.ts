import type { Request, RequestHandler, Response } from 'express';
import { formatFcfa } from '../domain/money.js';
import { PAYMENT_METHODS } from '../domain/tender.js';
import { idParam } from '../http/params.js';
import { actorOf, terminalOf } from '../http/session.js';
import { formNumber, parse } from '../http/validate.js';
import { t } from '../i18n/fr.js';
import type { Services } from '../services.js';
import { onRefusal } from '../web/errors.js';
import { returnSchema } from './schemas.js';
import { redirect, show } from '../web/respond.js';
import type { Views } from '../web/views.js';

/** Retours: find a sale by its receipt (scan its QR), return some of its lines, give the credit note. */
export function returnPages(s: Services, views: Views) {
  async function pageData(q: string, extra: Record<string, unknown> = {}) {
    const found = q ? await s.returns.findSale(q) : undefined;
    return { title: t('ui.returns.title'), q, found, methods: PAYMENT_METHODS, notFound: q && !found ? t('ui.returns.not_found', { q }) : null, ...extra };
  }
  const render = async (req: Request, res: Response, q: string, extra: Record<string, unknown> = {}) =>
    show(views, req, res, { page: 'returns', fragment: 'returns/sale', data: await pageData(q, extra) });

  return {
    page: (async (req, res) => {
      const avoir = typeof req.query.avoir === 'string' && /^[0-9a-f-]{36}$/.test(req.query.avoir) ? req.query.avoir : undefined;
      let done;
      if (avoir) {
        const { credit, model } = await s.returns.creditNote(avoir);
        done = { id: credit.id, message: t('ui.returns.done', { number: credit.number, amount: formatFcfa(credit.amount + credit.rounding) }), note: model };
      }
      await render(req, res, String(req.query.q ?? '').trim().slice(0, 60), { done });
    }) satisfies RequestHandler,

    record: (async (req, res) => {
      const saleId = idParam(req);
      const b = req.body as Record<string, string | undefined>;
      const sale = await s.sales.getSale(saleId);
      onRefusal(res, async (err) => ({ page: 'returns', fragment: 'returns/sale', data: await pageData(sale.number, { error: err.message, form: { ...b, managerPin: '' } }) }));
      const input = parse(returnSchema, {
        lines: sale.items.map((i) => ({
          saleItemId: i.id, quantity: formNumber(b[`qty_${i.id}`]) ?? 0, destination: b[`dest_${i.id}`] || 'stock', reason: b[`reason_${i.id}`] || undefined,
        })),
        refundMethod: b.refundMethod || undefined,
        reason: b.reason || undefined,
        managerPin: b.managerPin || undefined,
      });
      const credit = await s.returns.recordReturn(saleId, { ...input, terminal: terminalOf(req) }, actorOf(req), { client: req.ip });
      const note = await s.returns.creditNote(credit.id);
      s.receipts.printModelInBackground(note.model, note.number);
      // After the post, a page of its own: a reload shows the credit note again, never refunds twice.
      redirect(req, res, `/retours?q=${encodeURIComponent(sale.number)}&avoir=${credit.id}`);
    }) satisfies RequestHandler,
  };
}
