import type { Actor, Deps } from '../context.js';
import type { Queryable, Tx } from '../db/pool.js';
import { AppError, notFound } from '../errors.js';
import { t } from '../i18n/fr.js';
import { newId } from '../ids.js';
import { stampTransaction } from '../outbox/clock.js';
import { appendOutbox } from '../outbox/queries.js';
import {
  insertReturn,
  insertReturnLines,
  markReturnSent,
  nextNumber,
  returnById,
  returnLines,
  setReturnMovements,
  settleReturn,
  type SupplierReturn,
} from './queries.js';
import type { CreateReturnInput } from './schemas.js';
import { documentNumber, type PurchasingSeats } from './service.js';

const returnStatusText = (s: SupplierReturn['status']) => t(`purchase.return_status.${s}`);

/** Lots sent back to a supplier: a draft, then sent (units leave the ledger), then credited or disputed. */
export function supplierReturnsService({ db, shop, now, bus }: Deps, seats: PurchasingSeats) {
  async function own(q: Queryable, id: string, lock = false): Promise<SupplierReturn> {
    const r = await returnById(q, id, lock);
    if (!r || r.shopId !== shop.id) throw notFound('purchase.return_not_found');
    return r;
  }

  async function view(id: string) {
    const r = await own(db, id);
    const { hlc: _h, ...rest } = r;
    return { ...rest, statusText: returnStatusText(r.status), lines: (await returnLines(db, id)).map((l) => ({ ...l, reasonText: t(`purchase.reason.${l.reason}`) })) };
  }

  /** Each line's lot must hold what is sent back of it (several lines of one lot count together). */
  async function checkLots(tx: Tx, lines: readonly { batchId: string; quantity: number }[]) {
    const lots = new Map((await seats.stock.lockLots(tx, [...new Set(lines.map((l) => l.batchId))])).map((b) => [b.id, b]));
    const asked = new Map<string, number>();
    return lines.map((l, i) => {
      const lot = lots.get(l.batchId);
      if (!lot) throw new AppError(404, 'not_found', 'purchase.return_other_shop_lot', { row: i + 1 }, { row: i });
      asked.set(l.batchId, (asked.get(l.batchId) ?? 0) + l.quantity);
      if (asked.get(l.batchId)! > lot.quantity) {
        throw new AppError(422, 'stock_negative', 'purchase.return_exceeds', { row: i + 1, lotNumber: lot.lotNumber, quantity: lot.quantity }, { row: i });
      }
      return lot;
    });
  }

  async function sendUpstream(tx: Tx, id: string, op: 'insert' | 'update', hlc: string) {
    const r = (await returnById(tx, id))!;
    const { hlc: _h, updatedAt: _u, ...doc } = r;
    const payload = op === 'insert'
      ? { ...doc, lines: (await returnLines(tx, id)).map(({ productName: _p, returnId: _r, ...l }) => l) }
      : { id, shopId: r.shopId, status: r.status, creditNoteNumber: r.creditNoteNumber, creditedAmount: r.creditedAmount, disputeNote: r.disputeNote, settledAt: r.settledAt, settledBy: r.settledBy };
    await appendOutbox(tx, [{ entity: 'supplier_return', entityId: id, op, payload, hlc }]);
  }

  return {
    view,

    /** A draft return; the same `id` twice makes one. */
    async create(input: CreateReturnInput, actor: Actor) {
      const id = input.id ?? newId();
      const created = await db.withTransaction(async (tx) => {
        if (await returnById(tx, id)) return false;
        await seats.suppliers.supplierIn(tx, input.supplierId);
        const lots = await checkLots(tx, input.lines);
        const hlc = await stampTransaction(tx, now());
        const expectedCredit = input.lines.reduce((s, l, i) => s + l.quantity * (lots[i]!.unitCost ?? 0), 0);
        await insertReturn(tx, {
          id, shopId: shop.id, number: null, supplierId: input.supplierId, status: 'draft', expectedCredit, creditNoteNumber: null, creditedAmount: null,
          disputeNote: null, createdBy: actor.id, validatedAt: null, validatedBy: null, validatedByName: null, settledAt: null, settledBy: null, hlc,
        });
        await insertReturnLines(tx, id, input.lines.map((l, i) => ({
          id: newId(), lineNo: i + 1, batchId: l.batchId, productId: lots[i]!.productId, lotNumber: lots[i]!.lotNumber,
          expirationDate: lots[i]!.expirationDate, quantity: l.quantity, unitCost: lots[i]!.unitCost, reason: l.reason, movementId: null,
        })));
        return true;
      });
      return { supplierReturn: await view(id), created };
    },

    /**
     * Sent: each line's units leave its lot by a `supplier_return` movement
     * (expired and recalled lots alike: no date is faked), the credit expected
     * is set at the lots' costs. Validating again writes nothing.
     */
    async validate(id: string, actor: Actor) {
      const written = await db.withTransaction(async (tx) => {
        const r = await own(tx, id, true);
        if (r.status !== 'draft') return false;
        const lines = await returnLines(tx, id);
        const lots = await checkLots(tx, lines);
        const moved: { lineId: string; movementId: string; unitCost: number | null }[] = [];
        for (const [i, l] of lines.entries()) {
          const m = await seats.stock.supplierReturnIn(tx, { batchId: l.batchId, quantity: l.quantity, reason: l.reason }, actor);
          moved.push({ lineId: l.id, movementId: m.id, unitCost: lots[i]!.unitCost });
        }
        await setReturnMovements(tx, moved);
        const hlc = await stampTransaction(tx, now());
        await markReturnSent(tx, id, {
          number: documentNumber('RF', shop.code, await nextNumber(tx, shop.id, 'return')),
          expectedCredit: lines.reduce((s, l, i) => s + l.quantity * (lots[i]!.unitCost ?? 0), 0),
          validatedAt: now(), validatedBy: actor.id, validatedByName: actor.name, hlc,
        });
        await sendUpstream(tx, id, 'insert', hlc);
        return true;
      });
      if (written) bus?.committed('batch');
      return view(id);
    },

    /** The supplier's credit note came in: its number and amount. The same note again answers the return as it is. */
    async credit(id: string, input: { creditNoteNumber: string; amount: number }, actor: Actor) {
      return this.settle(id, { status: 'credited', creditNoteNumber: input.creditNoteNumber, creditedAmount: input.amount, disputeNote: null }, actor);
    },

    async dispute(id: string, note: string, actor: Actor) {
      return this.settle(id, { status: 'disputed', creditNoteNumber: null, creditedAmount: null, disputeNote: note }, actor);
    },

    async settle(id: string, s: Pick<SupplierReturn, 'status' | 'creditNoteNumber' | 'creditedAmount' | 'disputeNote'>, actor: Actor) {
      await db.withTransaction(async (tx) => {
        const r = await own(tx, id, true);
        if (r.status === s.status && r.creditNoteNumber === s.creditNoteNumber && r.creditedAmount === s.creditedAmount) return;
        // A disputed return may still be credited later; a credited one is closed.
        if (r.status !== 'sent' && !(r.status === 'disputed' && s.status === 'credited')) {
          throw new AppError(409, 'return_not_sent', 'purchase.return_not_sent', { number: r.number ?? '', status: returnStatusText(r.status) });
        }
        const hlc = await stampTransaction(tx, now());
        await settleReturn(tx, id, { ...s, settledAt: now(), settledBy: actor.id, hlc });
        await sendUpstream(tx, id, 'update', hlc);
      });
      return view(id);
    },
  };
}

export type SupplierReturnsService = ReturnType<typeof supplierReturnsService>;
