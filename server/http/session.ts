import type { Request, RequestHandler, Response } from 'express';
import type { Actor } from '../context.js';
import { hasRole, type StaffRole, type UserRole } from '../domain/roles.js';
import { AppError } from '../errors.js';
import { cookieValue } from './cookies.js';
import { secureCookie } from './headers.js';

export const SESSION_COOKIE = 'comptoir_session';
/** Head office's people have a cookie of their own: a demo's shop and head office on one host (other ports) share cookies. */
export const STAFF_COOKIE = 'comptoir_siege';

declare module 'express-serve-static-core' {
  interface Request {
    actor?: Actor;
    sessionToken?: string;
  }
}

const cookie = (req: Request, name: string): string | undefined => cookieValue(req.headers.cookie, name);

/** The till's terminal (poste): kept by its browser, named when its drawer is opened. */
export const TERMINAL_COOKIE = 'comptoir_poste';

/** The terminal a request comes from: its cookie, or a script's `X-Comptoir-Poste` header. */
export function terminalOf(req: Request): string | undefined {
  const named = cookie(req, TERMINAL_COOKIE) ?? req.get('x-comptoir-poste');
  const clean = named?.trim().slice(0, 40);
  return clean || undefined;
}

export function setTerminalCookie(res: Response, terminal: string): void {
  res.cookie(TERMINAL_COOKIE, terminal, { httpOnly: true, sameSite: 'strict', path: '/', maxAge: 400 * 24 * 3_600_000, secure: secureCookie(res) });
}

export function setSessionCookie(res: Response, token: string, expiresAt: Date, name = SESSION_COOKIE): void {
  res.cookie(name, token, { httpOnly: true, sameSite: 'strict', path: '/', expires: expiresAt, secure: secureCookie(res) });
}

export function clearSessionCookie(res: Response, name = SESSION_COOKIE): void {
  res.clearCookie(name, { httpOnly: true, sameSite: 'strict', path: '/', secure: secureCookie(res) });
}

/** Finds the user behind the session cookie, if any; refusing is left to `requireUser`. */
export function loadSession(userOfSession: (token: string) => Promise<Actor | undefined>, name = SESSION_COOKIE): RequestHandler {
  return async (req, _res, next) => {
    const token = cookie(req, name);
    if (token) {
      const user = await userOfSession(token);
      if (user) {
        req.actor = { id: user.id, name: user.name, role: user.role };
        req.sessionToken = token;
      }
    }
    next();
  };
}

export const requireUser: RequestHandler = (req, _res, next) => {
  if (!req.actor) throw new AppError(401, 'unauthenticated', 'error.unauthenticated');
  next();
};

export function requireRole(role: UserRole | StaffRole): RequestHandler {
  return (req, _res, next) => {
    if (!req.actor) throw new AppError(401, 'unauthenticated', 'error.unauthenticated');
    if (!hasRole(req.actor.role, role)) throw new AppError(403, 'forbidden', 'error.forbidden_role');
    next();
  };
}

/**
 * Cross-site request forgery: the cookie is SameSite=Strict, and a state
 * change whose Origin names another host is refused.
 */
export const sameOrigin: RequestHandler = (req, _res, next) => {
  if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return next();
  const origin = req.headers.origin;
  if (origin && origin !== 'null') {
    let host: string | undefined;
    try {
      host = new URL(origin).host;
    } catch {
      host = undefined;
    }
    if (host !== req.headers.host) throw new AppError(403, 'csrf', 'error.csrf');
  } else if (origin === 'null') {
    throw new AppError(403, 'csrf', 'error.csrf');
  }
  next();
};

export const actorOf = (req: Request): Actor => {
  if (!req.actor) throw new AppError(401, 'unauthenticated', 'error.unauthenticated');
  return req.actor;
};
