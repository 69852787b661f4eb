import { formatDateFr } from '../domain/dates.js';
import { t } from '../i18n/fr.js';
import { a4Pdf, tableRow } from '../web/a4.js';

const COLS = [40, 270, 360, 440];
const BLANK_LINES = 3;

interface SheetLine {
  productName: string;
  lotNumber: string;
  expirationDate: string;
  zone?: string | null;
}

/**
 * Count sheets (A4), one section per product: its lots with an empty column
 * for the count (never the expected quantity: a sheet prefilled is a sheet
 * copied), and blank lines for lots found that are not listed. By zone, a
 * page per zone (« Sans zone » last), its products in the same sections: one
 * sheet for each person sent to a shelf.
 */
export function countSheetPdf(
  st: { number: string; scope?: { zone?: string }; lines: SheetLine[] },
  shopName: string,
  by: 'product' | 'zone' = 'product',
): Promise<Buffer> {
  const title = t('stocktake.sheet_title', { number: st.number });
  const none = t('stocktake.sheet_no_zone');
  const groups = new Map<string, SheetLine[]>();
  for (const l of st.lines) {
    const key = by === 'zone' ? (l.zone ?? none) : '';
    groups.set(key, [...(groups.get(key) ?? []), l]);
  }
  const order = [...groups.keys()].sort((a, b) => (a === none ? 1 : b === none ? -1 : a.localeCompare(b, 'fr')));
  return a4Pdf(title, (doc) => {
    order.forEach((zone, i) => {
      if (i > 0) doc.addPage();
      doc.font('bold').fontSize(16).text(title);
      doc.font('regular').fontSize(10).text(shopName);
      const named = zone || st.scope?.zone;
      if (named) doc.font('bold').fontSize(12).text(t('stocktake.sheet_zone', { zone: named }));
      doc.moveDown();
      const products = new Map<string, SheetLine[]>();
      for (const l of groups.get(zone)!) products.set(l.productName, [...(products.get(l.productName) ?? []), l]);
      for (const [name, lots] of [...products].sort(([a], [b]) => a.localeCompare(b, 'fr'))) {
        doc.moveDown(0.5);
        tableRow(doc, COLS, [name, t('transfer.col_lot'), t('transfer.col_expiry'), t('stocktake.sheet_counted')], true);
        for (const l of lots) tableRow(doc, COLS, ['', l.lotNumber, formatDateFr(l.expirationDate), '__________']);
        for (let j = 0; j < BLANK_LINES; j++) tableRow(doc, COLS, ['', '__________', '___/___/______', '__________']);
      }
      doc.moveDown(2).font('regular').fontSize(10).text(t('stocktake.sheet_signature'), 40);
    });
    if (order.length === 0) doc.font('bold').fontSize(16).text(title);
  });
}
