import { z } from 'zod';
import { isoDate } from '../stock/schemas.js';

const optionalText = (max: number) => z.string().trim().max(max).transform((v) => (v ? v : undefined)).optional();

export const expenseSchema = z.object({
  /** Made by the page: sent twice over a slow link, the expense is recorded once. */
  id: z.uuid().optional(),
  category: z.string().trim().min(1).max(60),
  amount: z.number().int().min(1).max(1_000_000_000),
  paidFrom: z.enum(['drawer', 'bank', 'mobile_money']),
  payee: optionalText(120),
  note: optionalText(500),
  /** The day the money went; today by default. */
  spentOn: isoDate.optional(),
  terminal: z.string().trim().min(1).max(40).optional(),
  /** A manager's PIN, for a drawer expense beyond what a cashier takes out alone. */
  managerPin: z.string().regex(/^\d{4,8}$/).optional(),
});
export type ExpenseInput = z.infer<typeof expenseSchema>;

export const cancelExpenseSchema = z.object({
  id: z.uuid().optional(),
  reason: z.string().trim().min(3).max(300),
});

export const expensePeriodSchema = z.object({ from: isoDate.optional(), to: isoDate.optional() });
