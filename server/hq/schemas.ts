import { z } from 'zod';
import { t } from '../i18n/fr.js';
import { RETURN_APPROVALS } from '../domain/approvals.js';
import { ENTRY_KINDS } from '../domain/account.js';
import { MOBILE_OPERATORS, PAYMENT_METHODS, SALE_METHODS } from '../domain/tender.js';
import { isoDate } from '../stock/schemas.js';
import { snapshotPart } from '../sync/coverage.js';

const hlc = z.string().regex(/^\d{15}:\d{6}:[A-Z0-9]{2,12}$/, t('validation.hlc'));
const clocks = z.record(z.string(), hlc);
const money = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
// Quantities are PostgreSQL int: anything wider is refused here, not by the database.
const int32 = z.number().int().min(-2_147_483_648).max(2_147_483_647);
const count = int32.min(0);
// Text PostgreSQL can store: no NUL, no lone surrogate (the database or jsonb would refuse them with a 500).
const text = () => z.string().refine((v) => !v.includes('\u0000') && !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(v), t('validation.text_unstorable'));
const timestamp = z.iso.datetime({ offset: true });

// Shops older than packs send no base unit: their products are counted in units.
const productInsert = z.object({
  id: z.uuid(), sku: text().min(1).max(64), gtin: text().regex(/^\d{8,14}$/).nullable(), name: text().min(1).max(200),
  unitPrice: money, active: z.boolean(), baseUnit: text().min(1).max(40).optional(), createdAt: timestamp,
});
const productUpdate = z.object({
  id: z.uuid(), name: text().min(1).max(200).optional(), unitPrice: money.optional(), active: z.boolean().optional(),
  baseUnit: text().min(1).max(40).optional(), fieldClocks: clocks, baseClocks: clocks.optional(),
});
const packInsert = z.object({
  id: z.uuid(), productId: z.uuid(), name: text().min(1).max(80), units: int32.min(2), unitPrice: money,
  gtin: text().regex(/^\d{8,14}$/).nullable(), sellable: z.boolean(), retired: z.boolean(), createdAt: timestamp,
});
const packUpdate = z.object({
  id: z.uuid(), productId: z.uuid(), name: text().min(1).max(80).optional(), unitPrice: money.optional(), sellable: z.boolean().optional(),
  retired: z.boolean().optional(), fieldClocks: clocks, baseClocks: clocks.optional(),
});
const batchInsert = z.object({
  id: z.uuid(), shopId: z.uuid(), productId: z.uuid(), lotNumber: text().min(1).max(64), expirationDate: isoDate,
  initialQty: count, unitCost: money.nullable(), receivedDate: isoDate,
  status: z.enum(['active', 'quarantined', 'recalled']), statusReason: text().nullable(), createdAt: timestamp,
  // Where a delivered lot came from (purchasing); older shops send neither.
  supplierId: z.uuid().nullable().default(null), purchaseOrderId: z.uuid().nullable().default(null),
});
const batchUpdate = z.object({
  id: z.uuid(), shopId: z.uuid(), expirationDate: isoDate.optional(), unitCost: money.nullable().optional(),
  status: z.enum(['active', 'quarantined', 'recalled']).optional(), statusReason: text().nullable().optional(),
  lotNumber: text().min(1).max(64).optional(), fieldClocks: clocks, baseClocks: clocks.optional(),
});
const movementInsert = z.object({
  id: z.uuid(), shopId: z.uuid(), batchId: z.uuid(), kind: z.enum(['receipt', 'sale', 'return', 'adjustment', 'count', 'transfer', 'supplier_return', 'transfer_out', 'transfer_in']),
  delta: int32, countedQty: count.nullable(), reason: text().nullable(),
  saleItemId: z.uuid().nullable(), userId: z.uuid().nullable(), hlc, createdAt: timestamp,
});
const payment = z.object({
  method: z.enum(SALE_METHODS), amount: money, operator: z.enum(MOBILE_OPERATORS).optional(), reference: text().max(64).optional(),
  customerId: z.uuid().optional(),
});
// Shops older than cash sessions send none of session, discount, rounding and payments: defaults say what their sales were.
const saleInsert = z
  .object({
    id: z.uuid(), shopId: z.uuid(), number: text().min(1).max(40), cashierId: z.uuid(), cashierName: text(),
    total: money, tendered: money, change: money, paymentMethod: z.enum([...SALE_METHODS, 'mixed']),
    status: z.enum(['completed', 'voided']), voidedAt: timestamp.nullable(), voidedBy: z.uuid().nullable(), createdAt: timestamp,
    sessionId: z.uuid().nullable().default(null), subtotal: money.optional(), discount: money.default(0),
    discountLabel: text().max(200).nullable().default(null), discountApprovedBy: z.uuid().nullable().default(null),
    rounding: int32.default(0), payments: z.array(payment).max(10).optional(),
  })
  .transform((s) => ({
    ...s,
    subtotal: s.subtotal ?? s.total,
    payments: s.payments ?? [{ method: s.paymentMethod === 'mixed' ? ('cash' as const) : s.paymentMethod, amount: s.total }],
  }));
