import PDFDocument from 'pdfkit';
import { useFonts } from './fonts.js';

/**
 * An A4 document (a transfer note, a count sheet) with the fonts every name
 * typed at head office needs; `draw` lays it out, the buffer comes back.
 */
export async function a4Pdf(title: string, draw: (doc: PDFKit.PDFDocument) => void): Promise<Buffer> {
  const doc = new PDFDocument({ size: 'A4', margin: 40, font: null as unknown as string, info: { Title: title, Author: 'Comptoir' } });
  useFonts(doc);
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  draw(doc);
  doc.end();
  return done;
}

/** One row of a table at these column x positions (the last column runs to the margin). */
export function tableRow(doc: PDFKit.PDFDocument, cols: readonly number[], cells: readonly string[], bold = false): void {
  if (doc.y > doc.page.height - 80) doc.addPage();
  const y = doc.y;
  doc.font(bold ? 'bold' : 'regular').fontSize(9);
  let bottom = y;
  cells.forEach((c, i) => {
    doc.text(c, cols[i]!, y, { width: (cols[i + 1] ?? 555) - cols[i]! - 6 });
    bottom = Math.max(bottom, doc.y);
  });
  doc.y = bottom + 4;
  doc.x = 40;
}
