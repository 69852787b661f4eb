import type { Request, RequestHandler } from 'express';
import { z } from 'zod';
import { isIsoDate } from '../domain/dates.js';
import { parseScan } from '../domain/scan.js';
import { movementSchema } from './schemas.js';
import { idParam } from '../http/params.js';
import { actorOf } from '../http/session.js';
import { formNumber, parse } from '../http/validate.js';
import { t } from '../i18n/fr.js';
import type { Services } from '../services.js';
import type { ShopContext } from '../context.js';
import type { Db } from '../db/pool.js';
import { onRefusal } from '../web/errors.js';
import { show } from '../web/respond.js';
import type { Views } from '../web/views.js';

const FILTERS = ['all', 'expired', '30', '60', '90'] as const;
const asArray = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)]);

/** Stock: lots by expiry, a delivery received row by row, a count or an adjustment. */
export function stockPages(s: Services, views: Views, deps: { db: Db; shop: ShopContext; now: () => Date }) {

  const lotsData = async (filter: (typeof FILTERS)[number]) => ({
    title: t('ui.nav.stock'),
    lots: await s.stock.lotsByExpiry(filter === 'all' || filter === 'expired' ? filter : (Number(filter) as 30 | 60 | 90)),
    filters: FILTERS.map((value) => ({ value, label: t(`ui.stock.filter_${value}`), active: value === filter })),
    rows: [{}],
  });
  const filterOf = (req: Request) => (FILTERS as readonly string[]).includes(String(req.query.filtre)) ? (String(req.query.filtre) as (typeof FILTERS)[number]) : 'all';

  return {
    stock: (async (req, res) => {
      // The products below their minimum are shown with the page, not with each list the filters ask for.
      show(views, req, res, { page: 'stock', fragment: 'stock/lots', data: { ...(await lotsData(filterOf(req))), lowStock: await s.catalog.lowStock() } });
    }) satisfies RequestHandler,

    /** A reception row, filled from a scanned GS1 code when there is one. */
    receptionRow: (async (req, res) => {
      const code = String((req.body as Record<string, unknown>).scan ?? '');
      const scan = code ? parseScan(code) : undefined;
      const row = scan?.kind === 'gs1' ? { product: scan.gtin.replace(/^0+(?=\d{13})/, ''), lotNumber: scan.lot ?? '', expirationDate: scan.expiry ?? '' }
        : scan?.kind === 'gtin' ? { product: scan.gtin } : scan?.kind === 'text' ? { product: scan.text } : {};
      res.type('html').send(views.fragment('stock/reception-row', row));
    }) satisfies RequestHandler,

    receive: (async (req, res) => {
      const b = req.body as Record<string, unknown>;
      const products = asArray(b.product);
      const rows = products.map((product, i) => ({
        product,
        lotNumber: asArray(b.lotNumber)[i] ?? '',
        expirationDate: asArray(b.expirationDate)[i] ?? '',
        quantity: formNumber(asArray(b.quantity)[i]),
        unitCost: formNumber(asArray(b.unitCost)[i]) ?? null,
      }));
      const formRows = rows.map((r) => ({ ...r }));
      onRefusal(res, async (err) => ({ page: 'stock', fragment: 'stock/reception', data: { ...(await lotsData('all')), rows: formRows, error: err.message, open: true } }));
      const schema = z.array(z.object({
        product: z.string().trim().min(1), lotNumber: z.string().trim().min(1).max(64), expirationDate: z.string().refine(isIsoDate, 'AAAA-MM-JJ'),
        quantity: z.number().int().min(1).max(1_000_000), unitCost: z.number().int().min(0).nullable(),
      })).min(1);
      const received = await s.stock.receiveDelivery(parse(schema, rows), actorOf(req));
      show(views, req, res, { page: 'stock', fragment: 'stock/reception', data: { ...(await lotsData('all')), rows: [{}], open: true, done: t('ui.reception.done', { n: received.length }) } });
    }) satisfies RequestHandler,

    movement: (async (req, res) => {
      const id = idParam(req);
      const b = req.body as Record<string, unknown>;
      const rowOf = async (extra: Record<string, unknown> = {}) => ({
        page: 'stock', fragment: 'stock/lot-row', data: { ...(await lotsData('all')), lot: await s.stock.lot(id), ...extra },
      });
      onRefusal(res, (err) => rowOf({ error: err.message }));
      const value = formNumber(b.value);
      // With a box: the value counts boxes (and, for a count, `loose` the units out of them).
      const packId = typeof b.packId === 'string' && b.packId ? b.packId : undefined;
      const loose = formNumber(b.loose);
      const input = b.kind === 'count'
        ? { kind: 'count' as const, countedQty: value, reason: b.reason, packId, looseUnits: loose }
        : { kind: 'adjustment' as const, delta: value, reason: b.reason, packId };
      await s.stock.recordMovement(id, parse(movementSchema, input), actorOf(req));
      show(views, req, res, await rowOf());
    }) satisfies RequestHandler,
  };
}
