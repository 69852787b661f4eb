/** DKR01-000123: the shop's code and a gap-free sequence, at least six digits. */
export function formatReceiptNumber(shopCode: string, n: number): string {
  return `${shopCode}-${String(n).padStart(6, '0')}`;
}

/** 123 for DKR01-000123; 0 for a number of another form (it moves nothing). */
export function receiptSequence(number: string): number {
  return Number(/-(\d+)$/.exec(number)?.[1] ?? 0);
}

/**
 * How far a pushed receipt number may run ahead of the last one head office
 * holds of the shop. A shop pushes its sales in order, so an honest gap is
 * only what head office lost or refused (a day or two of sales at most);
 * beyond it the sale is held for a person (a stolen token forging
 * DKR01-999999 would otherwise move the shop's numbering and turn it red).
 */
export const RECEIPT_JUMP_TOLERANCE = 1000;

/** The receipt numbers among these that jump beyond the tolerance after `lastReceipt`. */
export function jumpedNumbers(numbers: readonly string[], lastReceipt: number, tolerance = RECEIPT_JUMP_TOLERANCE): string[] {
  return numbers.filter((n) => receiptSequence(n) > lastReceipt + tolerance);
}
