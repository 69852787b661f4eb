import type { RequestHandler } from 'express';
import { loginSchema } from './schemas.js';
import { parse } from '../http/validate.js';
import { clearSessionCookie, setSessionCookie } from '../http/session.js';
import { t } from '../i18n/fr.js';
import type { Services } from '../services.js';
import { onRefusal } from '../web/errors.js';
import { redirect, show } from '../web/respond.js';
import type { Views } from '../web/views.js';
import { createUserSchema, firstPinSchema, setPinSchema } from './schemas.js';
import { idParam } from '../http/params.js';
import { settingsData } from '../shops/pages.js';
import type { ShopContext } from '../context.js';
import type { Db } from '../db/pool.js';

const digits = ['1', '2', '3', '4', '5', '6', '7', '8', '9'];

/** Connexion (a PIN pad for mouse, touch and keyboard), and Paramètres → Utilisateurs. */
export function userPages(s: Services, views: Views, deps: { db: Db; shop: ShopContext; now: () => Date }) {
  const form = (error?: string) => ({ page: 'login', fragment: 'users/login-form', layout: 'bare' as const, data: { title: t('ui.login.title'), digits, error } });
  const codeForm = (error?: string) => ({ page: 'login-code', fragment: 'users/code-form', layout: 'bare' as const, data: { title: t('ui.login.code_title'), error } });
  return {
    page: ((req, res) => {
      if (req.actor) return redirect(req, res, '/caisse');
      show(views, req, res, form(), 200);
    }) satisfies RequestHandler,

    login: (async (req, res) => {
      onRefusal(res, (err) => form(err.message));
      const input = parse(loginSchema, req.body);
      const session = await s.users.login(input, req.ip ?? 'unknown');
      setSessionCookie(res, session.token, session.expiresAt);
      redirect(req, res, '/caisse');
    }) satisfies RequestHandler,

    /** Première connexion: head office's one-time code and the PIN the person chooses. */
    codePage: ((req, res) => {
      if (req.actor) return redirect(req, res, '/caisse');
      show(views, req, res, codeForm(), 200);
    }) satisfies RequestHandler,

    codeLogin: (async (req, res) => {
      onRefusal(res, (err) => codeForm(err.message));
      const body = req.body as Record<string, unknown>;
      const input = parse(firstPinSchema, { code: body.code, pin: body.pin });
      const session = await s.users.firstPin(input, req.ip ?? 'unknown');
      setSessionCookie(res, session.token, session.expiresAt);
      redirect(req, res, '/caisse');
    }) satisfies RequestHandler,

    logout: (async (req, res) => {
      if (req.sessionToken) await s.users.logout(req.sessionToken);
      clearSessionCookie(res);
      redirect(req, res, '/connexion');
    }) satisfies RequestHandler,
    addUser: (async (req, res) => {
      onRefusal(res, async (err) => ({ page: 'settings', fragment: 'users/list', data: { ...(await settingsData(s, deps)), error: err.message } }));
      const { _csrf: _c, ...body } = req.body as Record<string, unknown>;
      const user = await s.users.createUser(parse(createUserSchema, body));
      show(views, req, res, { page: 'settings', fragment: 'users/list', data: { ...(await settingsData(s, deps)), created: t('ui.settings.user_created', { name: user.name }) } });
    }) satisfies RequestHandler,
    /** The first PIN of a person head office made; the manager's act is audited as any PIN change. */
    setPin: (async (req, res) => {
      onRefusal(res, async (err) => ({ page: 'settings', fragment: 'users/list', data: { ...(await settingsData(s, deps)), error: err.message } }));
      const { pin } = parse(setPinSchema, { pin: (req.body as Record<string, unknown>).pin });
      const { user } = await s.users.changePin(idParam(req), pin, req.actor!.name);
      show(views, req, res, { page: 'settings', fragment: 'users/list', data: { ...(await settingsData(s, deps)), created: t('ui.settings.pin_set', { name: user.name }) } });
    }) satisfies RequestHandler,
  };
}
