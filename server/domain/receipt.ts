import { t } from '../i18n/fr.js';
import { formatDateTimeFr, formatMonthYear } from './dates.js';
import { formatFcfa } from './money.js';
import { packLabel } from './packs.js';
import type { Payment } from './tender.js';

export interface ReceiptSource {
  shop: { name: string; address: string; phone: string; taxId: string; receiptFooter: string; timezone: string };
  sale: {
    number: string;
    createdAt: Date;
    cashierName: string;
    total: number;
    tendered: number;
    change: number;
    subtotal: number;
    discount: number;
    discountLabel: string | null;
    rounding: number;
    payments: readonly Payment[];
    status: 'completed' | 'voided';
    voidedAt: Date | null;
  };
  items: {
    productName: string; lotNumber: string; expirationDate: string; quantity: number; unitPrice: number;
    discount: number; discountLabel: string | null; lineTotal: number;
    /** The pack sold and the base units it took (a base unit's line prints as the product alone). */
    packName?: string | null | undefined; units?: number | undefined;
  }[];
  duplicate: boolean;
  /** A credit sale: whose account it went on, what it left due there, and their balance after it. */
  account?: { customerName: string; due: number; balance: number } | undefined;
}

export interface ReceiptLine {
  name: string;
  detail: string;
  amount: string;
  /** Lot and expiry; empty on a report. */
  lot: string;
  /** A discount under the line: label and amount. */
  discount?: { label: string; amount: string } | undefined;
}

/** A report's block (Z report): a heading and label–amount rows. */
export interface ReceiptSection {
  heading: string;
  rows: { label: string; amount: string; strong?: boolean }[];
}

/** Everything a receipt says, as final French strings; PDF and ESC/POS only lay it out. */
export interface ReceiptModel {
  title: string;
  shopName: string;
  shopLines: string[];
  meta: string[];
  lines: ReceiptLine[];
  itemCount: string;
  totals: { label: string; amount: string; strong: boolean }[];
  payment: string;
  sections: ReceiptSection[];
  code: string;
  footer: string[];
  duplicate: string | null;
  voided: string | null;
  voidedOn: string | null;
}

/** « Orange Money · réf. 123 » */
export function paymentLabel(p: Payment): string {
  const name = p.operator ? t(`operator.${p.operator}`) : t(`payment.${p.method}`);
  return p.reference ? t('receipt.payment_ref', { name, reference: p.reference }) : name;
}

const minus = (n: number) => formatFcfa(-n);

/** The shop's address, phone and tax id under its name, as every document prints them. */
export function shopLines(shop: { address: string; phone?: string; taxId: string }): string[] {
  return [
    ...shop.address.split('\n').map((l) => l.trim()).filter(Boolean),
    ...(shop.phone ? [t('receipt.phone', { phone: shop.phone })] : []),
    ...(shop.taxId ? [t('receipt.tax_id', { taxId: shop.taxId })] : []),
  ];
}

function saleTotals(sale: ReceiptSource['sale'], ticketDiscount: number): ReceiptModel['totals'] {
  const totals: ReceiptModel['totals'] = [];
  const row = (label: string, amount: string, strong = false) => totals.push({ label, amount, strong });
  if (sale.discount > 0) {
    row(t('receipt.subtotal'), formatFcfa(sale.subtotal));
    // Line discounts are printed under their lines; the ticket's own discount here.
    if (ticketDiscount > 0) row(sale.discountLabel ?? t('receipt.discount'), minus(ticketDiscount));
  }
  row(t('receipt.total'), formatFcfa(sale.total), true);
  if (sale.rounding !== 0) {
    row(t('receipt.rounding'), formatFcfa(sale.rounding));
    row(t('receipt.to_pay'), formatFcfa(sale.total + sale.rounding), true);
  }
  for (const p of sale.payments) if (sale.payments.length > 1 || p.method !== 'cash') row(paymentLabel(p), formatFcfa(p.amount));
  // Cash handed over: what was tendered less what came by the other payments.
  if (sale.payments.some((p) => p.method === 'cash')) {
    row(t('receipt.tendered'), formatFcfa(sale.tendered - sale.payments.filter((p) => p.method !== 'cash').reduce((s, p) => s + p.amount, 0)));
    row(t('receipt.change'), formatFcfa(sale.change));
  }
  return totals;
}

