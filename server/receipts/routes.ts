import type { RequestHandler } from 'express';
import { idParam } from '../http/params.js';
import { sendPdf } from '../http/pdf.js';
import { actorOf } from '../http/session.js';
import type { ReceiptsService } from './service.js';

export function receiptsRoutes(receipts: ReceiptsService) {
  return {
    pdf: (async (req, res) => {
      const { pdf, number } = await receipts.pdf(idParam(req), actorOf(req));
      sendPdf(res, pdf, `ticket-${number}`);
    }) satisfies RequestHandler,
    print: (async (req, res) => {
      const status = await receipts.printNow(idParam(req), actorOf(req));
      res.status(status === 'done' ? 200 : 502).json({ status, prints: await receipts.prints(idParam(req)) });
    }) satisfies RequestHandler,
    prints: (async (req, res) => {
      res.json(await receipts.prints(idParam(req)));
    }) satisfies RequestHandler,
  };
}