const saleUpdate = z.object({ id: z.uuid(), status: z.literal('voided'), voidedAt: timestamp, voidedBy: z.uuid() });
const saleItemInsert = z.object({
  id: z.uuid(), saleId: z.uuid(), lineNo: count.min(1), productId: z.uuid(), batchId: z.uuid(),
  productName: text().max(200), lotNumber: text().max(64), expirationDate: isoDate, quantity: count.min(1),
  unitPrice: money, lineTotal: money, discount: money.default(0), discountLabel: text().max(200).nullable().default(null),
  // Shops older than packs send none: `quantity` is then base units, sold by the unit.
  packId: z.uuid().nullable().default(null), packName: text().max(80).nullable().default(null), units: count.min(1).optional(),
}).transform((i) => ({ ...i, units: i.units ?? i.quantity }));

const perMethod = z.object({ cash: z.number().int().safe(), mobile_money: z.number().int().safe(), card: z.number().int().safe() });
const sessionInsert = z.object({
  id: z.uuid(), shopId: z.uuid(), terminal: text().min(1).max(40), cashierId: z.uuid(), cashierName: text().max(200),
  openedAt: timestamp, openingFloat: money, openingCounts: z.record(z.string().regex(/^\d{1,6}$/), count).nullable(),
});
const sessionUpdate = sessionInsert.extend({
  closedAt: timestamp, closedBy: z.uuid(), closedByName: text().max(200), zNumber: text().min(1).max(40),
  expected: perMethod, counted: perMethod, cashVariance: z.number().int().safe(), closingComment: text().max(1000).nullable(),
});
const cashMovementInsert = z.object({
  id: z.uuid(), shopId: z.uuid(), sessionId: z.uuid(), kind: z.enum(['in', 'out']), amount: money.min(1),
  reason: text().min(1).max(200), userId: z.uuid(), userName: text().max(200), createdAt: timestamp,
  // Older shops send no approval: none was asked then.
  approvedBy: z.uuid().nullable().default(null), approvedByName: text().max(200).nullable().default(null),
  // A drawer expense's cash-out; older shops send none.
  expenseId: z.uuid().nullable().default(null),
}).refine((m) => (m.approvedBy === null) === (m.approvedByName === null), { message: t('validation.approval_named'), path: ['approvedBy'] });
const saleReturnInsert = z.object({
  id: z.uuid(), shopId: z.uuid(), saleId: z.uuid(), number: text().min(1).max(40), sessionId: z.uuid().nullable(),
  cashierId: z.uuid(), cashierName: text().max(200), amount: money, rounding: int32, refundMethod: z.enum(SALE_METHODS),
  // Shops older than customer accounts credit none.
  accountCredit: money.default(0),
  reason: text().max(200).nullable(),
  lines: z
    .array(z.object({
      saleItemId: z.uuid(), batchId: z.uuid(), productName: text().max(200), lotNumber: text().max(64), quantity: count.min(1),
      amount: money, destination: z.enum(['stock', 'quarantine']), reason: text().max(200).nullable(),
      // Shops older than packs send neither: the quantity is then base units.
      units: count.min(1).optional(), packName: text().max(80).nullable().optional(),
    }))
    .min(1)
    .max(200),
  createdAt: timestamp,
  approvedBy: z.uuid().nullable().default(null), approvedByName: text().max(200).nullable().default(null),
  approval: z.array(z.enum(RETURN_APPROVALS)).max(RETURN_APPROVALS.length).default([]),
}).refine((r) => (r.approvedBy === null) === (r.approvedByName === null) && (r.approvedBy === null) === (r.approval.length === 0), {
  message: t('validation.approval_named'), path: ['approvedBy'],
});

