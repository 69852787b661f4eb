import type { Request, RequestHandler, Response } from 'express';
import { formatDateFr } from '../domain/dates.js';
import { t, type MessageKey } from '../i18n/fr.js';
import { parse } from '../http/validate.js';
/** The charts' libraries, loaded on the first page that draws one (the shop's process imports this module too). */
const charts = () => import('../web/charts.js');
import { show } from '../web/respond.js';
import { sendTable, type Column } from '../web/table-export.js';
import type { Views } from '../web/views.js';
import { JOURNAL_COLUMNS, LOSS_CAUSES, type OwnerReports } from './office.js';
import { keptReportSchema, monthlyPageSchema, reportPeriodSchema, riskPageSchema, valuationPageSchema } from './schemas.js';
import { monthlyPdf, type MonthlyArchive } from './monthly.js';
import { sendPdf } from '../http/pdf.js';

type Handler = (req: Request, res: Response) => Promise<void>;
const page = (h: Handler): RequestHandler => h as RequestHandler;
const queryOf = (q: Record<string, string | undefined>) =>
  new URLSearchParams(Object.entries(q).filter((e): e is [string, string] => Boolean(e[1]))).toString();
const monthLabel = (month: string) => `${month.slice(5, 7)}/${month.slice(0, 4)}`;

