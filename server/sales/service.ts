import type { Actor, Deps } from '../context.js';
import type { Db, Tx } from '../db/pool.js';
import { boxOf, productsForSale, unitPackOf, type Pack, type ProductWithPacks } from '../catalog/lookup.js';
import { dateInZone } from '../domain/dates.js';
import { fefoOrder, type BlockedStock } from '../domain/fefo.js';
import { formatFcfa, lineTotal } from '../domain/money.js';
import { allocatePacks, formatUnits, sellableAs, type PackDemand } from '../domain/packs.js';
import { hasRole } from '../domain/roles.js';
import { discountAmount, discountOverLimit, discountPercent, settle, spread, type Discount, type OverLimit, type Settlement } from '../domain/tender.js';
import { shopById, type Shop } from '../shops/queries.js';
import { formatReceiptNumber } from '../domain/receipt-number.js';
import { AppError, notFound } from '../errors.js';
import { t } from '../i18n/fr.js';
import { newId } from '../ids.js';
import { lockLots, lockLotsWithStock, lotOfShop, recordMovements, type Batch } from '../stock/lots.js';
import { stampTransaction } from '../outbox/clock.js';
import { appendOutbox, type OutboxEntry } from '../outbox/queries.js';
import {
  itemsOfSales,
  markVoided,
  saleById,
  salesBetween,
  takeReceiptNumber,
  raiseReceiptCounter,
  takings,
  type Sale,
  type SaleItem,
  saleAnyShop,
  takingsByShopDay,
  takingsByDay,
  salesOfSession,
  articlesOfSession,
  writeSale,
  unitsSoldByShop,
} from './queries.js';
import { hasReturns, returnsBetween, returnsOfSales, type ReturnAtHq } from './return-queries.js';
import type { SaleInput } from './schemas.js';
import type { CreditHold } from '../accounts/service.js';

export interface SaleWithItems extends Sale {
  items: SaleItem[];
}

type SaleLine = SaleInput['lines'][number];

/**
 * The pack a line sells: the one it names (of that product, sold now), or
 * the product's unit pack, which must then be sold alone.
 */
export function packOfLine(product: ProductWithPacks, packId: string | undefined): Pack {
  const pack = packId ? product.packs.find((k) => k.id === packId) : unitPackOf(product);
  if (!pack) throw new AppError(422, 'pack_unknown', 'sale.pack_unknown', { name: product.name }, { productId: product.id, packId: packId ?? null });
  if (pack.retired || !pack.sellable) {
    throw packId
      ? new AppError(422, 'pack_not_sellable', 'sale.pack_not_sellable', { pack: pack.name, name: product.name }, { productId: product.id, packId: pack.id })
      : new AppError(422, 'unit_not_sellable', 'sale.unit_not_sellable', { name: product.name }, { productId: product.id });
  }
  return pack;
}

/** A product's lines as the allocation sees them: each line's packs, of its pack's size, from its named lot first. */
function demandsOf(product: ProductWithPacks, lines: readonly { line: number; l: Pick<SaleLine, 'packId' | 'quantity' | 'batchId'> }[]): PackDemand[] {
  return lines.map(({ line, l }) => ({ line, units: packOfLine(product, l.packId).units, count: l.quantity, batchId: l.batchId }));
}

/**
 * Why these packs of a product cannot be sold from these lots (expired,
 * recalled with the recall's reason, quarantined, or not enough: what can be
 * sold is said in packs and units), or undefined when they can. The till
 * says it at the scan, the sale at payment.
 */
export function unsellable(product: ProductWithPacks, pack: Pack, batches: readonly Batch[], day: string, count = 1): AppError | undefined {
  const mine = batches.filter((b) => b.productId === product.id && b.quantity > 0);
  const result = allocatePacks(mine, [{ line: 0, units: pack.units, count }], day, boxOf(product)?.units ?? 1);
  if (result.ok || 'unsellableLot' in result) return undefined;
  return shortage(product, [{ line: 0, units: pack.units, count }], mine, day, result.blocked);
}

