import { t, type MessageKey } from '../i18n/fr.js';
import { formatDateTimeFr } from './dates.js';
import { formatFcfa } from './money.js';

/** What the shop knows of the rows a refused change names, by id. */
export interface RefusedNames {
  lots: ReadonlyMap<string, { lotNumber: string; productName: string }>;
  products: ReadonlyMap<string, string>;
  sales: ReadonlyMap<string, string>;
}

export interface RefusedRow {
  entity: string;
  op: 'insert' | 'update';
  entityId: string;
  payload: Record<string, unknown>;
}

const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/**
 * A refused change as a person reads it: « Lot L123 de Doliprane 500 mg »,
 * « Vente DKR01-000123 », never a raw id (the id is the last resort, when the
 * shop no longer holds anything that names the row).
 */
export function describeRefused(r: RefusedRow, names: RefusedNames, timezone: string): string {
  const p = r.payload;
  const productName = (id: unknown) => text(p.productName) ?? (typeof id === 'string' ? names.products.get(id) : undefined) ?? t('refused.unknown_product');
  const lotParts = (batchId: unknown) => {
    const known = typeof batchId === 'string' ? names.lots.get(batchId) : undefined;
    return { lot: text(p.lotNumber) ?? known?.lotNumber ?? '?', product: known?.productName ?? productName(p.productId) };
  };
  const lot = (batchId: unknown) => t('refused.lot', lotParts(batchId));
  const sale = (id: unknown) => (typeof id === 'string' ? names.sales.get(id) : undefined) ?? t('refused.unknown_sale');
  switch (r.entity) {
    case 'product':
      return t('refused.product', { name: text(p.name) ?? names.products.get(r.entityId) ?? t('refused.unknown_product') });
    case 'batch':
      return lot(r.entityId);
    case 'movement':
      return t('refused.movement', { kind: t(`refused.kind.${String(p.kind)}` as MessageKey), delta: Number(p.delta ?? 0), ...lotParts(p.batchId) });
    case 'sale':
      return t(r.op === 'update' ? 'refused.void' : 'refused.sale', { number: text(p.number) ?? sale(r.entityId) });
    case 'sale_item':
      return t('refused.sale_item', { number: sale(p.saleId), product: productName(p.productId), lot: text(p.lotNumber) ?? '?' });
    case 'till_session': {
      const opened = text(p.openedAt);
      return t(r.op === 'update' ? 'refused.session_close' : 'refused.session', {
        terminal: text(p.terminal) ?? '?', at: opened ? formatDateTimeFr(new Date(opened), timezone) : '?', z: text(p.zNumber) ?? '?',
      });
    }
    case 'cash_movement':
      return t(p.kind === 'in' ? 'refused.cash_in' : 'refused.cash_out', { amount: formatFcfa(Number(p.amount ?? 0)), reason: text(p.reason) ?? '' });
    case 'sale_return':
      return t('refused.return', { number: text(p.number) ?? '?', sale: sale(p.saleId) });
    default:
      return `${r.entity} ${r.entityId}`;
  }
}
