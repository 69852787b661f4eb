import { addDays } from './dates.js';

export interface ProductStock {
  quantity: number;
  /** The last day it sold (net of returns), or null: never, as far as head office's figures go. */
  lastSold: string | null;
  /** Units sold over the last `rateDays` days. */
  recentlySold: number;
}

export interface RiskRules {
  today: string;
  /** Dead: in stock with no sale in this many days (90 by default). */
  deadDays: number;
  /** Overstock: more than this many days of cover (180) at the rate of the last `rateDays` days (8 weeks). */
  coverDays: number;
  rateDays: number;
}

export const DEFAULT_RISK = { deadDays: 90, coverDays: 180, rateDays: 56 } as const;

/** Days of cover at the recent rate; null when nothing sold lately (that is dead stock, not overstock). */
export function coverDays(p: ProductStock, rateDays: number): number | null {
  return p.recentlySold > 0 ? Math.round((p.quantity * rateDays) / p.recentlySold) : null;
}

/** Splits products in stock into dead stock and overstock, each product in one of them at most. */
export function stockRisk<P extends ProductStock>(products: readonly P[], r: RiskRules) {
  const soldSince = addDays(r.today, -(r.deadDays - 1));
  const dead: P[] = [];
  const overstock: (P & { cover: number })[] = [];
  for (const p of products) {
    if (p.quantity <= 0) continue;
    if (p.lastSold === null || p.lastSold < soldSince) dead.push(p);
    else {
      const cover = coverDays(p, r.rateDays);
      if (cover !== null && cover > r.coverDays) overstock.push({ ...p, cover });
    }
  }
  return { dead, overstock };
}
