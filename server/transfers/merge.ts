import { AppError } from '../errors.js';
import type { MergeRun } from '../outbox/merge-run.js';
import { appendOutbox } from '../outbox/queries.js';
import { stampTransaction } from '../outbox/clock.js';
import { lockLotsOf, lotsOwnedBy, moveUnits } from '../stock/lot-moves.js';
import { forbidden, unknownEntity } from '../stock/merge.js';
import { requisitionById } from '../requisitions/queries.js';
import {
  insertLines,
  insertReceiptIfAbsent,
  insertTransferIfAbsent,
  linesOf,
  receiptsOf,
  registeredShop,
  setStatus,
  transferById,
  upsertChainShop,
  type ReceiptLine,
  type Transfer,
  type TransferLine,
} from './queries.js';

/** A shipment as it crosses the wire: A's record, frozen once shipped. */
export interface ShipmentWire {
  id: string;
  shopId: string;
  shopCode: string;
  number: string;
  toShopId: string;
  toShopCode: string;
  status: 'shipped';
  reason: string | null;
  createdBy: string | null;
  createdByName: string;
  shippedAt: string;
  createdAt: string;
  lines: Omit<TransferLine, 'transferId'>[];
  /** The receiving shop's requisition this shipment answers (absent from a shop older than requisitions). */
  requisitionId?: string | null;
}

/** The one change a shipment knows after it left: cancelled by A, or shipped again once head office overruled that cancel. */
export interface ShipmentUpdateWire {
  id: string;
  shopId: string;
  status: 'cancelled' | 'shipped';
  cancelledAt: string | null;
  cancelOverruledAt: string | null;
}

/** B's receipt: B's record, what arrived of each line. */
export interface ReceiptWire {
  id: string;
  shopId: string;
  transferId: string;
  receivedBy: string | null;
  receivedByName: string;
  lines: ReceiptLine[];
  shippedUnits: number;
  receivedUnits: number;
  createdAt: string;
}

const date = (v: string | null | undefined) => (v ? new Date(v) : null);

export function shipmentWire(t: Transfer, lines: readonly TransferLine[]): ShipmentWire {
  return {
    id: t.id, shopId: t.shopId, shopCode: t.shopCode, number: t.number, toShopId: t.toShopId, toShopCode: t.toShopCode, status: 'shipped', reason: t.reason,
    createdBy: t.createdBy, createdByName: t.createdByName, shippedAt: t.shippedAt!.toISOString(), createdAt: t.createdAt.toISOString(),
    lines: lines.map(({ transferId: _t, ...l }) => l),
    ...(t.requisitionId ? { requisitionId: t.requisitionId } : {}),
  };
}

async function insertShipment(run: MergeRun, d: ShipmentWire, hlc: string): Promise<boolean> {
  const inserted = await insertTransferIfAbsent(run.tx, {
    id: d.id, shopId: d.shopId, shopCode: d.shopCode, number: d.number, toShopId: d.toShopId, toShopCode: d.toShopCode, status: 'shipped', reason: d.reason,
    createdBy: d.createdBy, createdByName: d.createdByName, shippedAt: new Date(d.shippedAt), cancelledAt: null, cancelOverruledAt: null,
    requisitionId: d.requisitionId ?? null, hlc, createdAt: new Date(d.createdAt),
  });
  if (inserted) await insertLines(run.tx, d.lines.map((l) => ({ ...l, transferId: d.id })));
  return inserted;
}

/**
 * How transfers cross head office: A's shipment goes to B's feed, B's
 * receipt to A's. The one rule of a cancel racing a receipt, whichever
 * reaches head office first: **the receipt wins** (B holds the boxes; a
 * cancel is a decision, a receipt a fact). Head office keeps the transfer
 * shipped and logs it; A, on its next pull, takes the units out again.
 */
