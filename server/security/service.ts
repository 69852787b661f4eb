import type { ShopContext } from '../context.js';
import type { Db, Queryable, Tx } from '../db/pool.js';
import { addressKey, levelAt, POLICIES, shouldAlert, take, waitText, type Policy } from '../domain/backoff.js';
import { AppError } from '../errors.js';
import { t, type MessageKey } from '../i18n/fr.js';
import { newId } from '../ids.js';
import type { Logger } from '../logger.js';
import { stampTransaction } from '../outbox/clock.js';
import { appendOutbox } from '../outbox/queries.js';
import {
  auditLog, blockedUntil, insertAlert, latestAlerts, insertAudit, lockThrottleRows, purgeStaleThrottle, recentAlerts, saveThrottleRow, alertCountsByShop,
  type AlertKind, type AlertScope, type SecurityAlert, type ThrottleRow,
} from './queries.js';

/** One counter an attempt is counted under, and how a burst of it is told. */
export interface Bucket {
  subject: string;
  policy: Policy;
  alert: { kind: AlertKind; scope: AlertScope; label: string };
}

export interface Attempt {
  /** The secret was wrong: the attempt stays counted everywhere, and a burst is told. */
  failed(): Promise<void>;
  /**
   * The secret was right: this attempt is given back, and the subjects in
   * `forgive` (the account's own counters, never an address's or the shop's,
   * whose failures are nobody's in particular) start again from nothing.
   */
  succeeded(forgive?: readonly string[]): Promise<void>;
}

export interface SecurityDeps {
  db: Db;
  logger: Logger;
  now: () => Date;
  /** At a shop: its alerts go to head office through the outbox. Head office's own have none. */
  shop?: ShopContext | undefined;
}

/** The same refusal for every subject, whoever it names: "wait", with how long. */
export function throttled(until: Date, now: Date): AppError {
  const ms = until.getTime() - now.getTime();
  const w = waitText(ms);
  const wait = t(w.unit === 's' ? 'auth.wait_seconds' : 'auth.wait_minutes', { n: w.value });
  return new AppError(429, 'locked', 'auth.throttled', { wait }, { retryAfterSeconds: Math.max(1, Math.ceil(ms / 1000)) });
}

/** Which burst an alert names when one wrong secret starts several: the whole shop first, then a person, then an address. */
const SCOPE_ORDER: readonly AlertScope[] = ['shop', 'approval', 'account', 'address'];

export type AlertView = SecurityAlert & { message: string };

export const describeAlert = (a: SecurityAlert): AlertView => ({
  ...a,
  message: t(`security.alert.${a.kind}.${a.scope}` as MessageKey, { n: a.failures, subject: a.subject }),
});

/**
 * Wrong secrets (PINs, passwords, tokens): counted per subject with an
 * exponential backoff (domain/backoff.ts), bursts told to the manager and to
 * head office; and the audit of who revoked or changed what.
 */
