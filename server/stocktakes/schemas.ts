import { z } from 'zod';
import { t } from '../i18n/fr.js';
import { isoDate } from '../stock/schemas.js';

export const openStocktakeSchema = z.object({
  id: z.uuid().optional(),
  scope: z.object({ productIds: z.array(z.uuid()).max(5000).optional(), zone: z.string().trim().min(1).max(40).optional() }).strict().optional(),
});

/** Where a product sits in this shop; `null` takes it out of any zone. */
export const zoneSchema = z.object({ zone: z.string().trim().min(1, t('stocktake.zone_blank')).max(40, t('stocktake.zone_long')).nullable() }).strict();
export type ZoneInput = z.infer<typeof zoneSchema>;

const countedQty = z.number().int().min(0).max(1_000_000);
export const countSchema = z.union([
  z.object({ batchId: z.uuid(), countedQty }).strict(),
  z.object({ productId: z.uuid(), lotNumber: z.string().trim().min(1).max(64), expirationDate: isoDate, countedQty }).strict(),
], { error: t('stocktake.count_names_lot') }).transform((c) => ({
  batchId: 'batchId' in c ? c.batchId : undefined,
  productId: 'productId' in c ? c.productId : undefined,
  lotNumber: 'lotNumber' in c ? c.lotNumber : undefined,
  expirationDate: 'expirationDate' in c ? c.expirationDate : undefined,
  countedQty: c.countedQty,
}));

export const finaliseSchema = z.object({ zeroUncounted: z.boolean().optional() }).strict();

export type OpenStocktakeInput = z.infer<typeof openStocktakeSchema>;
export type CountInput = z.infer<typeof countSchema>;
export type FinaliseInput = z.infer<typeof finaliseSchema>;