function shortage(product: ProductWithPacks, demands: readonly PackDemand[], batches: readonly Batch[], day: string, blocked: BlockedStock): AppError {
  const recallReasons = [...new Set(batches.filter((b) => b.status === 'recalled' && b.statusReason).map((b) => b.statusReason!))];
  const reasons = (['expired', 'recalled', 'quarantined'] as const)
    .filter((k) => blocked[k] > 0)
    .map((k) =>
      k === 'recalled' && recallReasons.length > 0
        ? t('sale.reason_recalled_why', { quantity: blocked[k], why: recallReasons.join(' ; ') })
        : t(`sale.reason_${k}`, { quantity: blocked[k] }),
    );
  const available = sellableAs(batches, day, 1).units;
  if (available === 0 && reasons.length > 0) {
    return new AppError(422, 'no_sellable_lot', 'sale.no_sellable_lot', { name: product.name, reasons: reasons.join(', ') }, { productId: product.id, ...blocked });
  }
  const requested = demands.reduce((n, d) => n + d.count * d.units, 0);
  const details = { productId: product.id, requested, available };
  if (demands.every((d) => d.units === 1) && !boxOf(product)) {
    return new AppError(422, 'insufficient_stock', 'sale.insufficient_stock', { name: product.name, requested, available }, details);
  }
  // In packs: what was asked, and what the lots can give (whole packs of the largest asked, each from one lot, then units).
  const largest = demands.reduce((a, d) => (d.units > a ? d.units : a), 1);
  const box = largest > 1 ? product.packs.find((k) => k.units === largest) ?? null : boxOf(product);
  const can = box ? sellableAs(batches, day, box.units) : { packs: 0, units: available };
  const asked = demands.map((d) => formatUnits(d.count * d.units, { baseUnit: product.baseUnit, box: product.packs.find((k) => k.units === d.units) })).join(' + ');
  const canSay = can.packs > 0 && box
    ? `${formatUnits(can.packs * box.units, { baseUnit: product.baseUnit, box })}${can.units > 0 ? ` ${t('pack.and')} ${formatUnits(can.units, { baseUnit: product.baseUnit })}` : ''}`
    : formatUnits(can.units, { baseUnit: product.baseUnit });
  return new AppError(422, 'insufficient_stock', 'sale.insufficient_packs', { name: product.name, requested: asked, available: canSay }, details);
}

/** « Remise 10 % — fidélité » */
export function discountLabel(d: Discount): string {
  const what = d.kind === 'percent' ? t('discount.percent', { value: d.value }) : t('discount.amount');
  return d.reason ? t('discount.label', { what, reason: d.reason }) : what;
}

function paymentRefusal(s: Extract<Settlement, { ok: false }>): AppError {
  const amounts = { due: formatFcfa(s.due), paid: formatFcfa(s.paid) };
  switch (s.code) {
    case 'tendered_too_low':
      return new AppError(422, 'tendered_too_low', 'sale.tendered_too_low', { tendered: amounts.paid, total: amounts.due });
    case 'overpaid':
      return new AppError(422, 'payment_overpaid', 'sale.payment_overpaid', amounts);
    case 'payment_short':
      return new AppError(422, 'payment_short', 'sale.payment_short', amounts);
    case 'cash_twice':
      return new AppError(422, 'payment_invalid', 'sale.payment_cash_twice');
    case 'credit_twice':
      return new AppError(422, 'payment_invalid', 'sale.credit_twice');
    case 'mobile_money_incomplete':
      return new AppError(422, 'mobile_money_incomplete', 'sale.mobile_money_incomplete');
  }
}

/** A discount past the limit, on the ticket or on one product's lines, with the percentage rounded up (10.04 % says 10,1 %). */
function discountRefusal(over: OverLimit, products: ReadonlyMap<string, { name: string }>, limit: number): AppError {
  const percent = String(discountPercent(over.discount, over.gross)).replace('.', ',');
  if (!over.key) return new AppError(403, 'discount_needs_manager', 'sale.discount_needs_manager', { percent, limit });
  return new AppError(403, 'discount_needs_manager', 'sale.line_discount_needs_manager', { percent, limit, name: products.get(over.key)?.name ?? '' }, { productId: over.key });
}

