import { z } from 'zod';
import { t } from '../i18n/fr.js';

const quantity = z.number({ error: t('requisition.quantity_positive') }).int(t('requisition.quantity_positive')).min(1, t('requisition.quantity_positive')).max(1_000_000);

export const createRequisitionSchema = z.object({
  id: z.uuid().optional(),
  fromShop: z.string().trim().toUpperCase().regex(/^[A-Z0-9]{2,12}$/, t('validation.shop_code')),
  lines: z.array(z.object({ productId: z.uuid(), quantity })).min(1, t('requisition.no_lines')).max(200),
  note: z.string().trim().max(500).optional().transform((v) => (v ? v : undefined)),
});

export const requisitionListSchema = z.object({ direction: z.enum(['in', 'out']).optional() });

export type CreateRequisitionInput = z.infer<typeof createRequisitionSchema>;

const blankToUndefined = <T extends z.ZodTypeAny>(schema: T) => z.union([schema, z.literal('')]).optional().transform((v) => (v ? (v as z.infer<T>) : undefined));

/** Head office's page: one shop's (asking or asked) and one state's, or all. */
export const hqRequisitionsPageSchema = z.object({
  boutique: blankToUndefined(z.string().trim().toUpperCase().regex(/^[A-Z0-9]{2,12}$/, t('validation.shop_code'))),
  // Blank (the select's « Tous les états ») is no filter; not a union, so an unknown state is told as such.
  statut: z.enum(['', 'open', 'answered', 'cancelled'], { error: t('requisition.hq.state_unknown') }).optional().transform((v) => (v ? v : undefined)),
});