export class TransferMerge {
  constructor(
    private readonly run: MergeRun,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private get hq() {
    const seat = this.run.seat;
    if (seat.role !== 'hq' || !seat.shopId) throw new Error('head office, for one shop');
    return { ...seat, shopId: seat.shopId };
  }

  private get shop() {
    const seat = this.run.seat;
    if (seat.role !== 'shop') throw new Error('shop only');
    return seat;
  }

  // ---- head office, a shop's push ----

  async shipped(d: ShipmentWire, hlc: string): Promise<void> {
    const seat = this.hq;
    if (d.shopId !== seat.shopId || d.shopCode !== seat.shopCode) throw forbidden(seat.shopCode);
    const existing = await transferById(this.run.tx, d.id);
    if (existing) {
      if (existing.shopId !== seat.shopId) throw forbidden(seat.shopCode);
      return; // a replay
    }
    const to = await registeredShop(this.run.tx, d.toShopId);
    if (!to || to.id === seat.shopId || to.code !== d.toShopCode) throw new AppError(422, 'unknown_shop', 'transfer.unknown_shop', { code: d.toShopCode });
    const owned = await lotsOwnedBy(this.run.tx, seat.shopId, d.lines.map((l) => l.batchId));
    if (d.lines.some((l) => !owned.has(l.batchId))) throw unknownEntity('batch', d.lines.find((l) => !owned.has(l.batchId))!.batchId);
    if (d.requisitionId) {
      // A shipment answers a requisition of its receiver made to its sender, or none: a link to another is dropped. One
      // head office does not hold (restored from an older backup) is kept: the asking shop's nightly run sends it again.
      const r = await requisitionById(this.run.tx, d.requisitionId);
      if (r && (r.shopId !== d.toShopId || r.fromShopId !== seat.shopId)) d = { ...d, requisitionId: null };
    }
    await insertShipment(this.run, d, hlc);
    this.run.emit({ shopId: d.toShopId, originShopId: seat.shopId, entity: 'transfer', entityId: d.id, payload: d, hlc });
  }

  async updated(d: ShipmentUpdateWire, hlc: string): Promise<void> {
    const seat = this.hq;
    const t = await transferById(this.run.tx, d.id, true);
    if (!t) throw unknownEntity('transfer', d.id);
    if (t.shopId !== seat.shopId || d.shopId !== seat.shopId) throw forbidden(seat.shopCode);
    if (d.status !== 'cancelled' || t.status === 'cancelled') return; // a replay, or A catching up with head office's decision
    const [receipt] = await receiptsOf(this.run.tx, [t.id]);
    if (receipt) {
      this.run.log('transfer', t.id, {
        field: 'status', localValue: 'received', remoteValue: 'cancelled', localClock: receipt.hlc, remoteClock: hlc, winner: 'local', reason: 'transfer_received_first',
      });
      return;
    }
    const updated = await setStatus(this.run.tx, t.id, { status: 'cancelled', cancelledAt: date(d.cancelledAt) ?? this.now(), hlc });
    this.run.emit({ shopId: t.toShopId, originShopId: seat.shopId, entity: 'transfer', entityId: t.id, payload: { ...d, status: updated.status }, hlc });
  }

  async received(d: ReceiptWire, hlc: string): Promise<void> {
    const seat = this.hq;
    if (d.shopId !== seat.shopId) throw forbidden(seat.shopCode);
    const t = await transferById(this.run.tx, d.transferId, true);
    if (!t) throw unknownEntity('transfer', d.transferId);
    if (t.toShopId !== seat.shopId) throw forbidden(seat.shopCode);
    const lines = await linesOf(this.run.tx, [t.id]);
    if (d.lines.length !== lines.length || d.lines.some((r) => !lines.some((l) => l.id === r.lineId && r.receivedQty <= l.quantity))) {
      throw new AppError(422, 'receipt_lines', 'transfer.receipt_lines');
    }
    const inserted = await insertReceiptIfAbsent(this.run.tx, { ...d, hlc, createdAt: new Date(d.createdAt) });
    if (!inserted) return; // a replay
    if (t.status === 'cancelled') {
      await setStatus(this.run.tx, t.id, { status: 'shipped', cancelOverruledAt: this.now(), hlc });
      this.run.log('transfer', t.id, {
        field: 'status', localValue: 'cancelled', remoteValue: 'received', localClock: t.hlc, remoteClock: hlc, winner: 'remote', reason: 'transfer_cancel_overruled',
      });
    }
    if (d.receivedUnits !== d.shippedUnits) {
      this.run.log('transfer', t.id, {
        field: 'quantity', localValue: d.shippedUnits, remoteValue: d.receivedUnits, localClock: t.hlc, remoteClock: hlc, winner: 'remote', reason: 'transfer_difference',
      });
    }
    this.run.emit({ shopId: t.shopId, originShopId: seat.shopId, entity: 'transfer_receipt', entityId: d.id, payload: d, hlc });
  }

  // ---- a shop, head office's feed ----

  /** B: a shipment addressed to it, or its cancel. */
  async pulledTransfer(d: ShipmentWire | ShipmentUpdateWire, hlc: string): Promise<void> {
    const me = this.shop.shopId;
    if ('lines' in d) {
      if (d.toShopId === me) await insertShipment(this.run, d, hlc);
      return;
    }
    const t = await transferById(this.run.tx, d.id, true);
    if (!t || t.toShopId !== me || t.status === d.status) return;
    // A receipt made here already wins: head office keeps it and tells the sender.
    if ((await receiptsOf(this.run.tx, [t.id])).length > 0) return;
    await setStatus(this.run.tx, t.id, { status: d.status, cancelledAt: date(d.cancelledAt), hlc });
  }

  /** A: B's receipt of its shipment, read-only here; a cancel head office overruled takes the units out again. */
  async pulledReceipt(d: ReceiptWire, hlc: string): Promise<void> {
    const me = this.shop.shopId;
    const t = await transferById(this.run.tx, d.transferId, true);
    if (!t || t.shopId !== me) return;
    if (!(await insertReceiptIfAbsent(this.run.tx, { ...d, hlc, createdAt: new Date(d.createdAt) }))) return;
    if (t.status !== 'cancelled') return;
    const lines = await linesOf(this.run.tx, [t.id]);
    const lots = await lockLotsOf(this.run.tx, me, lines.map((l) => l.batchId));
    // The boxes are at B: they leave A's lots again, whatever those hold now (a fact, never refused).
    await moveUnits(this.run.tx, me, lines.map((l) => ({ batchId: l.batchId, delta: -l.quantity, reason: t.number })), {
      kind: 'transfer_out', actor: null, now: this.now(), lots, allowNegative: true,
    });
    const at = this.now();
    const stamp = await stampTransaction(this.run.tx, at);
    await setStatus(this.run.tx, t.id, { status: 'shipped', cancelOverruledAt: at, hlc: stamp });
    this.run.log('transfer', t.id, {
      field: 'status', localValue: 'cancelled', remoteValue: 'received', localClock: t.hlc, remoteClock: hlc, winner: 'remote', reason: 'transfer_cancel_overruled',
    });
    const update: ShipmentUpdateWire = { id: t.id, shopId: me, status: 'shipped', cancelledAt: null, cancelOverruledAt: at.toISOString() };
    await appendOutbox(this.run.tx, [{ entity: 'transfer', entityId: t.id, op: 'update', payload: update, hlc: stamp }]);
    this.run.changed.add('batch');
  }

  /** A shop rebuilt from head office: the chain's shops as head office lists them. */
  async restoreShops(shops: readonly { id: string; code: string; name: string }[]): Promise<void> {
    for (const s of shops) await upsertChainShop(this.run.tx, s);
  }

  /** Any shop: the chain's shops, where a transfer may go. */
  async pulledShop(d: { id: string; code: string; name: string }): Promise<void> {
    await upsertChainShop(this.run.tx, d);
  }
}
