import type { Request, RequestHandler, Response } from 'express';
import { actorOf } from '../http/session.js';
import { idParam } from '../http/params.js';
import { t } from '../i18n/fr.js';
import { formatDateTimeFr } from '../domain/dates.js';
import { shown } from '../domain/conflict-text.js';
import { onRefusal } from '../web/errors.js';
import { show, type ViewSpec } from '../web/respond.js';
import type { Views } from '../web/views.js';
import type { HeldValuesService } from './held-values.js';

type Handler = (req: Request, res: Response) => Promise<void> | void;
const page = (h: Handler): RequestHandler => h as RequestHandler;

/** « Valeurs retenues »: values held for a far-future clock; the due ones are applied as the page is read. */
export function heldPages(held: HeldValuesService, views: Views, timezone: string) {
  const view = async (req: Request, data: Record<string, unknown> = {}): Promise<ViewSpec> => {
    const all = req.query.tout === '1';
    const values = (await held.list({ all })).map((v) => ({
      ...v,
      valueText: shown(v.field, v.value),
      fieldText: t(`conflict.field.${v.field}` as Parameters<typeof t>[0]).startsWith('conflict.field.') ? v.field : t(`conflict.field.${v.field}` as Parameters<typeof t>[0]),
      entityText: t(`ui.entity.${v.entity}` as Parameters<typeof t>[0]),
      statusText: t(`hq.held_values.status.${v.status}` as Parameters<typeof t>[0]),
      decidedText: v.decidedAt ? t('hq.held_values.decided_by', { status: t(`hq.held_values.status.${v.status}` as Parameters<typeof t>[0]), at: formatDateTimeFr(v.decidedAt, timezone), by: v.decidedBy ?? '—' }) : '',
    }));
    return { page: 'hq-held-values', fragment: 'hq/held-values', data: { title: t('hq.nav.held_values'), values, all, canEdit: req.actor?.role === 'admin', ...data } };
  };
  const by = (req: Request) => {
    const a = actorOf(req);
    return `hq:${a.name} <${a.id}>`;
  };
  return {
    list: page(async (req, res) => show(views, req, res, await view(req))),
    accept: page(async (req, res) => {
      onRefusal(res, async (err) => view(req, { error: err.message }));
      await held.accept(idParam(req), by(req));
      show(views, req, res, await view(req, { notice: t('hq.held_values.accepted') }));
    }),
    discard: page(async (req, res) => {
      onRefusal(res, async (err) => view(req, { error: err.message }));
      await held.discard(idParam(req), by(req));
      show(views, req, res, await view(req, { notice: t('hq.held_values.discarded') }));
    }),
  };
}
