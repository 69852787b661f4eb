import { t } from '../i18n/fr.js';
import { formatDateTimeFr, formatMonthYear } from './dates.js';
import { formatFcfa } from './money.js';

export interface ReceiptSource {
  shop: { name: string; address: string; phone: string; taxId: string; receiptFooter: string; timezone: string };
  sale: {
    number: string;
    createdAt: Date;
    cashierName: string;
    total: number;
    tendered: number;
    change: number;
    paymentMethod: 'cash' | 'mobile_money' | 'card';
    status: 'completed' | 'voided';
    voidedAt: Date | null;
  };
  items: { productName: string; lotNumber: string; expirationDate: string; quantity: number; unitPrice: number; lineTotal: number }[];
  duplicate: boolean;
}

export interface ReceiptLine {
  name: string;
  detail: string;
  amount: string;
  lot: string;
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
  code: string;
  footer: string[];
  duplicate: string | null;
  voided: string | null;
  voidedOn: string | null;
}

export function receiptModel({ shop, sale, items, duplicate }: ReceiptSource): ReceiptModel {
  const totals = [{ label: t('receipt.total'), amount: formatFcfa(sale.total), strong: true }];
  if (sale.paymentMethod === 'cash') {
    totals.push({ label: t('receipt.tendered'), amount: formatFcfa(sale.tendered), strong: false });
    totals.push({ label: t('receipt.change'), amount: formatFcfa(sale.change), strong: false });
  }
  return {
    title: t('receipt.title', { number: sale.number }),
    shopName: shop.name,
    shopLines: [
      ...shop.address.split('\n').map((l) => l.trim()).filter(Boolean),
      ...(shop.phone ? [t('receipt.phone', { phone: shop.phone })] : []),
      ...(shop.taxId ? [t('receipt.tax_id', { taxId: shop.taxId })] : []),
    ],
    meta: [
      t('receipt.number', { number: sale.number }),
      formatDateTimeFr(sale.createdAt, shop.timezone),
      t('receipt.cashier', { name: sale.cashierName }),
    ],
    lines: items.map((i) => ({
      name: i.productName,
      detail: t('receipt.quantity_price', { quantity: i.quantity, unitPrice: formatFcfa(i.unitPrice) }),
      amount: formatFcfa(i.lineTotal),
      lot: t('receipt.lot', { lot: i.lotNumber, expiry: formatMonthYear(i.expirationDate) }),
    })),
    itemCount: t('receipt.items', { count: items.reduce((s, i) => s + i.quantity, 0) }),
    totals,
    payment: t('receipt.payment', { method: t(`payment.${sale.paymentMethod}`) }),
    code: sale.number,
    footer: [...shop.receiptFooter.split('\n').map((l) => l.trim()).filter(Boolean), t('receipt.keep')],
    duplicate: duplicate ? t('receipt.duplicate') : null,
    voided: sale.status === 'voided' ? t('receipt.voided') : null,
    voidedOn: sale.status === 'voided' && sale.voidedAt ? t('receipt.voided_on', { date: formatDateTimeFr(sale.voidedAt, shop.timezone) }) : null,
  };
}
