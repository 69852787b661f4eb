import type { RequestHandler } from 'express';
import { z } from 'zod';
import { AppError } from '../errors.js';
import { idParam } from '../http/params.js';
import { parse } from '../http/validate.js';
import { actorOf, terminalOf } from '../http/session.js';
import { MOBILE_OPERATORS, SALE_METHODS } from '../domain/tender.js';
import { boxOf, sellablePacks } from '../catalog/lookup.js';
import type { ProductWithStock } from '../catalog/lookup.js';
import { formatUnits } from '../domain/packs.js';
import { t } from '../i18n/fr.js';
import type { Services } from '../services.js';
import { sessionOf } from '../web/context.js';
import { onRefusal } from '../web/errors.js';
import { show } from '../web/respond.js';
import type { Views } from '../web/views.js';

const optionalInt = z.preprocess((v) => (v === '' || v === undefined ? undefined : Number(v)), z.number().int().min(0).max(1_000_000_000).optional());
const optionalText = (max: number) => z.preprocess((v) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined), z.string().max(max).optional());
const paySchema = z.object({
  method: z.enum(SALE_METHODS),
  /** « Crédit client »: the customer picked in the payment form. */
  customerId: z.preprocess((v) => (v === '' ? undefined : v), z.uuid().optional()),
  tendered: optionalInt,
  mmAmount: optionalInt,
  mmOperator: z.preprocess((v) => (v === '' ? undefined : v), z.enum(MOBILE_OPERATORS).optional()),
  mmReference: optionalText(64),
  cardAmount: optionalInt,
  discountKind: z.enum(['percent', 'amount']).default('percent'),
  discountValue: optionalInt,
  discountReason: optionalText(120),
  managerPin: z.preprocess((v) => (v === '' ? undefined : v), z.string().regex(/^\d{4,8}$/).optional()),
});
const lineDiscountSchema = z.object({ kind: z.enum(['percent', 'amount']), value: optionalInt, reason: optionalText(120) });

/** The payment form as the sale's payments: the chosen method takes what the others leave. */
function paymentsOf(f: z.infer<typeof paySchema>, terminal: string | undefined) {
  const mm = { method: 'mobile_money' as const, operator: f.mmOperator, reference: f.mmReference };
  const payments = [];
  if (f.method === 'cash') payments.push({ method: 'cash' as const, tendered: f.tendered });
  if (f.method === 'mobile_money') payments.push(mm);
  if (f.method === 'card') payments.push({ method: 'card' as const });
  // On credit, cash typed is a deposit; the rest goes on the account, never taken as paid.
  if (f.method === 'credit') {
    if (f.tendered) payments.push({ method: 'cash' as const, tendered: f.tendered });
    payments.push({ method: 'credit' as const, customerId: f.customerId });
  }
  if (f.mmAmount && f.method !== 'mobile_money') payments.push({ ...mm, amount: f.mmAmount });
  if (f.cardAmount && f.method !== 'card') payments.push({ method: 'card' as const, amount: f.cardAmount });
  return {
    payments,
    discount: f.discountValue ? { kind: f.discountKind, value: f.discountValue, reason: f.discountReason ?? '' } : undefined,
    managerPin: f.managerPin,
    terminal,
  };
}
const quantitySchema = z.object({ quantity: z.preprocess(Number, z.number().int().min(0).max(100_000)) });
const addSchema = z.object({ productId: z.uuid(), batchId: z.uuid().optional(), packId: z.uuid().optional() });
const packChoiceSchema = z.object({ packId: z.uuid() });

const clearedFeedback = { fragment: 'till/feedback', data: { feedback: {} } };

/** Search results as the till lists them: a product sold in several packs offers each; its stock is said in packs. */
function listed(results: readonly ProductWithStock[]) {
  return results.map((p) => {
    const packs = sellablePacks(p);
    const box = boxOf(p);
    return { ...p, choices: packs.length > 1 ? packs : [], stockLabel: box ? formatUnits(p.sellableQuantity, { baseUnit: p.baseUnit, box }) : p.sellableQuantity };
  });
}