interface Pricing {
  /** Per allocated line: its own discount (label) and what is left of it. */
  lines: { discount: number; label: string | null; lineTotal: number }[];
  subtotal: number;
  ticketDiscount: number;
  discount: number;
  total: number;
}

/**
 * Prices allocated lines: each input line's discount is spread over the lots
 * that line's product and pack were taken from; the ticket's discount applies after.
 */
function priceSale(
  input: Pick<SaleInput, 'lines' | 'discount'>,
  allocated: readonly { key: string; unitPrice: number; gross: number }[],
  keyOf: (l: SaleLine) => string,
): Pricing {
  const lines = allocated.map(() => ({ discount: 0, label: null as string | null, lineTotal: 0 }));
  for (const key of new Set(allocated.map((a) => a.key))) {
    const asked = input.lines.filter((l) => keyOf(l) === key);
    const idx = allocated.flatMap((a, i) => (a.key === key ? [i] : []));
    const gross = idx.reduce((sum, i) => sum + allocated[i]!.gross, 0);
    // Each line of the input is priced on its own quantity: two lines of one pack may carry two discounts.
    const unitPrice = allocated[idx[0]!]!.unitPrice;
    const off = asked.reduce((sum, l) => sum + discountAmount(lineTotal(unitPrice, l.quantity), l.discount), 0);
    const labels = [...new Set(asked.flatMap((l) => (l.discount && l.discount.value > 0 ? [discountLabel(l.discount)] : [])))];
    spread(Math.min(off, gross), idx.map((i) => allocated[i]!.gross)).forEach((d, k) => {
      lines[idx[k]!]!.discount = d;
      lines[idx[k]!]!.label = d > 0 ? labels.join(' ; ') || null : null;
    });
  }
  for (const [i, a] of allocated.entries()) lines[i]!.lineTotal = a.gross - lines[i]!.discount;
  const subtotal = allocated.reduce((sum, a) => sum + a.gross, 0);
  const net = lines.reduce((sum, l) => sum + l.lineTotal, 0);
  const ticketDiscount = discountAmount(net, input.discount);
  const discount = subtotal - net + ticketDiscount;
  return { lines, subtotal, ticketDiscount, discount, total: net - ticketDiscount };
}

/** A sale being recorded, as its caller's additions see it: its id, and where its receipt will print. */
export interface NewSale {
  id: string;
  printerKind: Shop['printerKind'];
}

/** A customer's account, as a sale on credit (or its void) needs it: the accounts feature's in-transaction calls. */
export interface CreditSeats {
  /** Locks the customer and checks the limit and the block (a manager's approval lifts both); before the receipt counter. */
  holdCredit(tx: Tx, q: { customerId: string | undefined; amount: number; approver: Actor | null }): Promise<CreditHold>;
  /** After the sale's row: the credit sale's entry. */
  recordCreditSale(tx: Tx, hold: CreditHold, sale: { id: string }, actor: Actor, hlc: string): Promise<unknown>;
  /** Before the clock: what a void gives back to the account; written once the clock is taken. */
  saleVoiding(tx: Tx, saleId: string, actor: Actor): Promise<(hlc: string) => Promise<void>>;
}

/** What the sales feature needs of others: the cash session a sale belongs to, a manager's approval. */
export interface SaleSeats extends CreditSeats {
  /** The cashier's open session at this terminal, held against closing until commit; none opened here. */
  openSession(tx: Tx, actor: Actor, terminal: string): Promise<string | undefined>;
  /** ... or one opened for the sale (which stamps the clock: taken after the receipt counter). */
  sessionForSale(tx: Tx, actor: Actor, terminal: string): Promise<string>;
  sessionIsOpen(tx: Tx, sessionId: string): Promise<boolean>;
  /** A manager's PIN typed for `askedBy`; counted per address, shop and asker (users/service.ts). */
  approver(pin: string, client: string, askedBy?: Actor): Promise<Actor>;
}

