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
  | { ok: false; code: 'overpaid' | 'payment_short' | 'tendered_too_low' | 'cash_twice' | 'mobile_money_incomplete'; due: number; paid: number };

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
  // The operator and the reference are what the cashier reads on the customer's phone: without them nothing proves the payment.
  if (payments.some((p) => p.method === 'mobile_money' && (!p.operator || !p.reference))) return { ok: false, code: 'mobile_money_incomplete', due: total, paid: 0 };
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

/**
 * The most a discount may take off `gross` without a manager: what a discount
 * of exactly `limitPct` % takes (rounded half up, as a percentage discount
 * is). Compared in francs, never as a rounded percentage.
 */
export function discountAllowance(gross: number, limitPct: number): number {
  return discountAmount(gross, { kind: 'percent', value: limitPct, reason: '' });
}

/** A discount as a share of `gross`, rounded up to one decimal: 10.04 % shows as 10.1 %, never as the 10 % it is above. */
export function discountPercent(discount: number, gross: number): number {
  if (gross <= 0) return 0;
  return Number((BigInt(discount) * 1000n + BigInt(gross) - 1n) / BigInt(gross)) / 10;
}

/** How a ticket's discount falls on its lines: in proportion to what each costs after its own. A return refunds by the same split. */
export function ticketShares(ticketDiscount: number, lineTotals: readonly number[]): number[] {
  return spread(ticketDiscount, lineTotals);
}

/** One line of a priced sale: `key` groups the lines of one product (one per lot taken). */
export interface DiscountedItem {
  key: string;
  gross: number;
  /** After the line's own discount, before the ticket's. */
  lineTotal: number;
}

export interface OverLimit {
  /** The product whose lines are over the limit; null for the ticket as a whole. */
  key: string | null;
  discount: number;
  gross: number;
}

/**
 * Whether a sale's discounts go past `limitPct`: the ticket as a whole, and
 * each product's lines, counting their own discounts and their share of the
 * ticket's exactly as a return refunds them (so returning the other lines
 * can never leave one given away past the limit). Integer arithmetic, in
 * hundredths of a franc; the only francs tolerated are those rounding puts
 * there: half a franc per percentage discount rounded to the franc, and a
 * franc and a half on a line for sharing the ticket's discount out. A
 * discount typed as the limit's percentage always passes; an amount one
 * franc above the limit does not.
 */
export function discountOverLimit(
  items: readonly DiscountedItem[],
  o: { ticketDiscount: number; ticketPercent: boolean; percentLines: readonly string[]; limitPct: number },
): OverLimit | undefined {
  const over = (discount: number, gross: number, tolerance: number) =>
    BigInt(discount) * 100n > BigInt(o.limitPct) * BigInt(gross) + BigInt(tolerance);
  const gross = items.reduce((s, i) => s + i.gross, 0);
  const discount = items.reduce((s, i) => s + i.gross - i.lineTotal, 0) + o.ticketDiscount;
  const rounded = o.percentLines.length + (o.ticketPercent && o.ticketDiscount > 0 ? 1 : 0);
  if (discount > 0 && over(discount, gross, 50 * rounded)) return { key: null, discount, gross };
  const shares = ticketShares(o.ticketDiscount, items.map((i) => i.lineTotal));
  const byKey = new Map<string, { gross: number; discount: number; share: number }>();
  items.forEach((i, k) => {
    const g = byKey.get(i.key) ?? { gross: 0, discount: 0, share: 0 };
    g.gross += i.gross;
    g.discount += i.gross - i.lineTotal + shares[k]!;
    g.share += shares[k]!;
    byKey.set(i.key, g);
  });
  for (const [key, g] of byKey) {
    const tolerance = 50 * o.percentLines.filter((p) => p === key).length + (g.share > 0 ? 150 : 0);
    if (g.discount > 0 && over(g.discount, g.gross, tolerance)) return { key, discount: g.discount, gross: g.gross };
  }
  return undefined;
}

export type PerMethodAmount = Record<PaymentMethod, number>;

/** What a sale may still refund by each method: what it took that way, less what its returns already gave back that way. */
export function refundRoom(
  payments: readonly Pick<Payment, 'method' | 'amount'>[],
  refunds: readonly { refundMethod: PaymentMethod; amount: number; rounding: number }[],
): PerMethodAmount {
  const room: PerMethodAmount = { cash: 0, mobile_money: 0, card: 0 };
  for (const p of payments) room[p.method] += p.amount;
  for (const r of refunds) room[r.refundMethod] -= r.amount + r.rounding;
  return room;
}

/**
 * The refund method when none is asked: the first of the sale's methods (cash
 * first, as a split sale lists them) that can still refund `amount` whole;
 * the sale's first method otherwise.
 */
export function defaultRefundMethod(payments: readonly Pick<Payment, 'method'>[], room: PerMethodAmount, amount: number): PaymentMethod {
  return payments.find((p) => room[p.method] >= amount)?.method ?? payments[0]?.method ?? 'cash';
}
