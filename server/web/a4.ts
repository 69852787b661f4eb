import fs from 'node:fs';
import { createRequire } from 'node:module';
import * as fontkit from 'fontkit';
import PDFDocument from 'pdfkit';

const require = createRequire(import.meta.url);
const loadFont = (file: string) => fontkit.create(fs.readFileSync(require.resolve(`dejavu-fonts-ttf/ttf/${file}`))) as fontkit.Font;
let fonts: { regular: fontkit.Font; bold: fontkit.Font } | undefined;

/**
 * An A4 document (a transfer note, a count sheet) with the fonts every name
 * typed at head office needs; `draw` lays it out, the buffer comes back.
 */
export async function a4Pdf(title: string, draw: (doc: PDFKit.PDFDocument) => void): Promise<Buffer> {
  fonts ??= { regular: loadFont('DejaVuSans.ttf'), bold: loadFont('DejaVuSans-Bold.ttf') };
  const doc = new PDFDocument({ size: 'A4', margin: 40, font: null as unknown as string, info: { Title: title, Author: 'Comptoir' } });
  doc.registerFont('regular', fonts.regular as unknown as Buffer);
  doc.registerFont('bold', fonts.bold as unknown as Buffer);
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
