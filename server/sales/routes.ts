import type { RequestHandler } from 'express';
import { actorOf } from '../http/session.js';
import { idParam } from '../http/params.js';
import { parse } from '../http/validate.js';
import { listSalesSchema, saleSchema } from './schemas.js';
import type { ReceiptsService } from '../receipts/service.js';
import type { SalesService } from './service.js';

export function salesRoutes(sales: SalesService, receipts: ReceiptsService) {
  return {
    record: (async (req, res) => {
      let queued = false;
      const sale = await sales.recordSale(parse(saleSchema, req.body), actorOf(req), {
        alsoInTransaction: async (tx, made) => {
          queued = await receipts.queuePrint(tx, made.id, actorOf(req));
        },
      });
      if (!queued) receipts.printInBackground(sale.id, actorOf(req)); // a printer failure never fails the sale
      res.status(201).json(sale);
    }) satisfies RequestHandler,
    list: (async (req, res) => {
      res.json(await sales.listSales(parse(listSalesSchema, req.query)));
    }) satisfies RequestHandler,
    get: (async (req, res) => {
      res.json(await sales.getSale(idParam(req)));
    }) satisfies RequestHandler,
    void: (async (req, res) => {
      res.json(await sales.voidSale(idParam(req), actorOf(req)));
    }) satisfies RequestHandler,
  };
}
