import type { Actor, Deps } from '../context.js';
import { formatReceiptNumber } from '../domain/receipt-number.js';
import { creditNoteModel, type ReceiptModel } from '../domain/receipt.js';
import { paidFor, refundRounding, spread, type PaymentMethod } from '../domain/tender.js';
import { AppError, notFound } from '../errors.js';
import { t } from '../i18n/fr.js';
import { newId } from '../ids.js';
import { stampTransaction } from '../outbox/clock.js';
import { appendOutbox, type OutboxEntry } from '../outbox/queries.js';
import { shopById } from '../shops/queries.js';
import { lockLots, recordMovements } from '../stock/lots.js';
import { itemsOfSales, saleById, saleByNumber, type SaleItem } from './queries.js';
import { insertReturn, returnById, returnsOfSale, returnsOfSession, takeAvoirNumber, type ReturnLine, type SaleReturn } from './return-queries.js';
import type { SaleSeats } from './service.js';

export interface ReturnInput {
  lines: { saleItemId: string; quantity: number; destination: 'stock' | 'quarantine'; reason?: string | undefined }[];
  refundMethod?: PaymentMethod | undefined;
  reason?: string | undefined;
  terminal?: string | undefined;
}

/** Each line of a sale with what is left to return of it and what one more unit would refund. */
export interface ReturnableItem extends SaleItem {
  returned: number;
  left: number;
  /** What the line was paid after every discount (the ticket's shared out by line). */
  net: number;
}

const formatAvoirNumber = (shopCode: string, n: number) => `${shopCode}-AV${String(n).padStart(6, '0')}`;

/** The lines of a sale, each with its share of the ticket discount and what was already returned. */
function returnable(sale: { discount: number }, items: readonly SaleItem[], returns: readonly SaleReturn[]): ReturnableItem[] {
  const ticketDiscount = sale.discount - items.reduce((s, i) => s + i.discount, 0);
  const shares = spread(ticketDiscount, items.map((i) => i.lineTotal));
  const returned = new Map<string, number>();
  for (const r of returns) for (const l of r.lines) returned.set(l.saleItemId, (returned.get(l.saleItemId) ?? 0) + l.quantity);
  return items.map((item, k) => {
    const done = returned.get(item.id) ?? 0;
    return { ...item, returned: done, left: item.quantity - done, net: item.lineTotal - shares[k]! };
  });
}

/**
 * Customer returns: lines of a sale back into the lot they were sold from
 * (or set aside, unsellable), refunded by the original method or cash, on a
 * credit note (« AVOIR ») numbered without gaps.
 */
