import type { Request, RequestHandler } from 'express';
import { idParam } from '../http/params.js';
import { actorOf } from '../http/session.js';
import { formNumber, parse } from '../http/validate.js';
import { t } from '../i18n/fr.js';
import type { Services } from '../services.js';
import { onRefusal } from '../web/errors.js';
import { show } from '../web/respond.js';
import type { Views } from '../web/views.js';
import { createTransferSchema, receiveTransferSchema } from './schemas.js';
import { createRequisitionSchema } from '../requisitions/schemas.js';

const asArray = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : v === undefined || v === '' ? [] : [String(v)]);

/** Transferts: what this shop sends and what it receives, « Expédier », « Annuler », « Valider » the receipt. */
export function transfersPages(s: Services, views: Views) {
  const data = async (extra: Record<string, unknown> = {}) => {
    const all = await s.transfers.list('all');
    const requisitions = await s.requisitions.list('all');
    return {
      requisitionsIn: requisitions.filter((r) => r.direction === 'in'),
      requisitionsOut: requisitions.filter((r) => r.direction === 'out'),
      products: await s.catalog.searchProducts('', 500),
      title: t('ui.transfers.title'),
      outgoing: all.filter((x) => x.direction === 'out'),
      incoming: all.filter((x) => x.direction === 'in'),
      destinations: await s.transfers.destinations(),
      lots: (await s.stock.lotsByExpiry('all')).filter((l) => l.status !== 'recalled'),
      ...extra,
    };
  };
  const again = (req: Request, res: Parameters<RequestHandler>[1], extra: Record<string, unknown> = {}) =>
    data(extra).then((d) => show(views, req, res, { page: 'transfers', fragment: 'transfers/list', data: d }));

  return {
    page: (async (req, res) => again(req, res)) satisfies RequestHandler,

    create: (async (req, res) => {
      onRefusal(res, async (err) => ({ page: 'transfers', fragment: 'transfers/list', data: await data({ error: err.message }) }));
      const b = req.body as Record<string, unknown>;
      const quantities = asArray(b.quantity);
      const lines = asArray(b.batchId).map((batchId, i) => ({ batchId, quantity: formNumber(quantities[i]) })).filter((l) => l.batchId);
      const { transfer } = await s.transfers.create(parse(createTransferSchema, { toShop: b.toShop, lines, reason: b.reason }), actorOf(req));
      await again(req, res, { done: t('ui.transfers.created', { number: transfer.number }) });
    }) satisfies RequestHandler,

    ship: (async (req, res) => {
      onRefusal(res, async (err) => ({ page: 'transfers', fragment: 'transfers/list', data: await data({ error: err.message }) }));
      const shipped = await s.transfers.ship(idParam(req), actorOf(req));
      await again(req, res, { done: t('ui.transfers.shipped', { number: shipped.number }) });
    }) satisfies RequestHandler,

    cancel: (async (req, res) => {
      onRefusal(res, async (err) => ({ page: 'transfers', fragment: 'transfers/list', data: await data({ error: err.message }) }));
      const cancelled = await s.transfers.cancel(idParam(req), actorOf(req));
      await again(req, res, { done: t('ui.transfers.cancelled', { number: cancelled.number }) });
    }) satisfies RequestHandler,

    ask: (async (req, res) => {
      onRefusal(res, async (err) => ({ page: 'transfers', fragment: 'transfers/list', data: await data({ error: err.message }) }));
      const b = req.body as Record<string, unknown>;
      const quantities = asArray(b.quantity);
      const lines = asArray(b.productId).map((productId, i) => ({ productId, quantity: formNumber(quantities[i]) })).filter((l) => l.productId);
      const { requisition } = await s.requisitions.create(parse(createRequisitionSchema, { fromShop: b.fromShop, lines, note: b.note }), actorOf(req));
      await again(req, res, { done: t('ui.requisitions.created', { number: requisition.number, code: requisition.fromShopCode }) });
    }) satisfies RequestHandler,

    answer: (async (req, res) => {
      onRefusal(res, async (err) => ({ page: 'transfers', fragment: 'transfers/list', data: await data({ error: err.message }) }));
      const transfer = await s.requisitions.answer(idParam(req), actorOf(req));
      await again(req, res, { done: t('ui.requisitions.answered', { number: transfer.number }) });
    }) satisfies RequestHandler,

    cancelRequisition: (async (req, res) => {
      onRefusal(res, async (err) => ({ page: 'transfers', fragment: 'transfers/list', data: await data({ error: err.message }) }));
      const r = await s.requisitions.cancel(idParam(req), actorOf(req));
      await again(req, res, { done: t('ui.requisitions.cancelled_done', { number: r.number }) });
    }) satisfies RequestHandler,

    receive: (async (req, res) => {
      onRefusal(res, async (err) => ({ page: 'transfers', fragment: 'transfers/list', data: await data({ error: err.message }) }));
      const b = req.body as Record<string, unknown>;
      const received = asArray(b.receivedQty);
      const notes = asArray(b.note);
      const lines = asArray(b.lineId).map((lineId, i) => ({ lineId, receivedQty: formNumber(received[i]), note: notes[i] || undefined }));
      const done = await s.transfers.receive(idParam(req), parse(receiveTransferSchema, { lines }), actorOf(req));
      await again(req, res, { done: t('ui.transfers.received', { number: done.number, units: done.receipt?.receivedUnits ?? 0, shipped: done.shippedUnits }) });
    }) satisfies RequestHandler,
  };
}
