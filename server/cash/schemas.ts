import { z } from 'zod';
import { DENOMINATIONS } from '../domain/cash-report.js';

const amount = z.number().int().min(0).max(1_000_000_000);
const terminal = z.string().trim().min(1).max(40);

export const openSessionSchema = z.object({
  terminal: terminal.optional(),
  float: amount.optional(),
  /** Denomination (FCFA) → count, when the float is counted note by note. */
  counts: z.partialRecord(z.enum(DENOMINATIONS.map(String) as [string, ...string[]]), z.number().int().min(0).max(100_000)).optional(),
});

export const cashMoveSchema = z.object({
  kind: z.enum(['in', 'out']),
  amount: amount.min(1),
  reason: z.string().trim().min(1).max(200),
  /** A manager's PIN, for cash taken out beyond what a cashier takes alone. */
  managerPin: z.string().regex(/^\d{4,8}$/).optional(),
});

export const closeSessionSchema = z.object({
  counted: z.object({ cash: amount, mobile_money: amount.default(0), card: amount.default(0) }),
  comment: z.string().trim().max(1000).optional(),
});
