import type { RequestHandler } from 'express';
import { idParam } from '../http/params.js';
import { sendPdf } from '../http/pdf.js';
import { actorOf, terminalOf } from '../http/session.js';
import { parse } from '../http/validate.js';
import type { CashService } from './service.js';
import { cashMoveSchema, closeSessionSchema, openSessionSchema } from './schemas.js';
import { notFound } from '../errors.js';
import { t } from '../i18n/fr.js';

/** Cash sessions over JSON: open, cash in/out, X report, close with the Z report. */
export function cashRoutes(cash: CashService) {
  return {
    open: (async (req, res) => {
      const input = parse(openSessionSchema, req.body);
      res.status(201).json(await cash.open(actorOf(req), input.terminal ?? terminalOf(req) ?? t('session.default_terminal'), input));
    }) satisfies RequestHandler,
    list: (async (req, res) => {
      res.json(await cash.sessionsFor(actorOf(req), 50));
    }) satisfies RequestHandler,
    current: (async (req, res) => {
      const terminal = (typeof req.query.terminal === 'string' && req.query.terminal) || terminalOf(req) || t('session.default_terminal');
      const session = await cash.current(actorOf(req), terminal);
      if (!session) throw notFound('session.not_found');
      res.json(session);
    }) satisfies RequestHandler,
    report: (async (req, res) => {
      res.json(await cash.report(idParam(req), actorOf(req)));
    }) satisfies RequestHandler,
    move: (async (req, res) => {
      res.status(201).json(await cash.move(idParam(req), actorOf(req), parse(cashMoveSchema, req.body), { client: req.ip }));
    }) satisfies RequestHandler,
    close: (async (req, res) => {
      res.json(await cash.close(idParam(req), actorOf(req), parse(closeSessionSchema, req.body)));
    }) satisfies RequestHandler,
    zPdf: (async (req, res) => {
      const z = await cash.zPdf(idParam(req), actorOf(req));
      sendPdf(res, z.pdf, `rapport-${z.number}`);
    }) satisfies RequestHandler,
    xPdf: (async (req, res) => {
      sendPdf(res, await cash.xPdf(idParam(req), actorOf(req)), 'rapport-x');
    }) satisfies RequestHandler,
  };
}
