import { z } from 'zod';
import { t } from '../i18n/fr.js';

const money = z.number().int().min(0).max(1_000_000_000);
const gtin = z
  .string()
  .trim()
  .regex(/^\d{8,14}$/)
  .nullish()
  .transform((v) => v || null);
const packName = z.string().trim().min(1).max(80);
// Base units a pack holds, and a shop's stock thresholds: PostgreSQL int, and well below it.
const units = z.number().int().min(1).max(100_000);
const threshold = z.number().int().min(0).max(100_000_000).nullable();

export const packSchema = z.object({
  /** Made by the caller: the same pack sent twice is made once. */
  id: z.uuid().optional(),
  name: packName,
  units,
  unitPrice: money,
  gtin,
  sellable: z.boolean().default(true),
});

export const createProductSchema = z
  .object({
    id: z.uuid().optional(),
    sku: z.string().trim().min(1).max(64),
    gtin,
    name: z.string().trim().min(1).max(200),
    /** The base unit's price; may be given as a pack of 1 in `packs` instead. */
    unitPrice: money.optional(),
    baseUnit: z.string().trim().min(1).max(40).optional(),
    packs: z.array(packSchema).max(20).default([]),
  })
  .refine((p) => p.unitPrice !== undefined || p.packs.some((k) => k.units === 1), { message: t('validation.unit_price_required'), path: ['unitPrice'] })
  .refine((p) => p.packs.filter((k) => k.units === 1).length <= 1, { message: t('validation.one_unit_pack'), path: ['packs'] });

export const updateProductSchema = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    unitPrice: money.optional(),
    active: z.boolean().optional(),
    baseUnit: z.string().trim().min(1).max(40).optional(),
    minStock: threshold.optional(),
    maxStock: threshold.optional(),
  })
  .strict();

/** A pack's price, whether it is sold, whether it is retired; never its size (a new size is a new pack). */
export const updatePackSchema = z
  .object({
    name: packName.optional(),
    unitPrice: money.optional(),
    sellable: z.boolean().optional(),
    retired: z.boolean().optional(),
  })
  .strict();

export const searchProductsSchema = z.object({
  q: z.string().max(200).default(''),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  all: z.enum(['0', '1']).default('0'),
});

export type CreateProductInput = z.input<typeof createProductSchema>;
export type UpdateProductInput = z.infer<typeof updateProductSchema>;
export type PackInput = z.input<typeof packSchema>;
export type UpdatePackInput = z.infer<typeof updatePackSchema>;

/** Head office's list of the shops' proposals: the open ones by default. */
export const proposalListSchema = z.object({
  status: z.enum(['pending', 'accepted', 'refused', 'superseded', 'all']).default('pending'),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});
