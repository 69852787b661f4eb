import { z } from 'zod';

const money = z.number().int().min(0).max(1_000_000_000);
const line = (max: number) => z.string().trim().max(max);

const supplierFields = {
  name: z.string().trim().min(1).max(200),
  phone: line(40),
  email: z.union([z.email(), z.literal('')]),
  address: line(300),
  taxId: line(40),
  deliveryDays: line(100),
  leadTimeDays: z.number().int().min(0).max(365),
  paymentTerms: line(200),
  active: z.boolean(),
};

/** A new supplier; `id`, made by the caller, makes the call idempotent. */
export const createSupplierSchema = z
  .object({ id: z.uuid().optional(), ...supplierFields })
  .partial({ phone: true, email: true, address: true, taxId: true, deliveryDays: true, leadTimeDays: true, paymentTerms: true, active: true })
  .strict();

export const updateSupplierSchema = z.object(supplierFields).partial().strict();

export const linkSchema = z
  .object({
    supplierCode: z.string().trim().max(64).nullable(),
    packUnits: z.number().int().min(1).max(100_000),
    lastCost: money.nullable(),
    preferred: z.boolean(),
  })
  .partial()
  .strict();

export type CreateSupplierInput = z.infer<typeof createSupplierSchema>;
export type UpdateSupplierInput = z.infer<typeof updateSupplierSchema>;
export type LinkInput = z.infer<typeof linkSchema>;
