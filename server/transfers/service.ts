import type { Actor, Deps } from '../context.js';
import { dateInZone } from '../domain/dates.js';
import { AppError, notFound } from '../errors.js';
import { newId } from '../ids.js';
import { stampTransaction } from '../outbox/clock.js';
import { appendOutbox } from '../outbox/queries.js';
import { lockLotsOf, lotDescriptions, moveUnits, receiveUnits } from '../stock/lot-moves.js';
import { shipmentWire, type ReceiptWire, type ShipmentUpdateWire } from './merge.js';
import {
  chainShopByCode,
  chainShops,
  chainTransfers,
  insertLines,
  insertReceiptIfAbsent,
  insertTransferIfAbsent,
  linesOf,
  nextTransferNumber,
  receiptsOf,
  setStatus,
  transferById,
  transfersOf,
  type Transfer,
  type TransferLine,
  type TransferReceipt,
} from './queries.js';
import type { CreateTransferInput, ReceiveTransferInput } from './schemas.js';
import type { Queryable } from '../db/pool.js';
import { requisitionById } from '../requisitions/queries.js';

export type TransferState = 'draft' | 'shipped' | 'received' | 'cancelled';

export interface TransferView extends Omit<Transfer, 'status'> {
  /** As the contract names it: `received` once the receiving shop's receipt exists (the shipment's own record stays `shipped`). */
  status: TransferState;
  direction: 'out' | 'in';
  lines: (TransferLine & { receivedQty: number | null; note: string | null; difference: number | null })[];
  receipt: TransferReceipt | null;
  shippedUnits: number;
  /** Units that left the sender and are in no shop's sellable stock yet. */
  inTransitUnits: number;
}

/** Status as the contract names it: a transfer with a receipt is received, whoever holds the record. */
export function stateOf(t: Transfer, receipt: TransferReceipt | null | undefined): TransferState {
  return receipt ? 'received' : t.status;
}

/** The transfers read at a shop or at head office, each with its lines, its receipt and what is in transit. */
export async function transferViews(db: Queryable, rows: readonly Transfer[], me: string | null): Promise<TransferView[]> {
  const ids = rows.map((t) => t.id);
  const [lines, receipts] = await Promise.all([linesOf(db, ids), receiptsOf(db, ids)]);
  return rows.map((t) => {
    const receipt = receipts.find((r) => r.transferId === t.id) ?? null;
    const got = new Map((receipt?.lines ?? []).map((l) => [l.lineId, l]));
    const own = lines
      .filter((l) => l.transferId === t.id)
      .map((l) => {
        const r = got.get(l.id);
        return { ...l, receivedQty: r ? r.receivedQty : null, note: r?.note ?? null, difference: r ? r.receivedQty - l.quantity : null };
      });
    const shippedUnits = own.reduce((s, l) => s + l.quantity, 0);
    const state = stateOf(t, receipt);
    return {
      ...t, status: state, direction: me !== null && t.toShopId === me ? 'in' : 'out', lines: own, receipt, shippedUnits,
      inTransitUnits: state === 'shipped' ? shippedUnits : 0,
    };
  });
}

/**
 * Transfers between the chain's shops. At the sender: a draft of lots and
 * quantities, « Expédier » (units out of its lots, `transfer_out`, the
 * shipment frozen and pushed), or a cancel before the receiver received it
 * (units back). At the receiver: the shipment head office routed to it,
 * received line by line (`transfer_in` into lots of the same product, lot
 * number, expiry and cost).
 */
