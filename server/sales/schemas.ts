import { z } from 'zod';
import { t } from '../i18n/fr.js';
import { MOBILE_OPERATORS, SALE_METHODS } from '../domain/tender.js';
import { isoDate } from '../stock/schemas.js';

const amount = z.number().int().min(0).max(1_000_000_000);

export const discountSchema = z
  .object({ kind: z.enum(['percent', 'amount']), value: amount, reason: z.string().trim().max(120) })
  .refine((d) => d.kind !== 'percent' || d.value <= 100, { message: t('validation.percent_max'), path: ['value'] });

const paymentSchema = z.object({
  method: z.enum(SALE_METHODS),
  /** « Crédit client »: the customer whose account it goes on. */
  customerId: z.uuid().optional(),
  amount: amount.min(1).optional(),
  tendered: amount.optional(),
  operator: z.enum(MOBILE_OPERATORS).optional(),
  reference: z.string().trim().max(64).optional(),
});

export const saleSchema = z
  .object({
    lines: z
      // quantity counts packs of the line's pack; no packId: the product's base unit.
      .array(z.object({
        productId: z.uuid(), packId: z.uuid().optional(), quantity: z.number().int().min(1).max(100_000), batchId: z.uuid().optional(), discount: discountSchema.optional(),
      }))
      .min(1)
      .max(200),
    /** One payment (the till's simple case), or `payments` for several. */
    payment: paymentSchema.optional(),
    payments: z.array(paymentSchema).min(1).max(4).optional(),
    discount: discountSchema.optional(),
    /** A manager's PIN, when the discount is above what a cashier may give. */
    managerPin: z.string().regex(/^\d{4,8}$/).optional(),
    /** The terminal (poste) whose cash session the sale belongs to. */
    terminal: z.string().trim().min(1).max(40).optional(),
  })
  .refine((s) => s.payment || s.payments, { message: t('validation.payment_required'), path: ['payment'] });

export const listSalesSchema = z.object({
  from: isoDate.optional(),
  to: isoDate.optional(),
  limit: z.coerce.number().int().min(1).max(5000).default(200),
});

export type SaleInput = z.infer<typeof saleSchema>;

/** Lines of a sale a customer brings back: each to its lot (or set aside, with a reason). */
export const returnSchema = z.object({
  lines: z
    .array(z.object({
      saleItemId: z.uuid(),
      quantity: z.number().int().min(0).max(100_000),
      destination: z.enum(['stock', 'quarantine']).default('stock'),
      reason: z.string().trim().max(200).optional(),
    }))
    .min(1)
    .max(200),
  refundMethod: z.enum(['cash', 'mobile_money', 'card']).optional(),
  reason: z.string().trim().max(200).optional(),
  terminal: z.string().trim().min(1).max(40).optional(),
  /** A manager's PIN: a refund by another method, above returnApprovalOver, or of an old sale. */
  managerPin: z.string().regex(/^\d{4,8}$/).optional(),
});
