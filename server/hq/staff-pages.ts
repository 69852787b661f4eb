import { randomUUID } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { formatDateTimeFr } from '../domain/dates.js';
import { idParam } from '../http/params.js';
import { actorOf } from '../http/session.js';
import { parse } from '../http/validate.js';
import { AppError, notFound } from '../errors.js';
import { t, type MessageKey } from '../i18n/fr.js';
import { onRefusal } from '../web/errors.js';
import { show, type ViewSpec } from '../web/respond.js';
import type { Views } from '../web/views.js';
import type { HqStaffService } from './staff.js';
import { createStaffSchema, staffChangeFormSchema } from './staff-schemas.js';

type Handler = (req: Request, res: Response) => Promise<void> | void;
const page = (h: Handler): RequestHandler => h as RequestHandler;
const byOf = (req: Request) => {
  const a = actorOf(req);
  return `hq:${a.name} <${a.id}>`;
};

/** Personnel: every shop's people (list, add, change role and shops, deactivate). No PIN here: PINs are set at the shop. */
export function staffPages(staff: HqStaffService, shopChoices: () => Promise<{ code: string; name: string }[]>, views: Views, timezone = 'Africa/Dakar') {
  const view = async (req: Request, data: Record<string, unknown> = {}): Promise<ViewSpec> => {
    const shops = await shopChoices();
    // Each person's form ticks the shops they work at.
    const people = (await staff.list()).map((p) => ({ ...p, shopChoices: shops.map((s) => ({ ...s, checked: p.shops.includes(s.code) })) }));
    return {
      page: 'hq-staff', fragment: 'hq/staff',
      data: { title: t('hq.nav.staff'), people, shops, canEdit: req.actor?.role === 'admin', formId: randomUUID(), form: {}, ...data },
    };
  };
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

    /**
     * A person's role and shops, set by head office (from then on its own: a shop's push no longer changes them);
     * fed to their shops, a shop left sent them inactive. The same values again change nothing, so a stray click
     * does not take a shop's person over.
     */
    change: page(async (req, res) => {
      const id = idParam(req);
      onRefusal(res, async (err) => view(req, { error: err.message, changing: id }));
      const body = req.body as Record<string, string | string[] | undefined>;
      const parsed = staffChangeFormSchema.safeParse({ role: body.role, shops: ([] as string[]).concat(body.shops ?? []) });
      if (!parsed.success) throw new AppError(400, 'validation', parsed.error.issues[0]!.message as MessageKey);
      const before = (await staff.list()).find((p) => p.id === id);
      if (!before) throw notFound('hq_staff.not_found');
      const sameShops = [...new Set(parsed.data.shops)].sort().join() === [...before.shops].sort().join();
      if (before.role === parsed.data.role && sameShops) {
        show(views, req, res, await view(req, { notice: t('hq.staff.unchanged', { name: before.name }) }));
        return;
      }
      const member = await staff.update(id, parsed.data, byOf(req));
      show(views, req, res, await view(req, { notice: t('hq.staff.changed', { name: member.name, role: t(`role.${member.role}` as MessageKey), shops: member.shops.join(', ') }) }));
    }),

    deactivate: page(async (req, res) => {
      onRefusal(res, async (err) => view(req, { error: err.message }));
      const member = await staff.deactivate(idParam(req), byOf(req));
      show(views, req, res, await view(req, { notice: t('hq.staff.deactivated', { name: member.name }) }));
    }),
  };
}
