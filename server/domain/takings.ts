import type { PerMethod } from './cash-report.js';
import { PAYMENT_METHODS, type PaymentMethod } from './tender.js';

/** One payment method's (or a whole day's) money: what sales took in, what returns paid back, what is left. */
export interface NetTakings {
  takings: number;
  refunds: number;
  net: number;
}

export interface NetTakingsByMethod {
  total: NetTakings;
  byMethod: Record<PaymentMethod, NetTakings>;
}

/**
 * Net takings, per method and in all: takings less refunds. The Z report
 * prints it for a session (« Encaissements par mode de paiement »), head
 * office's Ventes for a shop's day, so that a day at head office is the sum
 * of its sessions' Z reports.
 */
export function netTakings(takings: PerMethod, refunds: PerMethod): NetTakingsByMethod {
  const byMethod = {} as Record<PaymentMethod, NetTakings>;
  const total: NetTakings = { takings: 0, refunds: 0, net: 0 };
  for (const m of PAYMENT_METHODS) {
    byMethod[m] = { takings: takings[m], refunds: refunds[m], net: takings[m] - refunds[m] };
    total.takings += takings[m];
    total.refunds += refunds[m];
    total.net += byMethod[m].net;
  }
  return { total, byMethod };
}
