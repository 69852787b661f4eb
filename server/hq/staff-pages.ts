import { randomUUID } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { formatDateTimeFr } from '../domain/dates.js';
import { idParam } from '../http/params.js';
import { actorOf } from '../http/session.js';
import { parse } from '../http/validate.js';
import { t } from '../i18n/fr.js';
import { onRefusal } from '../web/errors.js';
import { show, type ViewSpec } from '../web/respond.js';
import type { Views } from '../web/views.js';
import type { HqStaffService } from './staff.js';
import { createStaffSchema } from './staff-schemas.js';

type Handler = (req: Request, res: Response) => Promise<void> | void;
const page = (h: Handler): RequestHandler => h as RequestHandler;
const byOf = (req: Request) => {
  const a = actorOf(req);
  return `hq:${a.name} <${a.id}>`;
};

/** Personnel: every shop's people (list, add, deactivate). No PIN here: PINs are set at the shop. */
export function staffPages(staff: HqStaffService, shopChoices: () => Promise<{ code: string; name: string }[]>, views: Views, timezone = 'Africa/Dakar') {
  const view = async (req: Request, data: Record<string, unknown> = {}): Promise<ViewSpec> => ({
    page: 'hq-staff', fragment: 'hq/staff',
    data: { title: t('hq.nav.staff'), people: await staff.list(), shops: await shopChoices(), canEdit: req.actor?.role === 'admin', formId: randomUUID(), form: {}, ...data },
  });
  return {
    list: page(async (req, res) => show(views, req, res, await view(req))),

    /** The form carries its own id: a double submit makes one person. */
    add: page(async (req, res) => {
      const body = req.body as Record<string, string | string[] | undefined>;
      const shops = ([] as string[]).concat(body.shops ?? []);
      const form = { name: body.name, role: body.role, shops };
      onRefusal(res, async (err) => view(req, { error: err.message, form }));
      const input = parse(createStaffSchema, { id: body.id, name: body.name, role: body.role, shops });
      const { member } = await staff.create(input, byOf(req));
      show(views, req, res, await view(req, { notice: t('hq.staff.added', { name: member.name, shops: member.shops.join(', ') }) }));
    }),

    /** A one-time code for a person's first PIN at their shop: shown here once, in the answer only. */
    firstPinCode: page(async (req, res) => {
      onRefusal(res, async (err) => view(req, { error: err.message }));
      const { member, code, expiresAt } = await staff.firstPinCode(idParam(req), byOf(req));
      res.set('cache-control', 'no-store');
      show(views, req, res, await view(req, { code: t('ui.hq.staff.code_shown', { name: member.name, code, until: formatDateTimeFr(expiresAt, timezone) }) }));
    }),

    deactivate: page(async (req, res) => {
      onRefusal(res, async (err) => view(req, { error: err.message }));
      const member = await staff.deactivate(idParam(req), byOf(req));
      show(views, req, res, await view(req, { notice: t('hq.staff.deactivated', { name: member.name }) }));
    }),
  };
}
