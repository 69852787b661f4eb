import type { Actor, Deps } from '../context.js';
import type { Tx } from '../db/pool.js';
import { returnApprovals, type ReturnApproval } from '../domain/approvals.js';
import { dateInZone, formatDateFr } from '../domain/dates.js';
import { formatFcfa } from '../domain/money.js';
import { formatReceiptNumber } from '../domain/receipt-number.js';
import { creditNoteModel, type ReceiptModel } from '../domain/receipt.js';
import { hasRole } from '../domain/roles.js';
import { accountCreditOf, defaultRefundMethod, paidFor, refundRoom, refundRounding, ticketShares, type PaymentMethod, type PerMethodAmount } from '../domain/tender.js';
import { AppError, notFound } from '../errors.js';
import { t } from '../i18n/fr.js';
import { newId } from '../ids.js';
import { stampTransaction } from '../outbox/clock.js';
import { appendOutbox, type OutboxEntry } from '../outbox/queries.js';
import { shopById } from '../shops/queries.js';
import { lockLots, recordMovements } from '../stock/lots.js';
import { itemsOfSales, saleById, saleByNumber, type Sale, type SaleItem } from './queries.js';
import { insertReturn, returnById, returnsOfSale, returnsOfSession, takeAvoirNumber, type ReturnLine, type SaleReturn } from './return-queries.js';
import type { SaleSeats } from './service.js';

/** What returns need of other features: the cashier's session and its drawer, a manager's approval. */
export interface ReturnSeats extends Pick<SaleSeats, 'sessionForSale' | 'approver'> {
  /** The cashier's open session at this terminal; `update` when the return takes cash out of its drawer. */
  openSession(tx: Tx, actor: Actor, terminal: string, lock?: 'share' | 'update'): Promise<string | undefined>;
  /** The cash a session's drawer should hold now (its X report's expected cash). */
  drawerCash(tx: Tx, sessionId: string): Promise<number>;
  /** A credit sale's return: locks its customer before the clock; the account entry is written once the return's row is. */
  returnCrediting(tx: Tx, q: { saleId: string; amount: number }, actor: Actor): Promise<(returnId: string, hlc: string) => Promise<void>>;
}

export interface ReturnInput {
  lines: { saleItemId: string; quantity: number; destination: 'stock' | 'quarantine'; reason?: string | undefined }[];
  refundMethod?: PaymentMethod | undefined;
  reason?: string | undefined;
  terminal?: string | undefined;
  /** A manager's PIN, for a return a cashier may not make alone (returnApprovals). */
  managerPin?: string | undefined;
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
  const shares = ticketShares(ticketDiscount, items.map((i) => i.lineTotal));
  const returned = new Map<string, number>();
  for (const r of returns) for (const l of r.lines) returned.set(l.saleItemId, (returned.get(l.saleItemId) ?? 0) + l.quantity);
  return items.map((item, k) => {
    const done = returned.get(item.id) ?? 0;
    return { ...item, returned: done, left: item.quantity - done, net: item.lineTotal - shares[k]! };
  });
}

/** « Ce retour demande le code PIN d’un responsable : … », each reason said with its figures. */
function approvalRefusal(why: ReturnApproval[], c: { sale: Sale; method: PaymentMethod; room: PerMethodAmount; refunded: number; limit: number; days: number; timezone: string }): AppError {
  const method = t(`payment.${c.method}`);
  const said = why.map((w) => {
    if (w === 'amount') return t('return.why_amount', { refunded: formatFcfa(c.refunded), limit: formatFcfa(c.limit) });
    if (w === 'age') return t('return.why_age', { date: formatDateFr(dateInZone(c.sale.createdAt, c.timezone)), days: c.days });
    const paid = [...new Set(c.sale.payments.map((p) => p.method))];
    return paid.includes(c.method)
      ? t('return.why_method_beyond', { method, room: formatFcfa(Math.max(0, c.room[c.method])) })
      : t('return.why_method', { method, paid: paid.map((m) => t(`payment.${m}`)).join(' + ') });
  });
  return new AppError(403, 'return_needs_manager', 'return.needs_manager', { why: said.join(' ; ') }, { why });
}

/**
 * Customer returns: lines of a sale back into the lot they were sold from
 * (or set aside, unsellable), refunded by the sale's own methods (another
 * one, a large amount or an old sale with a manager's PIN), on a credit note
 * (« AVOIR ») numbered without gaps; cash never beyond what the drawer holds.
 */
