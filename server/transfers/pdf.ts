import { formatDateFr, formatDateTimeFr } from '../domain/dates.js';
import { t } from '../i18n/fr.js';
import { a4Pdf, tableRow } from '../web/a4.js';
import type { TransferView } from './service.js';

const COLS = [40, 250, 340, 420, 480];

/**
 * The transfer note (A4) that travels with the boxes: lines of lots and
 * quantities, a column for what arrived, and room for both signatures.
 */
export function transferNotePdf(tr: TransferView, shop: { name: string; code: string; timezone: string }): Promise<Buffer> {
  const title = t('transfer.note_title', { number: tr.number });
  return a4Pdf(title, (doc) => {
    doc.font('bold').fontSize(16).text(title);
    doc.moveDown(0.5).font('regular').fontSize(10);
    doc.text(t('transfer.note_from_to', { from: tr.direction === 'out' ? `${shop.name} (${shop.code})` : tr.shopCode, to: tr.toShopCode }));
    if (tr.shippedAt) doc.text(t('transfer.note_shipped', { when: formatDateTimeFr(tr.shippedAt, shop.timezone) }));
    if (tr.reason) doc.text(t('transfer.note_reason', { reason: tr.reason }));
    doc.moveDown();
    tableRow(doc, COLS, [t('transfer.col_product'), t('transfer.col_lot'), t('transfer.col_expiry'), t('transfer.col_shipped'), t('transfer.col_received')], true);
    for (const l of tr.lines) {
      tableRow(doc, COLS, [l.productName, l.lotNumber, formatDateFr(l.expirationDate), String(l.quantity), l.receivedQty === null ? '______' : String(l.receivedQty)]);
    }
    doc.moveDown();
    tableRow(doc, COLS, [t('transfer.col_total'), '', '', String(tr.shippedUnits), tr.receipt ? String(tr.receipt.receivedUnits) : '______'], true);
    doc.moveDown(2).font('regular').fontSize(10);
    doc.text(t('transfer.note_signatures'), 40);
  });
}
