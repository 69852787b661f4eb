import type { Deps } from '../context.js';
import { assembleDigests, recentDays, type DayDigest } from '../domain/digest.js';
import { AppError } from '../errors.js';
import { currentClock } from '../outbox/clock.js';
import { appendOutbox, refusedEntityIds, type OutboxEntry } from '../outbox/queries.js';
import { saleDigests, salesToResend } from '../sales/reconcile.js';
import { expiryScan, ledgerCheck, movementDigests, movementEntry, movementsToResend } from '../stock/reconcile.js';
import { dateInZone } from '../domain/dates.js';
import { hqClient } from './client.js';
import { lastNightly, recordNightly, type NightlyResult } from './queries.js';
import type { SyncService } from './service.js';

// A resent transaction stays well under a push's size limits: head office applies each in one savepoint.
const SALES_PER_TRANSACTION = 40;
const MOVEMENTS_PER_TRANSACTION = 150;

const partition = <T>(xs: readonly T[], keep: (x: T) => boolean): [T[], T[]] => [xs.filter(keep), xs.filter((x) => !keep(x))];

/**
 * The nightly reconciliation, the shop's side (design.md §5): drain the
 * outbox, pull, then compare the last 30 days with head office by digests;
 * the days that differ are sent again (idempotent at head office: rows by
 * id), then compared once more. Also the ledger check and the expiry scan.
 */
export function nightlyService({ db, logger, shop, now, hq }: Pick<Deps, 'db' | 'logger' | 'shop' | 'now' | 'hq'>, sync: SyncService) {
  const log = logger.child({ component: 'nightly' });
  const client = hq ? hqClient(hq, 120_000) : undefined;

  async function digestsOf(days: readonly string[]): Promise<DayDigest[]> {
    const q = { shopId: shop.id, timezone: shop.timezone, from: days[0]!, to: days.at(-1)! };
    const { sales, items } = await saleDigests(db, q);
    return assembleDigests(days, sales, items, await movementDigests(db, q)).filter((d) => days.includes(d.day));
  }

  /**
   * One day's rows into the outbox again, a few sales per transaction, each
   * lot before its movements. Rows head office refused and that wait for a
   * person (`sync refused`) are not queued again: sent each night, they would
   * be refused each night. Returns the rows queued.
   */
  async function resendDay(day: string): Promise<number> {
    const q = { shopId: shop.id, timezone: shop.timezone, day };
    const setAside = await refusedEntityIds(db);
    const resendable = (entries: readonly { entityId: string }[]) => entries.every((e) => !setAside.has(e.entityId));
    const found = await movementsToResend(db, { ...q, node: shop.code, ownClock: await currentClock(db) });
    const lots = new Map([...found.lots].filter(([id]) => !setAside.has(id)));
    const [sales, waiting] = partition(await salesToResend(db, q), (s) => resendable(s.entries));
    // A set-aside sale's movements wait with it.
    const waitingItems = new Set(waiting.flatMap((s) => [...s.itemIds]));
    const movements = found.movements.filter((m) => !setAside.has(m.id) && !(m.saleItemId && waitingItems.has(m.saleItemId)));
    const lotsSent = new Set<string>();
    const lotEntry = (batchId: string): OutboxEntry[] => {
      const lot = lots.get(batchId);
      if (!lot || lotsSent.has(batchId)) return [];
      lotsSent.add(batchId);
      return [lot];
    };
    const transactions: OutboxEntry[][] = [];
    const withSale = new Set<string>();
    for (let i = 0; i < sales.length; i += SALES_PER_TRANSACTION) {
      const chunk = sales.slice(i, i + SALES_PER_TRANSACTION);
      const itemIds = new Set(chunk.flatMap((s) => [...s.itemIds]));
      const ms = movements.filter((m) => m.saleItemId && itemIds.has(m.saleItemId));
      for (const m of ms) withSale.add(m.id);
      transactions.push([...ms.flatMap((m) => lotEntry(m.batchId)), ...chunk.flatMap((s) => s.entries), ...ms.map(movementEntry)]);
    }
    const rest = movements.filter((m) => !withSale.has(m.id));
    for (let i = 0; i < rest.length; i += MOVEMENTS_PER_TRANSACTION) {
      const chunk = rest.slice(i, i + MOVEMENTS_PER_TRANSACTION);
      transactions.push([...chunk.flatMap((m) => lotEntry(m.batchId)), ...chunk.map(movementEntry)]);
    }
    let rows = 0;
    for (const entries of transactions) {
      await db.withTransaction((tx) => appendOutbox(tx, entries));
      rows += entries.length;
    }
    return rows;
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
        const first = await client.digest({ days: await digestsOf(days) });
        let rowsResent = 0;
        for (const day of first.differing) rowsResent += await resendDay(day);
        if (rowsResent > 0) rowsRefused += await drain();
        const second = await client.digest({ days: await digestsOf(days), report: { daysChecked: days.length, rowsResent } });
        const result: NightlyResult = { at, daysChecked: days.length, rowsResent, mismatches: second.differing.length, error: null };
        await recordNightly(db, result);
        const level = second.differing.length > 0 ? 'warn' : 'info';
        log[level]({ daysChecked: days.length, differing: first.differing, rowsResent, rowsRefused, left: second.differing }, 'nightly reconciliation done');
        return { ...result, ...checks, differing: second.differing, rowsRefused };
      } catch (err) {
        const message = (err as Error).message;
        await recordNightly(db, { at, daysChecked: 0, rowsResent: 0, mismatches: 0, error: message });
        log.warn({ err }, 'nightly reconciliation failed');
        throw err;
      }
    },
  };
  return service;
}

export type NightlyService = ReturnType<typeof nightlyService>;
