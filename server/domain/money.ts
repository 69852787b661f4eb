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

/** « 1,2 M FCFA », « 350 k FCFA », « 900 FCFA »: an amount a chart's axis or bar label has room for. */
export function formatCompactFcfa(n: number, withUnit = true): string {
  const abs = Math.abs(n);
  const one = (x: number) => (Math.round(x * 10) / 10).toFixed(Number.isInteger(Math.round(x * 10) / 10) ? 0 : 1).replace('.', ',');
  const text = abs >= 1e9 ? `${one(n / 1e9)}${NBSP}Md` : abs >= 1e6 ? `${one(n / 1e6)}${NBSP}M` : abs >= 1e4 ? `${Math.round(n / 1e3)}${NBSP}k` : groupThousands(Math.round(n));
  return withUnit ? `${text}${NBSP}FCFA` : text;
}
