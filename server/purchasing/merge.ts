import type { MergeRun } from '../outbox/merge-run.js';
import { forbidden, unknownEntity } from '../stock/merge.js';
import {
  addReceived,
  deliveryById,
  insertDelivery,
  insertDeliveryLines,
  insertOrder,
  insertOrderLines,
  insertReturn,
  insertReturnLines,
  orderById,
  returnById,
  setOrderStatus,
  settleReturn,
  type Delivery,
  type DeliveryLine,
  type OrderLine,
  type PurchaseOrder,
  type ReturnLine,
  type StatusChange,
  type SupplierReturn,
} from './queries.js';

type Wire<T> = Omit<T, 'createdAt' | 'updatedAt' | 'hlc'> & { createdAt: string };
export type OrderInsert = Wire<PurchaseOrder> & { lines: Omit<OrderLine, 'orderId'>[] };
export type OrderUpdate = { id: string; shopId: string; status: PurchaseOrder['status']; history: StatusChange[] };
export type DeliveryInsert = Omit<Wire<Delivery>, 'validatedAt'> & { validatedAt: string | null; lines: Omit<DeliveryLine, 'deliveryId'>[] };
export type ReturnInsert = Omit<Wire<SupplierReturn>, 'validatedAt' | 'settledAt'> & { validatedAt: string | null; settledAt: string | null; lines: Omit<ReturnLine, 'returnId'>[] };
export type ReturnUpdate = Pick<SupplierReturn, 'id' | 'shopId' | 'status' | 'creditNoteNumber' | 'creditedAmount' | 'disputeNote' | 'settledBy'> & { settledAt: string | null };

const date = (v: string | null) => (v === null ? null : new Date(v));
/** An order's states only move forward: a late copy of an older state changes nothing. */
const RANK: Record<PurchaseOrder['status'], number> = { draft: 0, sent: 1, partially_received: 2, received: 3, cancelled: 3 };

/**
 * Purchase documents belong to the shop that made them: head office inserts
 * each once (by id) with its lines, takes an order's later states and a
 * return's settlement, and never edits them otherwise.
 */
export class PurchasingMerge {
  constructor(private readonly run: MergeRun) {}

  private get hq() {
    const seat = this.run.seat;
    if (seat.role !== 'hq' || !seat.shopId) throw new Error('head office, for one shop');
    return { ...seat, shopId: seat.shopId };
  }

  private own<T extends { shopId: string }>(row: T | undefined, entity: string, id: string): T {
    if (!row) throw unknownEntity(entity, id);
    if (row.shopId !== this.hq.shopId) throw forbidden(this.hq.shopCode);
    return row;
  }

  private async supplierKnown(id: string) {
    if (!(await this.run.tx.one('select 1 from suppliers where id = $1', [id]))) throw unknownEntity('supplier', id);
  }

  async orderSent(d: OrderInsert, hlc: string): Promise<void> {
    const { shopId, shopCode } = this.hq;
    if (d.shopId !== shopId) throw forbidden(shopCode);
    const existing = await orderById(this.run.tx, d.id, true);
    if (existing) return void this.own(existing, 'purchase_order', d.id);
    await this.supplierKnown(d.supplierId);
    const { lines, ...order } = d;
    await insertOrder(this.run.tx, { ...order, hlc, createdAt: new Date(d.createdAt) });
    await insertOrderLines(this.run.tx, d.id, lines.map((l) => ({ ...l, receivedQty: 0 })));
  }

  async orderMoved(d: OrderUpdate, hlc: string): Promise<void> {
    const order = this.own(await orderById(this.run.tx, d.id, true), 'purchase_order', d.id);
    if (RANK[d.status] < RANK[order.status] || (RANK[d.status] === RANK[order.status] && d.history.length <= order.history.length)) return;
    await setOrderStatus(this.run.tx, d.id, { status: d.status, history: d.history, hlc });
  }

  /** A validated delivery: its lines count on its order's received quantities once, when it is first inserted. */
  async deliveryReceived(d: DeliveryInsert, hlc: string): Promise<void> {
    const { shopId, shopCode } = this.hq;
    if (d.shopId !== shopId) throw forbidden(shopCode);
    const existing = await deliveryById(this.run.tx, d.id, true);
    if (existing) return void this.own(existing, 'delivery', d.id);
    await this.supplierKnown(d.supplierId);
    if (d.purchaseOrderId) this.own(await orderById(this.run.tx, d.purchaseOrderId, true), 'purchase_order', d.purchaseOrderId);
    const { lines, ...delivery } = d;
    await insertDelivery(this.run.tx, { ...delivery, validatedAt: date(d.validatedAt), hlc, createdAt: new Date(d.createdAt) });
    await insertDeliveryLines(this.run.tx, d.id, lines);
    await addReceived(this.run.tx, lines.filter((l) => l.purchaseOrderLineId).map((l) => ({ lineId: l.purchaseOrderLineId!, quantity: l.quantity })));
  }

  async returnSent(d: ReturnInsert, hlc: string): Promise<void> {
    const { shopId, shopCode } = this.hq;
    if (d.shopId !== shopId) throw forbidden(shopCode);
    const existing = await returnById(this.run.tx, d.id, true);
    if (existing) return void this.own(existing, 'supplier_return', d.id);
    await this.supplierKnown(d.supplierId);
    const { lines, ...doc } = d;
    await insertReturn(this.run.tx, { ...doc, validatedAt: date(d.validatedAt), settledAt: date(d.settledAt), hlc, createdAt: new Date(d.createdAt) });
    await insertReturnLines(this.run.tx, d.id, lines);
  }

  async returnSettled(d: ReturnUpdate, hlc: string): Promise<void> {
    const r = this.own(await returnById(this.run.tx, d.id, true), 'supplier_return', d.id);
    if (r.status === 'credited') return; // closed: a late copy of the dispute changes nothing
    await settleReturn(this.run.tx, d.id, { ...d, settledAt: date(d.settledAt), hlc });
  }
}
