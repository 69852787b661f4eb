import { Router } from 'express';
import { requireAdminToken, type TokenThrottle } from '../http/bearer.js';
import { parse } from '../http/validate.js';
import type { OwnerReports } from './office.js';
import type { MonthlyArchive } from './monthly.js';
import { sendPdf } from '../http/pdf.js';
import { t } from '../i18n/fr.js';
import { keptListSchema, keptReportSchema, marginsQuerySchema, valuationQuerySchema } from './schemas.js';

/** Head office's report API, for its administrators' scripts (the accountant's export). */
export function reportsApi(reports: OwnerReports, archive: MonthlyArchive, adminTokenHash: string, tokens: TokenThrottle): Router {
  const admin = requireAdminToken(adminTokenHash, tokens);
  const r = Router();
  r.get('/reports/valuation', admin, async (req, res) => {
    res.json(await reports.valuation(parse(valuationQuerySchema, req.query)));
  });
  r.get('/reports/margins', admin, async (req, res) => {
    res.json(await reports.margins(parse(marginsQuerySchema, req.query)));
  });
  r.get('/reports/monthly', admin, async (req, res) => {
    res.json(await archive.list(parse(keptListSchema, req.query).shop));
  });
  r.get('/reports/monthly/:code/:mois', admin, async (req, res) => {
    const q = parse(keptReportSchema, req.params);
    const kept = await archive.file(q.code, q.mois);
    sendPdf(res, kept.pdf, `${t('report.file.monthly')}-${kept.shop}-${kept.month}`);
  });
  return r;
}
