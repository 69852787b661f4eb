/**
 * A shop's monthly report as an A4 PDF in French: pdfkit lays out the
 * figures, svg-to-pdfkit draws the very SVG charts the pages show (vector,
 * so they print sharp). DejaVu Sans, as the receipts, for every name typed.
 */
import PDFDocument from 'pdfkit';
import SVGtoPDF from 'svg-to-pdfkit';
import { formatDateFr } from '../domain/dates.js';
import { formatFcfa } from '../domain/money.js';
import { t, type MessageKey } from '../i18n/fr.js';
import { useFonts } from '../web/fonts.js';

export interface MonthlyReport {
  shop: { code: string; name: string };
  month: string;
  from: string;
  to: string;
  takings: { gross: number; refunds: number; net: number; sales: number; returns: number; methods: { method: string; net: number }[] };
  margin: { takings: number; cost: number; margin: number; unknownCostQty: number };
  stock: { date: string; sellable: number; expired: number; blocked: number; unknownCostQty: number };
  losses: { cause: string; units: number; value: number }[];
  topProducts: { productName: string; takings: number; margin: number; quantityLabel: string; marginPerBox: number | null; box: { word: string } | null }[];
  charts: { days: string; top: string };
}

const A4 = { width: 595.28, height: 841.89 };
const MARGIN = 42;

export function monthlyReportPdf(r: MonthlyReport): Promise<Buffer> {
  const doc = new PDFDocument({ size: 'A4', margin: MARGIN, info: { Title: t('report.monthly.title', { shop: r.shop.code, month: monthFr(r.month) }), Author: 'Comptoir' } });
  useFonts(doc);
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve) => doc.on('end', () => resolve(Buffer.concat(chunks))));
  const width = A4.width - 2 * MARGIN;

  const heading = (s: string) => doc.moveDown(0.6).font('bold').fontSize(12).text(s, MARGIN, doc.y, { width }).moveDown(0.2);
  const row = (label: string, value: string, bold = false) => {
    const y = doc.y;
    doc.font(bold ? 'bold' : 'regular').fontSize(10).text(label, MARGIN, y, { width: width - 160 });
    const after = doc.y;
    doc.text(value, MARGIN + width - 160, y, { width: 160, align: 'right' });
    doc.y = Math.max(after, doc.y);
    doc.x = MARGIN;
  };
  const chart = (svg: string, height: number) => {
    if (doc.y + height > A4.height - MARGIN) doc.addPage();
    SVGtoPDF(doc, svg, MARGIN, doc.y, { width, height, preserveAspectRatio: 'xMinYMin meet', fontCallback: () => 'regular' });
    doc.y += height + 6;
  };

  doc.font('bold').fontSize(16).text(t('report.monthly.title', { shop: `${r.shop.code} — ${r.shop.name}`, month: monthFr(r.month) }));
  doc.font('regular').fontSize(9).fillColor('#444').text(t('report.monthly.period', { from: formatDateFr(r.from), to: formatDateFr(r.to) })).fillColor('black');

  heading(t('report.monthly.takings'));
  row(t('report.monthly.gross', { n: r.takings.sales }), formatFcfa(r.takings.gross));
  row(t('report.monthly.refunds', { n: r.takings.returns }), `− ${formatFcfa(r.takings.refunds)}`);
  row(t('report.monthly.net'), formatFcfa(r.takings.net), true);
  for (const m of r.takings.methods) row(`   ${t(`payment.${m.method}` as MessageKey)}`, formatFcfa(m.net));

  heading(t('report.monthly.margin'));
  row(t('report.col.takings'), formatFcfa(r.margin.takings));
  row(t('report.col.cost'), formatFcfa(r.margin.cost));
  row(t('report.col.margin'), formatFcfa(r.margin.margin), true);
  if (r.margin.unknownCostQty > 0) row(t('report.unknown_cost_units', { n: r.margin.unknownCostQty }), '');

  heading(t('report.monthly.stock', { date: formatDateFr(r.stock.date) }));
  row(t('report.sellable'), formatFcfa(r.stock.sellable));
  row(t('report.expired'), formatFcfa(r.stock.expired));
  row(t('report.blocked'), formatFcfa(r.stock.blocked));
  if (r.stock.unknownCostQty > 0) row(t('report.unknown_cost_units', { n: r.stock.unknownCostQty }), '');

  heading(t('report.monthly.losses'));
  for (const l of r.losses) row(`${l.cause} (${l.units})`, formatFcfa(l.value));

  if (r.topProducts.length > 0) {
    heading(t('report.monthly.top_table'));
    for (const p of r.topProducts) {
      const perBox = p.box && p.marginPerBox !== null ? ` (${t('report.per_pack', { amount: formatFcfa(p.marginPerBox), pack: p.box.word })})` : '';
      row(`${p.productName} — ${p.quantityLabel}`, `${formatFcfa(p.margin)}${perBox}`);
    }
  }

  heading(t('report.monthly.not_kept'));
  doc.font('regular').fontSize(9).text(t('report.monthly.not_kept_text'), MARGIN, doc.y, { width });

  doc.addPage();
  heading(t('chart.days_title', { from: formatDateFr(r.from), to: formatDateFr(r.to) }));
  chart(r.charts.days, 230);
  heading(t('report.monthly.top'));
  chart(r.charts.top, Math.min(420, 40 + r.topProducts.length * 22));
  doc.end();
  return done;
}

/** 2026-12 → 12/2026 */
export const monthFr = (month: string) => `${month.slice(5, 7)}/${month.slice(0, 4)}`;
