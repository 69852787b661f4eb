import { randomBytes } from 'node:crypto';
import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import { AppError } from '../errors.js';
import { t } from '../i18n/fr.js';
import type { Logger } from '../logger.js';

export interface ErrorBody {
  error: { code: string; message: string; requestId?: string; details?: Record<string, unknown> };
}

/**
 * A client's mistake caught before our code (body-parser and its gunzip, the
 * router's percent-decoding, an HTTP layer): they carry a 4xx status.
 */
function fromHttpLayer(err: { type?: string; status?: number; statusCode?: number }): AppError | undefined {
  if (err.type === 'entity.too.large') return new AppError(413, 'body_too_large', 'error.body_too_large');
  if (err.type === 'entity.parse.failed') return new AppError(400, 'bad_json', 'error.bad_json');
  const status = err.status ?? err.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) return new AppError(status, 'bad_request', 'error.bad_request');
  return undefined;
}

/** Every request gets a short id, in the logs and in the answer's headers, so a cashier's report can be found. */
export const requestId: RequestHandler = (_req, res, next) => {
  const id = randomBytes(5).toString('hex');
  res.locals.requestId = id;
  res.set('X-Request-Id', id);
  next();
};

/** How a page (not the JSON API) shows an error; given by the app, so this layer imports no view. */
export type PageErrorRenderer = (req: Request, res: Response, status: number, message: string) => void;

/**
 * The one error pipeline: logs a failure once with its request id, never
 * shows a database error to anyone, and answers in the client's format: JSON
 * for the API, HTML for pages (an error fragment for htmx, an error page otherwise).
 */
export function errorHandler(logger: Logger, renderPage?: PageErrorRenderer): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const known = err instanceof AppError ? err : fromHttpLayer(err as { type?: string; status?: number });
    const id = res.locals.requestId as string | undefined;
    let status: number;
    let body: ErrorBody;
    if (known) {
      res.locals.errorCode = known.code; // logged once, with the request
      status = known.status;
      body = { error: { code: known.code, message: known.message } };
      if (known.details) body.error.details = known.details;
      // A throttled client is told when to come back (security/service.ts throttled()).
      if (known.status === 429 && typeof known.details?.retryAfterSeconds === 'number') res.set('Retry-After', String(known.details.retryAfterSeconds));
    } else {
      logger.error({ err, requestId: id, method: req.method, url: req.originalUrl }, 'request failed');
      status = 500;
      body = { error: { code: 'internal', message: t('error.internal_ref', { ref: id ?? '—' }), ...(id ? { requestId: id } : {}) } };
    }
    if (res.headersSent) return;
    if (renderPage && !req.path.startsWith('/api/') && req.path !== '/healthz') return renderPage(req, res, status, body.error.message);
    res.status(status).json(body);
  };
}

export const notFoundHandler: RequestHandler = (_req, _res, next) => {
  next(new AppError(404, 'not_found', 'error.not_found'));
};

export function requestLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const started = performance.now();
    res.on('finish', () => {
      const ms = +(performance.now() - started).toFixed(1);
      const code = res.locals.errorCode as string | undefined;
      logger.info({ requestId: res.locals.requestId, method: req.method, url: req.originalUrl, status: res.statusCode, ms, ...(code ? { code } : {}) }, 'request');
    });
    next();
  };
}
