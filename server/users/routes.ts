import type { RequestHandler } from 'express';
import { clearSessionCookie, setSessionCookie } from '../http/session.js';
import { parse } from '../http/validate.js';
import { createUserSchema, firstPinSchema, loginSchema } from './schemas.js';
import type { UsersService } from './service.js';

export function usersRoutes(users: UsersService) {
  return {
    login: (async (req, res) => {
      const input = parse(loginSchema, req.body);
      const session = await users.login(input, req.ip ?? 'unknown');
      setSessionCookie(res, session.token, session.expiresAt);
      res.json({ user: session.user, expiresAt: session.expiresAt });
    }) satisfies RequestHandler,
    /** A first sign-in with head office's one-time code: the PIN chosen is set and the session opened. */
    firstPin: (async (req, res) => {
      const session = await users.firstPin(parse(firstPinSchema, req.body), req.ip ?? 'unknown');
      setSessionCookie(res, session.token, session.expiresAt);
      res.json({ user: session.user, expiresAt: session.expiresAt });
    }) satisfies RequestHandler,
    logout: (async (req, res) => {
      if (req.sessionToken) await users.logout(req.sessionToken);
      clearSessionCookie(res);
      res.status(204).end();
    }) satisfies RequestHandler,
    me: ((req, res) => {
      res.json({ user: req.actor });
    }) satisfies RequestHandler,
    list: (async (_req, res) => {
      res.json(await users.listUsers());
    }) satisfies RequestHandler,
    create: (async (req, res) => {
      res.status(201).json(await users.createUser(parse(createUserSchema, req.body)));
    }) satisfies RequestHandler,
  };
}
