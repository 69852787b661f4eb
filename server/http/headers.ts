import type { RequestHandler, Response } from 'express';

/**
 * The pages load only what the server itself serves (htmx, its ws extension,
 * till.js and app.css from /assets): no inline script or style, no eval (htmx
 * is configured with allowEval false and without its injected indicator
 * style), the live socket on the same origin, and no other site may frame them.
 */
export const PAGE_CSP = [
  "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self'", "font-src 'self'", "connect-src 'self'",
  "object-src 'none'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
].join('; ');

/**
 * Every answer: never sniffed into another type, never framed, no address
 * (with its query: shop codes, product searches) sent to another site. Pages
 * also carry the CSP; the JSON API and the PDFs it serves do not need it.
 */
export const securityHeaders: RequestHandler = (req, res, next) => {
  res.set({ 'X-Content-Type-Options': 'nosniff', 'X-Frame-Options': 'DENY', 'Referrer-Policy': 'same-origin' });
  if (!req.path.startsWith('/api/')) res.set('Content-Security-Policy', PAGE_CSP);
  next();
};

declare module 'express-serve-static-core' {
  interface Request {
    /** The request reached us over TLS (see `transportSecurity`). */
    overHttps?: boolean;
  }
}

/**
 * Whether a request came over TLS. Node serves plain HTTP here, behind a TLS
 * proxy (Caddy): either PUBLIC_URL is https (every user comes that way), or a
 * proxy named in TRUST_PROXY said so in X-Forwarded-Proto (Express's
 * `req.secure` believes that header from those proxies only). Such a request
 * gets HSTS, and its cookies are Secure.
 */
export function transportSecurity(publicUrl: string | undefined): RequestHandler {
  const alwaysHttps = publicUrl?.startsWith('https:') ?? false;
  return (req, res, next) => {
    req.overHttps = alwaysHttps || req.secure;
    if (req.overHttps) res.set('Strict-Transport-Security', 'max-age=31536000');
    next();
  };
}

/** Cookies a request sets are Secure when it came over TLS. */
export const secureCookie = (res: Response): boolean => res.req.overHttps === true;
