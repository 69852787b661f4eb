import { z } from 'zod';
import { MOBILE_OPERATORS, PAYMENT_METHODS } from '../domain/tender.js';
import { isoDate } from '../stock/schemas.js';

const amount = z.number().int().min(1).max(1_000_000_000);
const optionalText = (max: number) => z.string().trim().max(max).transform((v) => (v ? v : undefined)).optional();
// A phone as typed (« +221 77 123 45 67 »): digits, spaces, dots, dashes and a leading +.
const phone = z.string().trim().max(30).regex(/^\+?[\d\s.\-()]*$/).transform((v) => (v ? v : undefined)).optional();

export const customerSchema = z.object({
  /** Made by the caller: the same body twice makes one customer. */
  id: z.uuid().optional(),
  name: z.string().trim().min(1).max(120),
  phone,
  employer: optionalText(120),
  insurer: optionalText(120),
  memberNumber: optionalText(60),
  creditLimit: z.number().int().min(0).max(1_000_000_000).optional(),
  notes: optionalText(1000),
});
export type CustomerInput = z.infer<typeof customerSchema>;

export const customerPatchSchema = z
  .object({
    name: z.string().trim().min(1).max(120).optional(),
    phone: z.union([phone, z.null()]).optional(),
    employer: z.string().trim().max(120).nullable().optional(),
    insurer: z.string().trim().max(120).nullable().optional(),
    memberNumber: z.string().trim().max(60).nullable().optional(),
    creditLimit: z.number().int().min(0).max(1_000_000_000).optional(),
    blocked: z.boolean().optional(),
    notes: z.string().trim().max(1000).optional(),
  })
  .strict();
export type CustomerPatch = z.infer<typeof customerPatchSchema>;

export const accountPaymentSchema = z.object({
  /** Made by the page: a slow link sending it twice records it once. */
  id: z.uuid().optional(),
  amount,
  method: z.enum(PAYMENT_METHODS),
  operator: z.enum(MOBILE_OPERATORS).optional(),
  reference: optionalText(64),
  /** The sales it pays off first (else the oldest open ones). */
  saleIds: z.array(z.uuid()).max(200).optional(),
  terminal: z.string().trim().min(1).max(40).optional(),
});
export type AccountPaymentInput = z.infer<typeof accountPaymentSchema>;

export const writeOffSchema = z.object({
  id: z.uuid().optional(),
  amount,
  reason: z.string().trim().min(3).max(300),
});
export type WriteOffInput = z.infer<typeof writeOffSchema>;

export const statementSchema = z.object({ from: isoDate.optional(), to: isoDate.optional() });
export const customerSearchSchema = z.object({ q: z.string().trim().max(100).optional().default('') });
