import type { Request, RequestHandler, Response } from 'express';
import { parse } from '../http/validate.js';
import { t } from '../i18n/fr.js';
import { show } from '../web/respond.js';
import type { Views } from '../web/views.js';
import { hqRequisitionsPageSchema } from './schemas.js';
import type { RequisitionsAtHq } from './service.js';

type Handler = (req: Request, res: Response) => Promise<void>;
const page = (h: Handler): RequestHandler => h as RequestHandler;
/** A page shows the newest; the filters find the others. */
export const HQ_REQUISITIONS_SHOWN = 300;

/**
 * Head office's « Demandes de produits »: every shop's requisitions with the
 * shop asking, the shop asked, their state and the transfer that answered
 * them, read-only (each belongs to the shop that asked), filtered by shop and
 * state.
 */
export function requisitionsHqPages(seat: RequisitionsAtHq, shopChoices: () => Promise<{ code: string; name: string }[]>, views: Views) {
  return {
    page: page(async (req, res) => {
      const q = parse(hqRequisitionsPageSchema, req.query);
      const { rows, total } = await seat.page({ shopCode: q.boutique, state: q.statut, limit: HQ_REQUISITIONS_SHOWN });
      show(views, req, res, {
        page: 'hq-requisitions', fragment: 'requisitions/hq-requisitions',
        data: {
          title: t('ui.requisitions.title'), rows, total, truncated: total > rows.length, shops: await shopChoices(), shop: q.boutique, state: q.statut,
          states: ['open', 'answered', 'cancelled'],
        },
      });
    }),
  };
}

export type RequisitionsHqPages = ReturnType<typeof requisitionsHqPages>;
