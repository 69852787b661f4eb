import type { RequestHandler } from 'express';
import { idParam } from '../http/params.js';
import { actorOf, terminalOf } from '../http/session.js';
import { parse } from '../http/validate.js';
import { cancelExpenseSchema, expensePeriodSchema, expenseSchema } from './schemas.js';
import type { ExpensesService } from './service.js';

export function expensesRoutes(expenses: ExpensesService) {
  return {
    create: (async (req, res) => {
      const input = parse(expenseSchema, req.body);
      const { expense, created } = await expenses.record({ ...input, terminal: input.terminal ?? terminalOf(req) }, actorOf(req), { client: req.ip });
      res.status(created ? 201 : 200).json(expense);
    }) satisfies RequestHandler,
    list: (async (req, res) => {
      res.json((await expenses.list(parse(expensePeriodSchema, req.query))).expenses);
    }) satisfies RequestHandler,
    cancel: (async (req, res) => {
      res.status(201).json(await expenses.cancel(idParam(req), parse(cancelExpenseSchema, req.body), actorOf(req)));
    }) satisfies RequestHandler,
    /** The body is the image itself (express.raw before it); its type is checked by its bytes, not only its header. */
    photo: (async (req, res) => {
      await expenses.attachPhoto(idParam(req), req.get('content-type'), Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0));
      res.status(201).json({ expenseId: idParam(req) });
    }) satisfies RequestHandler,
    getPhoto: (async (req, res) => {
      const p = await expenses.photo(idParam(req));
      res.type(p.contentType).setHeader('Cache-Control', 'private, no-store');
      res.send(p.bytes);
    }) satisfies RequestHandler,
  };
}
