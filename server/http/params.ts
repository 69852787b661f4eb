import type { Request } from 'express';
import { z } from 'zod';
import { notFound } from '../errors.js';

const uuid = z.uuid();

/** `:id` of the path; an id that is not a UUID names nothing, so it is a 404. */
export function idParam(req: Request, name = 'id'): string {
  const value = req.params[name];
  if (typeof value !== 'string') throw notFound();
  if (!uuid.safeParse(value).success) throw notFound();
  return value;
}