export function returnsService({ db, shop, now, bus }: Deps, seats: Pick<SaleSeats, 'openSession' | 'sessionForSale'>) {
  return {
    /** A sale found by its receipt number (the QR of a receipt is its number), with what can still be returned. */
    async findSale(typed: string) {
      // A number typed without its prefix (« 123 ») is this shop's receipt 123.
      const number = /^\d{1,9}$/.test(typed.trim()) ? formatReceiptNumber(shop.code, Number(typed.trim())) : typed.trim().toUpperCase();
      const sale = await saleByNumber(db, shop.id, number);
      if (!sale) return undefined;
      const [items, returns] = await Promise.all([itemsOfSales(db, [sale.id]), returnsOfSale(db, sale.id)]);
      return { sale, items: returnable(sale, items, returns), returns };
    },

    async recordReturn(saleId: string, input: ReturnInput, actor: Actor): Promise<SaleReturn> {
      const wanted = input.lines.filter((l) => l.quantity > 0);
      if (wanted.length === 0) throw new AppError(422, 'return_empty', 'return.nothing');
      const terminal = input.terminal ?? t('session.default_terminal');
      const recorded = await db.withTransaction(async (tx) => {
        // The sale's row orders its returns: two at once cannot both return the last box.
        const sale = await saleById(tx, shop.id, saleId, true);
        if (!sale) throw notFound('sale.not_found');
        if (sale.status === 'voided') throw new AppError(409, 'sale_voided', 'return.sale_voided', { number: sale.number });
        const items = returnable(sale, await itemsOfSales(tx, [saleId]), await returnsOfSale(tx, saleId));
        const byId = new Map(items.map((i) => [i.id, i]));
        const lines: (ReturnLine & { units: number })[] = [];
        for (const w of wanted) {
          const item = byId.get(w.saleItemId);
          if (!item) throw new AppError(422, 'return_item_unknown', 'return.item_unknown', { number: sale.number });
          const before = item.returned + lines.filter((l) => l.saleItemId === item.id).reduce((s, l) => s + l.quantity, 0);
          if (w.quantity > item.quantity - before) {
            throw new AppError(422, 'return_too_many', 'return.too_many', { name: item.productName, requested: w.quantity, left: item.quantity - before }, { saleItemId: item.id });
          }
          const reason = w.reason?.trim() || null;
          if (w.destination === 'quarantine' && !reason) throw new AppError(422, 'return_reason_required', 'return.reason_required');
          // quantity counts the line's packs; units, the base units that go back to the lot.
          lines.push({
            saleItemId: item.id, batchId: item.batchId, productName: item.productName, lotNumber: item.lotNumber, quantity: w.quantity,
            units: w.quantity * (item.units / item.quantity), packName: item.packName,
            amount: paidFor(item.net, item.quantity, before + w.quantity) - paidFor(item.net, item.quantity, before),
            destination: w.destination, reason,
          });
        }
        const amount = lines.reduce((s, l) => s + l.amount, 0);
        const method = input.refundMethod ?? (sale.paymentMethod === 'mixed' ? 'cash' : sale.paymentMethod);
        const coin = (await shopById(tx, shop.id))!.cashRounding;
        // As a sale: the open session (for share) before the lots; one opened for the return only after the
        // counter, since opening stamps the clock, taken last by every writer.
        const openSession = await seats.openSession(tx, actor, terminal);
        await lockLots(tx, shop.id, [...new Set(lines.map((l) => l.batchId))]);
        const number = formatAvoirNumber(shop.code, await takeAvoirNumber(tx, shop.id));
        const sessionId = openSession ?? (await seats.sessionForSale(tx, actor, terminal));
        const hlc = await stampTransaction(tx, now());
        // Back into the very lot it was sold from; set aside at once when the pharmacist judges it unsellable.
        const movements = await recordMovements(
          tx,
          lines.flatMap((l) => [
            {
              id: newId(), shopId: shop.id, batchId: l.batchId, kind: 'return' as const, delta: l.units, countedQty: null,
              reason: t('return.movement', { number }), saleItemId: l.saleItemId, userId: actor.id, hlc,
            },
            ...(l.destination === 'quarantine'
              ? [{
                  id: newId(), shopId: shop.id, batchId: l.batchId, kind: 'adjustment' as const, delta: -l.units, countedQty: null,
                  reason: t('return.quarantine_movement', { number, reason: l.reason ?? '' }), saleItemId: null, userId: actor.id, hlc,
                }]
              : []),
          ]),
        );
        const credit = await insertReturn(tx, {
          id: newId(), shopId: shop.id, saleId, number, sessionId, cashierId: actor.id, cashierName: actor.name, amount,
          rounding: refundRounding(amount, method, coin), refundMethod: method, reason: input.reason?.trim() || null, lines, hlc, createdAt: now(),
        });
        await appendOutbox(tx, [
          { entity: 'sale_return', entityId: credit.id, op: 'insert', payload: credit, hlc },
          ...movements.map((m): OutboxEntry => ({ entity: 'movement', entityId: m.id, op: 'insert', payload: m, hlc })),
        ]);
        return credit;
      });
      bus?.committed('sale');
      return recorded;
    },

    /** The credit note of a return, laid out as a receipt, with the shop's receipt width. */
    async creditNote(id: string): Promise<{ model: ReceiptModel; width: 58 | 80; number: string; credit: SaleReturn }> {
      const credit = await returnById(db, shop.id, id);
      if (!credit) throw notFound('return.not_found');
      const [sale, settings] = await Promise.all([saleById(db, shop.id, credit.saleId), shopById(db, shop.id)]);
      const model = creditNoteModel({ shop: { ...settings!, timezone: shop.timezone }, credit, saleNumber: sale!.number });
      return { model, width: settings!.receiptWidthMm, number: credit.number, credit };
    },

    returnsOfSale: (saleId: string) => returnsOfSale(db, saleId),
    ofSession: returnsOfSession,
  };
}

export type ReturnsService = ReturnType<typeof returnsService>;
