import { z } from 'zod';

const pin = z.string().regex(/^\d{4,8}$/, 'de 4 à 8 chiffres');

export const loginSchema = z.object({ pin, userId: z.uuid().optional() });

export const createUserSchema = z.object({
  name: z.string().trim().min(1).max(100),
  role: z.enum(['cashier', 'pharmacist', 'manager', 'admin']),
  pin,
});
