import { z } from 'zod';

const role = z.enum(['cashier', 'pharmacist', 'manager', 'admin']);
const shopCode = z.string().trim().regex(/^[A-Z0-9]{2,12}$/);

/** `POST /api/staff`: the caller chooses the id (idempotent on it). No PIN: PINs are set at the shop. */
export const createStaffSchema = z.object({
  id: z.uuid(),
  name: z.string().trim().min(1).max(80),
  role,
  shops: z.array(shopCode).min(1).max(50),
}).strict();

export const staffListSchema = z.object({ shop: shopCode.optional() });

export type CreateStaffInput = z.infer<typeof createStaffSchema>;

export const staffIdSchema = z.uuid();

/** `GET /api/held-values?shop=DKR01&all=1`. */
export const heldValuesQuerySchema = z.object({ shop: shopCode.optional(), all: z.enum(['0', '1']).optional() });
