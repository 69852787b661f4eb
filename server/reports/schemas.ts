import { z } from 'zod';
import { isoDate } from '../stock/schemas.js';

const shopCode = z.string().regex(/^[A-Z0-9]{2,12}$/).optional();
const optionalDate = z.union([isoDate, z.literal('')]).optional().transform((v) => (v ? v : undefined));
const optionalShop = z.union([z.string().regex(/^[A-Z0-9]{2,12}$/), z.literal('')]).optional().transform((v) => (v ? v : undefined));

// The API (contract names): ?shop=&date= and ?shop=&from=&to=.
export const valuationQuerySchema = z.object({ shop: shopCode, date: isoDate.optional() });
export const marginsQuerySchema = z.object({ shop: shopCode, from: isoDate.optional(), to: isoDate.optional() });

// Head office's pages, in the French names of their URLs.
export const reportPeriodSchema = z.object({ du: optionalDate, au: optionalDate, boutique: optionalShop });
export const valuationPageSchema = z.object({ date: optionalDate, boutique: optionalShop });
export const riskPageSchema = z.object({
  boutique: optionalShop,
  jours: z.union([z.coerce.number().int().min(7).max(3650), z.literal('')]).optional().transform((v) => (v ? v : undefined)),
});
export const monthlyPageSchema = z.object({
  boutique: z.string().regex(/^[A-Z0-9]{2,12}$/),
  mois: z.union([z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/), z.literal('')]).optional().transform((v) => (v ? v : undefined)),
});
export const keptReportSchema = z.object({
  code: z.string().regex(/^[A-Z0-9]{2,12}$/),
  mois: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/),
});
export const keptListSchema = z.object({ shop: z.string().regex(/^[A-Z0-9]{2,12}$/) });
