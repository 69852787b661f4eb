import type { RequestHandler } from 'express';
import { sendPdf } from '../http/pdf.js';
import { actorOf, terminalOf } from '../http/session.js';
import { idParam } from '../http/params.js';
import { parse } from '../http/validate.js';
import { listSalesSchema, returnSchema, saleSchema } from './schemas.js';
import type { ReceiptsService } from '../receipts/service.js';
import type { ReturnsService } from './returns.js';
import type { SalesService } from './service.js';

export function salesRoutes(sales: SalesService, returns: ReturnsService, receipts: ReceiptsService) {
  return {
    record: (async (req, res) => {
      let queued = false;
      const input = parse(saleSchema, req.body);
      const sale = await sales.recordSale({ ...input, terminal: input.terminal ?? terminalOf(req) }, actorOf(req), {
        client: req.ip,
        alsoInTransaction: async (tx, made) => {
          queued = await receipts.queuePrint(tx, made, actorOf(req));
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
    returnLines: (async (req, res) => {
      const input = parse(returnSchema, req.body);
      const credit = await returns.recordReturn(idParam(req), { ...input, terminal: input.terminal ?? terminalOf(req) }, actorOf(req), { client: req.ip });
      const note = await returns.creditNote(credit.id);
      receipts.printModelInBackground(note.model, note.number);
      res.status(201).json(credit);
    }) satisfies RequestHandler,
    returnsOf: (async (req, res) => {
      res.json(await returns.returnsOfSale((await sales.getSale(idParam(req))).id));
    }) satisfies RequestHandler,
    creditNotePdf: (async (req, res) => {
      const note = await returns.creditNote(idParam(req));
      sendPdf(res, await receipts.renderPdf(note.model, note.width), `avoir-${note.number}`);
    }) satisfies RequestHandler,
  };
}