export function salesService({ db, shop, now, bus }: Deps, seats: SaleSeats) {
  return {
    /**
     * One transaction: FEFO allocation under row locks (the cashier's open
     * session, shared; batches in id order; the receipt counter; a session
     * opened for the sale, if none was; the clock, last), the sale
     * with its discounts and payments, one item and one `sale` movement per
     * batch used, and their outbox rows.
     */
    async recordSale(
      input: SaleInput,
      actor: Actor,
      // client: the address a manager's PIN is typed from; wrong PINs count against it (not against a terminal name anyone can type).
      opts: { alsoInTransaction?: (tx: Tx, sale: NewSale) => Promise<void>; client?: string | undefined } = {},
    ): Promise<SaleWithItems> {
      const productIds = [...new Set(input.lines.map((l) => l.productId))];
      const day = dateInZone(now(), shop.timezone);
      const terminal = input.terminal ?? t('session.default_terminal');
      // A manager's PIN is checked before any lock is taken: its hashing takes tens of milliseconds.
      const approver = input.managerPin ? await seats.approver(input.managerPin, opts.client ?? 'local', actor) : hasRole(actor.role, 'manager') ? actor : null;
      const recorded = await db.withTransaction(async (tx) => {
        const settings = (await shopById(tx, shop.id))!;
        // The till empties its cart and queues the receipt's print first, before any row other sales wait for is
        // locked (a refusal rolls them back with the rest: a sale is never left in a cart to be sold twice).
        const saleId = newId();
        await opts.alsoInTransaction?.(tx, { id: saleId, printerKind: settings.printerKind });
        const openSession = await seats.openSession(tx, actor, terminal);
        const products = new Map((await productsForSale(tx, productIds)).map((p) => [p.id, p]));
        for (const id of productIds) {
          const p = products.get(id);
          if (!p) throw new AppError(404, 'product_not_found', 'product.not_found', {}, { productId: id });
          if (!p.active) throw new AppError(422, 'product_inactive', 'product.inactive', { name: p.name }, { productId: p.id });
        }
        const packs = input.lines.map((l) => packOfLine(products.get(l.productId)!, l.packId));
        // A line may name its lot (a scanned DataMatrix): it must be a lot of that product in this shop.
        for (const l of input.lines) {
          if (!l.batchId) continue;
          const lot = await lotOfShop(tx, shop.id, l.batchId);
          if (!lot || lot.productId !== l.productId) {
            throw new AppError(422, 'lot_not_sellable', 'sale.lot_unknown', { name: products.get(l.productId)!.name }, { productId: l.productId, batchId: l.batchId });
          }
        }
        const locked = await lockLotsWithStock(tx, shop.id, productIds);
        const batches = new Map(locked.map((b) => [b.id, b]));

        // Per product, every line at once (a box and loose tablets share its lots); one item per pack and lot.
        const keyOf = (l: SaleLine) => `${l.productId}:${packs[input.lines.indexOf(l)]!.id}`;
        const lines: { key: string; product: ProductWithPacks; pack: Pack; batch: Batch; count: number; units: number }[] = [];
        for (const productId of productIds) {
          const product = products.get(productId)!;
          const mine = locked.filter((b) => b.productId === productId);
          const asked = input.lines.flatMap((l, line) => (l.productId === productId ? [{ line, l }] : []));
          const demands = demandsOf(product, asked);
          const result = allocatePacks(mine, demands, day, boxOf(product)?.units ?? 1);
          if (!result.ok && 'unsellableLot' in result) {
            const lot = result.unsellableLot;
            const why = lot.status === 'recalled' ? t('lot.recalled') : lot.status === 'quarantined' ? t('lot.quarantined') : lot.quantity <= 0 ? t('lot.empty') : t('lot.expired');
            throw new AppError(422, 'lot_not_sellable', 'sale.lot_not_sellable', { lotNumber: lot.lotNumber, name: product.name, why }, { productId: product.id, batchId: lot.id });
          }
          if (!result.ok) throw shortage(product, demands, mine, day, result.blocked);
          for (const a of result.allocations) {
            const key = keyOf(input.lines[a.line]!);
            const same = lines.find((x) => x.key === key && x.batch.id === a.batchId);
            if (same) {
              same.count += a.count;
              same.units += a.units;
            } else lines.push({ key, product, pack: packs[a.line]!, batch: batches.get(a.batchId)!, count: a.count, units: a.units });
          }
        }
        // In the order the lines were asked, each pack's lots in FEFO order.
        const firstAsked = new Map<string, number>();
        input.lines.forEach((l, i) => firstAsked.has(keyOf(l)) || firstAsked.set(keyOf(l), i));
        lines.sort((x, y) => firstAsked.get(x.key)! - firstAsked.get(y.key)! || fefoOrder(x.batch, y.batch));

        const pricing = priceSale(input, lines.map((l) => ({ key: l.key, unitPrice: l.pack.unitPrice, gross: lineTotal(l.pack.unitPrice, l.count) })), keyOf);
        if (pricing.discount > 0) {
          if ([...input.lines.map((l) => l.discount), input.discount].some((d) => d && d.value > 0 && !d.reason)) {
            throw new AppError(422, 'discount_reason_required', 'sale.discount_reason_required');
          }
          // Per ticket and per product's lines, in francs: a cheap line given away under an expensive one is still over.
          const over = approver ? undefined : discountOverLimit(
            lines.map((l, i) => ({ key: l.product.id, gross: pricing.lines[i]!.lineTotal + pricing.lines[i]!.discount, lineTotal: pricing.lines[i]!.lineTotal })),
            {
              ticketDiscount: pricing.ticketDiscount, ticketPercent: input.discount?.kind === 'percent', limitPct: settings.discountLimitPct,
              percentLines: input.lines.flatMap((l) => (l.discount?.kind === 'percent' && l.discount.value > 0 ? [l.productId] : [])),
            },
          );
          if (over) throw discountRefusal(over, products, settings.discountLimitPct);
        }
        const settlement = settle(pricing.total, input.payments ?? [input.payment!], settings.cashRounding);
        if (!settlement.ok) throw paymentRefusal(settlement);
        // « Crédit client »: the customer's row is locked after the lots and before the counter, as a payment on account takes it.
        const onCredit = settlement.payments.find((p) => p.method === 'credit');
        const credit = onCredit ? await seats.holdCredit(tx, { customerId: onCredit.customerId, amount: onCredit.amount, approver }) : null;

        const number = formatReceiptNumber(shop.code, await takeReceiptNumber(tx, shop.id));
        // After the counter: opening a session stamps the clock, and every writer takes the counter before the clock.
        const sessionId = openSession ?? (await seats.sessionForSale(tx, actor, terminal));
        const hlc = await stampTransaction(tx, now());
        const createdAt = now();
        const sale: Sale = {
          id: saleId, shopId: shop.id, number, cashierId: actor.id, cashierName: actor.name,
          total: pricing.total, tendered: settlement.tendered, change: settlement.change, paymentMethod: settlement.method,
          sessionId, subtotal: pricing.subtotal, discount: pricing.discount,
          discountLabel: pricing.ticketDiscount > 0 && input.discount ? discountLabel(input.discount) : null,
          discountApprovedBy: pricing.discount > 0 ? (approver?.id ?? null) : null, rounding: settlement.rounding, payments: settlement.payments,
          status: 'completed', voidedAt: null, voidedBy: null, createdAt, updatedAt: createdAt, receivedAt: null,
        };
        const items: SaleItem[] = lines.map((l, i) => ({
          id: newId(), saleId: sale.id, lineNo: i + 1, productId: l.product.id, batchId: l.batch.id,
          productName: l.product.name, lotNumber: l.batch.lotNumber, expirationDate: l.batch.expirationDate,
          packId: l.pack.id, packName: l.pack.name, quantity: l.count, units: l.units, unitPrice: l.pack.unitPrice, discount: pricing.lines[i]!.discount,
          discountLabel: pricing.lines[i]!.label, lineTotal: pricing.lines[i]!.lineTotal, createdAt,
        }));
        const movements = items.map((item) => ({
          id: newId(), shopId: shop.id, batchId: item.batchId, kind: 'sale' as const, delta: -item.units,
          countedQty: null, reason: null, saleItemId: item.id, userId: actor.id, hlc, createdAt,
        }));
        // Every row in one statement: the lots stay locked for one round trip, not five.
        await writeSale(tx, {
          sale: { ...sale, hlc }, items, movements,
          outbox: [
            { entity: 'sale', entityId: sale.id, op: 'insert', payload: sale, hlc },
            ...items.map((i) => ({ entity: 'sale_item', entityId: i.id, op: 'insert' as const, payload: i, hlc })),
            ...movements.map((m) => ({ entity: 'movement', entityId: m.id, op: 'insert' as const, payload: m, hlc })),
          ],
        });
        if (credit) await seats.recordCreditSale(tx, credit, sale, actor, hlc);
        return { ...sale, items };
        // Everything above touches only the database: a sale picked as a deadlock's victim (against a pull's page) runs again.
      }, { retryOnDeadlock: 2 });
      bus?.committed('sale');
      return recorded;
    },

    /** A manager cancels a sale: every unit goes back to the lot it came from. */
    async voidSale(id: string, actor: Actor): Promise<SaleWithItems> {
      const voidedSale = await db.withTransaction(async (tx) => {
        const sale = await saleById(tx, shop.id, id, true);
        if (!sale) throw notFound('sale.not_found');
        if (sale.status === 'voided') throw new AppError(409, 'already_voided', 'sale.already_voided', { number: sale.number });
        if (await hasReturns(tx, id)) throw new AppError(409, 'sale_returned', 'sale.has_returns', { number: sale.number });
        const items = await itemsOfSales(tx, [id]);
        // A closed session's Z report is final: money given back later is a return, counted in today's drawer.
        // The session (for share) before the lots, as a sale takes them: no two writers wait on each other in opposite orders.
        if (sale.sessionId && !(await seats.sessionIsOpen(tx, sale.sessionId))) {
          throw new AppError(409, 'session_closed', 'sale.session_closed_void', { number: sale.number });
        }
        await lockLots(tx, shop.id, [...new Set(items.map((i) => i.batchId))]);
        // A credit sale's customer is locked before the clock, as every writer of an account does.
        const giveBackCredit = await seats.saleVoiding(tx, id, actor);
        const hlc = await stampTransaction(tx, now());
        const voided = await markVoided(tx, id, actor.id, hlc, now());
        // Every base unit back to the lot it left.
        const movements = await recordMovements(
          tx,
          items.map((item) => ({
            id: newId(), shopId: shop.id, batchId: item.batchId, kind: 'return' as const, delta: item.units,
            countedQty: null, reason: `annulation ${sale.number}`, saleItemId: item.id, userId: actor.id, hlc,
          })),
        );
        await appendOutbox(tx, [
          {
            entity: 'sale', entityId: id, op: 'update',
            payload: { id, status: voided.status, voidedAt: voided.voidedAt, voidedBy: voided.voidedBy }, hlc,
          },
          ...movements.map((m): OutboxEntry => ({ entity: 'movement', entityId: m.id, op: 'insert', payload: m, hlc })),
        ]);
        await giveBackCredit(hlc);
        return { ...voided, items };
      });
      bus?.committed('sale');
      return voidedSale;
    },

    /** A cash session's sales, for its X and Z reports. */
    ofSession: salesOfSession,
    /** What a session's completed sales took, per product and pack, for its X and Z reports. */
    articlesOfSession,

    /** After head office said it holds receipts up to `n`: numbering continues past them. Returns the number this shop was at. */
    async continueReceiptNumbersAfter(n: number): Promise<number> {
      return raiseReceiptCounter(db, shop.id, n);
    },

    async getSale(id: string): Promise<SaleWithItems> {
      const sale = await saleById(db, shop.id, id);
      if (!sale) throw notFound('sale.not_found');
      return { ...sale, items: await itemsOfSales(db, [id]) };
    },

    /** Completed sales of the shop's days from..to (today by default). */
    async takings(from?: string, to?: string): Promise<{ total: number; count: number }> {
      const day = dateInZone(now(), shop.timezone);
      return takings(db, { shopId: shop.id, from: from ?? day, to: to ?? from ?? day, timezone: shop.timezone });
    },

    async listSales(q: { from?: string; to?: string; limit: number }): Promise<SaleWithItems[]> {
      const today = dateInZone(now(), shop.timezone);
      const sales = await salesBetween(db, {
        shopId: shop.id, from: q.from ?? today, to: q.to ?? q.from ?? today, timezone: shop.timezone, limit: q.limit,
      });
      const items = await itemsOfSales(db, sales.map((s) => s.id));
      const bySale = new Map<string, SaleItem[]>();
      for (const i of items) bySale.set(i.saleId, [...(bySale.get(i.saleId) ?? []), i]);
      return sales.map((s) => ({ ...s, items: bySale.get(s.id) ?? [] }));
    },
  };
}

