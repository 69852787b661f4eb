import fs from 'node:fs';
import { createRequire } from 'node:module';
import * as fontkit from 'fontkit';
import PDFDocument from 'pdfkit';
import { formatDateFr, formatDateTimeFr } from '../domain/dates.js';
import { t } from '../i18n/fr.js';
import type { TransferView } from './service.js';

const require = createRequire(import.meta.url);
const loadFont = (file: string) => fontkit.create(fs.readFileSync(require.resolve(`dejavu-fonts-ttf/ttf/${file}`))) as fontkit.Font;
let fonts: { regular: fontkit.Font; bold: fontkit.Font } | undefined;

/**
 * The transfer note (A4) that travels with the boxes: lines of lots and
 * quantities, a column for what arrived, and room for both signatures.
 */
export async function transferNotePdf(tr: TransferView, shop: { name: string; code: string; timezone: string }): Promise<Buffer> {
  fonts ??= { regular: loadFont('DejaVuSans.ttf'), bold: loadFont('DejaVuSans-Bold.ttf') };
  const doc = new PDFDocument({ size: 'A4', margin: 40, font: null as unknown as string, info: { Title: t('transfer.note_title', { number: tr.number }), Author: 'Comptoir' } });
  doc.registerFont('regular', fonts.regular as unknown as Buffer);
  doc.registerFont('bold', fonts.bold as unknown as Buffer);
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  doc.font('bold').fontSize(16).text(t('transfer.note_title', { number: tr.number }));
  doc.moveDown(0.5).font('regular').fontSize(10);
  doc.text(t('transfer.note_from_to', { from: tr.direction === 'out' ? `${shop.name} (${shop.code})` : tr.shopCode, to: tr.toShopCode }));
  if (tr.shippedAt) doc.text(t('transfer.note_shipped', { when: formatDateTimeFr(tr.shippedAt, shop.timezone) }));
  if (tr.reason) doc.text(t('transfer.note_reason', { reason: tr.reason }));
  doc.moveDown();
  const cols = [40, 250, 340, 420, 480];
  const row = (cells: string[], bold = false) => {
    const y = doc.y;
    doc.font(bold ? 'bold' : 'regular').fontSize(9);
    cells.forEach((c, i) => doc.text(c, cols[i]!, y, { width: (cols[i + 1] ?? 555) - cols[i]! - 6 }));
    doc.moveDown(0.6);
    doc.x = 40;
  };
  row([t('transfer.col_product'), t('transfer.col_lot'), t('transfer.col_expiry'), t('transfer.col_shipped'), t('transfer.col_received')], true);
  for (const l of tr.lines) {
    row([l.productName, l.lotNumber, formatDateFr(l.expirationDate), String(l.quantity), l.receivedQty === null ? '______' : String(l.receivedQty)]);
  }
  doc.moveDown();
  row([t('transfer.col_total'), '', '', String(tr.shippedUnits), tr.receipt ? String(tr.receipt.receivedUnits) : '______'], true);
  doc.moveDown(2).font('regular').fontSize(10);
  doc.text(t('transfer.note_signatures'), 40);
  doc.end();
  return done;
}
