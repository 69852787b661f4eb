import type { Request, RequestHandler, Response } from 'express';
import { hasRole } from '../domain/roles.js';
import { dateInZone } from '../domain/dates.js';
import { idParam } from '../http/params.js';
import { actorOf, terminalOf } from '../http/session.js';
import { formNumber, parse } from '../http/validate.js';
import { t } from '../i18n/fr.js';
import { newId } from '../ids.js';
import type { Services } from '../services.js';
import { onRefusal } from '../web/errors.js';
import { redirect, show } from '../web/respond.js';
import type { Views } from '../web/views.js';
import { accountPaymentSchema, customerPatchSchema, customerSchema, writeOffSchema } from './schemas.js';

const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
const ids = (v: unknown) => (Array.isArray(v) ? v : v ? [v] : []).filter((x): x is string => typeof x === 'string');

/** Clients: the shop's accounts, who owes what and since when, and each customer's page (payments, statement, limit). */
export function accountPages(s: Services, views: Views, deps: { now: () => Date; shop: { timezone: string } }) {
  const listData = async (req: Request, extra: Record<string, unknown> = {}) => {
    const q = String(req.query.q ?? '').trim();
    return {
      title: t('ui.credit.title'), q, found: q ? await s.accounts.search(q) : null, receivables: await s.accounts.receivables(),
      manager: hasRole(actorOf(req).role, 'manager'), form: { id: newId() }, ...extra,
    };
  };

  const customerData = async (req: Request, id: string, extra: Record<string, unknown> = {}) => {
    const today = dateInZone(deps.now(), deps.shop.timezone);
    const customer = await s.accounts.customer(id);
    return {
      title: customer.name, customer, manager: hasRole(actorOf(req).role, 'manager'), terminal: terminalOf(req) ?? t('session.default_terminal'),
      // Made with the form: a double click or a resend over a slow link records the payment once.
      payForm: { id: newId() }, writeOffForm: { id: newId() }, statement: { from: `${today.slice(0, 8)}01`, to: today }, ...extra,
    };
  };
  const showCustomer = async (req: Request, res: Response, id: string, extra: Record<string, unknown> = {}, status = 200) =>
    show(views, req, res, { page: 'customer', fragment: 'accounts/customer', data: await customerData(req, id, extra) }, status);

  return {
    list: (async (req, res) => {
      show(views, req, res, { page: 'customers', fragment: 'accounts/list', data: await listData(req) });
    }) satisfies RequestHandler,

    create: (async (req, res) => {
      const b = req.body as Record<string, unknown>;
      onRefusal(res, async (err) => ({ page: 'customers', fragment: 'accounts/list', data: await listData(req, { createError: err.message, form: b }) }));
      const input = parse(customerSchema, {
        id: text(b.id), name: b.name, phone: text(b.phone), employer: text(b.employer), insurer: text(b.insurer), memberNumber: text(b.memberNumber),
        creditLimit: formNumber(b.creditLimit), notes: text(b.notes),
      });
      const { customer } = await s.accounts.createCustomer(input, actorOf(req));
      redirect(req, res, `/clients/${customer.id}`);
    }) satisfies RequestHandler,

    one: (async (req, res) => {
      const id = idParam(req);
      const q = req.query;
      const paid = typeof q.regle === 'string' ? q.regle : undefined;
      await showCustomer(req, res, id, { paid, paidAgain: q.deja === '1' });
    }) satisfies RequestHandler,

    pay: (async (req, res) => {
      const id = idParam(req);
      const b = req.body as Record<string, unknown>;
      onRefusal(res, async (err) => ({ page: 'customer', fragment: 'accounts/customer', data: await customerData(req, id, { payError: err.message, payForm: b }) }));
      const input = parse(accountPaymentSchema, {
        id: text(b.id), amount: formNumber(b.amount), method: b.method, operator: text(b.operator) || undefined, reference: text(b.reference),
        saleIds: ids(b.saleIds), terminal: terminalOf(req),
      });
      const { entry, created } = await s.accounts.takePayment(id, input, actorOf(req));
      redirect(req, res, `/clients/${id}?regle=${entry.id}${created ? '' : '&deja=1'}`);
    }) satisfies RequestHandler,

    update: (async (req, res) => {
      const id = idParam(req);
      const b = req.body as Record<string, unknown>;
      onRefusal(res, async (err) => ({ page: 'customer', fragment: 'accounts/customer', data: await customerData(req, id, { editError: err.message }) }));
      await s.accounts.updateCustomer(id, parse(customerPatchSchema, {
        name: text(b.name), phone: text(b.phone) ?? null, creditLimit: formNumber(b.creditLimit), blocked: b.blocked === '1', notes: text(b.notes) ?? '',
      }));
      redirect(req, res, `/clients/${id}`);
    }) satisfies RequestHandler,

    writeOff: (async (req, res) => {
      const id = idParam(req);
      const b = req.body as Record<string, unknown>;
      onRefusal(res, async (err) => ({ page: 'customer', fragment: 'accounts/customer', data: await customerData(req, id, { writeOffError: err.message, writeOffForm: b }) }));
      const input = parse(writeOffSchema, { id: text(b.id), amount: formNumber(b.amount), reason: b.reason });
      await s.accounts.writeOff(id, input, actorOf(req));
      redirect(req, res, `/clients/${id}`);
    }) satisfies RequestHandler,
  };
}
