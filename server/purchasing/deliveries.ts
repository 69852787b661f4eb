import type { Actor, Deps } from '../context.js';
import type { Queryable, Tx } from '../db/pool.js';
import { dateInZone, formatDateFr } from '../domain/dates.js';
import { hasRole } from '../domain/roles.js';
import { openQuantity, receivedLotCheck, receivedStatus } from '../domain/purchasing.js';
import { AppError, notFound } from '../errors.js';
import { newId } from '../ids.js';
import { stampTransaction } from '../outbox/clock.js';
import { appendOutbox } from '../outbox/queries.js';
import {
  addReceived,
  deleteDeliveryLines,
  deliveryById,
  deliveryLines,
  insertDelivery,
  insertDeliveryLines,
  listDeliveries,
  markDeliveryValidated,
  nextNumber,
  orderById,
  orderLines,
  setLineLots,
  updateDeliveryHeader,
  type Delivery,
  type DeliveryLine,
  type PurchaseOrder,
} from './queries.js';
import type { CreateDeliveryInput, DeliveryLineInput, UpdateDeliveryInput, ValidateDeliveryInput } from './schemas.js';
import { documentNumber, moveOrder, statusText, type PurchasingSeats } from './service.js';
import { byLot, lotKey } from '../domain/lot-order.js';

const OPEN: readonly string[] = ['sent', 'partially_received'];

/** The value of a line at its unit cost: free units are not paid. */
const paidValue = (l: { quantity: number; freeQty: number; unitCost: number }) => (l.quantity - l.freeQty) * l.unitCost;

