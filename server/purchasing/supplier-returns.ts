import type { Actor, Deps } from '../context.js';
import type { Queryable, Tx } from '../db/pool.js';
import { dateInZone, formatDateFr } from '../domain/dates.js';
import { formatFcfa } from '../domain/money.js';
import { AppError, notFound } from '../errors.js';
import { t } from '../i18n/fr.js';
import { newId } from '../ids.js';
import { stampTransaction } from '../outbox/clock.js';
import { appendOutbox } from '../outbox/queries.js';
import {
  insertReturn,
  insertReturnLines,
  listReturns,
  markReturnSent,
  nextNumber,
  returnById,
  returnLines,
  setReturnMovements,
  settleReturn,
  type SupplierReturn,
} from './queries.js';
import type { CreateReturnInput, RecalledLotInput } from './schemas.js';
import { purchaseDocPdf } from './pdf.js';
import { documentNumber, supplierBlock, type PurchasingSeats } from './service.js';

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

  /** A draft's rows, in the caller's transaction (the supplier checked, each lot holding what is asked). */
  async function createIn(tx: Tx, id: string, input: Omit<CreateReturnInput, 'id'>, actor: Actor) {
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
  }

  /** A locked draft sent: its units leave the lots, it is numbered and goes to head office. */
  async function validateIn(tx: Tx, r: SupplierReturn, actor: Actor) {
    const id = r.id;
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
  }

  return {
    view,
    list: () => listReturns(db, { shopId: shop.id, limit: 200 }),

    /** The return note that travels with the boxes: A4, French, each lot with its reason, the credit expected at cost. */
    async notePdf(id: string): Promise<{ filename: string; pdf: Buffer }> {
      const r = await view(id);
      const supplier = await seats.suppliers.get(r.supplierId);
      const number = r.number ?? t('purchase.pdf.draft');
      const pdf = await purchaseDocPdf({
        title: t('purchase.pdf.return_title'), number, shopName: shop.name,
        date: formatDateFr(dateInZone(r.validatedAt ?? r.createdAt, shop.timezone)),
        party: supplierBlock(supplier),
        meta: [t('purchase.pdf.state', { status: r.statusText })],
        columns: [
          { label: t('purchase.csv.designation'), width: 0.25 }, { label: t('purchase.pdf.lot'), width: 0.12 }, { label: t('purchase.pdf.expiry'), width: 0.12 },
          { label: t('purchase.pdf.quantity'), width: 0.07, align: 'right' }, { label: t('purchase.pdf.reason'), width: 0.14 },
          { label: t('purchase.pdf.unit_cost'), width: 0.14, align: 'right' }, { label: t('purchase.pdf.amount'), width: 0.16, align: 'right' },
        ],
        rows: r.lines.map((l) => [l.productName, l.lotNumber, formatDateFr(l.expirationDate), String(l.quantity), l.reasonText,
          l.unitCost === null ? '—' : formatFcfa(l.unitCost), l.unitCost === null ? '—' : formatFcfa(l.unitCost * l.quantity)]),
        totals: [[t('purchase.pdf.expected_credit'), formatFcfa(r.expectedCredit)]],
        footer: t('purchase.pdf.return_footer', { name: r.validatedByName ?? '' }),
      });
      return { filename: number, pdf };
    },

    /** A draft return; the same `id` twice makes one. */
    async create(input: CreateReturnInput, actor: Actor) {
      const id = input.id ?? newId();
      const created = await db.withTransaction(async (tx) => {
        if (await returnById(tx, id)) return false;
        await createIn(tx, id, input, actor);
        return true;
      });
      return { supplierReturn: await view(id), created };
    },

    /**
     * A recalled lot's whole remaining stock sent back in one step: one
     * return of one line (reason « rappel »), made and validated in one
     * transaction, to the given supplier or the lot's own. The same `id`
     * twice answers the first; a second click without one finds the lot
     * empty and is refused, so nothing is ever returned twice.
     */
    async returnRecalledLot(input: RecalledLotInput, actor: Actor) {
      const id = input.id ?? newId();
      const created = await db.withTransaction(async (tx) => {
        if (await returnById(tx, id)) return false;
        const [lot] = await seats.stock.lockLots(tx, [input.batchId]);
        if (!lot) throw notFound('buying.recall_lot_not_found');
        if (lot.status !== 'recalled') throw new AppError(409, 'lot_not_recalled', 'buying.recall_lot_not_recalled', { lotNumber: lot.lotNumber });
        if (lot.quantity <= 0) throw new AppError(422, 'lot_empty', 'buying.recall_lot_empty', { lotNumber: lot.lotNumber });
        const supplierId = input.supplierId ?? lot.supplierId ?? null;
        if (!supplierId) throw new AppError(422, 'supplier_required', 'buying.recall_supplier_required', { lotNumber: lot.lotNumber });
        await createIn(tx, id, { supplierId, lines: [{ batchId: lot.id, quantity: lot.quantity, reason: 'recalled' }] }, actor);
        await validateIn(tx, (await own(tx, id, true)), actor);
        return true;
      });
      if (created) bus?.committed('batch');
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
        await validateIn(tx, r, actor);
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
