import { z } from 'zod';
import { t } from '../i18n/fr.js';

const quantity = z.number().int().min(1).max(1_000_000);

export const createTransferSchema = z.object({
  id: z.uuid().optional(),
  toShop: z.string().trim().toUpperCase().regex(/^[A-Z0-9]{2,12}$/, t('validation.shop_code')),
  lines: z.array(z.object({ batchId: z.uuid(), quantity })).min(1, t('transfer.no_lines')).max(500),
  reason: z.string().trim().max(500).optional().transform((v) => (v ? v : undefined)),
  /** The receiving shop's requisition this transfer answers. */
  requisitionId: z.uuid().optional(),
});

export const receiveTransferSchema = z.object({
  lines: z
    .array(z.object({ lineId: z.uuid(), receivedQty: z.number().int().min(0).max(1_000_000), note: z.string().trim().max(500).optional() }))
    .min(1)
    .max(500),
});

export const transferListSchema = z.object({ direction: z.enum(['in', 'out']).optional() });

export type CreateTransferInput = z.infer<typeof createTransferSchema>;
export type ReceiveTransferInput = z.infer<typeof receiveTransferSchema>;
