import type { Actor, Deps } from '../context.js';
import type { Db, Queryable, Tx } from '../db/pool.js';
import { addDays, dateInZone, formatDateFr, formatMonthYear } from '../domain/dates.js';
import { formatFcfa } from '../domain/money.js';
import { openQuantity, suggestQuantity, type OrderStatus } from '../domain/purchasing.js';
import { AppError, notFound } from '../errors.js';
import { t } from '../i18n/fr.js';
import { newId } from '../ids.js';
import { stampTransaction } from '../outbox/clock.js';
import { appendOutbox } from '../outbox/queries.js';
import { toCsv } from '../web/csv.js';
import type { CatalogService } from '../catalog/service.js';
import type { SettingsService } from '../shops/service.js';
import type { StockService } from '../stock/service.js';
import type { SuppliersService } from '../suppliers/service.js';
import {
  highestNumbers,
  insertOrder,
  insertOrderLines,
  listOrders,
  nextNumber,
  openOnOrder,
  orderById,
  orderLines,
  raiseCounters,
  replaceOrderLines,
  setOrderStatus,
  type DocumentNumbers,
  type PurchaseOrder,
  type StatusChange,
} from './queries.js';
import { hqDeliveries, hqOrders, hqPendingCredits, hqPurchasesBySupplierMonth, hqPurchaseSuppliers, type HqPurchaseFilter } from './hq-queries.js';
import { purchaseDocPdf } from './pdf.js';
import type { CreateOrderInput, UpdateOrderInput } from './schemas.js';

export interface PurchasingSeats {
  stock: StockService;
  suppliers: SuppliersService;
  settings: SettingsService;
  catalog: Pick<CatalogService, 'stockLimits' | 'packOf'>;
}

export const documentNumber = (prefix: 'BC' | 'BR' | 'RF', shopCode: string, n: number) => `${prefix}-${shopCode}-${String(n).padStart(6, '0')}`;
export const statusText = (s: OrderStatus) => t(`purchase.status.${s}`);

/** The order as the wire carries it upstream: the document with its lines, once sent. */
export async function orderPayload(tx: Tx, order: PurchaseOrder) {
  const lines = await orderLines(tx, order.id);
  const { hlc: _h, updatedAt: _u, ...doc } = order;
  return { ...doc, lines: lines.map((l) => ({ id: l.id, lineNo: l.lineNo, productId: l.productId, quantity: l.quantity, unitCost: l.unitCost, receivedQty: l.receivedQty })) };
}

/** Who a purchase document is addressed to, as its PDF prints it. */
export const supplierBlock = (s: { name: string; address: string; phone: string; email: string; taxId: string }) => ({
  label: s.name,
  lines: [s.address, s.phone, s.email, s.taxId ? t('purchase.pdf.tax_id', { taxId: s.taxId }) : ''],
});

/** A dated, signed change of an order's state; a sent order's change travels to head office. */
export async function moveOrder(tx: Tx, order: PurchaseOrder, status: OrderStatus, actor: Actor, at: Date): Promise<PurchaseOrder> {
  if (order.status === status) return order;
  const history: StatusChange[] = [...order.history, { status, at: at.toISOString(), userId: actor.id, userName: actor.name }];
  const hlc = await stampTransaction(tx, at);
  await setOrderStatus(tx, order.id, { status, history, hlc });
  const next = { ...order, status, history, hlc };
  if (order.status === 'draft' && status === 'sent') {
    await appendOutbox(tx, [{ entity: 'purchase_order', entityId: order.id, op: 'insert', payload: await orderPayload(tx, next), hlc }]);
  } else if (order.status !== 'draft') {
    await appendOutbox(tx, [{ entity: 'purchase_order', entityId: order.id, op: 'update', payload: { id: order.id, shopId: order.shopId, status, history }, hlc }]);
  }
  return next;
}

