/**
 * What a customer owes and how they pay it: discounts, several payments,
 * cash rounded to the smallest coin. Pure arithmetic on integer FCFA.
 */

export const PAYMENT_METHODS = ['cash', 'mobile_money', 'card'] as const;
export type PaymentMethod = (typeof PAYMENT_METHODS)[number];
export const MOBILE_OPERATORS = ['orange_money', 'wave', 'mtn_momo', 'moov'] as const;
export type MobileOperator = (typeof MOBILE_OPERATORS)[number];

export interface Discount {
  kind: 'percent' | 'amount';
  value: number;
  reason: string;
}

/** What a discount takes off `gross`: a percent rounds half up, an amount never goes past the gross. */
export function discountAmount(gross: number, d: Discount | null | undefined): number {
  if (!d || gross <= 0) return 0;
  const off = d.kind === 'percent' ? Math.floor((gross * Math.min(d.value, 100) * 2 + 100) / 200) : d.value;
  return Math.max(0, Math.min(gross, off));
}

/**
 * Splits `amount` over `weights` in proportion, to the unit, adding up exactly
 * (largest remainder, ties to the first). Zero weights share nothing unless all are zero.
 */
export function spread(amount: number, weights: readonly number[]): number[] {
  if (weights.length === 0) return [];
  const sum = weights.reduce((s, w) => s + w, 0);
  if (sum <= 0) return weights.map((_, i) => (i === 0 ? amount : 0));
  const parts = weights.map((w) => Math.floor((amount * w) / sum));
  let left = amount - parts.reduce((s, p) => s + p, 0);
  const order = weights
    .map((w, i) => ({ i, rest: (amount * w) % sum }))
    .sort((a, b) => b.rest - a.rest || a.i - b.i);
  for (const { i } of order) {
    if (left <= 0) break;
    parts[i]! += 1;
    left -= 1;
  }
  return parts;
}

/** To the nearest multiple of the smallest coin, halves up: 1 232 → 1 230, 1 233 → 1 235 with 5 FCFA. */
export function roundCash(amount: number, coin: number): number {
  if (coin <= 1) return amount;
  return Math.floor((amount + Math.floor(coin / 2)) / coin) * coin;
}

export interface PaymentInput {
  method: PaymentMethod;
  /** Non-cash: the amount paid that way (the rest of the total when left out). Cash is what remains. */
  amount?: number | undefined;
  /** Cash: what the customer handed over. */
  tendered?: number | undefined;
  operator?: MobileOperator | undefined;
  reference?: string | undefined;
}

export interface Payment {
  method: PaymentMethod;
  amount: number;
  operator?: MobileOperator;
  reference?: string;
}

export type Settlement =
  /** tendered: everything handed over (cash given and the other payments); change comes out of the cash. */
  | { ok: true; payments: Payment[]; method: PaymentMethod | 'mixed'; rounding: number; tendered: number; change: number }
  | { ok: false; code: 'overpaid' | 'payment_short' | 'tendered_too_low' | 'cash_twice'; due: number; paid: number };

/**
 * How `total` is paid: non-cash payments first, at their amounts; the rest in
 * cash, rounded to the coin (the rounding is the sale's, shown on the receipt).
 */
export function settle(total: number, inputs: readonly PaymentInput[], coin: number): Settlement {
  const cashInputs = inputs.filter((p) => p.method === 'cash');
  const others = inputs.filter((p) => p.method !== 'cash');
  if (cashInputs.length > 1) return { ok: false, code: 'cash_twice', due: total, paid: 0 };
  const cash = cashInputs[0];
  const stated = others.reduce((s, p) => s + (p.amount ?? 0), 0);
  const open = others.filter((p) => p.amount === undefined);
  // One non-cash payment without an amount takes what the others leave, when no cash is handed over.
  const rest = Math.max(0, total - stated);
  const payments: Payment[] = others.map((p, i) => {
    const amount = p.amount ?? (open.length === 1 && !cash?.tendered && p === open[0] ? rest : 0);
    return { method: p.method, amount, ...(p.operator ? { operator: p.operator } : {}), ...(p.reference ? { reference: p.reference } : {}), i };
  }).filter((p) => p.amount > 0).map(({ i: _i, ...p }) => p);
  const nonCash = payments.reduce((s, p) => s + p.amount, 0);
  if (nonCash > total) return { ok: false, code: 'overpaid', due: total, paid: nonCash };
  const cashDue = total - nonCash;
  let rounding = 0;
  let tendered = 0;
  let change = 0;
  if (cashDue > 0) {
    if (!cash) return { ok: false, code: 'payment_short', due: total, paid: nonCash };
    const rounded = roundCash(cashDue, coin);
    rounding = rounded - cashDue;
    tendered = cash.tendered ?? rounded;
    if (tendered < rounded) return { ok: false, code: 'tendered_too_low', due: rounded, paid: tendered };
    change = tendered - rounded;
    if (rounded > 0) payments.unshift({ method: 'cash', amount: rounded });
  }
  if (payments.length === 0) payments.push({ method: inputs[0]?.method ?? 'cash', amount: 0 });
  return { ok: true, payments, method: payments.length === 1 ? payments[0]!.method : 'mixed', rounding, tendered: tendered + nonCash, change };
}

/** What `n` of a line's `quantity` units were paid, when the line's net was `net`: partial returns add up to the net exactly. */
export function paidFor(net: number, quantity: number, n: number): number {
  return Math.floor((net * n * 2 + quantity) / (2 * quantity));
}

/** A refund of `amount` by cash is rounded to the coin too; other methods refund the exact amount. */
export function refundRounding(amount: number, method: PaymentMethod, coin: number): number {
  return method === 'cash' ? roundCash(amount, coin) - amount : 0;
}
