import { t } from '../i18n/fr.js';
import type { EntryKind } from './account.js';
import { formatDateFr, formatDateTimeFr, type IsoDate } from './dates.js';
import { formatFcfa } from './money.js';
import { paymentLabel, shopLines, type ReceiptModel } from './receipt.js';
import type { MobileOperator, PaymentMethod } from './tender.js';

export interface PaymentReceiptSource {
  shop: { name: string; address: string; phone: string; taxId: string; receiptFooter: string; timezone: string };
  customer: { name: string; phone: string | null };
  payment: {
    number: string;
    createdAt: Date;
    userName: string;
    amount: number;
    method: PaymentMethod;
    operator: MobileOperator | null;
    reference: string | null;
    balanceAfter: number;
  };
  /** The sales it paid off, by receipt number. */
  paidOff: { number: string; amount: number }[];
}

/** « Reçu de règlement »: what the customer paid on their account, how, what it paid off, and what they still owe. */
export function paymentReceiptModel({ shop, customer, payment: p, paidOff }: PaymentReceiptSource): ReceiptModel {
  const how = paymentLabel({ method: p.method, amount: p.amount, ...(p.operator ? { operator: p.operator } : {}), ...(p.reference ? { reference: p.reference } : {}) });
  return {
    title: t('credit.receipt_title', { number: p.number }),
    shopName: shop.name,
    shopLines: shopLines(shop),
    meta: [
      t('credit.receipt_title', { number: p.number }),
      formatDateTimeFr(p.createdAt, shop.timezone),
      t('receipt.cashier', { name: p.userName }),
      t('credit.receipt_customer', { name: customer.name }),
    ],
    lines: paidOff.map((s) => ({ name: t('credit.receipt_paid_off', { number: s.number }), detail: '', amount: formatFcfa(s.amount), lot: '' })),
    itemCount: '',
    totals: [
      { label: t('credit.receipt_amount'), amount: formatFcfa(p.amount), strong: true },
      { label: t('credit.receipt_balance'), amount: formatFcfa(p.balanceAfter), strong: true },
    ],
    payment: t('receipt.payment', { method: how }),
    sections: [],
    code: p.number,
    footer: shop.receiptFooter.split('\n').map((l) => l.trim()).filter(Boolean),
    duplicate: null,
    voided: null,
    voidedOn: null,
  };
}

export interface StatementLine {
  day: IsoDate;
  kind: EntryKind;
  saleNumber: string | null;
  returnNumber: string | null;
  number: string | null;
  reason: string | null;
  signed: number;
  balance: number;
}

/** What a statement's line says: « Vente DKR01-000123 », « Règlement DKR01-RG000004 (Espèces) »… */
export function statementLabel(l: Omit<StatementLine, 'day' | 'signed' | 'balance'> & { method?: PaymentMethod | null }): string {
  switch (l.kind) {
    case 'sale':
      return t('credit.line_sale', { number: l.saleNumber ?? '' });
    case 'payment':
      return t('credit.line_payment', { number: l.number ?? '', method: l.method ? t(`payment.${l.method}`) : '' });
    case 'return':
      return t('credit.line_return', { number: l.returnNumber ?? '', sale: l.saleNumber ?? '' });
    case 'write_off':
      return t('credit.line_write_off', { reason: l.reason ?? '' });
    case 'void':
      return t('credit.line_void', { number: l.saleNumber ?? '' });
  }
}

export const statementDate = formatDateFr;
