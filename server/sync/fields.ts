import type { BatchRow } from '../stock/queries.js';

/** The fields that merge last-writer-wins, the same at the shop and at head office. */
export const BATCH_FIELDS = ['lotNumber', 'expirationDate', 'unitCost', 'status', 'statusReason'] as const;
export const PRODUCT_FIELDS = ['name', 'unitPrice', 'active'] as const;

export function pickFields(source: object, fields: readonly string[]): Record<string, unknown> {
  const s = source as Record<string, unknown>;
  return Object.fromEntries(fields.filter((f) => s[f] !== undefined).map((f) => [f, s[f]]));
}

export function batchFields(v: Record<string, unknown>) {
  return {
    lotNumber: v.lotNumber as string,
    expirationDate: v.expirationDate as string,
    unitCost: (v.unitCost ?? null) as number | null,
    status: v.status as BatchRow['status'],
    statusReason: (v.statusReason ?? null) as string | null,
  };
}
