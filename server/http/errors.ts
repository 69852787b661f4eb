import type { ErrorRequestHandler, RequestHandler } from 'express';
import { AppError } from '../errors.js';
import { t } from '../i18n/fr.js';
import type { Logger } from '../logger.js';

export interface ErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

/** Errors of body-parser (and of its gunzip) are the client's fault, not ours: they say so with `expose`. */
function fromBodyParser(err: { type?: string; status?: number; expose?: boolean }): AppError | undefined {
  if (err.type === 'entity.too.large') return new AppError(413, 'body_too_large', 'error.body_too_large');
  if (err.type === 'entity.parse.failed') return new AppError(400, 'bad_json', 'error.bad_json');
  if ((err.type || err.expose) && err.status && err.status >= 400 && err.status < 500) return new AppError(err.status, 'bad_request', 'error.bad_json');
  return undefined;
}

/** The one error pipeline: logs once, never shows a database error to a user. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const known = err instanceof AppError ? err : fromBodyParser(err as { type?: string; status?: number; expose?: boolean });
    if (known) {
      res.locals.errorCode = known.code; // logged once, with the request
      const body: ErrorBody = { error: { code: known.code, message: known.message } };
      if (known.details) body.error.details = known.details;
      res.status(known.status).json(body);
      return;
    }
    logger.error({ err, method: req.method, url: req.originalUrl }, 'request failed');
    if (res.headersSent) return;
    res.status(500).json({ error: { code: 'internal', message: t('error.internal') } } satisfies ErrorBody);
  };
}

export const notFoundHandler: RequestHandler = (_req, res) => {
  res.status(404).json({ error: { code: 'not_found', message: t('error.not_found') } } satisfies ErrorBody);
};

export function requestLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const started = performance.now();
    res.on('finish', () => {
      const ms = +(performance.now() - started).toFixed(1);
      const code = res.locals.errorCode as string | undefined;
      logger.info({ method: req.method, url: req.originalUrl, status: res.statusCode, ms, ...(code ? { code } : {}) }, 'request');
    });
    next();
  };
}
