import type { Request, RequestHandler } from 'express';
import type { ShopContext } from '../context.js';
import { dateInZone } from '../domain/dates.js';
import { hasRole } from '../domain/roles.js';
import { receivedLotCheck } from '../domain/purchasing.js';
import { parseScan } from '../domain/scan.js';
import { AppError } from '../errors.js';
import { idParam } from '../http/params.js';
import { actorOf } from '../http/session.js';
import { formNumber, parse } from '../http/validate.js';
import { t } from '../i18n/fr.js';
import { newId } from '../ids.js';
import type { Services } from '../services.js';
import { productOf } from '../suppliers/pages.js';
import { onRefusal } from '../web/errors.js';
import { redirect, show } from '../web/respond.js';
import type { Views } from '../web/views.js';
import {
  createDeliverySchema,
  createOrderSchema,
  createReturnSchema,
  creditSchema,
  deliveryLineSchema,
  disputeSchema,
  recalledLotSchema,
  RETURN_REASONS,
  updateDeliverySchema,
  updateOrderSchema,
} from './schemas.js';

const asArray = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)]);
const body = (req: Request) => req.body as Record<string, unknown>;
const textOrNull = (v: unknown) => (String(v ?? '').trim() === '' ? null : String(v).trim());
const mayConfirm = (req: Request) => (req.actor ? hasRole(req.actor.role, 'pharmacist') : false);

/**
 * « Conditionnement »: the packs a delivery line may be typed in, the base
 * unit first (the value '' : quantities in units), then the product's packs
 * of several units; the one named (a chosen or a scanned carton) selected.
 */
export function packChoices(product: { baseUnit: string; packs: readonly { id: string; name: string; units: number; retired: boolean }[] } | undefined, picked?: string | null) {
  const unit = { value: '', label: t('buying.pack_base_unit', { unit: product?.baseUnit ?? t('buying.pack_unit') }), selected: !picked };
  if (!product) return [unit];
  const packs = product.packs.filter((k) => k.units > 1 && !k.retired);
  return [{ ...unit, selected: !picked }, ...packs.map((k) => ({ value: k.id, label: t('buying.pack_choice', { name: k.name, units: k.units, unit: product.baseUnit }), selected: k.id === picked }))];
}

/** The rows of a table form (`productId[]`, `quantity[]`…) as objects, rows with no quantity left out. */
function orderRows(req: Request) {
  const b = body(req);
  const ids = asArray(b.productId);
  return ids
    .map((productId, i) => ({ productId, quantity: formNumber(asArray(b.quantity)[i]), unitCost: formNumber(asArray(b.unitCost)[i]) ?? null }))
    .filter((l) => l.quantity !== undefined && l.quantity !== 0);
}