export function returnsService({ db, shop, now, bus }: Deps, seats: ReturnSeats) {
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

    /** client: where a manager's PIN is typed from; wrong PINs count against it, as at login. */
    async recordReturn(saleId: string, input: ReturnInput, actor: Actor, opts: { client?: string | undefined } = {}): Promise<SaleReturn> {
      const wanted = input.lines.filter((l) => l.quantity > 0);
      if (wanted.length === 0) throw new AppError(422, 'return_empty', 'return.nothing');
      const terminal = input.terminal ?? t('session.default_terminal');
      // As for a discount: the PIN is checked before any lock, its hashing takes tens of milliseconds.
      const approver = input.managerPin ? await seats.approver(input.managerPin, opts.client ?? 'local') : hasRole(actor.role, 'manager') ? actor : null;
      const recorded = await db.withTransaction(async (tx) => {
        // The sale's row orders its returns: two at once cannot both return the last box.
        const sale = await saleById(tx, shop.id, saleId, true);
        if (!sale) throw notFound('sale.not_found');
        if (sale.status === 'voided') throw new AppError(409, 'sale_voided', 'return.sale_voided', { number: sale.number });
        const earlier = await returnsOfSale(tx, saleId);
        const items = returnable(sale, await itemsOfSales(tx, [saleId]), earlier);
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
        const room = refundRoom(sale.payments, earlier);
        // Bought on credit: the account is credited first, for what the sale put on it; only the rest is money.
        const accountCredit = accountCreditOf(amount, room);
        const money = amount - accountCredit;
        const method = money === 0 ? 'credit' : (input.refundMethod ?? defaultRefundMethod(sale.payments, room, money));
        const settings = (await shopById(tx, shop.id))!;
        const rounding = method === 'credit' ? 0 : refundRounding(money, method, settings.cashRounding);
        // As a sale: the open session before the lots; for update when cash leaves its drawer, so two refunds (or a
        // refund and a cash-out) cannot both count the same notes. One opened for the return comes after the counter.
        const openSession = await seats.openSession(tx, actor, terminal, method === 'cash' ? 'update' : 'share');
        if (method === 'cash') {
          // A new session opens with an empty drawer.
          const drawer = openSession ? await seats.drawerCash(tx, openSession) : 0;
          if (money + rounding > drawer) {
            throw new AppError(422, 'refund_exceeds_drawer', 'return.exceeds_drawer', { cash: formatFcfa(drawer), amount: formatFcfa(money + rounding) });
          }
        }
        // Money given back is what needs a manager; what goes back on the account is no money out (an old sale still is).
        const refundedAlone = earlier.filter((r) => !r.approvedBy).reduce((s, r) => s + r.amount - r.accountCredit, 0);
        const moneyMethod: PaymentMethod = method === 'credit' ? 'cash' : method;
        const why = returnApprovals({
          amount: money, method: moneyMethod, room: method === 'credit' ? { ...room, cash: Math.max(0, room.cash) } : room, refundedAlone,
          saleDay: dateInZone(sale.createdAt, shop.timezone), today: dateInZone(now(), shop.timezone), settings,
        });
        if (why.length > 0 && !approver) {
          throw approvalRefusal(why, {
            sale, method: moneyMethod, room, refunded: refundedAlone + money, limit: settings.returnApprovalOver, days: settings.returnApprovalAfterDays, timezone: shop.timezone,
          });
        }
        await lockLots(tx, shop.id, [...new Set(lines.map((l) => l.batchId))]);
        const number = formatAvoirNumber(shop.code, await takeAvoirNumber(tx, shop.id));
        const sessionId = openSession ?? (await seats.sessionForSale(tx, actor, terminal));
        const creditAccount = await seats.returnCrediting(tx, { saleId, amount: accountCredit }, actor);
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
        const allowedBy = why.length > 0 ? approver : null;
        const credit = await insertReturn(tx, {
          id: newId(), shopId: shop.id, saleId, number, sessionId, cashierId: actor.id, cashierName: actor.name, amount, accountCredit,
          rounding, refundMethod: method, reason: input.reason?.trim() || null, lines,
          approvedBy: allowedBy?.id ?? null, approvedByName: allowedBy?.name ?? null, approval: allowedBy ? why : [], hlc, createdAt: now(),
        });
        await appendOutbox(tx, [
          { entity: 'sale_return', entityId: credit.id, op: 'insert', payload: credit, hlc },
          ...movements.map((m): OutboxEntry => ({ entity: 'movement', entityId: m.id, op: 'insert', payload: m, hlc })),
        ]);
        await creditAccount(credit.id, hlc);
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
