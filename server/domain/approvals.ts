/**
 * When a cashier needs a manager's PIN for money going out: returns and
 * cash taken from the drawer. Pure rules; the services ask the PIN and keep
 * who gave it on the document.
 */
import { daysBetween, type IsoDate } from './dates.js';
import type { PaymentMethod, PerMethodAmount } from './tender.js';

export const RETURN_APPROVALS = ['amount', 'age', 'method'] as const;
export type ReturnApproval = (typeof RETURN_APPROVALS)[number];

export interface ReturnCase {
  /** What this return refunds (before cash rounding). */
  amount: number;
  method: PaymentMethod;
  /** What the sale may still refund by each method (tender.refundRoom). */
  room: PerMethodAmount;
  /** What earlier returns of the sale refunded without a manager. */
  refundedAlone: number;
  saleDay: IsoDate;
  today: IsoDate;
  settings: { returnApprovalOver: number; returnApprovalAfterDays: number };
}

/**
 * Why a return needs a manager, if it does: more refunded on one sale than a
 * cashier may refund alone (earlier returns count, so splitting a return does
 * not walk around it), a sale older than the setting's days, or money given
 * back by a method the sale did not take that much by.
 */
export function returnApprovals(c: ReturnCase): ReturnApproval[] {
  const why: ReturnApproval[] = [];
  if (c.refundedAlone + c.amount > c.settings.returnApprovalOver) why.push('amount');
  if (daysBetween(c.saleDay, c.today) > c.settings.returnApprovalAfterDays) why.push('age');
  if (c.amount > c.room[c.method]) why.push('method');
  return why;
}

/** Cash out of a session beyond what its cashiers took out alone so far, past the setting, is a manager's. */
export function cashOutNeedsManager(amount: number, takenAlone: number, over: number): boolean {
  return takenAlone + amount > over;
}
