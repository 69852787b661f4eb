import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Request, RequestHandler } from 'express';
import type { ShopContext } from '../context.js';
import { hasRole, READ_RULES } from '../domain/roles.js';
import { AppError } from '../errors.js';
import type { Services } from '../services.js';
import { sessionHash } from '../users/service.js';
import { redirect, wantsFragment } from './respond.js';

const require = createRequire(import.meta.url);
export const htmxVersion = (require('htmx.org/package.json') as { version: string }).version;
export const wsVersion = (require('htmx-ext-ws/package.json') as { version: string }).version;
// Changes whenever the program does, so tills fetch new CSS and JS after an update.
export const assetVersion = createHash('sha256').update(`${process.pid}:${Date.now()}`).digest('hex').slice(0, 8);

/** The form token of a session: derived from its secret token, so it needs no storage. */
export const csrfToken = (sessionToken: string) => createHash('sha256').update(`csrf:${sessionToken}`).digest('base64url').slice(0, 32);

export const sessionOf = (req: Request): string => {
  if (!req.sessionToken) throw new AppError(401, 'unauthenticated', 'error.unauthenticated');
  return sessionHash(req.sessionToken);
};

/** Pages need a session: without one, back to Connexion (htmx follows HX-Redirect). */
export const requirePageUser: RequestHandler = (req, res, next) => {
  if (!req.actor) return redirect(req, res, '/connexion');
  next();
};

/**
 * Forms are protected twice: the session cookie is SameSite=Strict, and every
 * state change carries the session's token (htmx header or hidden field).
 */
export const checkCsrf: RequestHandler = (req, _res, next) => {
  if (req.method === 'GET' || req.method === 'HEAD' || !req.sessionToken) return next();
  const given = req.get('X-CSRF-Token') ?? (req.body as Record<string, unknown> | undefined)?._csrf;
  if (given !== csrfToken(req.sessionToken)) throw new AppError(403, 'csrf', 'error.csrf');
  next();
};

/** What every page's layout shows: who, the sync badge, asset versions. */
export function pageContext(services: Services, shop: ShopContext): RequestHandler {
  return async (req, res, next) => {
    const nav = req.path.split('/')[1] || 'caisse';
    res.locals.common = {
      nav,
      currentUrl: encodeURIComponent(req.originalUrl),
      user: req.actor,
      csrf: req.sessionToken ? csrfToken(req.sessionToken) : '',
      // The badge is in the layout: a fragment (every scan, every cart change) does not need it.
      sync: req.actor && !wantsFragment(req) ? await services.sync.status() : undefined,
      timezone: shop.timezone,
      shopName: shop.name,
      assetVersion,
      htmxVersion,
      wsVersion,
      isManager: req.actor ? ['manager', 'admin'].includes(req.actor.role) : false,
      // A link shows only what its page lets this role read (domain/roles.ts, the rule both routing tables follow).
      mayReadConflicts: req.actor ? hasRole(req.actor.role, READ_RULES.conflicts) : false,
    };
    next();
  };
}

/** Head office's layout: who, the section, asset versions; no till, no live socket. */
export function hqPageContext(timezone: string): RequestHandler {
  return (req, res, next) => {
    res.locals.common = {
      nav: req.path.split('/')[1] || 'boutiques',
      user: req.actor,
      csrf: req.sessionToken ? csrfToken(req.sessionToken) : '',
      timezone,
      assetVersion,
      htmxVersion,
      isAdmin: req.actor?.role === 'admin',
      currentUrl: req.originalUrl,
      layout: 'hq',
    };
    next();
  };
}
