import type { RequestHandler } from 'express';
import { loginSchema } from '../../users/schemas.js';
import { parse } from '../../http/validate.js';
import { clearSessionCookie, setSessionCookie } from '../../http/session.js';
import { t } from '../../i18n/fr.js';
import type { Services } from '../../services.js';
import { onRefusal } from '../errors.js';
import { redirect, show } from '../respond.js';
import type { Views } from '../views.js';

const digits = ['1', '2', '3', '4', '5', '6', '7', '8', '9'];

/** Connexion: a PIN pad for mouse, touch and keyboard. */
export function authPages(s: Services, views: Views) {
  const form = (error?: string) => ({ page: 'login', fragment: 'login-form', layout: 'bare' as const, data: { title: t('ui.login.title'), digits, error } });
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

    logout: (async (req, res) => {
      if (req.sessionToken) await s.users.logout(req.sessionToken);
      clearSessionCookie(res);
      redirect(req, res, '/connexion');
    }) satisfies RequestHandler,
  };
}
