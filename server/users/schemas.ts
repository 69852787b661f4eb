import { z } from 'zod';
import { t } from '../i18n/fr.js';

const pin = z.string().regex(/^\d{4,8}$/, t('validation.pin'));

export const loginSchema = z.object({ pin, userId: z.uuid().optional() });

export const createUserSchema = z.object({
  name: z.string().trim().min(1).max(100),
  role: z.enum(['cashier', 'pharmacist', 'manager', 'admin']),
  pin,
});

/** A manager sets the PIN of a person head office made (Paramètres). */
export const setPinSchema = z.object({ pin });
