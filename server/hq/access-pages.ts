import type { Request, RequestHandler, Response } from 'express';
import { idParam } from '../http/params.js';
import { actorOf } from '../http/session.js';
import { parse } from '../http/validate.js';
import { t } from '../i18n/fr.js';
import type { StaffService } from '../staff/service.js';
import { onRefusal } from '../web/errors.js';
import { show, type ViewSpec } from '../web/respond.js';
import type { Views } from '../web/views.js';
import type { HeadOffice } from './office.js';
import { staffLoginParam, staffPasswordSchema, staffUserSchema } from './schemas.js';

type Handler = (req: Request, res: Response) => Promise<void> | void;
const page = (h: Handler): RequestHandler => h as RequestHandler;

/** Who did it, as the audit names a person of head office. */
const byOf = (req: Request) => {
  const a = actorOf(req);
  return `hq:${a.name} <${a.id}>`;
};

/**
 * Head office's own access (Comptes, admins only): its accounts (add,
 * disable, enable, new password), their sessions (end one), the audit of
 * all that and head office's own bursts of wrong passwords and tokens; and a
 * shop's token, renewed from the shop's page.
 */
export function accessPages(office: HeadOffice, staff: StaffService, views: Views) {
  const accountsView = async (data: Record<string, unknown> = {}): Promise<ViewSpec> => ({
    page: 'hq-accounts', fragment: 'hq/accounts',
    data: {
      title: t('hq.nav.accounts'), accounts: await staff.list(), sessions: await staff.listSessions(), audit: await staff.auditLog(30),
      securityAlerts: await staff.securityAlerts(), form: {}, ...data,
    },
  });
  const login = (req: Request) => parse(staffLoginParam, req.params.login);

  return {
    accounts: page(async (req, res) => show(views, req, res, await accountsView())),

    addAccount: page(async (req, res) => {
      const { _csrf: _c, password: _p, ...form } = req.body as Record<string, string>;
      onRefusal(res, async (err) => accountsView({ error: err.message, form }));
      const input = parse(staffUserSchema, { ...form, name: form.name || form.login, password: (req.body as Record<string, string>).password });
      const user = await staff.addUser(input, byOf(req));
      show(views, req, res, await accountsView({ notice: t('hq.accounts.added', { login: user.login, role: t(`hq.role.${user.role}`) }) }));
    }),

    setActive: (active: boolean) =>
      page(async (req, res) => {
        onRefusal(res, async (err) => accountsView({ error: err.message }));
        const { user, sessionsEnded } = await staff.setActive(login(req), active, byOf(req));
        const notice = t(active ? 'hq.accounts.enabled' : 'hq.accounts.disabled', { login: user.login, n: sessionsEnded });
        show(views, req, res, await accountsView({ notice }));
      }),

    changePassword: page(async (req, res) => {
      onRefusal(res, async (err) => accountsView({ error: err.message }));
      const { password } = parse(staffPasswordSchema, req.body);
      const { user, sessionsEnded } = await staff.changePassword(login(req), password, byOf(req));
      show(views, req, res, await accountsView({ notice: t('hq.accounts.password_changed', { login: user.login, n: sessionsEnded }) }));
    }),

    endSession: page(async (req, res) => {
      onRefusal(res, async (err) => accountsView({ error: err.message }));
      await staff.endSession(idParam(req), byOf(req));
      show(views, req, res, await accountsView({ notice: t('hq.accounts.session_ended') }));
    }),

    /** A shop's new token, shown once on its page with what to do with it. */
    rotateToken: page(async (req, res) => {
      const code = String(req.params.code);
      const { token } = await office.rotateToken(code, byOf(req));
      const data = await office.shop(code);
      show(views, req, res, { page: 'hq-shop', fragment: 'hq/shop-detail', data: { title: `${data.shop.code} — ${data.shop.name}`, ...data, newToken: token } });
    }),
  };
}
