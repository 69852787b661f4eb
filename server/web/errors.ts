import type { ErrorRequestHandler, Request, Response } from 'express';
import { AppError } from '../errors.js';
import { t } from '../i18n/fr.js';
import { assetVersion, htmxVersion } from './context.js';
import { show, wantsFragment, type ViewSpec } from './respond.js';
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

/**
 * The HTML face of the one error pipeline, for refusals no route has a
 * fragment for (a bad link, a malformed form, a failure): htmx gets the
 * message in the page's alert area and swaps nothing else; a browser gets an
 * error page. The status stays the error's own.
 */
export function renderErrorPage(views: Views) {
  return (req: Request, res: Response, status: number, message: string): void => {
    res.vary('HX-Request');
    if (wantsFragment(req)) {
      res.status(status).set('HX-Reswap', 'none').type('html').send(views.fragment('flash', { message, oob: true }));
      return;
    }
    const common = (res.locals.common as Record<string, unknown> | undefined) ?? { assetVersion, htmxVersion };
    res.status(status).type('html').send(views.page('error', { ...common, title: t('ui.error.title'), message }, 'bare'));
  };
}