/** Delivery notes typed (or scanned) line by line as drafts, then validated into lots in one transaction. */
export function deliveriesService({ db, shop, now, bus }: Deps, seats: PurchasingSeats) {
  const today = () => dateInZone(now(), shop.timezone);

  async function own(q: Queryable, id: string, lock = false): Promise<Delivery> {
    const d = await deliveryById(q, id, lock);
    if (!d || d.shopId !== shop.id) throw notFound('purchase.delivery_not_found');
    return d;
  }

  async function draft(tx: Tx, id: string): Promise<Delivery> {
    const d = await own(tx, id, true);
    if (d.status !== 'draft') throw new AppError(409, 'delivery_validated', 'purchase.delivery_validated', { number: d.number ?? '' });
    return d;
  }

  /** The order a delivery answers: this shop's, of this supplier, still expecting goods. */
  async function openOrder(tx: Tx, supplierId: string, orderId: string): Promise<PurchaseOrder> {
    const order = await orderById(tx, orderId, true);
    if (!order || order.shopId !== shop.id) throw notFound('purchase.order_not_found');
    if (order.supplierId !== supplierId) throw new AppError(422, 'order_other_supplier', 'purchase.order_other_supplier', { number: order.number });
    if (!OPEN.includes(order.status)) throw new AppError(409, 'order_not_open', 'purchase.order_not_open', { number: order.number, status: statusText(order.status) });
    return order;
  }

  /** Lines as stored: numbered after those already typed; each names a line of the order only if it is one. */
  async function writeLines(tx: Tx, d: Delivery, lines: readonly DeliveryLineInput[], from: number) {
    const orderLineIds = d.purchaseOrderId ? new Set((await orderLines(tx, d.purchaseOrderId)).map((l) => l.id)) : new Set<string>();
    const rows = [];
    for (const [i, typed] of lines.entries()) {
      const l = await inUnits(tx, typed, from + i);
      if (l.freeQty > l.quantity) throw new AppError(422, 'validation', 'purchase.line_free_exceeds', { row: from + i }, { row: from + i - 1 });
      if (l.purchaseOrderLineId && !orderLineIds.has(l.purchaseOrderLineId)) {
        throw new AppError(422, 'order_line_unknown', 'purchase.order_line_unknown', { row: from + i, number: d.purchaseOrderId ?? '' }, { row: from + i - 1 });
      }
      rows.push({ ...l, id: l.id ?? newId(), lineNo: from + i, batchId: null });
    }
    await insertDeliveryLines(tx, d.id, rows);
  }

  /**
   * A line typed in a pack of its product (« 3 cartons de 10 ») in base
   * units: its quantities times the pack's units, the pack and its count
   * kept beside them. The unit cost is per base unit either way.
   */
  async function inUnits(tx: Tx, l: DeliveryLineInput, row: number) {
    if (!l.packId) return { ...l, packId: null, packQuantity: null };
    const pack = await seats.catalog.packOf(tx, l.productId, l.packId);
    if (!pack) throw new AppError(422, 'pack_unknown', 'buying.line_pack_unknown', { row }, { row: row - 1 });
    const times = (n: number) => n * pack.units;
    if (times(l.quantity) > 1_000_000) throw new AppError(422, 'validation', 'buying.line_pack_too_many', { row }, { row: row - 1 });
    return {
      ...l, quantity: times(l.quantity), freeQty: times(l.freeQty), invoicedQty: l.invoicedQty === null ? null : times(l.invoicedQty),
      packId: pack.id, packQuantity: l.quantity,
    };
  }

  async function view(id: string) {
    const d = await own(db, id);
    const lines = await deliveryLines(db, id);
    const order = d.purchaseOrderId ? await orderById(db, d.purchaseOrderId) : undefined;
    const ordered = d.purchaseOrderId ? await orderLines(db, d.purchaseOrderId) : [];
    return { ...d, lines, discrepancies: discrepancySheet(lines, ordered, d.invoiceTotal), order: order ? { id: order.id, number: order.number, status: order.status } : null };
  }

  return {
    view,
    list: (q: { status?: string } = {}) => listDeliveries(db, { shopId: shop.id, status: q.status, limit: 200 }),

    /** A draft delivery; the same `id` twice makes one. */
    async create(input: CreateDeliveryInput, actor: Actor) {
      const id = input.id ?? newId();
      const created = await db.withTransaction(async (tx) => {
        if (await deliveryById(tx, id)) return false;
        await seats.suppliers.supplierIn(tx, input.supplierId);
        if (input.purchaseOrderId) await openOrder(tx, input.supplierId, input.purchaseOrderId);
        const hlc = await stampTransaction(tx, now());
        const d: Omit<Delivery, 'createdAt' | 'updatedAt'> = {
          id, shopId: shop.id, number: null, supplierId: input.supplierId, purchaseOrderId: input.purchaseOrderId, deliveryNote: input.deliveryNote,
          invoiceNumber: input.invoiceNumber, invoiceTotal: input.invoiceTotal, status: 'draft', receivedDate: input.receivedDate, createdBy: actor.id,
          validatedAt: null, validatedBy: null, validatedByName: null, hlc,
        };
        if (!(await insertDelivery(tx, d))) return false;
        await writeLines(tx, { ...d, createdAt: now(), updatedAt: now() }, input.lines, 1);
        return true;
      });
      return { delivery: await view(id), created };
    },

    /** A draft's header, and its lines replaced when given. */
    async update(id: string, input: UpdateDeliveryInput) {
      await db.withTransaction(async (tx) => {
        const d = await draft(tx, id);
        const header = { deliveryNote: d.deliveryNote, invoiceNumber: d.invoiceNumber, invoiceTotal: d.invoiceTotal, receivedDate: d.receivedDate };
        for (const k of Object.keys(header) as (keyof typeof header)[]) if (input[k] !== undefined) (header as Record<string, unknown>)[k] = input[k];
        await updateDeliveryHeader(tx, id, header);
        if (input.lines) {
          await deleteDeliveryLines(tx, id);
          await writeLines(tx, d, input.lines, 1);
        }
      });
      return view(id);
    },

    /** One more line typed or scanned: saved at once, so a power cut loses nothing typed. */
    async addLine(id: string, line: DeliveryLineInput) {
      await db.withTransaction(async (tx) => {
        const d = await draft(tx, id);
        if (line.id && (await deliveryLines(tx, id)).some((l) => l.id === line.id)) return; // the same line sent again
        const last = (await tx.one<{ n: number }>('select coalesce(max(line_no), 0)::int as n from delivery_lines where delivery_id = $1', [id]))!.n;
        await writeLines(tx, d, [line], last + 1);
      });
      return view(id);
    },

    async removeLine(id: string, lineId: string) {
      await db.withTransaction(async (tx) => {
        await draft(tx, id);
        await deleteDeliveryLines(tx, id, [lineId]);
      });
      return view(id);
    },

    /**
     * « Valider la réception »: every line becomes a lot (or more units of
     * the lot already held) with its `receipt` movement, the suppliers' last
     * costs and the order's received quantities follow, all in one
     * transaction. The delivery row is locked first: a second click or a
     * retry waits, then finds it validated and writes nothing.
     */
    async validate(id: string, input: ValidateDeliveryInput, actor: Actor) {
      const settings = await seats.settings.get();
      const result = await db.withTransaction(async (tx) => {
        const d = await own(tx, id, true);
        if (d.status === 'validated') return { written: false };
        const lines = await deliveryLines(tx, id);
        if (lines.length === 0) throw new AppError(422, 'delivery_empty', 'purchase.delivery_empty');
        const day = today();
        const confirmed = new Map(input.lines.map((l) => [l.id, l.confirmShortDated]));
        const heldLots = new Map((await seats.stock.heldLots(tx, [...lines].sort(byLot))).map((b) => [lotKey(b), b]));
        for (const l of lines) {
          const at = { row: l.lineNo, lotNumber: l.lotNumber, expiry: formatDateFr(l.expirationDate) };
          const check = receivedLotCheck(l.expirationDate, day, settings.shortDatedMonths);
          if (check === 'expired') throw new AppError(422, 'expired_lot', 'purchase.line_expired', at, { lineId: l.id });
          l.confirmShortDated = confirmed.get(l.id) ?? l.confirmShortDated;
          if (check === 'short_dated') {
            if (!l.confirmShortDated) throw new AppError(422, 'short_dated', 'purchase.line_short_dated', { ...at, months: settings.shortDatedMonths }, { lineId: l.id });
            if (!hasRole(actor.role, 'pharmacist')) throw new AppError(403, 'forbidden', 'purchase.short_dated_pharmacist');
          }
          const held = heldLots.get(lotKey(l));
          if (held && held.expirationDate !== l.expirationDate) {
            throw new AppError(409, 'lot_expiry_differs', 'purchase.line_lot_other_expiry', { ...at, held: formatDateFr(held.expirationDate) }, { lineId: l.id });
          }
        }
        const order = d.purchaseOrderId ? await openOrder(tx, d.supplierId, d.purchaseOrderId) : undefined;
        const receivedDate = d.receivedDate ?? day;
        // Lots taken in one fixed order (product, lot): two receipts of the same lots never wait on each other in a cycle.
        const ordered = [...lines].sort(byLot);
        const batches = await seats.stock.receiveManyIn(tx, ordered.map((l) => ({
          productId: l.productId, lotNumber: l.lotNumber, expirationDate: l.expirationDate, quantity: l.quantity,
          unitCost: Math.round(paidValue(l) / l.quantity), receivedDate, supplierId: d.supplierId, purchaseOrderId: d.purchaseOrderId,
        })), actor);
        const lots = ordered.map((l, i) => ({ lineId: l.id, batchId: batches[i]!.id, confirmShortDated: l.confirmShortDated, quantity: l.quantity }));
        // In the note's order: a product on two lines keeps its last line's cost.
        await seats.suppliers.recordCostsIn(tx, d.supplierId, lines.filter((l) => l.quantity > l.freeQty).map((l) => ({ productId: l.productId, unitCost: l.unitCost })), receivedDate);
        await setLineLots(tx, lots);
        if (order) await receiveOnOrder(tx, order, lines, actor);
        const hlc = await stampTransaction(tx, now());
        const number = documentNumber('BR', shop.code, await nextNumber(tx, shop.id, 'delivery'));
        const validated = { number, receivedDate, validatedAt: now(), validatedBy: actor.id, validatedByName: actor.name, hlc };
        await markDeliveryValidated(tx, id, validated);
        const { hlc: _h, updatedAt: _u, ...doc } = { ...d, ...validated, status: 'validated' as const };
        const byLine = new Map(lots.map((l) => [l.lineId, l]));
        await appendOutbox(tx, [{
          entity: 'delivery', entityId: id, op: 'insert', hlc,
          payload: { ...doc, lines: lines.map(({ productName: _p, sku: _s, deliveryId: _d, packName: _n, packUnits: _u, ...l }) => ({ ...l, batchId: byLine.get(l.id)!.batchId })) },
        }]);
        return { written: true };
      });
      if (result.written) bus?.committed('batch');
      const delivery = await view(id);
      return { ...delivery, lots: delivery.lines.map((l) => ({ lineId: l.id, batchId: l.batchId, quantity: l.quantity })) };
    },
  };

  /** The order's lines gain what came; a line of the delivery that names none takes the first open line of its product. */
  async function receiveOnOrder(tx: Tx, order: PurchaseOrder, lines: readonly DeliveryLine[], actor: Actor) {
    const ol = await orderLines(tx, order.id);
    const open = new Map(ol.map((l) => [l.id, openQuantity(l)]));
    const received: { lineId: string; quantity: number }[] = [];
    for (const l of lines) {
      const target = l.purchaseOrderLineId ?? ol.find((o) => o.productId === l.productId && (open.get(o.id) ?? 0) > 0)?.id;
      if (!target) continue; // an extra, or a substitution: on the discrepancy sheet, not on the order
      received.push({ lineId: target, quantity: l.quantity });
      open.set(target, Math.max(0, (open.get(target) ?? 0) - l.quantity));
      if (!l.purchaseOrderLineId) await tx.exec('update delivery_lines set purchase_order_line_id = $2 where id = $1', [l.id, target]);
      l.purchaseOrderLineId = target;
    }
    await addReceived(tx, received);
    const after = ol.map((o) => ({ ...o, receivedQty: o.receivedQty + received.filter((r) => r.lineId === o.id).reduce((s, r) => s + r.quantity, 0) }));
    await moveOrder(tx, order, receivedStatus(after), actor, now());
  }
}

