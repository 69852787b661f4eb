import { t, type MessageKey } from '../i18n/fr.js';
import { formatDateFr } from './dates.js';
import { formatFcfa } from './money.js';

export interface ConflictFacts {
  entity: string;
  field: string | null;
  localValue: unknown;
  remoteValue: unknown;
  localNode: string | null;
  remoteNode: string | null;
  winner: string;
  reason: string;
}

const MONEY = new Set(['unitPrice', 'unitCost', 'tendered', 'total', 'change', 'lineTotal']);
const label = (field: string) => {
  const text = t(`conflict.field.${field}` as MessageKey);
  return text.startsWith('conflict.field.') ? field : text;
};
const nodeName = (node: string | null) => (node === 'HQ' ? t('conflict.hq') : node ? t('conflict.shop', { code: node }) : '—');

/** A value as a person reads it: 1 250 FCFA, 31/03/2027, oui/non, « text ». */
export function shown(field: string | null, v: unknown): string {
  if (v === null || v === undefined) return t('conflict.empty');
  if (field && MONEY.has(field) && typeof v === 'number') return formatFcfa(v);
  if (typeof v === 'boolean') return t(v ? 'conflict.yes' : 'conflict.no');
  if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v)) return formatDateFr(v);
  if (field === 'status' && typeof v === 'string') return t(`conflict.status.${v}` as MessageKey);
  if (field === 'paymentMethod' && typeof v === 'string') return t(`payment.${v}` as MessageKey);
  if (typeof v === 'object') return Object.entries(v as Record<string, unknown>).map(([k, x]) => `${label(k)} ${shown(k, x)}`).join(', ');
  return `« ${String(v)} »`;
}

/**
 * One French sentence saying what was kept, what was discarded and why, for
 * a row of the conflict log, as the two ends logged it.
 */
export function describeConflict(c: ConflictFacts): string {
  const kept = c.winner === 'remote' ? c.remoteValue : c.localValue;
  const lost = c.winner === 'remote' ? c.localValue : c.remoteValue;
  const keptBy = nodeName(c.winner === 'remote' ? c.remoteNode : c.localNode);
  const lostBy = nodeName(c.winner === 'remote' ? c.localNode : c.remoteNode);
  const field = (c.field ?? '').split(',').filter(Boolean).map(label).join(', ');
  const key = `conflict.reason.${c.reason}` as MessageKey;
  return t(key, {
    entity: t(`ui.entity.${c.entity}` as MessageKey), field, kept: shown(c.field, kept), lost: shown(c.field, lost), keptBy, lostBy,
    local: shown(c.field, c.localValue), remote: shown(c.field, c.remoteValue), remoteNode: nodeName(c.remoteNode), localNode: nodeName(c.localNode),
  });
}
