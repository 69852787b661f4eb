import PDFDocument from 'pdfkit';
import { useFonts } from '../web/fonts.js';

/** A purchase document as printed: who sends it to whom, its table and its totals, every word already French. */
export interface PurchaseDocModel {
  title: string;
  number: string;
  shopName: string;
  date: string;
  party: { label: string; lines: string[] };
  meta: string[];
  columns: { label: string; width: number; align?: 'left' | 'right' }[];
  rows: string[][];
  totals: [string, string][];
  footer: string;
}

const A4: [number, number] = [595.28, 841.89];
const MARGIN = 40;

/** An A4 page (more when the table runs on), in the receipts' font so every accented name prints. */
export async function purchaseDocPdf(m: PurchaseDocModel): Promise<Buffer> {
  const doc = new PDFDocument({ size: A4, margin: MARGIN, font: null as unknown as string, info: { Title: `${m.title} ${m.number}`, Author: 'Comptoir' } });
  useFonts(doc);
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  const inner = A4[0] - 2 * MARGIN;
  doc.font('bold').fontSize(16).text(m.title, MARGIN, MARGIN, { width: inner });
  doc.font('regular').fontSize(11).text(`${m.number} — ${m.date}`, { width: inner });
  doc.moveDown(0.3).text(m.shopName, { width: inner });
  doc.moveDown(0.8).font('bold').text(m.party.label, { width: inner });
  doc.font('regular').fontSize(10);
  for (const l of m.party.lines.filter(Boolean)) doc.text(l, { width: inner });
  for (const l of m.meta) doc.text(l, { width: inner });
  doc.moveDown(1);

  // Column widths are fractions of the printable width.
  const widths = m.columns.map((c) => c.width * inner);
  const row = (cells: string[], font: 'regular' | 'bold') => {
    doc.font(font).fontSize(8.5);
    const heights = cells.map((c, i) => doc.heightOfString(c, { width: widths[i]! - 4 }));
    const h = Math.max(...heights) + 4;
    if (doc.y + h > A4[1] - MARGIN) doc.addPage();
    const top = doc.y;
    let x = MARGIN;
    cells.forEach((c, i) => {
      doc.text(c, x + 2, top + 2, { width: widths[i]! - 4, align: m.columns[i]!.align ?? 'left' });
      x += widths[i]!;
    });
    doc.moveTo(MARGIN, top + h).lineTo(MARGIN + inner, top + h).lineWidth(0.4).stroke();
    doc.x = MARGIN;
    doc.y = top + h;
  };
  row(m.columns.map((c) => c.label), 'bold');
  for (const r of m.rows) row(r, 'regular');
  doc.moveDown(1);
  for (const [label, value] of m.totals) {
    doc.font('bold').fontSize(11).text(`${label} : ${value}`, MARGIN, doc.y, { width: inner, align: 'right' });
  }
  doc.moveDown(2).font('regular').fontSize(9).text(m.footer, MARGIN, doc.y, { width: inner });
  doc.end();
  return done;
}
