import type { ErrorRequestHandler, Response } from 'express';
import { AppError } from '../errors.js';
import { show, type ViewSpec } from './respond.js';
import type { Views } from './views.js';

/** A page route names what to show if the service refuses: the same fragment, with the message next to it. */
export function onRefusal(res: Response, spec: (err: AppError) => Promise<ViewSpec> | ViewSpec): void {
  res.locals.onRefusal = spec;
}

/**
 * Refusals on pages re-render the route's fragment (422 for bad input, else
 * the error's own status; htmx is configured to swap 4xx). Anything else goes
 * on to the one error pipeline.
 */
export function pageErrorHandler(views: Views): ErrorRequestHandler {
  return async (err, req, res, next) => {
    const render = res.locals.onRefusal as ((e: AppError) => Promise<ViewSpec> | ViewSpec) | undefined;
    if (!(err instanceof AppError) || !render) return next(err);
    try {
      res.locals.errorCode = err.code;
      show(views, req, res, await render(err), err.status === 400 ? 422 : err.status);
    } catch (renderErr) {
      next(renderErr);
    }
  };
}