export function securityService({ db, logger, now, shop }: SecurityDeps) {
  const log = logger.child({ component: 'security' });

  async function raise(tx: Tx, b: Bucket, row: ThrottleRow, at: Date): Promise<SecurityAlert> {
    const alert: SecurityAlert = {
      id: newId(), shopId: shop?.id ?? null, kind: b.alert.kind, scope: b.alert.scope, subject: b.alert.label.slice(0, 200),
      failures: row.failures, since: row.burstSince ?? at, createdAt: at, receivedAt: shop ? null : at, hlc: null,
    };
    if (shop) {
      alert.hlc = await stampTransaction(tx, at);
      await appendOutbox(tx, [{
        entity: 'security_alert', entityId: alert.id, op: 'insert', hlc: alert.hlc,
        payload: { id: alert.id, shopId: shop.id, kind: alert.kind, scope: alert.scope, subject: alert.subject, failures: alert.failures, since: alert.since.toISOString(), createdAt: at.toISOString() },
      }]);
    }
    await insertAlert(tx, alert);
    return alert;
  }

  return {
    /**
     * Takes one attempt under every bucket at once, before the secret is
     * checked: refused unchecked (429, the same answer whatever the subject)
     * while any of them waits.
     */
    async attempt(buckets: readonly Bucket[]): Promise<Attempt> {
      const at = now();
      const subjects = buckets.map((b) => b.subject);
      const refusedUntil = await db.withTransaction(async (tx) => {
        const rows = await lockThrottleRows(tx, subjects);
        const taken = buckets.map((b) => ({ b, row: rows.get(b.subject)!, r: take(rows.get(b.subject)!, at, b.policy) }));
        const refused = taken.flatMap(({ r }) => (r.allowed ? [] : [r.until]));
        if (refused.length > 0) return new Date(Math.max(...refused.map((d) => d.getTime())));
        for (const { row, r } of taken) {
          if (!r.allowed) continue;
          await saveThrottleRow(tx, {
            ...row, level: r.level, updatedAt: at, blockedUntil: r.blockedUntil,
            ...(r.fresh ? { failures: 0, burstSince: at } : {}),
          });
        }
        return undefined;
      });
      if (refusedUntil) throw throttled(refusedUntil, at);

      return {
        async failed() {
          const raised = await db.withTransaction(async (tx) => {
            const rows = await lockThrottleRows(tx, subjects);
            const next = buckets.map((b) => ({ b, row: { ...rows.get(b.subject)!, failures: rows.get(b.subject)!.failures + 1 } }));
            const due = next.filter(({ b, row }) => shouldAlert(levelAt(row, at, b.policy), row.alertedAt, at, b.policy));
            // One alert per wrong secret, for the widest burst it belongs to; the others count as told.
            const told = [...due].sort((x, y) => SCOPE_ORDER.indexOf(x.b.alert.scope) - SCOPE_ORDER.indexOf(y.b.alert.scope))[0];
            for (const d of due) d.row.alertedAt = at;
            for (const { row } of next) await saveThrottleRow(tx, row);
            return told ? await raise(tx, told.b, told.row, at) : undefined;
          });
          if (raised) log.warn({ kind: raised.kind, scope: raised.scope, subject: raised.subject, failures: raised.failures, since: raised.since }, 'burst of wrong secrets');
        },

        async succeeded(forgive: readonly string[] = []) {
          await db.withTransaction(async (tx) => {
            const rows = await lockThrottleRows(tx, [...subjects, ...forgive], false);
            for (const b of buckets) {
              const row = rows.get(b.subject);
              if (row && !forgive.includes(b.subject)) await saveThrottleRow(tx, { ...row, level: Math.max(0, levelAt(row, at, b.policy) - 1), updatedAt: at });
            }
            for (const subject of forgive) {
              const row = rows.get(subject);
              if (row) await saveThrottleRow(tx, { ...row, level: 0, updatedAt: at, blockedUntil: null, failures: 0, burstSince: null });
            }
          });
          await purgeStaleThrottle(db, at);
        },
      };
    },

    /**
     * For secrets nobody can guess (tokens): a look before (one read, no
     * lock, on every sync request), a count only when the secret was wrong.
     */
    async refuseIfWaiting(bucket: Bucket): Promise<void> {
      const at = now();
      const until = await blockedUntil(db, bucket.subject);
      if (until && until > at) throw throttled(until, at);
    },

    async countFailure(bucket: Bucket): Promise<void> {
      const at = now();
      const raised = await db.withTransaction(async (tx) => {
        const row = (await lockThrottleRows(tx, [bucket.subject])).get(bucket.subject)!;
        const r = take({ ...row, blockedUntil: null }, at, bucket.policy);
        if (!r.allowed) return undefined;
        const next: ThrottleRow = {
          ...row, level: r.level, updatedAt: at, blockedUntil: r.blockedUntil ?? row.blockedUntil,
          failures: (r.fresh ? 0 : row.failures) + 1, burstSince: r.fresh ? at : row.burstSince,
        };
        const alert = shouldAlert(r.level, row.alertedAt, at, bucket.policy) ? await raise(tx, bucket, { ...next, alertedAt: at }, at) : undefined;
        await saveThrottleRow(tx, alert ? { ...next, alertedAt: at } : next);
        return alert;
      });
      if (raised) log.warn({ kind: raised.kind, scope: raised.scope, subject: raised.subject, failures: raised.failures }, 'burst of wrong secrets');
    },

    /** The last week's bursts here (a shop's own, or head office's), as sentences. */
    async recentAlerts(days = 7, limit = 20): Promise<AlertView[]> {
      const since = new Date(now().getTime() - days * 86_400_000);
      return (await recentAlerts(db, { shopId: shop?.id ?? null, since, limit })).map(describeAlert);
    },

    /** Head office: one shop's alerts as received. */
    async alertsOfShop(shopId: string, days = 7, limit = 20): Promise<AlertView[]> {
      const since = new Date(now().getTime() - days * 86_400_000);
      return (await recentAlerts(db, { shopId, since, limit })).map(describeAlert);
    },

    /** Head office: the chain's latest alerts (shops' and its own). */
    async latestAlerts(days = 7, limit = 10): Promise<AlertView[]> {
      return (await latestAlerts(db, new Date(now().getTime() - days * 86_400_000), limit)).map(describeAlert);
    },

    /** Head office: how many alerts each shop sent in the last days. */
    alertCounts: (days = 7) => alertCountsByShop(db, new Date(now().getTime() - days * 86_400_000)),

    /** Who changed access to what: one durable row (in the change's own transaction when given one) and one log line. */
    async audit(q: Queryable, e: { actor: string; action: string; target: string; detail?: Record<string, unknown> }): Promise<void> {
      await insertAudit(q, { id: newId(), at: now(), actor: e.actor, action: e.action, target: e.target, detail: e.detail ?? {} });
      log.info({ audit: { actor: e.actor, action: e.action, target: e.target, ...(e.detail ? { detail: e.detail } : {}) } }, 'access changed');
    },

    auditLog: (limit = 50) => auditLog(db, limit),
  };
}

export type SecurityService = ReturnType<typeof securityService>;

/** Bearer tokens (a shop's, head office's admin) as http/bearer.ts counts them: per client address. */
export function tokenThrottle(security: SecurityService) {
  const bucket = (client: string | undefined): Bucket => {
    const address = addressKey(client);
    return { subject: `token:addr:${address}`, policy: POLICIES.tokenAddress, alert: { kind: 'token', scope: 'address', label: address } };
  };
  return {
    check: (client: string | undefined) => security.refuseIfWaiting(bucket(client)),
    failed: (client: string | undefined) => security.countFailure(bucket(client)),
  };
}
