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

/** `PATCH /api/staff/:id`: what head office sets of a person (at least one field). */
export const updateStaffSchema = z.object({
  name: z.string().trim().min(1).max(80).optional(),
  role: role.optional(),
  shops: z.array(shopCode).min(1).max(50).optional(),
}).strict().refine((u) => u.name !== undefined || u.role !== undefined || u.shops !== undefined, { message: 'name, role or shops' });

/**
 * The Personnel page's form for one person: a role and at least one shop. Its
 * messages are catalogue keys (server/hq/staff-pages.ts shows the first one):
 * a form gets a sentence, not a field list.
 */
export const staffChangeFormSchema = z.object({
  role: z.enum(['cashier', 'pharmacist', 'manager', 'admin'], { error: 'hq.staff.role_invalid' }),
  shops: z.array(z.string().trim().regex(/^[A-Z0-9]{2,12}$/, { error: 'hq.staff.shop_invalid' }), { error: 'hq.staff.shops_required' })
    .min(1, { error: 'hq.staff.shops_required' }).max(50, { error: 'hq.staff.shops_required' }),
});

export const staffListSchema = z.object({ shop: shopCode.optional() });

export type CreateStaffInput = z.infer<typeof createStaffSchema>;

export const staffIdSchema = z.uuid();

/** `GET /api/held-values?shop=DKR01&all=1`. */
export const heldValuesQuerySchema = z.object({ shop: shopCode.optional(), all: z.enum(['0', '1']).optional() });
