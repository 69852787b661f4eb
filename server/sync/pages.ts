import type { RequestHandler } from 'express';
import { parse } from '../http/validate.js';
import { reviewSchema } from '../hq/schemas.js';
import { t } from '../i18n/fr.js';
import { redirect, show } from '../web/respond.js';
import { onRefusal } from '../web/errors.js';
import type { Services } from '../services.js';
import type { Db } from '../db/pool.js';
import { settingsData } from '../shops/pages.js';
import type { Views } from '../web/views.js';
import type { SyncService } from './service.js';
import { z } from 'zod';

const PER_PAGE = 50;
const pageSchema = z.object({ page: z.coerce.number().int().min(1).max(1000).optional().default(1) });

/** Paramètres: Actualiser les données (pull) or Synchroniser maintenant (push then pull), then the panel. */
export function syncNowPage(s: Services, views: Views, deps: { db: Db }) {
  return {
    syncNow: (which: 'pull' | 'run'): RequestHandler => async (req, res) => {
      // The message sits beside the panel, not in it: the live redraw of the panel after the pull must not erase it.
      const withMessage = async (message: string | undefined, error = false) => ({
        page: 'settings', fragment: 'sync/panel', data: { ...(await settingsData(s, deps)), message, error }, oob: [{ fragment: 'sync/message', data: { message, error } }],
      });
      onRefusal(res, (err) => withMessage(err.message, true));
      s.sync.assertConfigured();
      const message = await (which === 'pull' ? s.sync.pullNow({ force: true }) : s.sync.runNow({ force: true }))
        .then(() => t('ui.sync.done'))
        .catch(() => undefined);
      // A failure is said in the panel itself (push and pull each with its error).
      show(views, req, res, await withMessage(message));
    },
  };
}

/** Paramètres → Conflits: the shop's own conflict log, each row a French sentence; a manager marks rows as read. */
export function conflictPages(sync: SyncService, views: Views) {
  return {
    list: (async (req, res) => {
      const { page } = parse(pageSchema, req.query);
      const rows = await sync.conflicts(PER_PAGE + 1, (page - 1) * PER_PAGE);
      const isManager = req.actor ? ['manager', 'admin'].includes(req.actor.role) : false;
      show(views, req, res, {
        page: 'conflicts', fragment: 'conflicts/list',
        data: {
          title: t('ui.settings.conflicts'), conflicts: rows.slice(0, PER_PAGE), nextQuery: rows.length > PER_PAGE ? `page=${page + 1}` : undefined,
          action: '/parametres/conflits/revus', canReview: isManager, showShop: false,
        },
      });
    }) satisfies RequestHandler,

    review: (async (req, res) => {
      const { ids } = parse(reviewSchema, req.body);
      await sync.reviewConflicts(ids);
      redirect(req, res, '/parametres/conflits');
    }) satisfies RequestHandler,
  };
}
