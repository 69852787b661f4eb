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

/** `POST /api/session/first-pin`: head office's one-time code (12 digits, spaces allowed) and the PIN chosen. */
export const firstPinSchema = z.object({
  code: z.string().trim().regex(/^[\d ]{12,20}$/, t('validation.first_pin_code')).refine((c) => c.replace(/\D/g, '').length === 12, t('validation.first_pin_code')),
  pin,
});
