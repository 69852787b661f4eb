import type { RequestHandler } from 'express';
import { idParam } from '../http/params.js';
import { sendPdf } from '../http/pdf.js';
import { actorOf, terminalOf } from '../http/session.js';
import { parse } from '../http/validate.js';
import { accountPaymentSchema, customerPatchSchema, customerSchema, customerSearchSchema, statementSchema, writeOffSchema } from './schemas.js';
import type { AccountsService } from './service.js';

/** Customers and their accounts over JSON. A creating call made again with its id answers 200 with what was made. */
export function accountsRoutes(accounts: AccountsService) {
  return {
    create: (async (req, res) => {
      const { customer, created } = await accounts.createCustomer(parse(customerSchema, req.body), actorOf(req));
      res.status(created ? 201 : 200).json(await accounts.customer(customer.id));
    }) satisfies RequestHandler,
    search: (async (req, res) => {
      res.json(await accounts.search(parse(customerSearchSchema, req.query).q));
    }) satisfies RequestHandler,
    get: (async (req, res) => {
      res.json(await accounts.customer(idParam(req)));
    }) satisfies RequestHandler,
    update: (async (req, res) => {
      await accounts.updateCustomer(idParam(req), parse(customerPatchSchema, req.body));
      res.json(await accounts.customer(idParam(req)));
    }) satisfies RequestHandler,
    pay: (async (req, res) => {
      const input = parse(accountPaymentSchema, req.body);
      const { entry, created } = await accounts.takePayment(idParam(req), { ...input, terminal: input.terminal ?? terminalOf(req) }, actorOf(req));
      res.status(created ? 201 : 200).json(entry);
    }) satisfies RequestHandler,
    writeOff: (async (req, res) => {
      const { entry, created } = await accounts.writeOff(idParam(req), parse(writeOffSchema, req.body), actorOf(req));
      res.status(created ? 201 : 200).json(entry);
    }) satisfies RequestHandler,
    statement: (async (req, res) => {
      const { pdf, name } = await accounts.statement(idParam(req), parse(statementSchema, req.query));
      sendPdf(res, pdf, name);
    }) satisfies RequestHandler,
    receivables: (async (_req, res) => {
      res.json(await accounts.receivables());
    }) satisfies RequestHandler,
    paymentReceipt: (async (req, res) => {
      const { pdf, number } = await accounts.paymentReceiptPdf(idParam(req));
      sendPdf(res, pdf, `reglement-${number}`);
    }) satisfies RequestHandler,
  };
}
