/**
 * Money is integer minor units; XOF has none, so 1 = 1 FCFA. Thousands are
 * grouped with a no-break space (U+00A0), never Intl's U+202F, which the
 * PDF fonts lack and whose use varies with the ICU version.
 */
export const NBSP = '\u00a0';

export function groupThousands(n: number): string {
  if (!Number.isSafeInteger(n)) throw new RangeError(`not an integer amount: ${n}`);
  const digits = String(Math.abs(n));
  const grouped = digits.replace(/\B(?=(\d{3})+(?!\d))/g, NBSP);
  return n < 0 ? `-${grouped}` : grouped;
}

export function formatFcfa(n: number): string {
  return `${groupThousands(n)}${NBSP}FCFA`;
}

export function lineTotal(unitPrice: number, quantity: number): number {
  const total = unitPrice * quantity;
  if (!Number.isSafeInteger(total)) throw new RangeError('amount too large');
  return total;
}