/** Purchase orders and their suggested quantities. */
export function purchaseOrdersService({ db, shop, now }: Deps, seats: PurchasingSeats) {
  const today = () => dateInZone(now(), shop.timezone);

  async function ownOrder(tx: Queryable, id: string, lock = false): Promise<PurchaseOrder> {
    const order = await orderById(tx, id, lock);
    if (!order || order.shopId !== shop.id) throw notFound('purchase.order_not_found');
    return order;
  }

  const numbered = (lines: CreateOrderInput['lines']) => lines.map((l, i) => ({ id: newId(), lineNo: i + 1, productId: l.productId, quantity: l.quantity, unitCost: l.unitCost }));

  async function view(id: string) {
    const order = await ownOrder(db, id);
    const lines = await orderLines(db, id);
    const { hlc: _h, ...rest } = order;
    return { ...rest, statusText: statusText(order.status), lines: lines.map((l) => ({ ...l, openQty: order.status === 'cancelled' ? 0 : openQuantity(l) })) };
  }

  return {
    view,

    /** A draft order; the same `id` twice makes one order. */
    async create(input: CreateOrderInput, actor: Actor): Promise<{ order: Awaited<ReturnType<typeof view>>; created: boolean }> {
      const id = input.id ?? newId();
      const created = await db.withTransaction(async (tx) => {
        if (await orderById(tx, id)) return false;
        await seats.suppliers.supplierIn(tx, input.supplierId);
        const n = await nextNumber(tx, shop.id, 'order');
        const hlc = await stampTransaction(tx, now());
        const history = [{ status: 'draft', at: now().toISOString(), userId: actor.id, userName: actor.name }];
        if (!(await insertOrder(tx, { id, shopId: shop.id, number: documentNumber('BC', shop.code, n), supplierId: input.supplierId, status: 'draft', note: input.note, history, createdBy: actor.id, createdByName: actor.name, hlc }))) return false;
        await insertOrderLines(tx, id, numbered(input.lines).map((l) => ({ ...l, receivedQty: 0 })));
        return true;
      });
      return { order: await view(id), created };
    },

    /** A draft's lines are replaced; a sent order's are not edited (a new order or a cancellation instead). */
    async update(id: string, input: UpdateOrderInput, _actor: Actor) {
      await db.withTransaction(async (tx) => {
        const order = await ownOrder(tx, id, true);
        if (order.status !== 'draft') throw new AppError(409, 'order_not_draft', 'purchase.order_not_draft', { number: order.number, status: statusText(order.status) });
        if (input.lines) await replaceOrderLines(tx, id, numbered(input.lines));
        if (input.note !== undefined) await tx.exec('update purchase_orders set note = $2 where id = $1', [id, input.note]);
      });
      return view(id);
    },

    /** Draft → sent: the order goes to head office with its lines. Sending a sent order again answers it as it is. */
    async send(id: string, actor: Actor) {
      await db.withTransaction(async (tx) => {
        const order = await ownOrder(tx, id, true);
        if (order.status === 'sent') return;
        if (order.status !== 'draft') throw new AppError(409, 'order_not_draft', 'purchase.order_cannot_send', { number: order.number, status: statusText(order.status) });
        if ((await orderLines(tx, id)).length === 0) throw new AppError(422, 'order_empty', 'purchase.order_empty');
        await moveOrder(tx, order, 'sent', actor, now());
      });
      return view(id);
    },

    /** A draft, a sent or a partly received order is cancelled (what came stays received); a received one is not. */
    async cancel(id: string, actor: Actor) {
      await db.withTransaction(async (tx) => {
        const order = await ownOrder(tx, id, true);
        if (order.status === 'cancelled') return;
        if (order.status === 'received') throw new AppError(409, 'order_closed', 'purchase.order_cannot_cancel', { number: order.number, status: statusText(order.status) });
        await moveOrder(tx, order, 'cancelled', actor, now());
      });
      return view(id);
    },

    /** The order as a wholesaler's portal imports it: its codes, the units and whole cartons, the expected cost. */
    async csv(id: string): Promise<{ filename: string; csv: string }> {
      const order = await view(id);
      const links = new Map((await seats.suppliers.linksOfSupplier(order.supplierId)).map((l) => [l.productId, l]));
      const rows = order.lines.map((l) => {
        const link = links.get(l.productId);
        const pack = link?.packUnits ?? 1;
        return [link?.supplierCode ?? '', l.gtin ?? '', l.sku, l.productName, l.quantity, pack, Math.ceil(l.quantity / pack), l.unitCost];
      });
      const header = (['code_fournisseur', 'gtin', 'sku', 'designation', 'quantite_unites', 'unites_par_carton', 'cartons', 'prix_unitaire'] as const).map((k) => t(`purchase.csv.${k}`));
      return { filename: `${order.number}.csv`, csv: toCsv(header, rows) };
    },

    /** The order as the wholesaler receives it: A4, French, the supplier's codes and cartons, the expected value. */
    async pdf(id: string): Promise<{ filename: string; pdf: Buffer }> {
      const order = await view(id);
      const supplier = await seats.suppliers.get(order.supplierId);
      const links = new Map(supplier.products.map((l) => [l.productId, l]));
      const value = (l: { quantity: number; unitCost: number | null }) => l.quantity * (l.unitCost ?? 0);
      const pdf = await purchaseDocPdf({
        title: t('purchase.pdf.order_title'), number: order.number, shopName: shop.name,
        date: formatDateFr(dateInZone(order.createdAt, shop.timezone)),
        party: supplierBlock(supplier),
        meta: [t('purchase.pdf.state', { status: statusText(order.status) }), order.note ? t('purchase.pdf.note', { note: order.note }) : ''].filter(Boolean),
        columns: [
          { label: t('purchase.csv.code_fournisseur'), width: 0.13 }, { label: t('purchase.csv.designation'), width: 0.26 }, { label: t('purchase.csv.gtin'), width: 0.17 },
          { label: t('purchase.pdf.quantity'), width: 0.06, align: 'right' }, { label: t('purchase.csv.cartons'), width: 0.09, align: 'right' },
          { label: t('purchase.pdf.unit_cost'), width: 0.13, align: 'right' }, { label: t('purchase.pdf.amount'), width: 0.16, align: 'right' },
        ],
        rows: order.lines.map((l) => {
          const pack = links.get(l.productId)?.packUnits ?? 1;
          return [links.get(l.productId)?.supplierCode ?? '', l.productName, l.gtin ?? '', String(l.quantity), String(Math.ceil(l.quantity / pack)),
            l.unitCost === null ? '—' : formatFcfa(l.unitCost), l.unitCost === null ? '—' : formatFcfa(value(l))];
        }),
        totals: [[t('purchase.pdf.order_total'), formatFcfa(order.lines.reduce((sum, l) => sum + value(l), 0))]],
        footer: t('purchase.pdf.order_footer', { name: order.createdByName ?? '' }),
      });
      return { filename: order.number, pdf };
    },

    list: (q: { status?: string; supplierId?: string } = {}) => listOrders(db, { shopId: shop.id, ...q, limit: 200 }),

    /**
     * What to order, per product of a supplier (or of every product sold in
     * the window or linked to a supplier), with the reason on each line.
     */
    async suggestions(q: { supplierId?: string | undefined }) {
      const settings = await seats.settings.get();
      const day = today();
      const supplier = q.supplierId ? await db.withTransaction((tx) => seats.suppliers.supplierIn(tx, q.supplierId!)) : undefined;
      const since = new Date(now().getTime() - settings.orderWeeks * 7 * 86_400_000);
      const links = supplier ? await seats.suppliers.linksOfSupplier(supplier.id) : undefined;
      const sold = await seats.stock.soldSince(links ? links.map((l) => l.productId) : null, since);
      // The whole catalogue: what sold in the window, and what has a min/max even if it did not sell.
      const limited = links ? undefined : await seats.catalog.stockLimits(null);
      const productIds = links ? links.map((l) => l.productId) : [...new Set([...sold.map((s) => s.productId), ...limited!.map((l) => l.productId)])];
      const limitsBy = new Map((limited ?? (await seats.catalog.stockLimits(productIds))).map((l) => [l.productId, l]));
      const allLinks = links ?? (await seats.suppliers.linksOfProducts(productIds));
      const lots = await seats.stock.lotsOfProducts(productIds);
      const onOrder = new Map((await openOnOrder(db, shop.id, productIds)).map((o) => [o.productId, o.quantity]));
      const soldBy = new Map(sold.map((s) => [s.productId, s.sold]));
      const leadTimes = new Map((await seats.suppliers.list()).map((s) => [s.id, s.leadTimeDays]));
      // Grouped once: a 5 000-product catalogue searched per product was 50 M comparisons.
      const linksBy = groupBy(allLinks, (l) => l.productId);
      const lotsBy = groupBy(lots, (b) => b.productId);
      return productIds.map((productId) => {
        const limits = limitsBy.get(productId);
        const mine = linksBy.get(productId) ?? [];
        const link = mine.find((l) => (supplier ? l.supplierId === supplier.id : l.preferred)) ?? mine[0];
        const s = suggestQuantity({
          today: day, soldInPeriod: Math.max(0, soldBy.get(productId) ?? 0), weeks: settings.orderWeeks,
          lots: lotsBy.get(productId) ?? [], onOrder: onOrder.get(productId) ?? 0,
          leadTimeDays: (link ? leadTimes.get(link.supplierId) : undefined) ?? 1, coverDays: settings.coverDays,
          minStock: limits?.minStock ?? null, maxStock: limits?.maxStock ?? null, packUnits: link?.packUnits ?? 1,
        });
        const why = t('purchase.why', {
          sold: s.soldInPeriod, weeks: settings.orderWeeks, onHand: s.onHand, onOrder: s.onOrder, suggested: s.suggestedQty,
          usable: s.usable < s.onHand ? t('purchase.why_usable', { usable: s.usable }) : '',
        }) + (s.rule === 'cover' ? '' : t('purchase.why_min_max', { min: limits?.minStock ?? '—', max: limits?.maxStock ?? '—' }));
        return { productId, rule: s.rule, minStock: limits?.minStock ?? null, maxStock: limits?.maxStock ?? null, supplierId: link?.supplierId ?? null, packUnits: link?.packUnits ?? 1, lastCost: link?.lastCost ?? null, suggestedQty: s.suggestedQty, onHand: s.onHand, usable: s.usable, onOrder: s.onOrder, soldInPeriod: s.soldInPeriod, why, nextDelivery: addDays(day, (link ? leadTimes.get(link.supplierId) : undefined) ?? 1) };
      });
    },
  };
}

