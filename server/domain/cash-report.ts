import { netTakings } from './takings.js';
import type { ReturnApproval } from './approvals.js';
import { PAYMENT_METHODS, type Payment, type PaymentMethod, type SaleMethod } from './tender.js';

/** What a session's drawer saw, as the X (mid-day) and Z (closing) reports need it. */
export interface SessionDay {
  openingFloat: number;
  sales: readonly {
    number?: string;
    cashierName: string;
    subtotal: number;
    discount: number;
    total: number;
    rounding: number;
    status: 'completed' | 'voided';
    payments: readonly Payment[];
    /** The manager who allowed the sale's discount, by name. */
    discountApprovedByName?: string | null;
  }[];
  returns: readonly {
    number?: string;
    cashierName: string;
    amount: number;
    rounding: number;
    refundMethod: SaleMethod;
    /** What went back on the customer's account (a sale bought on credit) rather than out in money. */
    accountCredit?: number;
    approvedByName?: string | null;
    approval?: readonly ReturnApproval[];
  }[];
  /** expenseId: a drawer expense, shown apart from the other cash-outs. */
  movements: readonly { kind: 'in' | 'out'; amount: number; reason: string; userName: string; approvedByName?: string | null; expenseId?: string | null }[];
  /** Payments on customers' accounts (« règlements ») taken in this session: money in, not sales. */
  accountPayments?: readonly { method: PaymentMethod; amount: number }[];
  /** Credit sales a manager's PIN allowed (over the customer's limit, or a blocked customer): who, to whom, how much. */
  creditApprovals?: readonly { number: string; customerName: string; amount: number; cashierName: string; approvedByName: string }[];
}

/** What a manager allowed in a session: a discount, a return (and why it needed one), cash taken out. */
export interface Approval {
  kind: 'discount' | 'return' | 'cash_out' | 'credit';
  /** The receipt or credit-note number; a cash-out's reason. */
  reference: string;
  amount: number;
  approvedBy: string;
  why: ReturnApproval[];
  /** A credit: the customer it went to, and the cashier who sold. */
  customer?: string;
  cashier?: string;
}

export type PerMethod = Record<PaymentMethod, number>;

export interface CashReport {
  salesCount: number;
  grossSales: number;
  discounts: number;
  rounding: number;
  /** What completed sales brought in, rounding included. */
  netSales: number;
  returnsCount: number;
  refunds: number;
  voidsCount: number;
  voidsAmount: number;
  cashIn: number;
  /** Cash taken out, drawer expenses excepted. */
  cashOut: number;
  /** Expenses paid from the drawer. */
  expenses: number;
  expensesCount: number;
  /** What completed sales left due on customers' accounts (« Crédit client »): sold, not received. */
  creditSales: number;
  /** What returns put back on customers' accounts instead of refunding money. */
  creditReturns: number;
  /** Payments on account received, per method. */
  accountPayments: PerMethod;
  accountPaymentsCount: number;
  openingFloat: number;
  /** Per payment method: what sales took in that way (credit is no takings). */
  salesByMethod: PerMethod;
  refundsByMethod: PerMethod;
  byCashier: { name: string; sales: number; amount: number; returns: number; refunds: number }[];
  /** What the drawer (cash) and the other channels should hold at closing. */
  expected: PerMethod;
  approvals: Approval[];
}

const zero = (): PerMethod => ({ cash: 0, mobile_money: 0, card: 0 });

/**
 * The report of a session. Expected cash = float + cash in − cash out + cash
 * taken by sales (rounded, change given back) − cash refunds (rounded). A
 * voided sale took nothing: its money went back when it was voided.
 */