const nullableText = (max: number) => text().max(max).nullable();
const customer = z.object({
  id: z.uuid(), shopId: z.uuid(), name: text().min(1).max(120), phone: text().max(30).nullable(), employer: nullableText(120),
  insurer: nullableText(120), memberNumber: nullableText(60), creditLimit: money, blocked: z.boolean(), notes: text().max(1000), createdAt: timestamp,
});
const allocation = z.object({ saleId: z.uuid(), amount: money.min(1) });
const accountEntryInsert = z.object({
  id: z.uuid(), shopId: z.uuid(), customerId: z.uuid(), kind: z.enum(ENTRY_KINDS), amount: money.min(1),
  saleId: z.uuid().nullable(), returnId: z.uuid().nullable(), sessionId: z.uuid().nullable(), method: z.enum(PAYMENT_METHODS).nullable(),
  operator: z.enum(MOBILE_OPERATORS).nullable(), reference: nullableText(64), number: nullableText(40),
  allocations: z.array(allocation).max(500), reason: nullableText(300), balanceAfter: z.number().int().safe(),
  userId: z.uuid(), userName: text().max(200), approvedBy: z.uuid().nullable(), approvedByName: nullableText(200), createdAt: timestamp,
}).refine((e) => (e.approvedBy === null) === (e.approvedByName === null), { message: t('validation.approval_named'), path: ['approvedBy'] })
  // What a credit paid off never exceeds it; a debt allocates nothing.
  .refine((e) => e.allocations.reduce((s, a) => s + a.amount, 0) <= (e.kind === 'sale' ? 0 : e.amount), { message: t('validation.allocations'), path: ['allocations'] });
