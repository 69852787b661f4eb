import PDFDocument from 'pdfkit';
import { statementDate, statementLabel, type StatementLine } from '../domain/account-documents.js';
import type { IsoDate } from '../domain/dates.js';
import { formatFcfa } from '../domain/money.js';
import { t } from '../i18n/fr.js';
import { useFonts } from '../web/fonts.js';

export interface StatementDocument {
  shop: { name: string; lines: string[] };
  customer: { name: string; phone: string | null; creditLimit: number };
  from: IsoDate;
  to: IsoDate;
  opening: number;
  closing: number;
  lines: (StatementLine & { method?: string | null })[];
  printedOn: string;
}

// PDF's fonts take U+202F (narrow no-break space, from Intl) badly: amounts use a plain no-break space.
const money = (n: number) => formatFcfa(n).replace(/\u202f/g, '\u00a0');

/** A customer's statement for a period, on A4: opening balance, each entry with the balance after it, closing balance. */
export async function statementPdf(d: StatementDocument): Promise<Buffer> {
  const doc = new PDFDocument({ size: 'A4', margin: 50, font: null as unknown as string, info: { Title: t('credit.statement_title'), Author: 'Comptoir' } });
  useFonts(doc);
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  const left = 50;
  const width = doc.page.width - 100;
  const cols = { date: left, label: left + 70, amount: left + width - 170, balance: left + width - 80 };
  doc.font('bold').fontSize(14).text(d.shop.name, left, 50);
  doc.font('regular').fontSize(9);
  for (const l of d.shop.lines) doc.text(l);
  doc.moveDown();
  doc.font('bold').fontSize(13).text(t('credit.statement_title'));
  doc.font('regular').fontSize(10);
  doc.text(t('credit.statement_customer', { name: d.customer.name }));
  if (d.customer.phone) doc.text(t('credit.statement_phone', { phone: d.customer.phone }));
  doc.text(t('credit.statement_period', { from: statementDate(d.from), to: statementDate(d.to) }));
  doc.text(t('credit.statement_limit', { limit: money(d.customer.creditLimit) }));
  doc.moveDown();

  const row = (cells: { date: string; label: string; amount: string; balance: string }, bold = false) => {
    if (doc.y > doc.page.height - 80) doc.addPage();
    doc.font(bold ? 'bold' : 'regular').fontSize(9.5);
    const y = doc.y;
    doc.text(cells.date, cols.date, y, { width: 65, lineBreak: false });
    doc.text(cells.label, cols.label, y, { width: cols.amount - cols.label - 10 });
    const after = doc.y;
    doc.text(cells.amount, cols.amount, y, { width: 85, align: 'right', lineBreak: false });
    doc.text(cells.balance, cols.balance, y, { width: 80, align: 'right', lineBreak: false });
    doc.y = Math.max(after, y + 13) + 2;
    doc.x = left;
  };
  row({ date: t('credit.col_date'), label: t('credit.col_label'), amount: t('credit.col_amount'), balance: t('credit.col_balance') }, true);
  row({ date: statementDate(d.from), label: t('credit.statement_opening'), amount: '', balance: money(d.opening) }, true);
  for (const l of d.lines) {
    row({ date: statementDate(l.day), label: statementLabel({ ...l, method: (l.method ?? null) as never }), amount: money(l.signed), balance: money(l.balance) });
  }
  row({ date: statementDate(d.to), label: t('credit.statement_closing'), amount: '', balance: money(d.closing) }, true);
  doc.moveDown(2);
  doc.font('regular').fontSize(8).text(t('credit.statement_printed', { date: d.printedOn }), left);
  doc.end();
  return done;
}