export function transfersService({ db, shop, now, bus }: Deps) {
  const today = () => dateInZone(now(), shop.timezone);
  const one = async (id: string) => {
    const t = await transferById(db, id);
    if (!t || (t.shopId !== shop.id && (t.toShopId !== shop.id || t.status === 'draft'))) throw notFound('transfer.not_found');
    return (await transferViews(db, [t], shop.id))[0]!;
  };

  return {
    destinations: async () => (await chainShops(db)).filter((s) => s.id !== shop.id),

    /** A draft; the same id sent again answers the transfer it made (`created: false`). */
    async create(input: CreateTransferInput, actor: Actor): Promise<{ transfer: TransferView; created: boolean }> {
      if (input.toShop === shop.code) throw new AppError(422, 'transfer_to_self', 'transfer.to_self');
      const created = await db.withTransaction(async (tx) => {
        if (input.id) {
          const existing = await transferById(tx, input.id);
          if (existing) {
            if (existing.shopId !== shop.id) throw new AppError(409, 'id_taken', 'transfer.id_taken');
            return false;
          }
        }
        const to = await chainShopByCode(tx, input.toShop);
        if (!to || to.id === shop.id) throw new AppError(422, 'unknown_shop', 'transfer.unknown_shop', { code: input.toShop });
        if (input.requisitionId) {
          // Locked: two answers to one requisition at once, the second sees the first.
          const r = await requisitionById(tx, input.requisitionId, true);
          if (!r || r.fromShopId !== shop.id) throw notFound('requisition.not_found');
          if (r.status === 'cancelled') throw new AppError(409, 'requisition_cancelled', 'requisition.cancelled', { number: r.number });
          if (r.transferNumber) throw new AppError(409, 'requisition_answered', 'requisition.answered', { number: r.number, transfer: r.transferNumber });
          if (r.shopId !== to.id) throw new AppError(422, 'requisition_wrong_shop', 'requisition.wrong_shop', { number: r.number, code: r.shopCode });
        }
        const wanted = new Map<string, number>();
        for (const l of input.lines) wanted.set(l.batchId, (wanted.get(l.batchId) ?? 0) + l.quantity);
        const lots = await lotDescriptions(tx, shop.id, [...wanted.keys()]);
        for (const [batchId, quantity] of wanted) {
          const lot = lots.get(batchId);
          if (!lot) throw new AppError(404, 'not_found', 'batch.not_found', {}, { batchId });
          if (lot.status === 'recalled') throw new AppError(409, 'lot_recalled', 'transfer.lot_recalled', { lotNumber: lot.lotNumber });
          if (quantity > lot.quantity) throw new AppError(422, 'stock_insufficient', 'transfer.more_than_lot', { lotNumber: lot.lotNumber, quantity: lot.quantity }, { batchId });
        }
        const id = input.id ?? newId();
        const hlc = await stampTransaction(tx, now());
        await insertTransferIfAbsent(tx, {
          id, shopId: shop.id, shopCode: shop.code, number: await nextTransferNumber(tx, shop.id, shop.code), toShopId: to.id, toShopCode: to.code, status: 'draft',
          reason: input.reason ?? null, createdBy: actor.id, createdByName: actor.name, shippedAt: null, cancelledAt: null, cancelOverruledAt: null,
          requisitionId: input.requisitionId ?? null, hlc, createdAt: now(),
        });
        await insertLines(tx, [...wanted].map(([batchId, quantity], i) => {
          const lot = lots.get(batchId)!;
          return {
            id: newId(), transferId: id, lineNo: i + 1, batchId, productId: lot.productId, productName: lot.productName, lotNumber: lot.lotNumber,
            expirationDate: lot.expirationDate, unitCost: lot.unitCost, quantity,
          };
        }));
        return id;
      });
      return created === false ? { transfer: await one(input.id!), created: false } : { transfer: await one(created), created: true };
    },

    /** « Expédier »: the units leave the lots and the shipment is frozen; shipping again answers it as it is. */
    async ship(id: string, actor: Actor): Promise<TransferView> {
      await db.withTransaction(async (tx) => {
        const t = await transferById(tx, id, true);
        if (!t || t.shopId !== shop.id) throw notFound('transfer.not_found');
        if (t.status === 'shipped') return;
        if (t.status === 'cancelled') throw new AppError(409, 'transfer_cancelled', 'transfer.cancelled', { number: t.number });
        const lines = await linesOf(tx, [id]);
        const lots = await lockLotsOf(tx, shop.id, lines.map((l) => l.batchId));
        await moveUnits(tx, shop.id, lines.map((l) => ({ batchId: l.batchId, delta: -l.quantity, reason: t.number })), { kind: 'transfer_out', actor, now: now(), lots });
        const hlc = await stampTransaction(tx, now());
        const shipped = await setStatus(tx, id, { status: 'shipped', shippedAt: now(), hlc });
        await appendOutbox(tx, [{ entity: 'transfer', entityId: id, op: 'insert', payload: shipmentWire(shipped, lines), hlc }]);
      });
      bus?.committed('batch');
      return one(id);
    },

    /**
     * A cancel: a draft is dropped; a shipment the receiver has not received
     * puts its units back. Should the receiver have received it meanwhile
     * (offline), head office keeps the receipt and this shop takes the units
     * out again on its next pull (TransferMerge): one way, logged.
     */
    async cancel(id: string, actor: Actor): Promise<TransferView> {
      await db.withTransaction(async (tx) => {
        const t = await transferById(tx, id, true);
        if (!t || t.shopId !== shop.id) throw notFound('transfer.not_found');
        if (t.status === 'cancelled') return;
        if ((await receiptsOf(tx, [id])).length > 0) throw new AppError(409, 'transfer_received', 'transfer.already_received', { number: t.number });
        if (t.status === 'draft') {
          await setStatus(tx, id, { status: 'cancelled', cancelledAt: now(), hlc: await stampTransaction(tx, now()) });
          return;
        }
        const lines = await linesOf(tx, [id]);
        const lots = await lockLotsOf(tx, shop.id, lines.map((l) => l.batchId));
        await moveUnits(tx, shop.id, lines.map((l) => ({ batchId: l.batchId, delta: l.quantity, reason: t.number })), { kind: 'transfer_in', actor, now: now(), lots });
        const hlc = await stampTransaction(tx, now());
        const at = now();
        await setStatus(tx, id, { status: 'cancelled', cancelledAt: at, hlc });
        const update: ShipmentUpdateWire = { id, shopId: shop.id, status: 'cancelled', cancelledAt: at.toISOString(), cancelOverruledAt: null };
        await appendOutbox(tx, [{ entity: 'transfer', entityId: id, op: 'update', payload: update, hlc }]);
      });
      bus?.committed('batch');
      return one(id);
    },

    /**
     * « Valider » at the receiving shop: what arrived of each line goes into
     * a lot of the same product, lot number, expiry and cost; a lot head
     * office recalled arrives recalled. Every line is said, once; receiving
     * twice is refused.
     */
    async receive(id: string, input: ReceiveTransferInput, actor: Actor): Promise<TransferView> {
      await db.withTransaction(async (tx) => {
        const t = await transferById(tx, id, true);
        if (!t || t.toShopId !== shop.id || t.status === 'draft') throw notFound('transfer.not_found');
        if ((await receiptsOf(tx, [id])).length > 0) throw new AppError(409, 'transfer_received', 'transfer.already_received', { number: t.number });
        if (t.status === 'cancelled') throw new AppError(409, 'transfer_cancelled', 'transfer.cancelled', { number: t.number });
        const lines = await linesOf(tx, [id]);
        const said = new Map(input.lines.map((l) => [l.lineId, l]));
        if (said.size !== input.lines.length || lines.some((l) => !said.has(l.id)) || said.size !== lines.length) {
          throw new AppError(422, 'receipt_lines', 'transfer.receipt_lines');
        }
        for (const l of lines) {
          const r = said.get(l.id)!;
          if (r.receivedQty > l.quantity) {
            throw new AppError(422, 'received_too_many', 'transfer.received_too_many', { lotNumber: l.lotNumber, quantity: l.quantity }, { lineId: l.id });
          }
        }
        const arriving = lines.filter((l) => said.get(l.id)!.receivedQty > 0);
        const lots = await receiveUnits(
          tx, shop,
          arriving.map((l) => ({ productId: l.productId, lotNumber: l.lotNumber, expirationDate: l.expirationDate, unitCost: l.unitCost, quantity: said.get(l.id)!.receivedQty })),
          { kind: 'transfer_in', reason: t.number, actor, now: now(), today: today() },
        );
        const lotOf = new Map(arriving.map((l, i) => [l.id, lots[i]!.id]));
        const hlc = await stampTransaction(tx, now());
        // One instant for the row and its wire: the nightly digest dates a receipt by it at both ends.
        const at = now();
        const receipt: ReceiptWire = {
          id: newId(), shopId: shop.id, transferId: id, receivedBy: actor.id, receivedByName: actor.name,
          lines: lines.map((l) => ({ lineId: l.id, receivedQty: said.get(l.id)!.receivedQty, note: said.get(l.id)!.note ?? null, batchId: lotOf.get(l.id) ?? null })),
          shippedUnits: lines.reduce((s, l) => s + l.quantity, 0),
          receivedUnits: lines.reduce((s, l) => s + said.get(l.id)!.receivedQty, 0),
          createdAt: at.toISOString(),
        };
        await insertReceiptIfAbsent(tx, { ...receipt, hlc, createdAt: at });
        await appendOutbox(tx, [{ entity: 'transfer_receipt', entityId: receipt.id, op: 'insert', payload: receipt, hlc }]);
      });
      bus?.committed('batch');
      return one(id);
    },

    get: one,

    shopInfo: () => ({ name: shop.name, code: shop.code, timezone: shop.timezone }),

    async list(direction: 'in' | 'out' | 'all', limit = 200): Promise<TransferView[]> {
      return transferViews(db, await transfersOf(db, { shopId: shop.id, direction, limit }), shop.id);
    },
  };
}

export type TransfersService = ReturnType<typeof transfersService>;

/** Head office's seat: every shop's transfers, with what is in transit between them. */
export function transfersAtHq({ db }: { db: Queryable }) {
  return {
    async list(q: { shopId?: string | undefined; limit: number }): Promise<TransferView[]> {
      return transferViews(db, await chainTransfers(db, q), q.shopId ?? null);
    },
  };
}