const expenseInsert = z.object({
  id: z.uuid(), shopId: z.uuid(), cancels: z.uuid().nullable(), category: text().min(1).max(60), amount: money.min(1),
  paidFrom: z.enum(['drawer', 'bank', 'mobile_money']), payee: nullableText(120), note: nullableText(500), spentOn: isoDate,
  sessionId: z.uuid().nullable(), userId: z.uuid(), userName: text().max(200), createdAt: timestamp,
});
// Purchasing: suppliers and links (chain-wide rows a shop created or edits), and the shop's own purchase documents.
const shortText = (max: number) => text().max(max);
const optionalLine = (max: number) => text().max(max).nullable();
const supplierValues = {
  name: text().min(1).max(200), phone: shortText(40), email: shortText(200), address: shortText(300), taxId: shortText(40),
  deliveryDays: shortText(100), leadTimeDays: z.number().int().min(0).max(365), paymentTerms: shortText(200), active: z.boolean(),
};
const supplierInsert = z.object({ id: z.uuid(), ...supplierValues, createdAt: timestamp });
const supplierUpdate = z.object({ id: z.uuid(), ...supplierValues, fieldClocks: clocks, baseClocks: clocks.optional() }).partial({
  name: true, phone: true, email: true, address: true, taxId: true, deliveryDays: true, leadTimeDays: true, paymentTerms: true, active: true,
});
const linkValues = {
  supplierCode: optionalLine(64), packUnits: z.number().int().min(1).max(100_000), lastCost: money.nullable(), lastCostDate: isoDate.nullable(), preferred: z.boolean(),
};
const linkInsert = z.object({ id: z.uuid(), supplierId: z.uuid(), productId: z.uuid(), ...linkValues, createdAt: timestamp });
const linkUpdate = z.object({ id: z.uuid(), ...linkValues, fieldClocks: clocks, baseClocks: clocks.optional() }).partial({
  supplierCode: true, packUnits: true, lastCost: true, lastCostDate: true, preferred: true,
});
const orderStatus = z.enum(['draft', 'sent', 'partially_received', 'received', 'cancelled']);
const statusChange = z.object({ status: text().max(40), at: timestamp, userId: z.uuid().nullable(), userName: optionalLine(200) });
const orderInsert = z.object({
  id: z.uuid(), shopId: z.uuid(), number: text().min(1).max(40), supplierId: z.uuid(), status: orderStatus, note: optionalLine(500),
  history: z.array(statusChange).max(100), createdBy: z.uuid().nullable(), createdByName: optionalLine(200), createdAt: timestamp,
  lines: z.array(z.object({ id: z.uuid(), lineNo: count.min(1), productId: z.uuid(), quantity: count.min(1), unitCost: money.nullable(), receivedQty: count })).max(500),
});
const orderUpdate = z.object({ id: z.uuid(), shopId: z.uuid(), status: orderStatus, history: z.array(statusChange).max(100) });
const deliveryInsert = z.object({
  id: z.uuid(), shopId: z.uuid(), number: text().min(1).max(40), supplierId: z.uuid(), purchaseOrderId: z.uuid().nullable(),
  deliveryNote: optionalLine(64), invoiceNumber: optionalLine(64), invoiceTotal: money.nullable(), status: z.literal('validated'),
  receivedDate: isoDate, createdBy: z.uuid().nullable(), validatedAt: timestamp, validatedBy: z.uuid().nullable(), validatedByName: optionalLine(200),
  createdAt: timestamp,
  lines: z.array(z.object({
    id: z.uuid(), lineNo: count.min(1), productId: z.uuid(), purchaseOrderLineId: z.uuid().nullable(), lotNumber: text().min(1).max(64),
    expirationDate: isoDate, quantity: count.min(1), freeQty: count, unitCost: money, invoicedQty: count.nullable(), confirmShortDated: z.boolean(),
    batchId: z.uuid(),
    // The pack the line was typed in (a shop older than 0029 sends neither).
    packId: z.uuid().nullable().default(null), packQuantity: count.min(1).nullable().default(null),
  })).min(1).max(500),
});
const returnStatus = z.enum(['sent', 'credited', 'disputed']);
const supplierReturnInsert = z.object({
  id: z.uuid(), shopId: z.uuid(), number: text().min(1).max(40), supplierId: z.uuid(), status: returnStatus, expectedCredit: money,
  creditNoteNumber: optionalLine(64), creditedAmount: money.nullable(), disputeNote: optionalLine(500), createdBy: z.uuid().nullable(),
  validatedAt: timestamp, validatedBy: z.uuid().nullable(), validatedByName: optionalLine(200), settledAt: timestamp.nullable(), settledBy: z.uuid().nullable(),
  createdAt: timestamp,
  lines: z.array(z.object({
    id: z.uuid(), lineNo: count.min(1), batchId: z.uuid(), productId: z.uuid(), lotNumber: text().min(1).max(64), expirationDate: isoDate,
    quantity: count.min(1), unitCost: money.nullable(), reason: z.enum(['expired', 'damaged', 'recalled', 'wrong_delivery', 'other']), movementId: z.uuid().nullable(),
  })).min(1).max(500),
});
const supplierReturnUpdate = z.object({
  id: z.uuid(), shopId: z.uuid(), status: returnStatus, creditNoteNumber: optionalLine(64), creditedAmount: money.nullable(),
  disputeNote: optionalLine(500), settledAt: timestamp.nullable(), settledBy: z.uuid().nullable(),
});
const transferLine = z.object({
  id: z.uuid(), lineNo: count.min(1), batchId: z.uuid(), productId: z.uuid(), productName: text().max(200), lotNumber: text().min(1).max(64),
  expirationDate: isoDate, unitCost: money.nullable(), quantity: count.min(1),
});
const transferInsert = z.object({
  id: z.uuid(), shopId: z.uuid(), shopCode: z.string().regex(/^[A-Z0-9]{2,12}$/), number: text().min(1).max(40), toShopId: z.uuid(),
  toShopCode: z.string().regex(/^[A-Z0-9]{2,12}$/), status: z.literal('shipped'), reason: text().max(500).nullable(), createdBy: z.uuid().nullable(),
  createdByName: text().max(200), shippedAt: timestamp, createdAt: timestamp, lines: z.array(transferLine).min(1).max(500),
  requisitionId: z.uuid().nullable().optional(),
});
const requisitionInsert = z.object({
  id: z.uuid(), shopId: z.uuid(), shopCode: z.string().regex(/^[A-Z0-9]{2,12}$/), number: text().min(1).max(40), fromShopId: z.uuid(),
  fromShopCode: z.string().regex(/^[A-Z0-9]{2,12}$/), status: z.literal('open'),
  lines: z.array(z.object({ productId: z.uuid(), productName: text().max(200), quantity: count.min(1) })).min(1).max(200),
  note: text().max(500).nullable(), createdBy: z.uuid().nullable(), createdByName: text().max(200), createdAt: timestamp,
});
const requisitionUpdate = z.object({ id: z.uuid(), shopId: z.uuid(), status: z.literal('cancelled'), cancelledAt: timestamp });
const transferUpdate = z.object({
  id: z.uuid(), shopId: z.uuid(), status: z.enum(['cancelled', 'shipped']), cancelledAt: timestamp.nullable(), cancelOverruledAt: timestamp.nullable(),
});
const transferReceiptInsert = z.object({
  id: z.uuid(), shopId: z.uuid(), transferId: z.uuid(), receivedBy: z.uuid().nullable(), receivedByName: text().max(200),
  lines: z.array(z.object({ lineId: z.uuid(), receivedQty: count, note: text().max(500).nullable(), batchId: z.uuid().nullable() })).min(1).max(500),
  shippedUnits: count, receivedUnits: count, createdAt: timestamp,
}).refine((r) => r.receivedUnits === r.lines.reduce((s, l) => s + l.receivedQty, 0), { message: t('validation.receipt_units'), path: ['receivedUnits'] });

