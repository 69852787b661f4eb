import type { Actor, Deps } from '../context.js';
import type { Queryable } from '../db/pool.js';
import { dateInZone } from '../domain/dates.js';
import { AppError, notFound } from '../errors.js';
import { t } from '../i18n/fr.js';
import { newId } from '../ids.js';
import { stampTransaction } from '../outbox/clock.js';
import { appendOutbox } from '../outbox/queries.js';
import { chainShopByCode } from '../transfers/queries.js';
import type { TransfersService, TransferView } from '../transfers/service.js';
import type { RequisitionUpdateWire, RequisitionWire } from './merge.js';
import {
  cancelRequisition,
  chainRequisitions,
  chainRequisitionsPage,
  fefoLots,
  insertRequisitionIfAbsent,
  nextRequisitionNumber,
  productNames,
  requisitionById,
  requisitionsOf,
  type RequisitionRow,
} from './queries.js';
import type { CreateRequisitionInput } from './schemas.js';

export type RequisitionState = 'open' | 'answered' | 'cancelled';

export interface RequisitionView extends Omit<RequisitionRow, 'status'> {
  /** `answered` once a transfer (not cancelled) names it, as far as this shop knows; a cancel stays a cancel. */
  status: RequisitionState;
  direction: 'out' | 'in';
  wantedUnits: number;
}

const view = (r: RequisitionRow, me: string | null): RequisitionView => ({
  ...r,
  status: r.status === 'cancelled' ? 'cancelled' : r.transferId ? 'answered' : 'open',
  direction: r.shopId === me ? 'out' : 'in',
  wantedUnits: r.lines.reduce((s, l) => s + l.quantity, 0),
});

/**
 * Requisitions (« demandes de produits »): this shop asks another shop of
 * the chain for products and quantities; head office routes the request to
 * that shop, which answers with a transfer prefilled from it (its lots,
 * first to expire first). The requester may cancel while it waits.
 */
