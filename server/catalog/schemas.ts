import { z } from 'zod';

const money = z.number().int().min(0).max(1_000_000_000);

export const createProductSchema = z.object({
  sku: z.string().trim().min(1).max(64),
  gtin: z
    .string()
    .trim()
    .regex(/^\d{8,14}$/)
    .nullish()
    .transform((v) => v || null),
  name: z.string().trim().min(1).max(200),
  unitPrice: money,
});

export const updateProductSchema = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    unitPrice: money.optional(),
    active: z.boolean().optional(),
  })
  .strict();

export const searchProductsSchema = z.object({
  q: z.string().max(200).default(''),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  all: z.enum(['0', '1']).default('0'),
});

export type CreateProductInput = z.infer<typeof createProductSchema>;
export type UpdateProductInput = z.infer<typeof updateProductSchema>;

/** Head office's list of the shops' proposals: the open ones by default. */
export const proposalListSchema = z.object({
  status: z.enum(['pending', 'accepted', 'refused', 'superseded', 'all']).default('pending'),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});