const stocktakeInsert = z.object({
  id: z.uuid(), shopId: z.uuid(), number: text().min(1).max(40), status: z.literal('finalised'),
  scope: z.object({ productIds: z.array(z.uuid()).max(5000).optional(), zone: text().max(40).optional() }), snapshotHlc: hlc, startedBy: z.uuid().nullable(),
  startedByName: text().max(200), finalisedBy: z.uuid().nullable(), finalisedAt: timestamp, createdAt: timestamp,
  summary: z.object({ lotsCounted: count, lotsZeroed: count, lotsRecounted: count, varianceUnits: int32, varianceValue: z.number().int().safe() }),
  counts: z.array(z.object({
    id: z.uuid(), stocktakeId: z.uuid(), batchId: z.uuid(), countedQty: count, ledgerQty: int32, hlc, userId: z.uuid().nullable(),
    superseded: z.boolean(), movementId: z.uuid().nullable(), createdAt: timestamp,
  })).max(20000),
  lines: z.array(z.object({ batchId: z.uuid(), snapshotQty: int32 })).max(20000).optional(),
  // Head office writes the count movements from the counts (a shop older than it sends them one by one).
  countMovements: z.object({ createdAt: timestamp, userId: z.uuid().nullable(), reason: text().max(40).nullable() }).optional(),
});

const stocktakeCountsInsert = stocktakeInsert.pick({ id: true, shopId: true, counts: true, lines: true, countMovements: true }).extend({
  counts: stocktakeInsert.shape.counts.max(1000),
  lines: z.array(z.object({ batchId: z.uuid(), snapshotQty: int32 })).max(1000).optional(),
});

