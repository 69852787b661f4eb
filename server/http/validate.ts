import { z } from 'zod';
import { AppError } from '../errors.js';

z.config(z.locales.fr());

export interface FieldError {
  field: string;
  message: string;
}

function fieldName(path: PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i > 0 ? '.' : ''}${String(p)}`)).join('') || 'corps';
}

/** Parses request input; a refusal names each field in French and writes nothing. */
export function parse<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const fields: FieldError[] = result.error.issues.map((i) => ({ field: fieldName(i.path), message: i.message }));
  throw new AppError(
    400,
    'validation',
    'error.validation',
    { details: fields.map((f) => `${f.field} : ${f.message}`).join(' ; ') },
    { fields },
  );
}

/** A number typed in a form field: empty is absent; anything else goes to the schema as a number (NaN is refused there). */
export const formNumber = (v: unknown): number | undefined => (v === '' || v === undefined || v === null ? undefined : Number(v));
