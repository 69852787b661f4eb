import { z } from 'zod';

export const settingsSchema = z
  .object({
    name: z.string().trim().min(1).max(120),
    address: z.string().trim().max(300),
    phone: z.string().trim().max(40),
    taxId: z.string().trim().max(40),
    receiptFooter: z.string().trim().max(300),
    receiptWidthMm: z.union([z.literal(58), z.literal(80)]),
    printerKind: z.enum(['none', 'escpos', 'cups']),
    printerTarget: z.string().trim().max(200),
    cashRounding: z.number().int().min(1).max(10_000),
    sessionPolicy: z.enum(['auto', 'ask']),
    discountLimitPct: z.number().int().min(0).max(100),
    varianceCommentOver: z.number().int().min(0).max(100_000_000),
    returnApprovalOver: z.number().int().min(0).max(1_000_000_000),
    returnApprovalAfterDays: z.number().int().min(0).max(3650),
    cashOutApprovalOver: z.number().int().min(0).max(1_000_000_000),
    orderWeeks: z.number().int().min(1).max(104),
    coverDays: z.number().int().min(0).max(365),
    shortDatedMonths: z.number().int().min(0).max(60),
  })
  .partial()
  .strict();

export type SettingsInput = z.infer<typeof settingsSchema>;
