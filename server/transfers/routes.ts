import type { RequestHandler } from 'express';
import { sendPdf } from '../http/pdf.js';
import { actorOf } from '../http/session.js';
import { idParam } from '../http/params.js';
import { parse } from '../http/validate.js';
import { createTransferSchema, receiveTransferSchema, transferListSchema } from './schemas.js';
import type { TransfersService } from './service.js';
import { transferNotePdf } from './pdf.js';

export function transfersRoutes(transfers: TransfersService) {
  return {
    create: (async (req, res) => {
      const { transfer, created } = await transfers.create(parse(createTransferSchema, req.body), actorOf(req));
      res.status(created ? 201 : 200).json(transfer);
    }) satisfies RequestHandler,
    list: (async (req, res) => {
      res.json(await transfers.list(parse(transferListSchema, req.query).direction ?? 'all'));
    }) satisfies RequestHandler,
    get: (async (req, res) => {
      res.json(await transfers.get(idParam(req)));
    }) satisfies RequestHandler,
    ship: (async (req, res) => {
      res.json(await transfers.ship(idParam(req), actorOf(req)));
    }) satisfies RequestHandler,
    cancel: (async (req, res) => {
      res.json(await transfers.cancel(idParam(req), actorOf(req)));
    }) satisfies RequestHandler,
    receive: (async (req, res) => {
      res.json(await transfers.receive(idParam(req), parse(receiveTransferSchema, req.body), actorOf(req)));
    }) satisfies RequestHandler,
    note: (async (req, res) => {
      const transfer = await transfers.get(idParam(req));
      sendPdf(res, await transferNotePdf(transfer, transfers.shopInfo()), transfer.number);
    }) satisfies RequestHandler,
  };
}
