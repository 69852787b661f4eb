import type { Request, RequestHandler } from 'express';
import { parseScan } from '../domain/scan.js';
import { hasRole } from '../domain/roles.js';
import { AppError } from '../errors.js';
import { idParam } from '../http/params.js';
import { actorOf } from '../http/session.js';
import { formNumber, parse } from '../http/validate.js';
import { t } from '../i18n/fr.js';
import type { Services } from '../services.js';
import { onRefusal } from '../web/errors.js';
import { show } from '../web/respond.js';
import type { Views } from '../web/views.js';
import { countSchema, openStocktakeSchema, zoneSchema } from './schemas.js';

/** Inventaires: open one, count by scanning or typing on any terminal, read the variances, « Clôturer l'inventaire ». */
export function stocktakesPages(s: Services, views: Views) {
  const data = async (extra: Record<string, unknown> = {}) => {
    const all = await s.stocktakes.list();
    const open = all.find((x) => x.status === 'open');
    return {
      title: t('ui.stocktakes.title'),
      current: open ? await s.stocktakes.get(open.id) : null,
      past: all.filter((x) => x.status !== 'open'),
      zones: await s.stocktakes.zones(),
      ...extra,
    };
  };
  // Shelving products in zones is a pharmacist's, as receiving stock is.
  const flags = (req: Request) => ({ mayShelve: req.actor ? hasRole(req.actor.role, 'pharmacist') : false });
  const again = async (req: Request, res: Parameters<RequestHandler>[1], extra: Record<string, unknown> = {}) =>
    show(views, req, res, { page: 'stocktakes', fragment: 'stocktakes/current', data: await data({ ...flags(req), ...extra }) });
  const refusal = (req: Request, res: Parameters<RequestHandler>[1]) =>
    onRefusal(res, async (err) => ({ page: 'stocktakes', fragment: 'stocktakes/current', data: await data({ ...flags(req), error: err.message }) }));

  return {
    page: (async (req, res) => again(req, res)) satisfies RequestHandler,

    open: (async (req, res) => {
      refusal(req, res);
      const zone = String((req.body as Record<string, unknown> | undefined)?.zone ?? '').trim();
      await s.stocktakes.open(parse(openStocktakeSchema, zone ? { scope: { zone } } : {}), actorOf(req));
      await again(req, res);
    }) satisfies RequestHandler,

    /** A count: a scanned GS1 DataMatrix (product, lot, expiry) or a lot chosen, and the quantity counted. */
    count: (async (req, res) => {
      refusal(req, res);
      const b = req.body as Record<string, unknown>;
      const countedQty = formNumber(b.countedQty);
      let input: unknown = { batchId: b.batchId, countedQty };
      const code = String(b.scan ?? '').trim();
      if (code) {
        const scan = parseScan(code);
        if (scan.kind !== 'gs1' || !scan.lot || !scan.expiry) throw new AppError(422, 'scan_incomplete', 'stocktake.scan_incomplete');
        const [product] = await s.catalog.searchProducts(scan.gtin.replace(/^0+(?=\d{13})/, ''), 1, true);
        if (!product) throw new AppError(404, 'product_not_found', 'stocktake.scan_unknown_product', { gtin: scan.gtin });
        input = { productId: product.id, lotNumber: scan.lot, expirationDate: scan.expiry, countedQty };
      }
      await s.stocktakes.count(idParam(req), parse(countSchema, input), actorOf(req));
      await again(req, res, { done: t('ui.stocktakes.counted_done') });
    }) satisfies RequestHandler,

    /** Shelves a product (found by barcode, SKU or name, as the till finds it) in a zone. */
    shelve: (async (req, res) => {
      refusal(req, res);
      const b = req.body as Record<string, unknown>;
      const code = String(b.product ?? '').trim();
      const [product] = code ? await s.catalog.searchProducts(code, 1, true) : [];
      if (!product) throw new AppError(404, 'product_not_found', 'product.not_found_named', { code });
      const { zone } = parse(zoneSchema, { zone: String(b.zone ?? '') });
      await s.stocktakes.setZone(product.id, zone);
      await again(req, res, { done: t('ui.stocktakes.shelved', { name: product.name, zone: zone ?? '' }) });
    }) satisfies RequestHandler,

    finalise: (async (req, res) => {
      refusal(req, res);
      const done = await s.stocktakes.finalise(idParam(req), { zeroUncounted: (req.body as Record<string, unknown>).zeroUncounted === '1' }, actorOf(req));
      await again(req, res, { done: t('ui.stocktakes.finalised', { number: done.number }) });
    }) satisfies RequestHandler,

    cancel: (async (req, res) => {
      refusal(req, res);
      const done = await s.stocktakes.cancel(idParam(req), actorOf(req));
      await again(req, res, { done: t('ui.stocktakes.cancelled', { number: done.number }) });
    }) satisfies RequestHandler,
  };
}