export function receiptModel({ shop, sale, items, duplicate, account }: ReceiptSource): ReceiptModel {
  const totals = saleTotals(sale, sale.discount - items.reduce((n, i) => n + i.discount, 0));
  if (account) {
    totals.push({ label: t('credit.receipt_sale_due'), amount: formatFcfa(account.due), strong: true });
    totals.push({ label: t('credit.receipt_sale_balance', { name: account.customerName }), amount: formatFcfa(account.balance), strong: true });
  }
  return {
    title: t('receipt.title', { number: sale.number }),
    shopName: shop.name,
    shopLines: shopLines(shop),
    meta: [
      t('receipt.number', { number: sale.number }),
      formatDateTimeFr(sale.createdAt, shop.timezone),
      t('receipt.cashier', { name: sale.cashierName }),
    ],
    lines: items.map((i) => ({
      // « Doliprane 500 mg — Plaquette de 10 », then « 2 × 1 200 FCFA »
      name: packLabel(i.productName, i.packName ?? null, (i.units ?? i.quantity) / i.quantity),
      detail: t('receipt.quantity_price', { quantity: i.quantity, unitPrice: formatFcfa(i.unitPrice) }),
      amount: formatFcfa(i.unitPrice * i.quantity),
      lot: t('receipt.lot', { lot: i.lotNumber, expiry: formatMonthYear(i.expirationDate) }),
      discount: i.discount > 0 ? { label: i.discountLabel ?? t('receipt.discount'), amount: minus(i.discount) } : undefined,
    })),
    itemCount: t('receipt.items', { count: items.reduce((s, i) => s + i.quantity, 0) }),
    totals,
    payment: t('receipt.payment', { method: sale.payments.map((p) => t(`payment.${p.method}`)).join(' + ') }),
    sections: [],
    code: sale.number,
    footer: [...shop.receiptFooter.split('\n').map((l) => l.trim()).filter(Boolean), t('receipt.keep')],
    duplicate: duplicate ? t('receipt.duplicate') : null,
    voided: sale.status === 'voided' ? t('receipt.voided') : null,
    voidedOn: sale.status === 'voided' && sale.voidedAt ? t('receipt.voided_on', { date: formatDateTimeFr(sale.voidedAt, shop.timezone) }) : null,
  };
}

export interface CreditNoteSource {
  shop: ReceiptSource['shop'];
  credit: {
    number: string;
    createdAt: Date;
    cashierName: string;
    amount: number;
    rounding: number;
    refundMethod: Payment['method'];
    lines: readonly {
      productName: string; lotNumber: string; quantity: number; amount: number; destination: 'stock' | 'quarantine'; reason: string | null;
      packName?: string | null | undefined; units?: number | undefined;
    }[];
  };
  saleNumber: string;
}

/** The « AVOIR » given for a return: what came back, to which lot, and what was refunded how. */
export function creditNoteModel({ shop, credit, saleNumber }: CreditNoteSource): ReceiptModel {
  const totals = [{ label: t('return.total'), amount: formatFcfa(credit.amount), strong: true }];
  if (credit.rounding !== 0) {
    totals.push({ label: t('receipt.rounding'), amount: formatFcfa(credit.rounding), strong: false });
    totals.push({ label: t('receipt.to_pay'), amount: formatFcfa(credit.amount + credit.rounding), strong: true });
  }
  return {
    title: t('return.title', { number: credit.number }),
    shopName: shop.name,
    shopLines: shopLines(shop),
    meta: [
      t('return.title', { number: credit.number }),
      t('return.of_sale', { number: saleNumber }),
      formatDateTimeFr(credit.createdAt, shop.timezone),
      t('receipt.cashier', { name: credit.cashierName }),
    ],
    lines: credit.lines.map((l) => ({
      name: packLabel(l.productName, l.packName ?? null, (l.units ?? l.quantity) / l.quantity),
      detail: t('receipt.quantity_price', { quantity: l.quantity, unitPrice: formatFcfa(Math.round(l.amount / l.quantity)) }),
      amount: formatFcfa(l.amount),
      lot: l.destination === 'quarantine' ? t('return.quarantine', { reason: l.reason ?? '' }) : t('return.back_to_lot', { lot: l.lotNumber }),
    })),
    itemCount: t('receipt.items', { count: credit.lines.reduce((s, l) => s + l.quantity, 0) }),
    totals,
    payment: t('return.refund', { method: t(`payment.${credit.refundMethod}`) }),
    sections: [],
    code: credit.number,
    footer: shop.receiptFooter.split('\n').map((l) => l.trim()).filter(Boolean),
    duplicate: null,
    voided: null,
    voidedOn: null,
  };
}
