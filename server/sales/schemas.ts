import { z } from 'zod';
import { isoDate } from '../stock/schemas.js';

export const saleSchema = z.object({
  lines: z
    .array(z.object({ productId: z.uuid(), quantity: z.number().int().min(1).max(100_000), batchId: z.uuid().optional() }))
    .min(1)
    .max(200),
  payment: z.object({
    method: z.enum(['cash', 'mobile_money', 'card']),
    tendered: z.number().int().min(0).max(1_000_000_000).optional(),
  }),
});

export const listSalesSchema = z.object({
  from: isoDate.optional(),
  to: isoDate.optional(),
  limit: z.coerce.number().int().min(1).max(5000).default(200),
});

export type SaleInput = z.infer<typeof saleSchema>;
