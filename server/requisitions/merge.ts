import { AppError } from '../errors.js';
import type { MergeRun } from '../outbox/merge-run.js';
import { forbidden, unknownEntity } from '../stock/merge.js';
import { registeredShop } from '../transfers/queries.js';
import { cancelRequisition, insertRequisitionIfAbsent, requisitionById, type RequisitionLine } from './queries.js';

/** A requisition as it crosses the wire: B's record. */
export interface RequisitionWire {
  id: string;
  shopId: string;
  shopCode: string;
  number: string;
  fromShopId: string;
  fromShopCode: string;
  status: 'open';
  lines: RequisitionLine[];
  note: string | null;
  createdBy: string | null;
  createdByName: string;
  createdAt: string;
}

/** The one change a requisition knows after it left: B cancelled it. */
export interface RequisitionUpdateWire {
  id: string;
  shopId: string;
  status: 'cancelled';
  cancelledAt: string;
}

const insertWire = (run: MergeRun, d: RequisitionWire, hlc: string) =>
  insertRequisitionIfAbsent(run.tx, { ...d, cancelledAt: null, hlc, createdAt: new Date(d.createdAt) });

/**
 * How a requisition crosses head office: B's request goes to A's feed (as a
 * shipment goes to B's), and so does B's cancel. A answers with a transfer
 * naming it, which travels as any shipment; « answered » is read from that
 * transfer wherever it is held, never written on the requisition.
 */
export class RequisitionMerge {
  constructor(private readonly run: MergeRun) {}

  private get hq() {
    const seat = this.run.seat;
    if (seat.role !== 'hq' || !seat.shopId) throw new Error('head office, for one shop');
    return { ...seat, shopId: seat.shopId };
  }

  // ---- head office, B's push ----

  async asked(d: RequisitionWire, hlc: string): Promise<void> {
    const seat = this.hq;
    if (d.shopId !== seat.shopId || d.shopCode !== seat.shopCode) throw forbidden(seat.shopCode);
    const existing = await requisitionById(this.run.tx, d.id);
    if (existing) {
      if (existing.shopId !== seat.shopId) throw forbidden(seat.shopCode);
      return; // a replay
    }
    const from = await registeredShop(this.run.tx, d.fromShopId);
    if (!from || from.id === seat.shopId || from.code !== d.fromShopCode) {
      throw new AppError(422, 'unknown_shop', 'requisition.unknown_shop', { code: d.fromShopCode });
    }
    await insertWire(this.run, d, hlc);
    this.run.emit({ shopId: d.fromShopId, originShopId: seat.shopId, entity: 'requisition', entityId: d.id, payload: d, hlc });
  }

  async cancelled(d: RequisitionUpdateWire, hlc: string): Promise<void> {
    const seat = this.hq;
    const r = await requisitionById(this.run.tx, d.id, true);
    if (!r) throw unknownEntity('requisition', d.id);
    if (r.shopId !== seat.shopId || d.shopId !== seat.shopId) throw forbidden(seat.shopCode);
    if (r.status === 'cancelled') return; // a replay
    if (r.transferId) {
      // A answered before B's cancel reached head office: the boxes travel anyway; B receives them as any shipment.
      this.run.log('requisition', r.id, {
        field: 'status', localValue: 'answered', remoteValue: 'cancelled', localClock: r.hlc, remoteClock: hlc, winner: 'remote', reason: 'requisition_answered_first',
      });
    }
    await cancelRequisition(this.run.tx, r.id, new Date(d.cancelledAt), hlc);
    this.run.emit({ shopId: r.fromShopId, originShopId: seat.shopId, entity: 'requisition', entityId: r.id, payload: d, hlc });
  }

  // ---- A, head office's feed ----

  async pulled(d: RequisitionWire | RequisitionUpdateWire, hlc: string): Promise<void> {
    const seat = this.run.seat;
    if (seat.role !== 'shop') throw new Error('shop only');
    if ('lines' in d) {
      if (d.fromShopId === seat.shopId) await insertWire(this.run, d, hlc);
      return;
    }
    const r = await requisitionById(this.run.tx, d.id, true);
    if (!r || r.fromShopId !== seat.shopId || r.status === 'cancelled') return;
    await cancelRequisition(this.run.tx, r.id, new Date(d.cancelledAt), hlc);
  }
}