/** La caisse: scan, search, cart, payment. Every answer is a fragment of the same page. */
export function tillPages(s: Services, views: Views) {
  // The payment form rounds the change preview to the shop's smallest coin and lists the mobile-money operators.
  const cartData = async (req: Parameters<RequestHandler>[0], extra: Record<string, unknown> = {}) => ({
    cart: await s.till.cart(sessionOf(req)), coin: (await s.settings.get()).cashRounding, operators: MOBILE_OPERATORS, form: {}, ...extra,
  });
  const showCart = async (req: Parameters<RequestHandler>[0], res: Parameters<RequestHandler>[1], extra: Record<string, unknown> = {}, status = 200) =>
    show(views, req, res, {
      page: 'till', fragment: 'till/cart', data: { title: t('ui.nav.till'), results: [], feedback: {}, ...(await cartData(req, extra)) },
      // The cart changed as asked: an older refusal no longer applies.
      oob: [clearedFeedback],
    }, status);

  return {
    page: (async (req, res) => {
      const terminal = terminalOf(req) ?? t('session.default_terminal');
      const [session, settings] = await Promise.all([s.cash.current(actorOf(req), terminal), s.settings.get()]);
      show(views, req, res, {
        page: 'till', fragment: 'till/cart',
        data: { title: t('ui.nav.till'), results: [], feedback: {}, session, terminal, mustOpen: !session && settings.sessionPolicy === 'ask', ...(await cartData(req)) },
      });
    }) satisfies RequestHandler,

    cart: (async (req, res) => showCart(req, res)) satisfies RequestHandler,

    /** The payment form's customer search: radio buttons, each with the balance and the limit. */
    customers: (async (req, res) => {
      const q = String(req.query.client ?? '').trim();
      const customers = q ? await s.accounts.search(q, 10) : [];
      show(views, req, res, { page: 'till', fragment: 'till/customers', data: { title: t('ui.nav.till'), customers, searched: q !== '', results: [], feedback: {}, ...(await cartData(req)) } });
    }) satisfies RequestHandler,

    search: (async (req, res) => {
      const q = String(req.query.q ?? '');
      const results = listed(q.trim() ? await s.catalog.searchProducts(q, 20) : []);
      show(views, req, res, { page: 'till', fragment: 'till/results', data: { title: t('ui.nav.till'), results, searched: q.trim() !== '', feedback: {}, ...(await cartData(req)) } });
    }) satisfies RequestHandler,

    /** A scan answers with the message, and the cart and results out of band. */
    scan: (async (req, res) => {
      const code = String((req.body as Record<string, unknown>).q ?? '');
      const outcome = await s.till.scan(sessionOf(req), code);
      const cart = await cartData(req);
      const feedback =
        outcome.kind === 'added' ? { message: outcome.message, warning: outcome.warning } : outcome.kind === 'refused' ? { error: outcome.message } : {};
      const results = listed(outcome.kind === 'results' ? outcome.results : []);
      res.set('HX-Trigger', JSON.stringify({ 'scan-done': { clear: outcome.kind === 'added' } }));
      res.vary('HX-Request');
      const html = [
        views.fragment('till/feedback', { feedback }),
        views.fragment('till/cart', { ...res.locals.common, ...cart, oob: true }),
        views.fragment('till/results', { results, searched: outcome.kind === 'results', oob: true }),
      ].join('\n');
      res.status(outcome.kind === 'refused' ? 422 : 200).type('html').send(html);
    }) satisfies RequestHandler,

    add: (async (req, res) => {
      const input = parse(addSchema, req.body);
      await s.till.add(sessionOf(req), input.productId, input.batchId ?? null, input.packId ?? null);
      await showCart(req, res);
    }) satisfies RequestHandler,

    /** The line's pack switched (a box to tablets, a blister to a box); its count stays. */
    setPack: (async (req, res) => {
      const { packId } = parse(packChoiceSchema, req.body);
      await s.till.setPack(sessionOf(req), idParam(req, 'lineId'), packId);
      await showCart(req, res);
    }) satisfies RequestHandler,

    setQuantity: (async (req, res) => {
      const { quantity } = parse(quantitySchema, req.body);
      await s.till.setQuantity(sessionOf(req), idParam(req, 'lineId'), quantity);
      await showCart(req, res);
    }) satisfies RequestHandler,

    discount: (async (req, res) => {
      const d = parse(lineDiscountSchema, req.body);
      if (d.value && !d.reason) throw new AppError(422, 'discount_reason_required', 'sale.discount_reason_required');
      await s.till.setDiscount(sessionOf(req), idParam(req, 'lineId'), d.value ? { kind: d.kind, value: d.kind === 'percent' ? Math.min(d.value, 100) : d.value, reason: d.reason ?? '' } : null);
      await showCart(req, res);
    }) satisfies RequestHandler,

    remove: (async (req, res) => {
      await s.till.setQuantity(sessionOf(req), idParam(req, 'lineId'), 0);
      await showCart(req, res);
    }) satisfies RequestHandler,

    clear: (async (req, res) => {
      await s.till.clear(sessionOf(req));
      await showCart(req, res);
    }) satisfies RequestHandler,

    /** Pays the cart. A refusal shows next to the line or the payment, and the cart stays as it was. */
    pay: (async (req, res) => {
      const body = req.body as Record<string, unknown>;
      onRefusal(res, async (err: AppError) => {
        const { cart, ...rest } = await cartData(req);
        const productId = err.details?.productId;
        const lines = cart.lines.map((l) => (l.productId === productId ? { ...l, problem: err.message } : l));
        return {
          page: 'till', fragment: 'till/cart',
          // What was typed stays typed (the PIN excepted): a refusal is corrected, not re-entered.
          data: { title: t('ui.nav.till'), results: [], feedback: {}, ...rest, cart: { ...cart, lines }, payError: productId ? null : err.message, form: { ...body, managerPin: '' }, needsManager: ['discount_needs_manager', 'credit_needs_manager', 'manager_required', 'pin_wrong', 'locked'].includes(err.code),
            // The customer picked stays picked.
            customers: typeof body.customerId === 'string' && z.uuid().safeParse(body.customerId).success ? [await s.accounts.customer(body.customerId).catch(() => null)].filter(Boolean) : [] },
        };
      });
      const payment = paymentsOf(parse(paySchema, body), terminalOf(req));
      let queued = false;
      const sale = await s.till.checkout(sessionOf(req), payment, actorOf(req), async (tx, made) => {
        queued = await s.receipts.queuePrint(tx, made, actorOf(req));
      }, req.ip);
      if (!queued) s.receipts.printInBackground(sale.id, actorOf(req));
      const settings = await s.settings.get();
      res.set('HX-Trigger', JSON.stringify({ 'sale-completed': { receiptUrl: `/api/sales/${sale.id}/receipt.pdf` } }));
      // Without a printer the receipt is shown in the page, to print from there; with one, it is on its way.
      const account = await s.accounts.receiptLine(sale.id);
      const receipt = settings.printerKind === 'none' ? s.receipts.preview(sale, settings, account) : null;
      show(views, req, res, {
        page: 'till', fragment: 'till/sale-done',
        data: {
          title: t('ui.nav.till'), sale, receipt, results: [], feedback: {}, cart: { lines: [], total: 0, units: 0 },
          hasCash: sale.payments.some((p) => p.method === 'cash'), paid: sale.total + sale.rounding, account,
        },
        oob: [clearedFeedback],
      });
    }) satisfies RequestHandler,
  };
}
