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

const blankToUndefined = <T extends z.ZodTypeAny>(schema: T) => z.union([schema, z.literal('')]).optional().transform((v) => (v ? (v as z.infer<T>) : undefined));

/** Head office's « Dépenses » filters (French query names, as its other pages). */
export const hqExpensesPageSchema = z.object({
  boutique: blankToUndefined(z.string().regex(/^[A-Z0-9]{2,12}$/)),
  categorie: blankToUndefined(z.string().trim().min(1).max(60)),
  du: blankToUndefined(isoDate),
  au: blankToUndefined(isoDate),
});
