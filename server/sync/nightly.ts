import type { Deps } from '../context.js';
import { recentDays } from '../domain/digest.js';
import { AppError } from '../errors.js';
import { currentClock } from '../outbox/clock.js';
import type { ResendQuery, Unit } from '../outbox/coverage.js';
import { appendOutbox, refusedEntityIds, type OutboxEntry } from '../outbox/queries.js';
import { expiryScan, ledgerCheck } from '../stock/reconcile.js';
import { dateInZone } from '../domain/dates.js';
import { hqClient } from './client.js';
import { COVERED, coverageOf, digestsOf } from './coverage.js';
import { lastNightly, recordNightly, type NightlyResult } from './queries.js';
import type { SyncService } from './service.js';

// A resent transaction stays well under a push's size limits: head office applies each in one savepoint.
const ENTRIES_PER_TRANSACTION = 150;

const keyOf = (entity: string, id: string) => `${entity}:${id}`;

/**
 * The nightly reconciliation, the shop's side (design.md §5): drain the
 * outbox, pull, then compare the last 30 days with head office by digests of
 * every covered entity (server/sync/coverage.ts); what differs is sent again
 * (idempotent at head office: rows by id), then compared once more. Also the
 * ledger check and the expiry scan.
 */
export function nightlyService({ db, logger, shop, now, hq }: Pick<Deps, 'db' | 'logger' | 'shop' | 'now' | 'hq'>, sync: SyncService) {
  const log = logger.child({ component: 'nightly' });
  const client = hq ? hqClient(hq, 120_000) : undefined;

  /**
   * The differing entities of each day into the outbox again, in dependency
   * order, each row after the parents it names (a product before its lot, a
   * lot before its movements, a session before its sales), each parent once.
   * Rows head office refused and that wait for a person (`sync refused`) are
   * not queued again, nor what names them: sent each night, they would be
   * refused each night. Returns the rows queued, per entity.
   */
  async function resend(differing: readonly { day: string; entities: readonly string[] }[]): Promise<Record<string, number>> {
    const setAside = await refusedEntityIds(db);
    const ownClock = await currentClock(db);
    const waits = (u: Unit) => setAside.has(u.id) || u.needs.some((n) => setAside.has(n.id)) || u.entries.some((e) => setAside.has(e.entityId));
    const queued = new Set<string>();
    /** Parents fetched so far (null: not the shop's to send, or set aside). */
    const parents = new Map<string, Unit | null>();

    async function fetchParents(units: readonly Unit[], q: ResendQuery): Promise<void> {
      const wanted = new Map<string, Set<string>>();
      for (const u of units) {
        for (const n of u.needs) {
          if (parents.has(keyOf(n.entity, n.id)) || queued.has(keyOf(n.entity, n.id))) continue;
          wanted.set(n.entity, (wanted.get(n.entity) ?? new Set()).add(n.id));
        }
      }
      const found: Unit[] = [];
      for (const [entity, ids] of wanted) {
        const byIds = coverageOf(entity)?.byIds;
        for (const id of ids) parents.set(keyOf(entity, id), null);
        if (!byIds) continue;
        for (const p of await byIds(db, q, [...ids])) {
          if (waits(p)) continue;
          parents.set(keyOf(p.entity, p.id), p);
          found.push(p);
        }
      }
      if (found.length > 0) await fetchParents(found, q);
    }

    /** The unit's entries after those of its parents not queued yet, depth first. */
    function withParents(u: Unit): OutboxEntry[] {
      queued.add(keyOf(u.entity, u.id));
      const before: OutboxEntry[] = [];
      for (const n of u.needs) {
        const p = parents.get(keyOf(n.entity, n.id));
        if (p && !queued.has(keyOf(p.entity, p.id))) before.push(...withParents(p));
      }
      return [...before, ...u.entries];
    }

    const transactions: OutboxEntry[][] = [];
    let current: OutboxEntry[] = [];
    for (const { day, entities } of differing) {
      const q = { shopId: shop.id, timezone: shop.timezone, day, node: shop.code, ownClock };
      for (const c of COVERED) {
        if (!c.ofDay || !entities.includes(c.entity)) continue;
        const units = (await c.ofDay(db, q)).filter((u) => !waits(u));
        await fetchParents(units, q);
        for (const u of units) {
          if (queued.has(keyOf(u.entity, u.id))) continue;
          current.push(...withParents(u));
          if (current.length >= ENTRIES_PER_TRANSACTION) {
            transactions.push(current);
            current = [];
          }
        }
      }
    }
    if (current.length > 0) transactions.push(current);
    // Rows, not entries: a voided sale is one sale resent (its insert and its void).
    const rows = new Map<string, Set<string>>();
    for (const entries of transactions) {
      await db.withTransaction((tx) => appendOutbox(tx, entries));
      for (const e of entries) {
        // A big stocktake's later counts are the same stocktake, resent once.
        const entity = e.entity === 'stocktake_counts' ? 'stocktake' : e.entity;
        rows.set(entity, (rows.get(entity) ?? new Set()).add(e.entityId));
      }
    }
    return Object.fromEntries([...rows].map(([entity, ids]) => [entity, ids.size]));
  }

  /**
   * Pushes until the outbox is empty or stuck; another push under way is
   * waited for. Returns how many changes head office refused: set aside, they
   * never fail the run (one row must not stop a night's reconciliation).
   */
  async function drain(): Promise<number> {
    for (let attempt = 0; attempt < 30; attempt++) {
      const r = await sync.pushNow({ force: true });
      if (r.skipped !== 'busy') return r.refused ?? 0;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    return 0;
  }

  const service = {
    last: () => lastNightly(db),

    /** The ledger check and the expiry scan: local, they run even when head office cannot be reached. */
    async localChecks() {
      const ledger = await ledgerCheck(db, { shopId: shop.id, node: shop.code });
      if (ledger.drifted > 0) log.warn({ ...ledger }, 'ledger check: lots whose quantity is not the sum of their movements');
      const raised = await expiryScan(db, { shopId: shop.id, today: dateInZone(now(), shop.timezone) });
      if (raised.length > 0) log.info({ raised: raised.length }, 'expiry alerts raised');
      return { ledgerDrift: ledger.drifted, expiryAlerts: raised.length };
    },

    /** What the 02:00 job does: the whole reconciliation with a head office, the local checks without one. */
    scheduled: () => (client ? service.run() : service.localChecks()),

    async run(): Promise<NightlyResult & { ledgerDrift: number; expiryAlerts: number; differing: string[]; rowsRefused: number }> {
      const at = now();
      const checks = await service.localChecks();
      if (!client) throw new AppError(409, 'sync_not_configured', 'sync.not_configured');
      const days = recentDays(at, shop.timezone);
      try {
        let rowsRefused = await drain();
        await sync.pullNow({ force: true });
        const first = await client.digest({ days: await digestsOf(db, shop, days, 'shop') });
        const resent = await resend(first.entities ?? first.differing.map((day) => ({ day, entities: COVERED.map((c) => c.entity) })));
        const rowsResent = Object.values(resent).reduce((a, b) => a + b, 0);
        if (rowsResent > 0) rowsRefused += await drain();
        const second = await client.digest({ days: await digestsOf(db, shop, days, 'shop'), report: { daysChecked: days.length, rowsResent, resent } });
        const result: NightlyResult = { at, daysChecked: days.length, rowsResent, resent, mismatches: second.differing.length, error: null };
        await recordNightly(db, result);
        const level = second.differing.length > 0 ? 'warn' : 'info';
        log[level]({ daysChecked: days.length, differing: first.entities ?? first.differing, resent, rowsRefused, left: second.entities ?? second.differing }, 'nightly reconciliation done');
        return { ...result, ...checks, differing: second.differing, rowsRefused };
      } catch (err) {
        const message = (err as Error).message;
        await recordNightly(db, { at, daysChecked: 0, rowsResent: 0, resent: {}, mismatches: 0, error: message });
        log.warn({ err }, 'nightly reconciliation failed');
        throw err;
      }
    },
  };
  return service;
}

export type NightlyService = ReturnType<typeof nightlyService>;