// A burst of wrong PINs at the shop, told to head office (server/security/).
const securityAlertInsert = z.object({
  id: z.uuid(), shopId: z.uuid(), kind: z.enum(['pin', 'password', 'token']), scope: z.enum(['address', 'shop', 'account', 'approval']),
  subject: text().max(200), failures: count, since: timestamp, createdAt: timestamp,
});

// A person made or changed at the shop (server/users/service.ts): never a PIN nor its hash (any such key is dropped here).
const staffChange = z.object({
  id: z.uuid(), shopId: z.uuid(), name: text().trim().min(1).max(80), role: z.enum(['cashier', 'pharmacist', 'manager', 'admin']),
  active: z.boolean(), createdAt: timestamp,
});

// tx: the shop's local transaction; its changes are accepted or refused together.
const base = { seq: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER), id: z.uuid(), hlc, tx: z.string().regex(/^\d{1,20}$/).optional() };
export const changeSchema = z.discriminatedUnion('kind', [
  z.object({ ...base, kind: z.literal('product:insert'), data: productInsert }),
  z.object({ ...base, kind: z.literal('product:update'), data: productUpdate }),
  z.object({ ...base, kind: z.literal('product_pack:insert'), data: packInsert }),
  z.object({ ...base, kind: z.literal('product_pack:update'), data: packUpdate }),
  z.object({ ...base, kind: z.literal('batch:insert'), data: batchInsert }),
  z.object({ ...base, kind: z.literal('batch:update'), data: batchUpdate }),
  z.object({ ...base, kind: z.literal('movement:insert'), data: movementInsert }),
  z.object({ ...base, kind: z.literal('sale:insert'), data: saleInsert }),
  z.object({ ...base, kind: z.literal('sale:update'), data: saleUpdate }),
  z.object({ ...base, kind: z.literal('sale_item:insert'), data: saleItemInsert }),
  z.object({ ...base, kind: z.literal('till_session:insert'), data: sessionInsert }),
  z.object({ ...base, kind: z.literal('till_session:update'), data: sessionUpdate }),
  z.object({ ...base, kind: z.literal('cash_movement:insert'), data: cashMovementInsert }),
  z.object({ ...base, kind: z.literal('sale_return:insert'), data: saleReturnInsert }),
  z.object({ ...base, kind: z.literal('supplier:insert'), data: supplierInsert }),
  z.object({ ...base, kind: z.literal('supplier:update'), data: supplierUpdate }),
  z.object({ ...base, kind: z.literal('product_supplier:insert'), data: linkInsert }),
  z.object({ ...base, kind: z.literal('product_supplier:update'), data: linkUpdate }),
  z.object({ ...base, kind: z.literal('purchase_order:insert'), data: orderInsert }),
  z.object({ ...base, kind: z.literal('purchase_order:update'), data: orderUpdate }),
  z.object({ ...base, kind: z.literal('delivery:insert'), data: deliveryInsert }),
  z.object({ ...base, kind: z.literal('supplier_return:insert'), data: supplierReturnInsert }),
  z.object({ ...base, kind: z.literal('supplier_return:update'), data: supplierReturnUpdate }),
  z.object({ ...base, kind: z.literal('transfer:insert'), data: transferInsert }),
  z.object({ ...base, kind: z.literal('transfer:update'), data: transferUpdate }),
  z.object({ ...base, kind: z.literal('transfer_receipt:insert'), data: transferReceiptInsert }),
  z.object({ ...base, kind: z.literal('requisition:insert'), data: requisitionInsert }),
  z.object({ ...base, kind: z.literal('requisition:update'), data: requisitionUpdate }),
  z.object({ ...base, kind: z.literal('stocktake:insert'), data: stocktakeInsert }),
  z.object({ ...base, kind: z.literal('stocktake_counts:insert'), data: stocktakeCountsInsert }),
  z.object({ ...base, kind: z.literal('security_alert:insert'), data: securityAlertInsert }),
  z.object({ ...base, kind: z.literal('customer:insert'), data: customer }),
  z.object({ ...base, kind: z.literal('customer:update'), data: customer }),
  z.object({ ...base, kind: z.literal('account_entry:insert'), data: accountEntryInsert }),
  z.object({ ...base, kind: z.literal('expense:insert'), data: expenseInsert }),
  z.object({ ...base, kind: z.literal('staff:insert'), data: staffChange }),
  z.object({ ...base, kind: z.literal('staff:update'), data: staffChange }),
]);