export type SalesService = ReturnType<typeof salesService>;

/** Head office's seat of sales: it reads what the shops sold and took back, never sells. */
export function salesAtHq({ db }: { db: Db }) {
  /** Each sale with its lines and its returns (credit notes). */
  async function withLinesAndReturns<S extends Sale>(sales: readonly S[]): Promise<(S & { items: SaleItem[]; returns: ReturnAtHq[] })[]> {
    const ids = sales.map((s) => s.id);
    const [items, returns] = await Promise.all([itemsOfSales(db, ids), returnsOfSales(db, ids)]);
    const bySale = new Map<string, SaleItem[]>();
    for (const i of items) bySale.set(i.saleId, [...(bySale.get(i.saleId) ?? []), i]);
    const returnsBySale = new Map<string, ReturnAtHq[]>();
    for (const r of returns) returnsBySale.set(r.saleId, [...(returnsBySale.get(r.saleId) ?? []), r]);
    return sales.map((s) => ({ ...s, items: bySale.get(s.id) ?? [], returns: returnsBySale.get(s.id) ?? [] }));
  }

  return {
    /** Units of these products each shop sold since a moment (transfer suggestions). */
    unitsSold: (productIds: readonly string[], since: Date) => unitsSoldByShop(db, { productIds, since }),

    /** Sales of the shop's calendar days from..to, newest first, each with its lines and returns. */
    async salesOfShop(shop: { id: string; timezone: string }, q: { from: string; to: string; limit: number }) {
      return withLinesAndReturns(await salesBetween(db, { shopId: shop.id, from: q.from, to: q.to, timezone: shop.timezone, limit: q.limit }));
    },

    /** Returns made on the shop's calendar days from..to (whatever their sale's day), newest first. */
    returnsOfShop: (shop: { id: string; timezone: string }, q: { from: string; to: string; limit: number }) =>
      returnsBetween(db, { shopId: shop.id, from: q.from, to: q.to, timezone: shop.timezone, limit: q.limit }),

    /** Takings per shop and day over a period, from head office's per-day sums. */
    takings: (q: { from: string; to: string; shopId?: string | undefined }) => takingsByShopDay(db, q),

    /** Takings per calendar day over a period, every shop summed (or one shop's). */
    takingsPerDay: (q: { from: string; to: string; shopId?: string | undefined }) => takingsByDay(db, q),

    /** One sale of any shop with its lines (lot and expiry as sold) and its returns. */
    async sale(id: string) {
      const sale = await saleAnyShop(db, id);
      if (!sale) throw notFound('sale.not_found');
      return (await withLinesAndReturns([sale]))[0]!;
    },
  };
}
