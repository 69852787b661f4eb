/**
 * The monthly report as a file: made on demand from the live figures, and
 * kept at head office on the night after each shop's month ends, so the
 * owner and the accountant find later the very file of that night.
 */
import type { Db } from '../db/pool.js';
import { dateInZone, formatDateFr } from '../domain/dates.js';
import { notFound } from '../errors.js';
import { t } from '../i18n/fr.js';
import type { Logger } from '../logger.js';
import type { OwnerReports } from './office.js';
import { keepMonthlyReport, monthlyReportDue, monthlyReportPdfOf, monthlyReportsOf } from './queries.js';
import { monthOf } from './service.js';

/** A shop's month (the current one up to today) as its A4 PDF, with the charts the pages draw. */
export async function monthlyPdf(reports: OwnerReports, q: { shop: string; month?: string | undefined }) {
  const m = await reports.monthly(q);
  // Loaded on first use: the charts' libraries and pdfkit weigh megabytes a shop's process never needs.
  const { rankingChart, takingsCompareChart } = await import('../web/charts.js');
  const { monthlyReportPdf } = await import('./monthly-pdf.js');
  const pdf = await monthlyReportPdf({
    ...m,
    charts: {
      days: takingsCompareChart(m.days, t('chart.days_title', { from: formatDateFr(m.from), to: formatDateFr(m.to) })),
      top: rankingChart(m.topProducts.map((p) => ({ label: p.productName, value: p.takings })), t('report.monthly.top')),
    },
  });
  return { shop: m.shop, month: m.month, pdf };
}

/** The reports head office keeps: the night job's side and the pages' side. */
export function monthlyArchive({ db, reports, logger, now }: { db: Db; reports: OwnerReports; logger: Logger; now: () => Date }) {
  const log = logger.child({ component: 'monthly-reports' });
  return {
    /**
     * Each shop's last month, by its own calendar, unless kept already or
     * the shop was registered after it: run every night, so a first night
     * missed (head office off) is made up the next, and a second run, or one
     * after a restart, writes nothing.
     */
    async keepDue(): Promise<{ made: { shop: string; month: string }[] }> {
      const made: { shop: string; month: string }[] = [];
      for (const shop of await reports.shops()) {
        const month = monthOf(dateInZone(now(), shop.timezone), -1);
        if (!(await monthlyReportDue(db, { shopId: shop.id, month, timezone: shop.timezone }))) continue;
        try {
          const { pdf } = await monthlyPdf(reports, { shop: shop.code, month });
          if (await keepMonthlyReport(db, { shopId: shop.id, month, pdf, madeAt: now() })) made.push({ shop: shop.code, month });
        } catch (err) {
          // One shop's failure must not cost the others their report; the next night tries it again.
          log.warn({ err, shop: shop.code, month }, 'monthly report could not be made');
        }
      }
      if (made.length > 0) log.info({ made }, 'monthly reports kept');
      return { made };
    },

    /** A shop's kept reports, newest month first. */
    async list(code: string) {
      const shop = await reports.shopByCode(code);
      return { shop: shop.code, reports: await monthlyReportsOf(db, shop.id) };
    },

    /** The kept file, or a 404 in French. */
    async file(code: string, month: string) {
      const shop = await reports.shopByCode(code);
      const pdf = await monthlyReportPdfOf(db, shop.id, month);
      if (!pdf) throw notFound('report.archive.not_found', { shop: shop.code, month: `${month.slice(5, 7)}/${month.slice(0, 4)}` });
      return { shop: shop.code, month, pdf };
    },
  };
}

export type MonthlyArchive = ReturnType<typeof monthlyArchive>;