/** « Commandes », « Réceptions », « Retours fournisseur »: the shop's purchasing, on top of the same services as the API. */
export function purchasingPages(s: Services, views: Views, deps: { shop: ShopContext; now: () => Date }) {
  const today = () => dateInZone(deps.now(), deps.shop.timezone);
  const suppliers = () => s.suppliers.list({ activeOnly: true });

  // ---- orders

  const ordersData = async (extra: Record<string, unknown> = {}) => ({
    title: t('ui.nav.orders'),
    orders: (await s.purchaseOrders.list()).map((o) => ({ ...o, statusText: t(`purchase.status.${o.status}`) })),
    suppliers: await suppliers(),
    ...extra,
  });

  /** Suggested lines for a supplier, each with the product's name and the reason in words. */
  async function suggestionData(supplierId: string, extra: Record<string, unknown> = {}) {
    const supplier = await s.suppliers.get(supplierId);
    const names = new Map(supplier.products.map((p) => [p.productId, p]));
    const lines = (await s.purchaseOrders.suggestions({ supplierId })).map((l) => ({ ...l, productName: names.get(l.productId)?.productName, sku: names.get(l.productId)?.sku }));
    return { title: t('ui.purchasing.suggestions_title', { supplier: supplier.name }), supplier, lines, orderId: newId(), ...extra };
  }

  const orderData = async (id: string, extra: Record<string, unknown> = {}) => {
    const order = await s.purchaseOrders.view(id);
    const supplier = await s.suppliers.get(order.supplierId);
    return {
      title: order.number, order, supplier, isDraft: order.status === 'draft',
      mayReceive: order.status === 'sent' || order.status === 'partially_received',
      mayCancel: order.status !== 'cancelled' && order.status !== 'received',
      history: order.history.map((h) => ({ ...h, statusText: t(`purchase.status.${h.status as 'draft'}`) })),
      deliveryId: newId(), ...extra,
    };
  };

  const orders = {
    list: (async (req, res) => {
      show(views, req, res, { page: 'orders', fragment: 'purchasing/order-list', data: await ordersData() });
    }) satisfies RequestHandler,

    suggestions: (async (req, res) => {
      const supplierId = String(req.query.fournisseur ?? '');
      if (!supplierId) return redirect(req, res, '/commandes');
      onRefusal(res, async (err) => ({ page: 'orders', fragment: 'purchasing/order-list', data: await ordersData({ error: err.message }) }));
      if (!/^[0-9a-f-]{36}$/i.test(supplierId)) throw new AppError(404, 'not_found', 'supplier.not_found');
      show(views, req, res, { page: 'order-suggestions', fragment: 'purchasing/suggestions', data: await suggestionData(supplierId) });
    }) satisfies RequestHandler,

    /** A draft from the suggestion table (the quantities as edited; a line left at 0 is not ordered). */
    create: (async (req, res) => {
      const b = body(req);
      const supplierId = String(b.supplierId ?? '');
      onRefusal(res, async (err) => ({ page: 'order-suggestions', fragment: 'purchasing/suggestions', data: await suggestionData(supplierId, { error: err.message, orderId: b.id }) }));
      const { order } = await s.purchaseOrders.create(parse(createOrderSchema, { id: b.id, supplierId, lines: orderRows(req) }), actorOf(req));
      redirect(req, res, `/commandes/${order.id}`);
    }) satisfies RequestHandler,

    one: (async (req, res) => {
      show(views, req, res, { page: 'order', fragment: 'purchasing/order', data: await orderData(idParam(req)) });
    }) satisfies RequestHandler,

    /** A draft's lines as edited, plus one product typed or scanned. */
    update: (async (req, res) => {
      const id = idParam(req);
      const b = body(req);
      onRefusal(res, async (err) => ({ page: 'order', fragment: 'purchasing/order', data: await orderData(id, { error: err.message }) }));
      const lines = orderRows(req);
      if (String(b.addProduct ?? '').trim()) {
        const product = await productOf(s, String(b.addProduct));
        if ('error' in product) return show(views, req, res, { page: 'order', fragment: 'purchasing/order', data: await orderData(id, { error: product.error }) }, 422);
        lines.push({ productId: product.id, quantity: formNumber(b.addQuantity) ?? 1, unitCost: formNumber(b.addCost) ?? null });
      }
      await s.purchaseOrders.update(id, parse(updateOrderSchema, { lines, note: textOrNull(b.note) }), actorOf(req));
      redirect(req, res, `/commandes/${id}`);
    }) satisfies RequestHandler,

    act: (action: 'send' | 'cancel') => (async (req, res) => {
      const id = idParam(req);
      onRefusal(res, async (err) => ({ page: 'order', fragment: 'purchasing/order', data: await orderData(id, { error: err.message }) }));
      await s.purchaseOrders[action](id, actorOf(req));
      redirect(req, res, `/commandes/${id}`);
    }) satisfies RequestHandler,
  };

  // ---- deliveries

  /** The product a delivery line names (barcode, SKU or name) and the pack its barcode names, if a pack of several units. */
  async function lineProduct(code: string) {
    if (!code.trim()) return { product: undefined, packId: null };
    const byCode = await s.catalog.productOfCode(code);
    if (byCode) return { product: byCode.product, packId: byCode.pack.units > 1 ? byCode.pack.id : null };
    const found = await productOf(s, code);
    return 'error' in found ? { product: undefined, packId: null, error: found.error } : { product: found, packId: null };
  }

  const deliveriesData = async (extra: Record<string, unknown> = {}) => ({
    title: t('ui.nav.deliveries'),
    deliveries: (await s.deliveries.list()).map((d) => ({ ...d, statusText: t(`purchase.status.${d.status}`) })),
    suppliers: await suppliers(),
    openOrders: (await s.purchaseOrders.list()).filter((o) => o.status === 'sent' || o.status === 'partially_received'),
    deliveryId: newId(),
    ...extra,
  });

  async function deliveryData(req: Request, id: string, extra: Record<string, unknown> = {}) {
    const d = await s.deliveries.view(id);
    const months = (await s.settings.get()).shortDatedMonths;
    const day = today();
    const orderLines = d.order ? (await s.purchaseOrders.view(d.order.id)).lines : [];
    return {
      title: d.number ?? t('ui.purchasing.delivery_draft'), delivery: d, isDraft: d.status === 'draft', months,
      mayConfirm: mayConfirm(req), orderLines,
      lines: d.lines.map((l) => ({ ...l, shortDated: receivedLotCheck(l.expirationDate, day, months) === 'short_dated' })),
      sheet: d.discrepancies, line: { id: newId() }, packs: packChoices(undefined), ...extra,
    };
  }
  const deliveryView = async (req: Request, id: string, extra: Record<string, unknown> = {}, status = 200) => ({
    spec: { page: 'delivery', fragment: 'purchasing/delivery', data: await deliveryData(req, id, extra) }, status,
  });

  const deliveries = {
    list: (async (req, res) => {
      show(views, req, res, { page: 'deliveries', fragment: 'purchasing/delivery-list', data: await deliveriesData() });
    }) satisfies RequestHandler,

    /** A draft delivery, from an order (its supplier) or from a supplier alone. */
    create: (async (req, res) => {
      const b = body(req);
      onRefusal(res, async (err) => ({ page: 'deliveries', fragment: 'purchasing/delivery-list', data: await deliveriesData({ error: err.message }) }));
      let supplierId = String(b.supplierId ?? '');
      const purchaseOrderId = textOrNull(b.purchaseOrderId);
      if (purchaseOrderId && !supplierId) supplierId = (await s.purchaseOrders.view(purchaseOrderId)).supplierId;
      const input = parse(createDeliverySchema, { id: b.id, supplierId, purchaseOrderId, deliveryNote: textOrNull(b.deliveryNote) });
      const { delivery } = await s.deliveries.create(input, actorOf(req));
      redirect(req, res, `/receptions/${delivery.id}`);
    }) satisfies RequestHandler,

    one: (async (req, res) => {
      const v = await deliveryView(req, idParam(req));
      show(views, req, res, v.spec);
    }) satisfies RequestHandler,

    header: (async (req, res) => {
      const id = idParam(req);
      const b = body(req);
      onRefusal(res, async (err) => (await deliveryView(req, id, { error: err.message })).spec);
      await s.deliveries.update(id, parse(updateDeliverySchema, {
        deliveryNote: textOrNull(b.deliveryNote), invoiceNumber: textOrNull(b.invoiceNumber), invoiceTotal: formNumber(b.invoiceTotal) ?? null,
      }));
      show(views, req, res, (await deliveryView(req, id)).spec);
    }) satisfies RequestHandler,

    /** A scanned GS1 code fills the new line's product, lot and expiry; a plain code or a name fills the product. */
    scan: (async (req, res) => {
      const id = idParam(req);
      const code = String(body(req).scan ?? '').trim();
      const scan = code ? parseScan(code) : undefined;
      const line = scan?.kind === 'gs1' ? { product: scan.gtin.replace(/^0+(?=\d{13})/, ''), lotNumber: scan.lot ?? '', expirationDate: scan.expiry ?? '' }
        : scan?.kind === 'gtin' ? { product: scan.gtin } : scan?.kind === 'text' ? { product: scan.text } : {};
      const d = await s.deliveries.view(id);
      const orderLines = d.order ? (await s.purchaseOrders.view(d.order.id)).lines : [];
      // A carton's barcode names its pack: the line is typed in cartons at once.
      const found = await lineProduct(line.product ?? '');
      const packs = packChoices(found.product, found.packId);
      res.type('html').send(views.fragment('purchasing/delivery-line-form', { ...res.locals.common, delivery: d, orderLines, packs, line: { ...line, id: newId() }, focus: line.lotNumber ? 'quantity' : 'lotNumber' }));
    }) satisfies RequestHandler,

    /** The « Conditionnement » choices of the product typed in the line form (asked when the product field changes). */
    packs: (async (req, res) => {
      const found = await lineProduct(String(req.query.product ?? ''));
      res.type('html').send(views.fragment('purchasing/delivery-line-pack', { ...res.locals.common, packs: packChoices(found.product, found.packId) }));
    }) satisfies RequestHandler,

    /** One line saved at once (a power cut loses nothing typed); the same line's id twice saves it once. */
    addLine: (async (req, res) => {
      const id = idParam(req);
      const b = body(req);
      const line = {
        id: String(b.lineId ?? ''), product: String(b.product ?? ''), lotNumber: String(b.lotNumber ?? ''), expirationDate: String(b.expirationDate ?? ''),
        quantity: b.quantity, freeQty: b.freeQty, unitCost: b.unitCost, invoicedQty: b.invoicedQty, purchaseOrderLineId: b.purchaseOrderLineId,
      };
      const found = await lineProduct(line.product);
      // The pack chosen in the form; none chosen and a carton scanned: the carton.
      const packId = b.packId === undefined ? found.packId : textOrNull(b.packId);
      const product = found.product ?? { error: found.error ?? '' };
      const packs = packChoices(found.product, packId);
      onRefusal(res, async (err) => (await deliveryView(req, id, { lineError: err.message, line, packs })).spec);
      if ('error' in product) {
        const v = await deliveryView(req, id, { lineError: product.error, line, packs });
        return show(views, req, res, v.spec, 422);
      }
      // A line of an order's delivery names the order's line of its product at once, so the sheet below is right while typing.
      let purchaseOrderLineId = textOrNull(b.purchaseOrderLineId);
      const d = await s.deliveries.view(id);
      if (!purchaseOrderLineId && d.order) {
        const typed = new Set(d.lines.map((l) => l.purchaseOrderLineId));
        const open = (await s.purchaseOrders.view(d.order.id)).lines.filter((l) => l.productId === product.id && l.openQty > 0);
        purchaseOrderLineId = (open.find((l) => !typed.has(l.id)) ?? open[0])?.id ?? null;
      }
      await s.deliveries.addLine(id, parse(deliveryLineSchema, {
        id: line.id, productId: product.id, packId, lotNumber: line.lotNumber, expirationDate: line.expirationDate,
        quantity: formNumber(b.quantity), freeQty: formNumber(b.freeQty) ?? 0, unitCost: formNumber(b.unitCost) ?? 0,
        invoicedQty: formNumber(b.invoicedQty) ?? null, purchaseOrderLineId,
      }));
      show(views, req, res, (await deliveryView(req, id)).spec);
    }) satisfies RequestHandler,

    removeLine: (async (req, res) => {
      const id = idParam(req);
      onRefusal(res, async (err) => (await deliveryView(req, id, { error: err.message })).spec);
      await s.deliveries.removeLine(id, idParam(req, 'lineId'));
      show(views, req, res, (await deliveryView(req, id)).spec);
    }) satisfies RequestHandler,

    /** « Valider la réception », with the short-dated lines the pharmacist ticked. */
    validate: (async (req, res) => {
      const id = idParam(req);
      onRefusal(res, async (err) => (await deliveryView(req, id, { error: err.message })).spec);
      const confirmed = asArray(body(req).confirm);
      const result = await s.deliveries.validate(id, { lines: confirmed.map((lineId) => ({ id: lineId, confirmShortDated: true })) }, actorOf(req));
      show(views, req, res, (await deliveryView(req, id, { done: t('ui.purchasing.delivery_done', { number: result.number ?? '', n: result.lines.length }) })).spec);
    }) satisfies RequestHandler,
  };

  // ---- supplier returns

  const returnsData = async (extra: Record<string, unknown> = {}) => ({
    title: t('ui.nav.supplier_returns'),
    returns: (await s.supplierReturns.list()).map((r) => ({ ...r, statusText: t(`purchase.return_status.${r.status}`) })),
    suppliers: await suppliers(),
    lots: (await s.stock.lotsByExpiry('all')).map((l) => ({ ...l, blocked: l.status !== 'active' })),
    recalled: (await s.stock.lotsByExpiry('all')).filter((l) => l.status === 'recalled' && l.quantity > 0).map((l) => ({ ...l, formId: newId() })),
    reasons: RETURN_REASONS.map((value) => ({ value, label: t(`purchase.reason.${value}`) })),
    returnId: newId(),
    ...extra,
  });
  const returnData = async (id: string, extra: Record<string, unknown> = {}) => {
    const r = await s.supplierReturns.view(id);
    const supplier = await s.suppliers.get(r.supplierId);
    return { title: r.number ?? t('ui.purchasing.return_draft'), supplierReturn: r, supplier, isDraft: r.status === 'draft', maySettle: r.status === 'sent' || r.status === 'disputed', ...extra };
  };

  const returns = {
    list: (async (req, res) => {
      show(views, req, res, { page: 'supplier-returns', fragment: 'purchasing/return-list', data: await returnsData() });
    }) satisfies RequestHandler,

    /** A draft return from the lots table: each lot given a quantity is a line, with its reason. */
    create: (async (req, res) => {
      const b = body(req);
      onRefusal(res, async (err) => ({ page: 'supplier-returns', fragment: 'purchasing/return-list', data: await returnsData({ error: err.message, returnId: b.id }) }));
      const lines = asArray(b.batchId)
        .map((batchId, i) => ({ batchId, quantity: formNumber(asArray(b.quantity)[i]), reason: asArray(b.reason)[i] }))
        .filter((l) => l.quantity !== undefined && l.quantity !== 0);
      const { supplierReturn } = await s.supplierReturns.create(parse(createReturnSchema, { id: b.id, supplierId: b.supplierId, lines }), actorOf(req));
      redirect(req, res, `/retours-fournisseur/${supplierReturn.id}`);
    }) satisfies RequestHandler,

    /** « Tout renvoyer au fournisseur » on a recalled lot (its row on Stock, or the recalled lots here): the return made and sent at once. */
    recalledLot: (async (req, res) => {
      const b = body(req);
      onRefusal(res, async (err) => ({ page: 'supplier-returns', fragment: 'purchasing/return-list', data: await returnsData({ recallError: err.message }) }));
      const input = parse(recalledLotSchema, { id: textOrNull(b.id) ?? undefined, batchId: b.batchId, supplierId: textOrNull(b.supplierId) });
      const { supplierReturn: r } = await s.supplierReturns.returnRecalledLot(input, actorOf(req));
      redirect(req, res, `/retours-fournisseur/${r.id}?rappel=1`);
    }) satisfies RequestHandler,

    one: (async (req, res) => {
      const id = idParam(req);
      const data = await returnData(id);
      const line = data.supplierReturn.lines[0];
      const done = req.query.rappel && line ? t('buying.recall_done', { number: data.supplierReturn.number ?? '', quantity: line.quantity, lotNumber: line.lotNumber, supplier: data.supplier.name }) : undefined;
      show(views, req, res, { page: 'supplier-return', fragment: 'purchasing/return', data: { ...data, done } });
    }) satisfies RequestHandler,

    act: (action: 'validate' | 'credit' | 'dispute') => (async (req, res) => {
      const id = idParam(req);
      const b = body(req);
      onRefusal(res, async (err) => ({ page: 'supplier-return', fragment: 'purchasing/return', data: await returnData(id, { error: err.message }) }));
      if (action === 'validate') await s.supplierReturns.validate(id, actorOf(req));
      else if (action === 'credit') await s.supplierReturns.credit(id, parse(creditSchema, { creditNoteNumber: b.creditNoteNumber, amount: formNumber(b.amount) }), actorOf(req));
      else await s.supplierReturns.dispute(id, parse(disputeSchema, { note: b.note }).note, actorOf(req));
      redirect(req, res, `/retours-fournisseur/${id}`);
    }) satisfies RequestHandler,
  };

  return { orders, deliveries, returns };
}
