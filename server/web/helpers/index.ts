import type { HelperDelegate } from 'handlebars';
import { formatDateFr, formatDateTimeFr, formatDuration } from '../../domain/dates.js';
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
  lt: (a: unknown, b: unknown) => typeof a === typeof b && (a as number) < (b as number),
  list: (...args: unknown[]) => args.slice(0, -1),
  /** 3 j 4 h, 2 h 05 min, 12 min, 40 s: how long something has waited. */
  duration: (seconds: number | null) => (seconds === null || seconds === undefined ? '—' : formatDuration(Number(seconds))),
  /** A clock's offset from head office's: +2 min 05 s ahead, −40 s behind. */
  skew: (ms: number | null) => (ms === null || ms === undefined ? '—' : `${Number(ms) < 0 ? '−' : '+'}${formatDuration(Math.round(Math.abs(Number(ms)) / 1000))}`),
};
