import type { CashMerge } from '../cash/merge.js';
import type { MergeRun } from '../outbox/merge-run.js';
import { forbidden, unknownEntity } from '../stock/merge.js';
import { expensesByIds, insertExpenseIfAbsent, type Expense } from './queries.js';

export type ExpenseWire = Omit<Expense, 'hlc' | 'createdAt'> & { createdAt: string };

/** Expenses belong to the shop that recorded them: inserted once at head office; a cancellation is a row of its own. */
export class ExpensesMerge {
  constructor(
    private readonly run: MergeRun,
    private readonly cash: CashMerge,
  ) {}

  private get hq() {
    const seat = this.run.seat;
    if (seat.role !== 'hq' || !seat.shopId) throw new Error('head office, for one shop');
    return { ...seat, shopId: seat.shopId };
  }

  async inserted(d: ExpenseWire, hlc: string): Promise<void> {
    if (d.shopId !== this.hq.shopId) throw forbidden(this.hq.shopCode);
    await this.cash.ownSession(d.sessionId);
    if (d.cancels) {
      const [cancelled] = await expensesByIds(this.run.tx, [d.cancels]);
      if (!cancelled) throw unknownEntity('expense', d.cancels);
      if (cancelled.shopId !== this.hq.shopId) throw forbidden(this.hq.shopCode);
    }
    if (await insertExpenseIfAbsent(this.run.tx, { ...d, hlc, createdAt: new Date(d.createdAt) })) return;
    const [existing] = await expensesByIds(this.run.tx, [d.id]);
    if (existing && existing.shopId !== this.hq.shopId) throw forbidden(this.hq.shopCode);
  }
}
