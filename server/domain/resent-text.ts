import { t, type MessageKey } from '../i18n/fr.js';

/** What a nightly run resent, in French, per entity: « 12 vente(s), 3 session(s) de caisse ». Empty when nothing was. */
export function describeResent(resent: Readonly<Record<string, number>> | null | undefined, order: readonly string[] = []): string {
  // In the order given (dependency order), the others after: jsonb keeps no order of its own.
  const rank = (e: string) => (order.includes(e) ? order.indexOf(e) : order.length);
  const parts = Object.entries(resent ?? {})
    .filter(([, n]) => n > 0)
    .sort(([a], [b]) => rank(a) - rank(b) || (a < b ? -1 : 1))
    .map(([entity, n]) => {
      const key = `sync.entity.${entity}` as MessageKey;
      const text = t(key, { n });
      return text === key ? t('sync.entity.other', { n, entity }) : text;
    });
  return parts.length > 0 ? t('sync.resent', { list: parts.join(', ') }) : '';
}
