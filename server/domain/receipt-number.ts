/** DKR01-000123: the shop's code and a gap-free sequence, at least six digits. */
export function formatReceiptNumber(shopCode: string, n: number): string {
  return `${shopCode}-${String(n).padStart(6, '0')}`;
}