/** The wire form is `{seq, entity, id, op, hlc, data}`; `kind` joins entity and op for the schema. */
// What a shop says of itself; informative, so a malformed report is dropped rather than the push refused.
const shopReport = z
  .object({
    pendingChanges: count.optional(),
    oldestPendingAgeSeconds: count.nullable().optional(),
    refusedChanges: count.optional(),
    appVersion: text().max(40).optional(),
    backup: z
      .object({
        lastOkAt: timestamp.nullable().optional(),
        lastStatus: z.enum(['running', 'done', 'failed']).nullable().optional(),
        lastError: text().max(1000).nullable().optional(),
      })
      .optional(),
  })
  .optional()
  .catch(undefined);

export const pushSchema = z.object({
  shopCode: z.string().regex(/^[A-Z0-9]{2,12}$/),
  hlc,
  sentAt: timestamp.optional(),
  status: shopReport,
  changes: z
    .array(
      z.preprocess(
        (c) => (c !== null && typeof c === 'object' ? { ...c, kind: `${(c as { entity?: unknown }).entity}:${(c as { op?: unknown }).op}` } : c),
        changeSchema.refine((c) => c.data.id === c.id, { message: t('validation.change_id'), path: ['data', 'id'] }),
      ),
    )
    .max(2000),
});

export type Change = z.infer<typeof changeSchema>;

// The cursor is `epoch:xid:id`; a cursor of another epoch (or of the old form `xid:id`) starts again from the beginning.
export const pullSchema = z.object({
  since: z.string().regex(/^([a-z0-9]{1,40}:)?\d{1,20}:\d{1,20}$/).default('0:0'),
  limit: z.coerce.number().int().min(1).max(1000).default(500),
});

