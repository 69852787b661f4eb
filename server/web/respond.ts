import type { Request, Response } from 'express';
import type { Views } from './views.js';

/**
 * htmx asks for a fragment; a reload, a bookmark, a history restore or a
 * boosted link asks for the whole page. One helper decides, from the headers.
 */
export function wantsFragment(req: Request): boolean {
  return req.get('HX-Request') === 'true' && req.get('HX-History-Restore-Request') !== 'true' && req.get('HX-Boosted') !== 'true';
}

export interface ViewSpec {
  page: string;
  fragment: string;
  data: Record<string, unknown>;
  layout?: 'main' | 'bare' | 'hq';
  /** Partials sent with a fragment, out of band (each rendered with its `oob` flag); a whole page has them already. */
  oob?: { fragment: string; data: Record<string, unknown> }[];
}

export function show(views: Views, req: Request, res: Response, spec: ViewSpec, status = 200): void {
  res.vary('HX-Request');
  const data = { ...res.locals.common, ...spec.data };
  const html = wantsFragment(req)
    ? [views.fragment(spec.fragment, data), ...(spec.oob ?? []).map((o) => views.fragment(o.fragment, { ...res.locals.common, ...o.data, oob: true }))].join('\n')
    : views.page(spec.page, data, spec.layout ?? (data as { layout?: string }).layout);
  res.status(status).type('html').send(html);
}

/** After a change, htmx follows HX-Redirect; a plain form post gets a 303. */
export function redirect(req: Request, res: Response, to: string): void {
  if (req.get('HX-Request') === 'true') res.set('HX-Redirect', to).status(204).end();
  else res.redirect(303, to);
}
