import { z } from 'zod';
import { isIsoDate } from '../domain/dates.js';
import { t } from '../i18n/fr.js';

export const isoDate = z.string().refine(isIsoDate, { message: t('validation.iso_date') });
const quantity = z.number().int().min(1).max(1_000_000);
const reason = z.string().trim().min(1, t('validation.reason_required')).max(500);
// A quantity may be typed in packs of a pack of the product, plus loose units; it is stored in base units.
const inPacks = { packId: z.uuid().optional(), looseUnits: z.number().int().min(0).max(100_000).optional() };

export const receiveBatchSchema = z.object({
  productId: z.uuid(),
  lotNumber: z.string().trim().min(1).max(64),
  expirationDate: isoDate,
  quantity,
  unitCost: z.number().int().min(0).max(1_000_000_000).nullish().transform((v) => v ?? null),
  receivedDate: isoDate.optional(),
  ...inPacks,
});

export const correctBatchSchema = z
  .object({
    expirationDate: isoDate.optional(),
    unitCost: z.number().int().min(0).max(1_000_000_000).nullable().optional(),
    status: z.enum(['active', 'quarantined', 'recalled']).optional(),
    statusReason: z.string().trim().max(500).optional(),
  })
  .strict();

export const movementSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('adjustment'), delta: z.number().int().min(-1_000_000).max(1_000_000).refine((d) => d !== 0, t('validation.not_zero')), reason, packId: inPacks.packId }),
  z.object({ kind: z.literal('count'), countedQty: z.number().int().min(0).max(1_000_000), reason, ...inPacks }),
]);

export type ReceiveBatchInput = z.infer<typeof receiveBatchSchema>;
export type CorrectBatchInput = z.infer<typeof correctBatchSchema>;
export type MovementInput = z.infer<typeof movementSchema>;