export const registerShopSchema = z.object({
  code: z
    .string()
    .trim()
    .regex(/^[A-Z0-9]{2,12}$/, t('validation.shop_code'))
    .refine((c) => c !== 'HQ', t('validation.shop_code_hq')),
  name: z.string().trim().min(1).max(120),
  timezone: z.string().refine((tz) => {
    try {
      new Intl.DateTimeFormat('fr', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  }, t('validation.timezone')),
});

export const recallSchema = z.object({ productId: z.uuid(), lotNumber: z.string().trim().min(1).max(64), reason: z.string().trim().min(1).max(500) });

export const hqBatchPatchSchema = z
  .object({ expirationDate: isoDate.optional(), unitCost: money.nullable().optional(), status: z.enum(['active', 'quarantined', 'recalled']).optional() })
  .strict();

export const hqCustomerLimitSchema = z.object({ creditLimit: money.max(1_000_000_000) }).strict();

export const shopSalesSchema = z.object({
  from: isoDate.optional(),
  to: isoDate.optional(),
  limit: z.coerce.number().int().min(1).max(5000).default(500),
});

export const conflictsQuerySchema = z.object({ shop: z.string().optional(), limit: z.coerce.number().int().min(1).max(5000).default(200) });

// What a shop rebuilt from head office reads: the parts server/sync/coverage.ts declares.
export const snapshotSchema = z.object({
  part: z.string().refine((p) => snapshotPart(p) !== undefined, t('validation.snapshot_part')),
  after: z.uuid().default('00000000-0000-0000-0000-000000000000'),
  limit: z.coerce.number().int().min(1).max(5000).default(2000),
});

const md5 = z.union([z.literal(''), z.string().regex(/^[0-9a-f]{32}$/)]);
const sum = z.number().int().min(-Number.MAX_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER);
const entityName = z.string().regex(/^[a-z_]{1,40}$/);
const dayDigest = z.object({
  day: isoDate,
  // One digest per entity the shop covers (server/sync/coverage.ts), empty ones too.
  entities: z.record(entityName, z.object({ count, sum, hash: md5 })).refine((e) => Object.keys(e).length <= 60),
});
/** The nightly reconciliation: a shop's digests of its last days, and, on the second round, what it resent (per entity). */
export const digestSchema = z.object({
  days: z.array(dayDigest).min(1).max(62),
  report: z.object({ daysChecked: count, rowsResent: count, resent: z.record(entityName, count).default({}) }).optional(),
});
export type DigestBody = z.infer<typeof digestSchema>;

// Head office's pages: query strings and forms, in French names as in the URLs.
const optionalText = z.string().trim().max(100).optional().transform((v) => (v ? v : undefined));
const optionalDate = z.union([isoDate, z.literal('')]).optional().transform((v) => (v ? v : undefined));
const shopCode = z.union([z.string().regex(/^[A-Z0-9]{2,12}$/), z.literal('')]).optional().transform((v) => (v ? v : undefined));

export const staffLoginSchema = z.object({ login: z.string().trim().min(1).max(40), password: z.string().min(1).max(200) });
export const staffUserSchema = z.object({
  login: z.string().trim().toLowerCase().regex(/^[a-z0-9._-]{2,40}$/, t('staff.login_format')),
  name: z.string().trim().min(1).max(100),
  // Read-only unless said otherwise: the least an account can do is the default.
  role: z.enum(['admin', 'lecture']).default('lecture'),
  password: z.string().min(10).max(200),
});
export const staffPasswordSchema = z.object({ password: z.string().min(10).max(200) });
export const staffLoginParam = z.string().trim().toLowerCase().regex(/^[a-z0-9._-]{2,40}$/, t('staff.login_format'));
export const periodSchema = z.object({ du: optionalDate, au: optionalDate, boutique: shopCode });
export const expirySchema = z.object({
  horizon: z.enum(['30', '60', '90', 'expired', '']).optional().transform((v) => (v === 'expired' ? 'expired' : v ? (Number(v) as 30 | 60 | 90) : 90)),
  boutique: shopCode,
  produit: optionalText,
});
export const catalogSearchSchema = z.object({ q: z.string().trim().max(100).optional().default('') });
export const recallFormSchema = z.object({
  product: z.string().trim().min(1, t('hq.recall.product_required')).max(100),
  lotNumber: z.string().trim().min(1).max(64),
  reason: z.string().trim().min(3).max(500),
});
export const conflictFilterSchema = z.object({
  boutique: shopCode,
  entite: z.enum(['product', 'product_pack', 'batch', 'movement', 'sale', 'sale_item', '']).optional().transform((v) => (v ? v : undefined)),
  champ: optionalText,
  motif: optionalText,
  du: optionalDate,
  au: optionalDate,
  'a-revoir': z.enum(['1', '']).optional(),
  page: z.coerce.number().int().min(1).max(1000).optional().default(1),
});
export const reviewSchema = z.object({ ids: z.union([z.uuid(), z.array(z.uuid()).max(200)]).transform((v) => (Array.isArray(v) ? v : [v])) });

/** Head office's lists across shops (transfers, stocktakes): one shop's with `shop`. */
export const chainListSchema = z.object({
  shop: z.string().regex(/^[A-Z0-9]{2,12}$/).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});

/** Transfer suggestions: lots expiring within `days` (30, 60 or 90) against sales of the last `period` days. */
export const suggestionsSchema = z.object({
  days: z.enum(['30', '60', '90']).default('60').transform((v) => Number(v) as 30 | 60 | 90),
  period: z.coerce.number().int().min(7).max(365).default(30),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
}).transform((q) => ({ days: q.days, periodDays: q.period, limit: q.limit }));
