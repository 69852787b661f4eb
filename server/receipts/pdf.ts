import PDFDocument from 'pdfkit';
import QRCode from 'qrcode';
import type { ReceiptModel } from '../domain/receipt.js';
import { useFonts } from '../web/fonts.js';

const MM = 72 / 25.4;
const MARGIN = 3 * MM;

export type ReceiptWidth = 58 | 80;

interface Sizes {
  body: number;
  small: number;
  title: number;
  total: number;
  qr: number;
}

const sizes: Record<ReceiptWidth, Sizes> = {
  80: { body: 8.5, small: 7, title: 11, total: 11, qr: 22 * MM },
  58: { body: 7.5, small: 6.3, title: 9.5, total: 9.5, qr: 18 * MM },
};

/** Lays the receipt out from the top; returns where it ended. */
function draw(doc: PDFKit.PDFDocument, m: ReceiptModel, widthPt: number, s: Sizes): number {
  const inner = widthPt - 2 * MARGIN;
  const left = MARGIN;
  let y = MARGIN;
  const text = (str: string, opts: { font?: 'regular' | 'bold'; size?: number; align?: 'left' | 'center' | 'right'; gap?: number } = {}) => {
    doc.font(opts.font ?? 'regular').fontSize(opts.size ?? s.body);
    doc.text(str, left, y, { width: inner, align: opts.align ?? 'left', lineGap: 0.5 });
    y = doc.y + (opts.gap ?? 1);
  };
  const leftRight = (l: string, r: string, font: 'regular' | 'bold' = 'regular', size = s.body) => {
    doc.font(font).fontSize(size);
    const rw = doc.widthOfString(r);
    const top = y;
    doc.text(l, left, top, { width: inner - rw - 4, lineGap: 0.5 });
    const after = doc.y;
    doc.text(r, left + inner - rw, top, { width: rw + 1, lineBreak: false });
    y = Math.max(after, top + doc.currentLineHeight(true)) + 1;
  };
  const rule = () => {
    y += 2;
    doc.moveTo(left, y).lineTo(left + inner, y).lineWidth(0.5).dash(1.5, { space: 1.5 }).stroke().undash();
    y += 4;
  };

  if (m.voided) text(m.voided, { font: 'bold', size: s.title, align: 'center', gap: 3 });
  if (m.duplicate) text(m.duplicate, { font: 'bold', size: s.title, align: 'center', gap: 3 });
  text(m.shopName, { font: 'bold', size: s.title, align: 'center', gap: 2 });
  for (const l of m.shopLines) text(l, { size: s.small, align: 'center' });
  rule();
  text(m.meta[0]!, { font: 'bold' });
  for (const l of m.meta.slice(1)) text(l);
  if (m.voidedOn) text(m.voidedOn, { font: 'bold' });
  rule();
  for (const line of m.lines) {
    text(line.name, { font: 'bold', gap: 0.5 });
    leftRight(line.detail, line.amount);
    if (line.discount) leftRight(line.discount.label, line.discount.amount);
    if (line.lot) text(line.lot, { size: s.small, gap: 3 });
  }
  if (m.lines.length > 0) rule();
  if (m.itemCount) text(m.itemCount, { size: s.small });
  for (const total of m.totals) leftRight(total.label, total.amount, total.strong ? 'bold' : 'regular', total.strong ? s.total : s.body);
  if (m.payment) text(m.payment);
  for (const section of m.sections) {
    rule();
    text(section.heading, { font: 'bold', gap: 1.5 });
    for (const row of section.rows) leftRight(row.label, row.amount, row.strong ? 'bold' : 'regular');
  }
  rule();

  const qr = QRCode.create(m.code, { errorCorrectionLevel: 'M' });
  const count = qr.modules.size;
  const cell = s.qr / count;
  const x0 = left + (inner - s.qr) / 2;
  for (let r = 0; r < count; r++) {
    for (let c = 0; c < count; c++) if (qr.modules.get(r, c)) doc.rect(x0 + c * cell, y + r * cell, cell, cell);
  }
  doc.fill('black');
  y += s.qr + 2;
  text(m.code, { size: s.small, align: 'center', gap: 3 });
  for (const l of m.footer) text(l, { size: s.small, align: 'center' });
  return y + MARGIN;
}

function stamp(doc: PDFKit.PDFDocument, word: string, widthPt: number, heightPt: number, s: Sizes): void {
  // Repeated down the whole ticket, so no part of a voided sale passes for a paid one.
  const size = s.title * 3;
  // Each stamp stays inside the page: text past its foot would make pdfkit open a second page.
  for (let centre = Math.min(heightPt / 2, 150); centre + size < heightPt; centre += 300) {
    doc.save();
    doc.rotate(-60, { origin: [widthPt / 2, centre] });
    doc.font('bold').fontSize(size).fillColor('#999999', 0.45);
    doc.text(word, widthPt / 2 - 200, centre - size / 2, { width: 400, align: 'center', lineBreak: false });
    doc.restore();
  }
}

/** Pages are drawn on a page taller than any receipt; only its top, down to where the content ends, is kept. */
const TALL = 14_000;

function render(m: ReceiptModel, width: ReceiptWidth): PDFKit.PDFDocument {
  const widthPt = width * MM;
  // font: null: no Helvetica parsed from its AFM for each document (a tenth of a render); ours is set before any text.
  const doc = new PDFDocument({ size: [widthPt, TALL], margin: 0, autoFirstPage: true, font: null as unknown as string, info: { Title: m.title, Author: 'Comptoir' } });
  useFonts(doc);
  const end = Math.ceil(draw(doc, m, widthPt, sizes[width]));
  if (m.voided) stamp(doc, m.voided, widthPt, end, sizes[width]);
  // A PDF page's y axis goes up: the box from TALL − end to TALL is exactly the content. One layout pass
  // instead of two (measure, then draw again on a page of the right height): text layout is most of a render.
  (doc.page as unknown as { dictionary: { data: { MediaBox: number[] } } }).dictionary.data.MediaBox = [0, TALL - end, widthPt, TALL];
  return doc;
}

/** A PDF as long as its content. */
export async function receiptPdf(m: ReceiptModel, width: ReceiptWidth): Promise<Buffer> {
  const doc = render(m, width);
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  doc.end();
  return done;
}
