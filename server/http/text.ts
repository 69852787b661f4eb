import type { RequestHandler } from 'express';
import { AppError } from '../errors.js';

// NUL, and a UTF-16 half without its other half: PostgreSQL refuses both (text and jsonb), which would be a 500.
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function unstorable(value: unknown, path: string, depth = 0): string | undefined {
  if (typeof value === 'string') return UNSTORABLE.test(value) ? path || 'corps' : undefined;
  if (depth > 20 || value === null || typeof value !== 'object') return undefined;
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    const here = Array.isArray(value) ? `${path}[${key}]` : path ? `${path}.${key}` : key;
    if (UNSTORABLE.test(key)) return here;
    const bad = unstorable(v, here, depth + 1);
    if (bad !== undefined) return bad;
  }
  return undefined;
}

/**
 * Text that cannot be stored is refused at the edge, in every body and query
 * string, with a 422 that names the field: nothing past this point meets it.
 */
export const refuseUnstorableText: RequestHandler = (req, _res, next) => {
  const field = unstorable(req.body, '') ?? unstorable(req.query, '');
  if (field !== undefined) throw new AppError(422, 'bad_text', 'error.bad_text', { field });
  next();
};