export function cashReport(day: SessionDay): CashReport {
  const salesByMethod = zero();
  const refundsByMethod = zero();
  const cashiers = new Map<string, CashReport['byCashier'][number]>();
  const cashier = (name: string) => {
    const c = cashiers.get(name) ?? { name, sales: 0, amount: 0, returns: 0, refunds: 0 };
    cashiers.set(name, c);
    return c;
  };
  let salesCount = 0, grossSales = 0, discounts = 0, rounding = 0, netSales = 0, voidsCount = 0, voidsAmount = 0, creditSales = 0;
  for (const s of day.sales) {
    if (s.status === 'voided') {
      voidsCount += 1;
      voidsAmount += s.total + s.rounding;
      continue;
    }
    salesCount += 1;
    grossSales += s.subtotal;
    discounts += s.discount;
    rounding += s.rounding;
    netSales += s.total + s.rounding;
    for (const p of s.payments) {
      if (p.method === 'credit') creditSales += p.amount;
      else salesByMethod[p.method] += p.amount;
    }
    const c = cashier(s.cashierName);
    c.sales += 1;
    c.amount += s.total + s.rounding;
  }
  let refunds = 0, creditReturns = 0;
  for (const r of day.returns) {
    const paid = r.amount + r.rounding;
    const credited = r.accountCredit ?? 0;
    refunds += paid;
    rounding -= r.rounding;
    creditReturns += credited;
    if (r.refundMethod !== 'credit') refundsByMethod[r.refundMethod] += paid - credited;
    const c = cashier(r.cashierName);
    c.returns += 1;
    c.refunds += paid;
  }
  const cashIn = day.movements.filter((m) => m.kind === 'in').reduce((s, m) => s + m.amount, 0);
  const outs = day.movements.filter((m) => m.kind === 'out');
  const cashOut = outs.filter((m) => !m.expenseId).reduce((s, m) => s + m.amount, 0);
  const expenses = outs.filter((m) => m.expenseId).reduce((s, m) => s + m.amount, 0);
  const accountPayments = zero();
  for (const p of day.accountPayments ?? []) accountPayments[p.method] += p.amount;
  const expected = zero();
  const net = netTakings(salesByMethod, refundsByMethod).byMethod;
  // A payment on account is money in the drawer (or the channel) once: on its own line, never among the sales.
  for (const m of PAYMENT_METHODS) expected[m] = net[m].net + accountPayments[m];
  expected.cash += day.openingFloat + cashIn - cashOut - expenses;
  return {
    salesCount, grossSales, discounts, rounding, netSales,
    returnsCount: day.returns.length, refunds, voidsCount, voidsAmount,
    cashIn, cashOut, expenses, expensesCount: outs.filter((m) => m.expenseId).length,
    creditSales, creditReturns, accountPayments, accountPaymentsCount: day.accountPayments?.length ?? 0,
    openingFloat: day.openingFloat,
    salesByMethod, refundsByMethod,
    byCashier: [...cashiers.values()].sort((a, b) => a.name.localeCompare(b.name, 'fr')),
    expected,
    approvals: approvalsOf(day),
  };
}

/** Who allowed what, discounts first, then credits, then returns, then cash-outs, each in the order they happened. */
function approvalsOf(day: SessionDay): Approval[] {
  return [
    ...day.sales.flatMap((s): Approval[] => (s.status === 'completed' && s.discount > 0 && s.discountApprovedByName
      ? [{ kind: 'discount', reference: s.number ?? '', amount: s.discount, approvedBy: s.discountApprovedByName, why: [] }]
      : [])),
    ...(day.creditApprovals ?? []).map((c): Approval => ({
      kind: 'credit', reference: c.number, amount: c.amount, approvedBy: c.approvedByName, why: [], customer: c.customerName, cashier: c.cashierName,
    })),
    ...day.returns.flatMap((r): Approval[] => (r.approvedByName
      ? [{ kind: 'return', reference: r.number ?? '', amount: r.amount + r.rounding, approvedBy: r.approvedByName, why: [...(r.approval ?? [])] }]
      : [])),
    ...day.movements.flatMap((m): Approval[] => (m.kind === 'out' && m.approvedByName
      ? [{ kind: 'cash_out', reference: m.reason, amount: m.amount, approvedBy: m.approvedByName, why: [] }]
      : [])),
  ];
}

/** The first method whose variance is beyond the threshold (either way): its closing needs a comment. */
export function varianceNeedingComment(variance: PerMethod, over: number): PaymentMethod | undefined {
  return PAYMENT_METHODS.find((m) => Math.abs(variance[m]) > over);
}

/** Counted less expected, per method (positive: more in the drawer than expected). */
export function variances(expected: PerMethod, counted: PerMethod): PerMethod {
  return { cash: counted.cash - expected.cash, mobile_money: counted.mobile_money - expected.mobile_money, card: counted.card - expected.card };
}

/** A float counted note by note: denomination (FCFA) × count. */
export function countedTotal(counts: Readonly<Record<string, number>>): number {
  return Object.entries(counts).reduce((s, [denomination, n]) => s + Number(denomination) * n, 0);
}

/** The notes and coins of the franc CFA (BCEAO), largest first. */
export const DENOMINATIONS = [10000, 5000, 2000, 1000, 500, 250, 200, 100, 50, 25, 10, 5] as const;
