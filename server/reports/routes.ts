import { Router } from 'express';
import { requireAdminToken, type TokenThrottle } from '../http/bearer.js';
import { parse } from '../http/validate.js';
import type { OwnerReports } from './office.js';
import { marginsQuerySchema, valuationQuerySchema } from './schemas.js';

/** Head office's report API, for its administrators' scripts (the accountant's export). */
export function reportsApi(reports: OwnerReports, adminTokenHash: string, tokens: TokenThrottle): Router {
  const admin = requireAdminToken(adminTokenHash, tokens);
  const r = Router();
  r.get('/reports/valuation', admin, async (req, res) => {
    res.json(await reports.valuation(parse(valuationQuerySchema, req.query)));
  });
  r.get('/reports/margins', admin, async (req, res) => {
    res.json(await reports.margins(parse(marginsQuerySchema, req.query)));
  });
  return r;
}