export type PurchaseOrdersService = ReturnType<typeof purchaseOrdersService>;

/** Head office's seat: the highest document numbers it holds of a shop (for its rebuild), and every shop's documents for its Achats page. */
export function purchasingAtHq({ db, now, timezone }: { db: Db; now?: () => Date; timezone?: string }) {
  return {
    highestNumbers: (shopId: string): Promise<DocumentNumbers> => highestNumbers(db, shopId),
    /** Orders and deliveries across shops (a state filters the orders), and the credits still expected from suppliers. */
    async overview(f: Omit<HqPurchaseFilter, 'limit'>) {
      const today = dateInZone((now ?? (() => new Date()))(), timezone ?? 'UTC');
      const limit = 1000;
      const orders = (await hqOrders(db, { ...f, limit })).map((o) => ({ ...o, statusText: statusText(o.status as OrderStatus) }));
      const deliveries = await hqDeliveries(db, { ...f, status: undefined, limit });
      const credits = (await hqPendingCredits(db, { ...f, limit, today })).map((c) => ({ ...c, statusText: t(`purchase.return_status.${c.status as 'sent' | 'disputed'}`) }));
      const bySupplier = (await hqPurchasesBySupplierMonth(db, { ...f, limit })).map((r) => ({ ...r, monthText: formatMonthYear(`${r.month}-01`) }));
      const sum = <T>(rows: readonly T[], k: (r: T) => number) => rows.reduce((a, r) => a + k(r), 0);
      return {
        orders, deliveries, credits, bySupplier,
        totals: { ordered: sum(orders, (o) => o.orderedValue), received: sum(deliveries, (d) => d.receivedValue), pending: sum(credits, (c) => c.expectedCredit) },
      };
    },
    suppliers: () => hqPurchaseSuppliers(db),
  };
}
export type PurchasingAtHq = ReturnType<typeof purchasingAtHq>;

/** A rebuilt shop's counters continue after head office's highest numbers (never below what the shop already gave). */
export const restoreCounters = (tx: Tx, shopId: string, n: DocumentNumbers) => raiseCounters(tx, shopId, n);

function groupBy<T>(rows: readonly T[], key: (row: T) => string): Map<string, T[]> {
  const by = new Map<string, T[]>();
  for (const r of rows) {
    const k = key(r);
    const list = by.get(k);
    if (list) list.push(r);
    else by.set(k, [r]);
  }
  return by;
}
