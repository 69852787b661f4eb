import type { HelperDelegate } from 'handlebars';
import { formatDateFr, formatDateTimeFr } from '../../domain/dates.js';
import { formatFcfa } from '../../domain/money.js';
import { t, type MessageKey } from '../../i18n/fr.js';

/** Every helper the templates know; money and dates are formatted here and nowhere else in a view. */
export const helpers: Record<string, HelperDelegate> = {
  t: (key: MessageKey, options: { hash?: Record<string, string | number> }) => t(key, options?.hash ?? {}),
  fcfa: (n: number) => formatFcfa(Number(n)),
  date: (d: unknown) => (typeof d === 'string' ? formatDateFr(d) : ''),
  datetime: (d: Date | string | null, options: { data: { root: { timezone: string } } }) =>
    d ? formatDateTimeFr(new Date(d), options.data.root.timezone) : '',
  eq: (a: unknown, b: unknown) => a === b,
  concat: (...args: unknown[]) => args.slice(0, -1).join(''),
};
