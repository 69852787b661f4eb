import type { RequestHandler } from 'express';
import { sendPdf } from '../http/pdf.js';
import { actorOf } from '../http/session.js';
import { countSheetPdf } from './pdf.js';
import { idParam } from '../http/params.js';
import { parse } from '../http/validate.js';
import { countSchema, finaliseSchema, openStocktakeSchema, zoneSchema } from './schemas.js';
import type { StocktakesService } from './service.js';

export function stocktakesRoutes(stocktakes: StocktakesService) {
  return {
    open: (async (req, res) => {
      const { stocktake, created } = await stocktakes.open(parse(openStocktakeSchema, req.body ?? {}), actorOf(req));
      res.status(created ? 201 : 200).json(stocktake);
    }) satisfies RequestHandler,
    list: (async (_req, res) => {
      res.json(await stocktakes.list());
    }) satisfies RequestHandler,
    get: (async (req, res) => {
      res.json(await stocktakes.get(idParam(req)));
    }) satisfies RequestHandler,
    count: (async (req, res) => {
      res.status(201).json(await stocktakes.count(idParam(req), parse(countSchema, req.body), actorOf(req)));
    }) satisfies RequestHandler,
    finalise: (async (req, res) => {
      res.json(await stocktakes.finalise(idParam(req), parse(finaliseSchema, req.body ?? {}), actorOf(req)));
    }) satisfies RequestHandler,
    sheet: (async (req, res) => {
      const st = await stocktakes.get(idParam(req));
      sendPdf(res, await countSheetPdf(st, stocktakes.shopName(), req.query.by === 'zone' ? 'zone' : 'product'), st.number);
    }) satisfies RequestHandler,
    zones: (async (_req, res) => {
      res.json(await stocktakes.zones());
    }) satisfies RequestHandler,
    /** `PUT /api/products/:id/zone`: where the product sits in this shop. */
    setZone: (async (req, res) => {
      res.json(await stocktakes.setZone(idParam(req), parse(zoneSchema, req.body ?? {}).zone));
    }) satisfies RequestHandler,
    cancel: (async (req, res) => {
      res.json(await stocktakes.cancel(idParam(req), actorOf(req)));
    }) satisfies RequestHandler,
  };
}
