import { z } from 'zod';
import { isoDate } from '../stock/schemas.js';

const money = z.number().int().min(0).max(1_000_000_000);
const quantity = z.number().int().min(1).max(1_000_000);
const optionalText = (max: number) => z.string().trim().max(max).nullish().transform((v) => (v ? v : null));

const orderLine = z.object({ productId: z.uuid(), quantity, unitCost: money.nullish().transform((v) => v ?? null) });

export const createOrderSchema = z
  .object({ id: z.uuid().optional(), supplierId: z.uuid(), note: optionalText(500), lines: z.array(orderLine).max(500) })
  .strict();
export const updateOrderSchema = z.object({ lines: z.array(orderLine).max(500), note: optionalText(500) }).partial().strict();

export const suggestionsQuerySchema = z.object({ supplierId: z.uuid().optional() });

const deliveryLine = z
  .object({
    id: z.uuid().optional(),
    productId: z.uuid(),
    // Typed in this pack of the product: quantity, freeQty and invoicedQty count packs; unitCost stays per base unit.
    packId: z.uuid().nullish(),
    lotNumber: z.string().trim().min(1).max(64),
    expirationDate: isoDate,
    quantity,
    freeQty: z.number().int().min(0).max(1_000_000).default(0),
    unitCost: money,
    invoicedQty: z.number().int().min(0).max(1_000_000).nullish().transform((v) => v ?? null),
    purchaseOrderLineId: z.uuid().nullish().transform((v) => v ?? null),
    confirmShortDated: z.boolean().default(false),
  })
  .strict();

const deliveryHeader = {
  deliveryNote: optionalText(64),
  invoiceNumber: optionalText(64),
  invoiceTotal: money.nullish().transform((v) => v ?? null),
  receivedDate: isoDate.nullish().transform((v) => v ?? null),
};

export const createDeliverySchema = z
  .object({ id: z.uuid().optional(), supplierId: z.uuid(), purchaseOrderId: z.uuid().nullish().transform((v) => v ?? null), ...deliveryHeader, lines: z.array(deliveryLine).max(500).default([]) })
  .strict();
export const updateDeliverySchema = z.object({ ...deliveryHeader, lines: z.array(deliveryLine).max(500) }).partial().strict();
export const deliveryLineSchema = deliveryLine;
/** Validation may confirm short-dated lines there and then: `{lines: [{id, confirmShortDated: true}]}`. */
export const validateDeliverySchema = z
  .object({ lines: z.array(z.object({ id: z.uuid(), confirmShortDated: z.boolean() }).strict()).max(500).default([]) })
  .strict()
  .default({ lines: [] });

export const RETURN_REASONS = ['expired', 'damaged', 'recalled', 'wrong_delivery', 'other'] as const;
export const createReturnSchema = z
  .object({
    id: z.uuid().optional(),
    supplierId: z.uuid(),
    lines: z.array(z.object({ batchId: z.uuid(), quantity, reason: z.enum(RETURN_REASONS) }).strict()).min(1).max(500),
  })
  .strict();
/** A recalled lot's whole remaining stock back to its supplier (the lot's own when none is named). */
export const recalledLotSchema = z.object({ id: z.uuid().optional(), batchId: z.uuid(), supplierId: z.uuid().nullish() }).strict();
export const creditSchema = z.object({ creditNoteNumber: z.string().trim().min(1).max(64), amount: money }).strict();
export const disputeSchema = z.object({ note: z.string().trim().min(1).max(500) }).strict();

export type CreateOrderInput = z.infer<typeof createOrderSchema>;
export type UpdateOrderInput = z.infer<typeof updateOrderSchema>;
export type CreateDeliveryInput = z.infer<typeof createDeliverySchema>;
export type UpdateDeliveryInput = z.infer<typeof updateDeliverySchema>;
export type DeliveryLineInput = z.infer<typeof deliveryLine>;
export type ValidateDeliveryInput = z.infer<typeof validateDeliverySchema>;
export type CreateReturnInput = z.infer<typeof createReturnSchema>;
export type RecalledLotInput = z.infer<typeof recalledLotSchema>;

// Head office's Achats page, in the French names of its URL: ?boutique=&fournisseur=&du=&au=&etat=
const blankToUndefined = <T extends z.ZodTypeAny>(schema: T) => z.union([schema, z.literal('')]).optional().transform((v) => (v ? (v as z.infer<T>) : undefined));
export const hqPurchasingPageSchema = z.object({
  boutique: blankToUndefined(z.string().regex(/^[A-Z0-9]{2,12}$/)),
  fournisseur: blankToUndefined(z.uuid()),
  du: blankToUndefined(isoDate),
  au: blankToUndefined(isoDate),
  etat: blankToUndefined(z.enum(['sent', 'partially_received', 'received', 'cancelled'])),
});