/** Ordered, received and invoiced, per line and in value; lines of the order that did not come are listed as missing. */
export function discrepancySheet(
  lines: readonly (DeliveryLine & { productName: string })[],
  ordered: readonly { id: string; productId: string; productName: string; quantity: number; receivedQty: number; unitCost: number | null }[],
  invoiceTotal: number | null,
) {
  const rows = lines.map((l) => {
    const o = ordered.find((x) => x.id === l.purchaseOrderLineId);
    const invoiced = l.invoicedQty ?? l.quantity - l.freeQty;
    return {
      lineId: l.id, productId: l.productId, productName: l.productName, lotNumber: l.lotNumber,
      orderedQty: o?.quantity ?? null, receivedQty: l.quantity, freeQty: l.freeQty, invoicedQty: invoiced,
      receivedValue: paidValue(l), invoicedValue: invoiced * l.unitCost, kind: o ? (o.productId === l.productId ? 'ordered' : 'substitution') : 'extra',
    };
  });
  const named = new Set(lines.map((l) => l.purchaseOrderLineId).filter(Boolean));
  const missing = ordered
    .filter((o) => !named.has(o.id) && openQuantity(o) > 0)
    .map((o) => ({ orderLineId: o.id, productId: o.productId, productName: o.productName, orderedQty: o.quantity, missingQty: openQuantity(o), value: openQuantity(o) * (o.unitCost ?? 0) }));
  const receivedValue = rows.reduce((s, r) => s + r.receivedValue, 0);
  const invoicedValue = rows.reduce((s, r) => s + r.invoicedValue, 0);
  return { rows, missing, receivedValue, invoicedValue, invoiceTotal, invoiceGap: invoiceTotal === null ? null : invoiceTotal - receivedValue };
}

export type DeliveriesService = ReturnType<typeof deliveriesService>;