/** Head office's report pages: Tableau de bord (charts), Marges, Valeur du stock, and their exports. */
export function reportPages(reports: OwnerReports, archive: MonthlyArchive, views: Views, shopChoices: () => Promise<{ code: string; name: string }[]>) {
  const periodOf = (req: Request) => {
    const q = parse(reportPeriodSchema, req.query);
    return { from: q.du, to: q.au, shop: q.boutique };
  };

  return {
    dashboard: page(async (req, res) => {
      const d = await reports.dashboard(periodOf(req));
      const { barsChart, rankingChart, stackedChart, takingsCompareChart } = await charts();
      const drawn = {
        days: takingsCompareChart(d.days, t('chart.days_title', { from: formatDateFr(d.from), to: formatDateFr(d.to) })),
        hours: barsChart(d.hours.map((h) => ({ label: String(h.hour), value: h.total })), t('chart.hours_title')),
        methods: rankingChart(d.methods.map((m) => ({ label: t(`payment.${m.method}` as MessageKey), value: m.net })), t('chart.methods_title')),
        topTakings: rankingChart(d.topByTakings.map((p) => ({ label: p.productName, value: p.takings })), t('chart.top_takings_title')),
        topMargin: rankingChart(d.topByMargin.map((p) => ({ label: p.productName, value: p.margin })), t('chart.top_margin_title')),
        expiring: barsChart(d.expiring.map((e) => ({ label: monthLabel(e.month), value: e.value })), t('chart.expiring_title')),
        stockValue: d.stockValue
          ? stackedChart(
            d.stockValue.flatMap((v) => [
              { label: formatDateFr(v.date).slice(3), series: t('report.sellable'), value: v.sellable },
              { label: formatDateFr(v.date).slice(3), series: t('report.expired'), value: v.expired },
              { label: formatDateFr(v.date).slice(3), series: t('report.blocked'), value: v.blocked },
            ]),
            [t('report.sellable'), t('report.expired'), t('report.blocked')], t('chart.stock_value_title'))
          : null,
      };
      const totalMethods = d.methods.reduce((n, m) => n + m.net, 0);
      const methods = d.methods.map((m) => ({ ...m, share: totalMethods > 0 ? Math.round((m.net * 1000) / totalMethods) / 10 : 0 }));
      const kept = d.shop ? (await archive.list(d.shop)).reports.map((r) => ({ ...r, label: monthLabel(r.month) })) : [];
      show(views, req, res, {
        page: 'hq-dashboard', fragment: 'reports/dashboard',
        data: { title: t('report.nav.dashboard'), ...d, methods, charts: drawn, kept, shops: await shopChoices() },
      });
    }),

    /** /ventes/:code/journal.csv|xlsx?du=&au=: the accountant's sales journal of one shop, streamed day by day. */
    journal: page(async (req, res) => {
      const q = parse(reportPeriodSchema, req.query);
      const j = await reports.journal({ shop: String(req.params.code), from: q.du, to: q.au });
      const columns: Column[] = JOURNAL_COLUMNS.map(([key, type]) => ({ header: t(`report.journal.col.${key}` as MessageKey), type }));
      await sendTable(req, res, { filename: `${t('report.file.journal')}-${j.shop.code}-${j.from}-${j.to}`, columns, sheets: [{ name: j.shop.code, rows: j.rows }] });
    }),

    /** /rapports/mensuel.pdf?boutique=&mois=YYYY-MM: a shop's month on A4, made on demand. */
    monthly: page(async (req, res) => {
      const q = parse(monthlyPageSchema, req.query);
      const m = await monthlyPdf(reports, { shop: q.boutique, month: q.mois });
      sendPdf(res, m.pdf, `${t('report.file.monthly')}-${m.shop.code}-${m.month}`);
    }),

    /** /rapports/archives/:code/:mois.pdf: the report kept on the night after that month ended. */
    kept: page(async (req, res) => {
      const q = parse(keptReportSchema, req.params);
      const kept = await archive.file(q.code, q.mois);
      sendPdf(res, kept.pdf, `${t('report.file.monthly')}-${kept.shop}-${kept.month}`);
    }),

    risk: page(async (req, res) => {
      const q = parse(riskPageSchema, req.query);
      const data = await reports.risk({ shop: q.boutique, deadDays: q.jours });
      const causes = LOSS_CAUSES.map((c) => t(`report.loss.${c}`));
      const { stackedChart } = await charts();
      const losses = stackedChart(
        data.losses.flatMap((l) => LOSS_CAUSES.map((c, i) => ({ label: l.label, series: causes[i]!, value: l[c].value }))), causes, t('chart.losses_title'),
      );
      show(views, req, res, { page: 'hq-risk', fragment: 'reports/risk', data: { title: t('report.nav.risk'), ...data, charts: { losses }, shops: await shopChoices() } });
    }),

    margins: page(async (req, res) => {
      const data = await reports.productMargins(periodOf(req));
      const exportQuery = queryOf({ du: data.from, au: data.to, boutique: data.shop });
      show(views, req, res, { page: 'hq-margins', fragment: 'reports/margins', data: { title: t('report.nav.margins'), ...data, exportQuery, shops: await shopChoices() } });
    }),

    /** Per shop, day and product; the spreadsheet has a sheet per shop. */
    marginsExport: page(async (req, res) => {
      const data = await reports.margins(periodOf(req));
      const columns: Column[] = [
        { header: t('hq.csv.day'), type: 'date' }, { header: t('hq.csv.shop_code'), type: 'text' }, { header: t('hq.csv.product'), type: 'text' },
        { header: t('hq.csv.sku'), type: 'text' }, { header: t('report.csv.quantity'), type: 'int' }, { header: t('report.csv.takings'), type: 'money' },
        { header: t('report.csv.cost'), type: 'money' }, { header: t('report.csv.margin'), type: 'money' }, { header: t('report.csv.unknown_cost_qty'), type: 'int' },
      ];
      const byShop = new Map<string, (string | number)[][]>();
      for (const r of data.rows) {
        const rows = byShop.get(r.shopCode) ?? [];
        rows.push([r.day, r.shopCode, r.productName, r.sku, r.quantity, r.takings, r.cost, r.margin, r.unknownCostQty]);
        byShop.set(r.shopCode, rows);
      }
      const sheets = [...byShop.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([name, rows]) => ({ name, rows }));
      await sendTable(req, res, { filename: `${t('report.file.margins')}-${data.from}-${data.to}${data.shop ? `-${data.shop}` : ''}`, columns, sheets });
    }),

    valuation: page(async (req, res) => {
      const q = parse(valuationPageSchema, req.query);
      // The chain's page shows each shop's totals only: read without its lots.
      const data = q.boutique ? await reports.valuation({ shop: q.boutique, date: q.date }) : await reports.valuationTotals({ date: q.date });
      const totals = data.shops.reduce(
        (s, v) => ({ sellable: s.sellable + v.sellable, expired: s.expired + v.expired, blocked: s.blocked + v.blocked, unknownCostQty: s.unknownCostQty + v.unknownCostQty }),
        { sellable: 0, expired: 0, blocked: 0, unknownCostQty: 0 },
      );
      const exportQuery = queryOf({ date: data.date, boutique: q.boutique });
      show(views, req, res, {
        page: 'hq-valuation', fragment: 'reports/valuation',
        data: { title: t('report.nav.valuation'), date: data.date, valuations: data.shops, shop: q.boutique, one: q.boutique ? data.shops[0] : undefined, totals, exportQuery, shops: await shopChoices() },
      });
    }),

    /** Lot by lot; the spreadsheet has a sheet per shop. */
    valuationExport: page(async (req, res) => {
      const q = parse(valuationPageSchema, req.query);
      const data = await reports.valuation({ shop: q.boutique, date: q.date });
      const columns: Column[] = [
        { header: t('hq.csv.shop_code'), type: 'text' }, { header: t('hq.csv.product'), type: 'text' }, { header: t('hq.csv.sku'), type: 'text' },
        { header: t('hq.csv.lot'), type: 'text' }, { header: t('hq.csv.expiry'), type: 'date' }, { header: t('report.csv.state'), type: 'text' },
        { header: t('hq.csv.quantity'), type: 'int' }, { header: t('hq.csv.unit_cost'), type: 'money' }, { header: t('hq.csv.value'), type: 'money' },
      ];
      const sheets = data.shops.map((s) => ({
        name: s.code,
        rows: s.lines.map((l) => [s.code, l.productName, l.sku, l.lotNumber, l.expirationDate, t(`report.state.${l.state}`), l.quantity, l.unitCost, l.value]),
      }));
      await sendTable(req, res, { filename: `${t('report.file.valuation')}-${data.date}${q.boutique ? `-${q.boutique}` : ''}`, columns, sheets });
    }),
  };
}