export function requisitionsService({ db, shop, now }: Deps, transfers: TransfersService) {
  const today = () => dateInZone(now(), shop.timezone);
  const one = async (id: string) => {
    const r = await requisitionById(db, id);
    if (!r || (r.shopId !== shop.id && r.fromShopId !== shop.id)) throw notFound('requisition.not_found');
    return view(r, shop.id);
  };

  return {
    /** A request to another shop; the same id sent again answers the requisition it made (`created: false`). */
    async create(input: CreateRequisitionInput, actor: Actor): Promise<{ requisition: RequisitionView; created: boolean }> {
      if (input.fromShop === shop.code) throw new AppError(422, 'requisition_to_self', 'requisition.to_self');
      const id = input.id ?? newId();
      const created = await db.withTransaction(async (tx) => {
        const existing = await requisitionById(tx, id);
        if (existing) {
          if (existing.shopId !== shop.id) throw new AppError(409, 'id_taken', 'requisition.id_taken');
          return false;
        }
        const from = await chainShopByCode(tx, input.fromShop);
        if (!from || from.id === shop.id) throw new AppError(422, 'unknown_shop', 'requisition.unknown_shop', { code: input.fromShop });
        const wanted = new Map<string, number>();
        for (const l of input.lines) wanted.set(l.productId, (wanted.get(l.productId) ?? 0) + l.quantity);
        const names = await productNames(tx, [...wanted.keys()]);
        for (const productId of wanted.keys()) if (!names.has(productId)) throw new AppError(404, 'not_found', 'product.not_found', {}, { productId });
        const hlc = await stampTransaction(tx, now());
        const at = now();
        const wire: RequisitionWire = {
          id, shopId: shop.id, shopCode: shop.code, number: await nextRequisitionNumber(tx, shop.id, shop.code), fromShopId: from.id, fromShopCode: from.code,
          status: 'open', lines: [...wanted].map(([productId, quantity]) => ({ productId, productName: names.get(productId)!, quantity })),
          note: input.note ?? null, createdBy: actor.id, createdByName: actor.name, createdAt: at.toISOString(),
        };
        await insertRequisitionIfAbsent(tx, { ...wire, cancelledAt: null, hlc, createdAt: at });
        await appendOutbox(tx, [{ entity: 'requisition', entityId: id, op: 'insert', payload: wire, hlc }]);
        return true;
      });
      return { requisition: await one(id), created };
    },

    /** B cancels a requisition it made, while no answer is known here. */
    async cancel(id: string, _actor: Actor): Promise<RequisitionView> {
      await db.withTransaction(async (tx) => {
        const r = await requisitionById(tx, id, true);
        if (!r || (r.shopId !== shop.id && r.fromShopId !== shop.id)) throw notFound('requisition.not_found');
        if (r.shopId !== shop.id) throw new AppError(403, 'requisition_not_yours', 'requisition.not_yours', { number: r.number });
        if (r.status === 'cancelled') return;
        if (r.transferNumber) throw new AppError(409, 'requisition_answered', 'requisition.answered', { number: r.number, transfer: r.transferNumber });
        const hlc = await stampTransaction(tx, now());
        const at = now();
        await cancelRequisition(tx, id, at, hlc);
        const update: RequisitionUpdateWire = { id, shopId: shop.id, status: 'cancelled', cancelledAt: at.toISOString() };
        await appendOutbox(tx, [{ entity: 'requisition', entityId: id, op: 'update', payload: update, hlc }]);
      });
      return one(id);
    },

    /**
     * A answers: a draft transfer to the requesting shop, each product's
     * quantity taken from its lots first to expire first (active, not
     * expired), as much as they hold; then « Expédier » as any transfer.
     */
    async answer(id: string, actor: Actor): Promise<TransferView> {
      const r = await requisitionById(db, id);
      if (!r || (r.shopId !== shop.id && r.fromShopId !== shop.id)) throw notFound('requisition.not_found');
      if (r.fromShopId !== shop.id) throw new AppError(422, 'requisition_not_asked_here', 'requisition.not_asked_here', { number: r.number });
      if (r.status === 'cancelled') throw new AppError(409, 'requisition_cancelled', 'requisition.cancelled', { number: r.number });
      if (r.transferNumber) throw new AppError(409, 'requisition_answered', 'requisition.answered', { number: r.number, transfer: r.transferNumber });
      const lots = await fefoLots(db, shop.id, r.lines.map((l) => l.productId), today());
      const lines: { batchId: string; quantity: number }[] = [];
      for (const l of r.lines) {
        let left = l.quantity;
        for (const lot of lots.filter((x) => x.productId === l.productId)) {
          if (left <= 0) break;
          const take = Math.min(left, lot.quantity);
          lines.push({ batchId: lot.id, quantity: take });
          left -= take;
        }
      }
      if (lines.length === 0) throw new AppError(422, 'nothing_to_send', 'requisition.nothing_to_send', { number: r.number });
      const { transfer } = await transfers.create({ toShop: r.shopCode, lines, reason: t('requisition.reason', { number: r.number }), requisitionId: r.id }, actor);
      return transfer;
    },

    get: one,

    async list(direction: 'in' | 'out' | 'all', limit = 200): Promise<RequisitionView[]> {
      return (await requisitionsOf(db, { shopId: shop.id, direction, limit })).map((r) => view(r, shop.id));
    },
  };
}

export type RequisitionsService = ReturnType<typeof requisitionsService>;

/** Head office's seat: every shop's requisitions, answered or not, read from the transfers that name them. */
export function requisitionsAtHq({ db }: { db: Queryable }) {
  return {
    async list(q: { shopId?: string | undefined; limit: number }): Promise<RequisitionView[]> {
      return (await chainRequisitions(db, q)).map((r) => view(r, q.shopId ?? null));
    },

    /** Head office's « Demandes de produits » page: the first `limit` matching, and how many match. */
    async page(q: { shopCode?: string | undefined; state?: 'open' | 'answered' | 'cancelled' | undefined; limit: number }) {
      const rows = await chainRequisitionsPage(db, q);
      return {
        total: rows[0]?.total ?? 0,
        rows: rows.map(({ total: _t, ...r }) => ({ ...r, status: r.state, wantedUnits: r.lines.reduce((n, l) => n + l.quantity, 0) })),
      };
    },
  };
}

export type RequisitionsAtHq = ReturnType<typeof requisitionsAtHq>;
