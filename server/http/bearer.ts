import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { AppError } from '../errors.js';

/** A shop as head office's sync endpoints know it. */
export interface TokenShop {
  id: string;
  code: string;
  name: string;
  timezone: string;
}

declare module 'express-serve-static-core' {
  interface Request {
    hqShop?: TokenShop;
  }
}

/** Tokens are kept and compared as SHA-256 hashes, never in clear. */
export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

function bearer(req: Request): string | undefined {
  const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  return m?.[1];
}

/**
 * Wrong tokens slow their client address down (given by the app: this
 * layer imports no feature). `check` refuses an address that must wait,
 * before the token is looked at; `failed` counts a wrong one.
 */
export interface TokenThrottle {
  check(client: string | undefined): Promise<void>;
  failed(client: string | undefined): Promise<void>;
}

/**
 * A shop's sync token: it may read its feed and write its own rows, nothing
 * else. A right token is never held back: shop tokens are 32 random bytes
 * made by head office (nothing to walk), and shops on 3G often share one
 * carrier-grade NAT address, where one shop left with an old token would
 * otherwise hold back the sync of every other. A wrong one waits its address's turn.
 */
export function requireShopToken(shopOfToken: (token: string) => Promise<TokenShop | undefined>, throttle: TokenThrottle): RequestHandler {
  return async (req, _res, next) => {
    const token = bearer(req);
    const shop = token ? await shopOfToken(token) : undefined;
    if (!shop) {
      await throttle.check(req.ip);
      await throttle.failed(req.ip);
      throw new AppError(401, 'bad_token', 'sync.bad_token');
    }
    req.hqShop = shop;
    next();
  };
}

/**
 * Head office administration: compared as hashes, in constant time. Its token
 * may be one a person chose (COMPTOIR_HQ_ADMIN_TOKEN): an address that waits
 * has no token looked at, the right one included.
 */
export function requireAdminToken(adminTokenHash: string, throttle: TokenThrottle): RequestHandler {
  const expected = Buffer.from(adminTokenHash, 'hex');
  return async (req, _res, next) => {
    await throttle.check(req.ip);
    const token = bearer(req);
    const given = token ? Buffer.from(hashToken(token), 'hex') : Buffer.alloc(0);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      await throttle.failed(req.ip);
      throw new AppError(401, 'bad_admin_token', 'sync.bad_admin_token');
    }
    next();
  };
}

export const shopOf = (req: Request): TokenShop => {
  if (!req.hqShop) throw new AppError(401, 'bad_token', 'sync.bad_token');
  return req.hqShop;
};

/**
 * Head office's administration token, or a shop's sync token (then
 * `req.hqShop` says which shop): for reads a shop may make of its own rows
 * only, the route refusing the rest.
 */
export function requireAdminOrShopToken(adminTokenHash: string, shopOfToken: (token: string) => Promise<TokenShop | undefined>, throttle: TokenThrottle): RequestHandler {
  const admin = requireAdminToken(adminTokenHash, throttle);
  const shop = requireShopToken(shopOfToken, throttle);
  const expected = Buffer.from(adminTokenHash, 'hex');
  return (req, res, next) => {
    const token = bearer(req);
    const given = token ? Buffer.from(hashToken(token), 'hex') : Buffer.alloc(0);
    const isAdmin = given.length === expected.length && timingSafeEqual(given, expected);
    return isAdmin ? admin(req, res, next) : shop(req, res, next);
  };
}
