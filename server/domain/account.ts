/**
 * A customer's account (« l'ardoise ») as a ledger: credit sales add to the
 * balance; payments, credit returns, write-offs and voided credit sales take
 * from it. A credit names the sales it paid off (its allocations), never more
 * than a sale left due. Pure arithmetic on integer FCFA.
 */
import { daysBetween, type IsoDate } from './dates.js';

export const ENTRY_KINDS = ['sale', 'payment', 'return', 'write_off', 'void'] as const;
export type EntryKind = (typeof ENTRY_KINDS)[number];

export interface Allocation {
  saleId: string;
  amount: number;
}

export interface LedgerEntry {
  kind: EntryKind;
  /** Always positive; the kind says which way it goes. */
  amount: number;
  saleId: string | null;
  allocations: readonly Allocation[];
  /** The shop's calendar day it was written on. */
  day: IsoDate;
}

/** +1 for what the customer owes more, −1 for what they paid or were given back. */
export const entrySign = (kind: EntryKind): 1 | -1 => (kind === 'sale' ? 1 : -1);

export const balanceOf = (entries: readonly Pick<LedgerEntry, 'kind' | 'amount'>[]): number =>
  entries.reduce((s, e) => s + entrySign(e.kind) * e.amount, 0);

export interface OpenSale {
  saleId: string;
  day: IsoDate;
  /** The sale's credit part. */
  amount: number;
  /** What is still due of it once every allocation is taken off. */
  due: number;
}

/** Each credit sale with what is left due of it, oldest first (entries come in the order they were written). */
export function openSales(entries: readonly LedgerEntry[]): OpenSale[] {
  const paid = new Map<string, number>();
  for (const e of entries) for (const a of e.allocations) paid.set(a.saleId, (paid.get(a.saleId) ?? 0) + a.amount);
  return entries
    .filter((e) => e.kind === 'sale' && e.saleId)
    .map((e) => ({ saleId: e.saleId!, day: e.day, amount: e.amount, due: e.amount - (paid.get(e.saleId!) ?? 0) }))
    .filter((s) => s.due > 0);
}

/** What credits have not paid off any sale yet (an advance, or what was left when the sales were all paid). */
export function unallocatedCredit(entries: readonly LedgerEntry[]): number {
  return entries
    .filter((e) => e.kind !== 'sale')
    .reduce((s, e) => s + e.amount - e.allocations.reduce((n, a) => n + a.amount, 0), 0);
}

/**
 * How `amount` pays off open sales: the sales `first` names (oldest first
 * among them), then the oldest others; never more than a sale left due. What
 * is left over is unallocated.
 */
export function allocate(amount: number, open: readonly OpenSale[], first: readonly string[] = []): { allocations: Allocation[]; unallocated: number } {
  const wanted = new Set(first);
  const order = [...open.filter((s) => wanted.has(s.saleId)), ...open.filter((s) => !wanted.has(s.saleId))];
  const allocations: Allocation[] = [];
  let left = amount;
  for (const s of order) {
    if (left <= 0) break;
    const take = Math.min(left, s.due);
    if (take > 0) allocations.push({ saleId: s.saleId, amount: take });
    left -= take;
  }
  return { allocations, unallocated: left };
}

export interface Ageing {
  d0_30: number;
  d31_60: number;
  d61_90: number;
  over90: number;
}

export const noAgeing = (): Ageing => ({ d0_30: 0, d31_60: 0, d61_90: 0, over90: 0 });

/**
 * What is due by the age of the sales it comes from (0–30, 31–60, 61–90 and
 * over 90 days); credit not allocated to any sale pays off the oldest first.
 * The buckets add up to the balance when it is positive, to 0 otherwise.
 */
export function ageingOf(entries: readonly LedgerEntry[], today: IsoDate): Ageing {
  const out = noAgeing();
  let credit = unallocatedCredit(entries);
  for (const s of openSales(entries)) {
    const covered = Math.min(credit, s.due);
    credit -= covered;
    const due = s.due - covered;
    const age = daysBetween(s.day, today);
    const bucket: keyof Ageing = age <= 30 ? 'd0_30' : age <= 60 ? 'd31_60' : age <= 90 ? 'd61_90' : 'over90';
    out[bucket] += due;
  }
  return out;
}

export const addAgeing = (a: Ageing, b: Ageing): Ageing => ({
  d0_30: a.d0_30 + b.d0_30, d31_60: a.d31_60 + b.d31_60, d61_90: a.d61_90 + b.d61_90, over90: a.over90 + b.over90,
});

/** Overdue: anything due from a sale older than 30 days. */
export const isOverdue = (a: Ageing): boolean => a.d31_60 + a.d61_90 + a.over90 > 0;

export type CreditRefusal = 'blocked' | 'over_limit';

/** Why a credit of `amount` cannot go on this account without a manager, if it cannot. */
export function creditRefusal(c: { balance: number; amount: number; limit: number; blocked: boolean }): CreditRefusal | undefined {
  if (c.blocked) return 'blocked';
  if (c.balance + c.amount > c.limit) return 'over_limit';
  return undefined;
}

export interface StatementRow<E> {
  entry: E;
  /** + owed more, − paid or given back. */
  signed: number;
  balance: number;
}

/** A period's statement: the balance before `from`, each entry of from..to with the balance after it, the closing balance. */
export function statementOf<E extends Pick<LedgerEntry, 'kind' | 'amount' | 'day'>>(entries: readonly E[], from: IsoDate, to: IsoDate) {
  const opening = balanceOf(entries.filter((e) => e.day < from));
  let balance = opening;
  const rows: StatementRow<E>[] = [];
  for (const e of entries.filter((x) => x.day >= from && x.day <= to)) {
    const signed = entrySign(e.kind) * e.amount;
    balance += signed;
    rows.push({ entry: e, signed, balance });
  }
  return { opening, rows, closing: balance };
}
