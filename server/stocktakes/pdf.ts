import { formatDateFr } from '../domain/dates.js';
import { t } from '../i18n/fr.js';
import { a4Pdf, tableRow } from '../web/a4.js';

const COLS = [40, 270, 360, 440];
const BLANK_LINES = 3;

/**
 * Count sheets (A4), one section per product: its lots with an empty column
 * for the count (never the expected quantity: a sheet prefilled is a sheet
 * copied), and blank lines for lots found that are not listed.
 */
export function countSheetPdf(st: { number: string; lines: { productName: string; lotNumber: string; expirationDate: string }[] }, shopName: string): Promise<Buffer> {
  const title = t('stocktake.sheet_title', { number: st.number });
  return a4Pdf(title, (doc) => {
    doc.font('bold').fontSize(16).text(title);
    doc.font('regular').fontSize(10).text(shopName);
    doc.moveDown();
    const products = new Map<string, typeof st.lines>();
    for (const l of st.lines) products.set(l.productName, [...(products.get(l.productName) ?? []), l]);
    for (const [name, lots] of [...products].sort(([a], [b]) => a.localeCompare(b, 'fr'))) {
      doc.moveDown(0.5);
      tableRow(doc, COLS, [name, t('transfer.col_lot'), t('transfer.col_expiry'), t('stocktake.sheet_counted')], true);
      for (const l of lots) tableRow(doc, COLS, ['', l.lotNumber, formatDateFr(l.expirationDate), '__________']);
      for (let i = 0; i < BLANK_LINES; i++) tableRow(doc, COLS, ['', '__________', '___/___/______', '__________']);
    }
    doc.moveDown(2).font('regular').fontSize(10).text(t('stocktake.sheet_signature'), 40);
  });
}
