import { ticketShares } from './tender.js';

/** A completed sale of the day, with its lines in line order (the order the ticket's discount is shared in). */
export interface MarginSale {
  discount: number;
  lines: readonly { productId: string; batchId: string; quantity: number; discount: number; lineTotal: number }[];
}

/** A return line of the day: what it refunded for how many units of which lot. */
export interface MarginReturnLine {
  batchId: string;
  quantity: number;
  amount: number;
}

export interface LotCost {
  productId: string;
  /** null: the lot's cost was never given. */
  unitCost: number | null;
}

/** One product's day, returns netted out of takings and cost alike. */
export interface ProductMargin {
  productId: string;
  quantity: number;
  takings: number;
  cost: number;
  /** The takings of the units whose lot has a cost: the margin is knownTakings − cost. */
  knownTakings: number;
  /** Units whose lot has no cost (« coût inconnu »), never counted at zero cost. */
  unknownCostQty: number;
}

export const marginOf = (m: Pick<ProductMargin, 'knownTakings' | 'cost'>) => m.knownTakings - m.cost;

/**
 * A day's gross margin per product: each sale line earns what it was paid
 * after its own discount and its share of the ticket's (shared as a return
 * refunds it, domain/tender.ts), less quantity × its lot's unit cost; each
 * return line takes back what it refunded and its units' cost, on the day
 * it was made (as takings count it). Cash rounding is no line's: it stays
 * out of the margin, as it is out of the lines.
 */
export function dayMargins(sales: readonly MarginSale[], returns: readonly MarginReturnLine[], lots: ReadonlyMap<string, LotCost>): ProductMargin[] {
  const byProduct = new Map<string, ProductMargin>();
  const add = (batchId: string, productId: string | undefined, quantity: number, paid: number) => {
    const lot = lots.get(batchId);
    const id = productId ?? lot?.productId;
    if (!id) throw new Error(`lot ${batchId} unknown to the margins`);
    const m = byProduct.get(id) ?? { productId: id, quantity: 0, takings: 0, cost: 0, knownTakings: 0, unknownCostQty: 0 };
    m.quantity += quantity;
    m.takings += paid;
    if (lot?.unitCost === null || lot?.unitCost === undefined) m.unknownCostQty += quantity;
    else {
      m.cost += quantity * lot.unitCost;
      m.knownTakings += paid;
    }
    byProduct.set(id, m);
  };
  for (const s of sales) {
    const ticketDiscount = s.discount - s.lines.reduce((n, l) => n + l.discount, 0);
    const shares = ticketShares(ticketDiscount, s.lines.map((l) => l.lineTotal));
    s.lines.forEach((l, k) => add(l.batchId, l.productId, l.quantity, l.lineTotal - shares[k]!));
  }
  for (const r of returns) add(r.batchId, undefined, -r.quantity, -r.amount);
  return [...byProduct.values()];
}

/**
 * What one pack of `packUnits` earned on average: the margin over the units
 * whose lot has a cost (those of « coût inconnu » earn none, so they are not
 * in the divisor), × the pack's units; null when no such unit was sold.
 */
export function marginPerPack(m: { margin: number; quantity: number; unknownCostQty: number }, packUnits: number): number | null {
  const known = m.quantity - m.unknownCostQty;
  return known > 0 ? Math.round((m.margin * packUnits) / known) : null;
}
