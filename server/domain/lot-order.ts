/** A lot as a product and a lot number name it (a delivery line, a lot held). */
export interface LotName {
  productId: string;
  lotNumber: string;
}

export const lotKey = (l: LotName): string => `${l.productId}\u0000${l.lotNumber}`;

/**
 * The one order in which lots are locked (product, then lot number): two
 * receipts of the same lots never wait on each other in a cycle.
 */
export function byLot(a: LotName, b: LotName): number {
  const ka = lotKey(a);
  const kb = lotKey(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}
