import { customerLimitPulled, type CustomerLimitWire } from '../accounts/merge.js';
import { CatalogMerge } from '../catalog/merge.js';
import type { Deps } from '../context.js';
import { describeConflict } from '../domain/conflict-text.js';
import { backoffMs } from '../domain/merge.js';
import { healthOfLateness, type Health } from '../domain/health.js';
export type { Health } from '../domain/health.js';
import { AppError } from '../errors.js';
import { t } from '../i18n/fr.js';
import { absorbClock, currentClock } from '../outbox/clock.js';
import { backupReport } from '../ops/service.js';
import { MergeRun } from '../outbox/merge-run.js';
import {
  deleteAcked,
  discardRefused,
  listConflicts,
  markConflictsReviewed,
  outboxHead,
  outboxStats,
  refusedChanges,
  requeueRefused,
  setAside,
  type OutboxRow,
} from '../outbox/queries.js';
import type { SalesService } from '../sales/service.js';
import { SupplierMerge } from '../suppliers/merge.js';
import { StockMerge } from '../stock/merge.js';
import { TransferMerge, type ReceiptWire, type ShipmentUpdateWire, type ShipmentWire } from '../transfers/merge.js';
import { RequisitionMerge, type RequisitionUpdateWire, type RequisitionWire } from '../requisitions/merge.js';
import type { Recall } from '../stock/queries.js';
import { gzipJson, HqError, hqClient, type HqClient, type PulledChange } from './client.js';
import { probeIntervalMs } from '../domain/link.js';
import { formatDateTimeFr } from '../domain/dates.js';
import { describeRefused } from '../domain/refusal-text.js';
import { describeResent } from '../domain/resent-text.js';
import { REPORT_ORDER } from './coverage.js';
import { securityService } from '../security/service.js';
import { staffPulled } from '../users/merge.js';
import { lastNightly, namesOfRows, recordBehindHq, recordPullSuccess, recordPushSuccess, recordStaffPulled, recordSyncFailure, syncState } from './queries.js';

export const APP_VERSION = '0.2.0';

/** Head office's push schema takes up to 2 000 changes (server/hq/schemas.ts): a day of 500 sales goes in three requests, not eight. */
export const MAX_CHANGES_PER_PUSH = 2000;
/** What a request may weigh on the wire, gzipped: 256 KB is 65 s at 32 kbit/s, well inside every deadline (domain/link.ts). */
export const MAX_BYTES_PER_PUSH = 256 * 1024;
/** Its JSON before gzip: head office's body limit counts inflated bytes (1 MB, server/app.ts); this leaves room for the envelope. */
export const MAX_RAW_BYTES_PER_PUSH = 768 * 1024;
const PULL_PAGE = 1000;
// Any constants, the same in every Comptoir process: one push at a time, and one pull, per shop database.
const PUSH_LOCK = 7_320_002;
const PULL_LOCK = 7_320_003;

/**
 * Whole local transactions, oldest first, up to the count and the raw size
 * limits (a transaction over them alone goes in slices). `maxRawBytes` is lowered by
 * the caller when the batch gzipped came out over MAX_BYTES_PER_PUSH.
 */
export function nextPushBatch(rows: readonly OutboxRow[], maxRawBytes = MAX_RAW_BYTES_PER_PUSH): OutboxRow[] {
  const groups = new Map<string, OutboxRow[]>();
  for (const r of rows) groups.set(r.txId, [...(groups.get(r.txId) ?? []), r]);
  const batch: OutboxRow[] = [];
  let bytes = 0;
  for (const group of groups.values()) {
    // UTF-8 bytes, as head office's limit counts them, plus the change's envelope.
    const sizes = group.map((r) => Buffer.byteLength(JSON.stringify(r.payload)) + 120);
    const size = sizes.reduce((s, n) => s + n, 0);
    if (batch.length + group.length <= MAX_CHANGES_PER_PUSH && bytes + size <= maxRawBytes) {
      batch.push(...group);
      bytes += size;
      continue;
    }
    if (batch.length > 0) break;
    // A transaction alone over the limits (a whole shop's stocktake: thousands
    // of count movements) would be refused with 413 on every try: it goes in
    // slices, in its order, one row at the least. Head office applies each
    // slice as a transaction of its own; every row is insert-if-absent, so a
    // slice sent again changes nothing.
    for (const [i, r] of group.entries()) {
      if (batch.length > 0 && (batch.length >= MAX_CHANGES_PER_PUSH || bytes + sizes[i]! > maxRawBytes)) break;
      batch.push(r);
      bytes += sizes[i]!;
    }
    break;
  }
  return batch;
}

/**
 * A page takes its locks in the sales' order (StockMerge.lockForPage, the
 * products' no-key locks), so it does not meet a sale in a deadlock
 * (test/sync/pull-sale-locks.test.ts); another local writer with an order of
 * its own (a delivery's lots by lot number) still may. PostgreSQL ends one of
 * the two, and when it is the page, the page is applied again (it is
 * idempotent), a few times, rather than failing the pull.
 */
async function retriedOnDeadlock<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      if ((err as { code?: string }).code !== '40P01' || attempt >= 3) throw err;
    }
  }
}

/** Health of one direction (see domain/health.ts). */
function healthOf(configured: boolean, lateMs: number): Health {
  return configured ? healthOfLateness(lateMs) : 'offline';
}
const worst = (a: Health, b: Health): Health => (['red', 'amber', 'offline', 'ok'] as const).find((h) => h === a || h === b)!;

export function syncService(
  { db, logger, shop, now, hq, bus }: Pick<Deps, 'db' | 'logger' | 'now' | 'hq' | 'bus'> & { shop: Deps['shop'] },
  sales?: Pick<SalesService, 'continueReceiptNumbersAfter'>,
) {
  const log = logger.child({ component: 'sync' });
  const security = securityService({ db, logger, now });
  const client: HqClient | undefined = hq ? hqClient(hq, undefined, { logger: log }) : undefined;
  // Since when calls fail for want of a link (no answer at all, not an HTTP error), on this process's monotonic clock: probes are paced by it.
  let linkDownSince: number | undefined;
  let lastProbeAt = 0;

  async function fail(err: unknown, phase: 'push' | 'pull'): Promise<never> {
    const state = await syncState(db);
    const e = err instanceof HqError ? err : new HqError('unreachable', (err as Error).message);
    if (e.kind === 'unreachable' && e.status === undefined) linkDownSince ??= performance.now();
    const retryInMs = backoffMs((phase === 'push' ? state.failures : state.pullFailures) + 1, Math.random());
    const message = e.kind === 'refused' ? t('sync.hq_refused', { status: e.status ?? 0, message: e.message }) : t('sync.hq_unreachable', { reason: e.message });
    await recordSyncFailure(db, { message, retryInMs, phase });
    // The age of the oldest unsent change is logged: a wedged queue must be visible from the logs too.
    const { pendingChanges, oldestPendingAt } = await outboxStats(db);
    const oldestPendingAgeSeconds = oldestPendingAt ? Math.round((now().getTime() - oldestPendingAt.getTime()) / 1000) : null;
    log.warn({ phase, kind: e.kind, error: e.message, retryInMs, pendingChanges, oldestPendingAgeSeconds }, 'sync failed');
    throw e;
  }

  /**
   * One push at a time, and one pull, even if pg-boss re-runs an expired job
   * or a person asks while the schedule runs: a session advisory lock each.
   */
  async function withLock<T>(key: number, work: () => Promise<T>): Promise<T | undefined> {
    const client = await db.pool.connect();
    try {
      const got = await client.query<{ ok: boolean }>('select pg_try_advisory_lock($1) as ok', [key]);
      if (!got.rows[0]?.ok) return undefined;
      try {
        return await work();
      } finally {
        await client.query('select pg_advisory_unlock($1)', [key]);
      }
    } finally {
      client.release();
    }
  }

  async function due(force: boolean, phase: 'push' | 'pull'): Promise<boolean> {
    if (force) return true;
    const state = await syncState(db);
    const next = phase === 'push' ? state.nextAttemptAt : state.pullNextAttemptAt;
    return !next || next <= now();
  }

  /**
   * Head office holds receipts of this shop up to `lastReceipt`. A shop behind
   * that was restored from an older backup: numbering moves past head office's
   * (no number is given twice), and the operator is told to re-initialise.
   */
  async function compareWithHq(lastReceipt: number | undefined): Promise<void> {
    if (!lastReceipt || !sales) return;
    const before = await sales.continueReceiptNumbersAfter(lastReceipt);
    if (before < lastReceipt) {
      const message = t('sync.behind_hq', { hq: lastReceipt, here: before });
      await recordBehindHq(db, message, lastReceipt);
      log.warn({ hqLastReceipt: lastReceipt, localLastReceipt: before }, 'head office holds newer sales of this shop: restored from an old backup?');
    }
  }

  async function applyPage(changes: readonly PulledChange[]) {
    return async (tx: Parameters<Parameters<typeof db.withTransaction>[0]>[0]) => {
      const run = new MergeRun(tx, { role: 'shop', shopId: shop.id, shopCode: shop.code });
      const catalog = new CatalogMerge(run);
      const stock = new StockMerge(run);
      const suppliers = new SupplierMerge(run);
      const transfers = new TransferMerge(run, now);
      const requisitions = new RequisitionMerge(run);
      // The page's lots first, in the sales' order (sync.md « Lock order »): no sale waits on the page while holding a lot it needs.
      await stock.lockForPage({
        batchIds: changes.filter((c) => c.entity === 'batch').map((c) => String(c.data.id)),
        recalled: changes.filter((c) => c.entity === 'recall').map((c) => ({ productId: String(c.data.productId), lotNumber: String(c.data.lotNumber) })),
        transferIds: changes.filter((c) => c.entity === 'transfer_receipt').map((c) => String(c.data.transferId)),
      });
      for (const c of changes) {
        if (c.entity === 'product') await catalog.pulled(c.data, c.hlc);
        else if (c.entity === 'batch') await stock.batchPulled(c.data, c.hlc);
        else if (c.entity === 'supplier' || c.entity === 'product_supplier') await suppliers.pulled(c.entity, c.data, c.hlc);
        else if (c.entity === 'transfer') await transfers.pulledTransfer(c.data as unknown as ShipmentWire | ShipmentUpdateWire, c.hlc);
        else if (c.entity === 'transfer_receipt') await transfers.pulledReceipt(c.data as unknown as ReceiptWire, c.hlc);
        else if (c.entity === 'requisition') await requisitions.pulled(c.data as unknown as RequisitionWire | RequisitionUpdateWire, c.hlc);
        else if (c.entity === 'staff') await staffPulled(tx, shop.id, c.data, security.audit);
        else if (c.entity === 'shop') await transfers.pulledShop(c.data as unknown as { id: string; code: string; name: string });
        else if (c.entity === 'customer_limit') await customerLimitPulled(tx, shop.id, c.data as unknown as CustomerLimitWire, c.hlc);
        else if (c.entity === 'recall') await stock.recallPulled(c.data as unknown as Recall, await catalog.known(String(c.data.productId)));
        // A newer head office's entity is never taken for a recall (older versions did): logged and passed over.
        else log.warn({ entity: (c as PulledChange).entity, entityId: (c as PulledChange).entityId }, 'feed entity unknown to this version: skipped');
      }
      await run.finish();
      if (changes.some((c) => c.entity === 'staff')) await recordStaffPulled(tx);
      return run.changed;
    };
  }

  async function pullPages(hqc: HqClient): Promise<number> {
    let applied = 0;
    try {
      for (let page = 0; page < 10_000; page++) {
        const cursor = (await syncState(db)).pullCursor ?? '0:0';
        const res = await hqc.pull(cursor, PULL_PAGE);
        if (res.restarted) log.warn({ cursor, next: res.cursor }, 'head office feed has a new epoch (restored?): reading it again from the start');
        const changed = await retriedOnDeadlock(() => db.withTransaction(async (tx) => {
          const result = await (await applyPage(res.changes))(tx);
          await absorbClock(tx, res.hlc, now());
          await recordPullSuccess(tx, res.cursor);
          return result;
        }));
        linkDownSince = undefined;
        applied += res.changes.length;
        for (const entity of changed) bus?.committed(entity);
        await compareWithHq(res.lastReceipt);
        if (!res.hasMore) break;
      }
    } catch (err) {
      await fail(err, 'pull');
    }
    return applied;
  }

  const service = {
    configured: client !== undefined,

    /**
     * Drains the outbox in order. Acknowledged rows are deleted rather than a
     * cursor kept (design.md §5, the cursor-gap trap); refused ones are set
     * aside with their reason. Returns how many were sent.
     */
    async pushNow(opts: { force?: boolean } = {}): Promise<{ sent: number; refused?: number; skipped?: 'not_configured' | 'backoff' | 'busy' }> {
      if (!client) return { sent: 0, skipped: 'not_configured' };
      if (!(await due(opts.force ?? false, 'push'))) return { sent: 0, skipped: 'backoff' };
      const result = await withLock(PUSH_LOCK, async () => {
        let sent = 0;
        let refused = 0;
        let maxRawBytes = MAX_RAW_BYTES_PER_PUSH;
        for (let round = 0; round < 10_000; round++) {
          const batch = nextPushBatch(await outboxHead(db, MAX_CHANGES_PER_PUSH + 100), maxRawBytes);
          if (batch.length === 0) break;
          const stats = await outboxStats(db);
          const body = {
            shopCode: shop.code,
            hlc: await currentClock(db),
            sentAt: now().toISOString(),
            status: {
              pendingChanges: stats.pendingChanges,
              oldestPendingAgeSeconds: stats.oldestPendingAt ? Math.max(0, Math.round((now().getTime() - stats.oldestPendingAt.getTime()) / 1000)) : null,
              refusedChanges: stats.refusedChanges,
              appVersion: APP_VERSION,
              backup: await backupReport(db),
            },
            changes: batch.map((r) => ({ seq: r.seq, entity: r.entity, id: r.entityId, op: r.op, hlc: r.hlc, tx: r.txId, data: r.payload })),
          };
          const gz = await gzipJson(body);
          // Over the wire's limit gzipped (changes that compress badly): the same head in smaller requests, one row at the least.
          if (gz.length > MAX_BYTES_PER_PUSH && batch.length > 1) {
            maxRawBytes = Math.floor(maxRawBytes / 2);
            continue;
          }
          let pushed;
          try {
            pushed = await client.push(gz);
          } catch (err) {
            await fail(err, 'push');
          }
          linkDownSince = undefined;
          const { response, bytes } = pushed!;
          const setAsideNow = response.refused ?? [];
          await db.withTransaction(async (tx) => {
            await deleteAcked(tx, response.acked);
            await setAside(tx, setAsideNow.map((r) => ({ seq: r.seq, code: r.code, reason: r.message })));
            await absorbClock(tx, response.hlc, now());
          });
          await recordPushSuccess(db, bytes);
          await compareWithHq(response.lastReceipt);
          sent += response.acked.length;
          refused += setAsideNow.length;
          if (setAsideNow.length > 0) log.warn({ refused: setAsideNow.length, first: setAsideNow[0] }, 'head office refused changes: set aside');
          log.info({ changes: response.acked.length, bytes, conflicts: response.conflicts }, 'pushed to head office');
          if (response.acked.length + setAsideNow.length === 0) break; // nothing moved: never loop on the same head
        }
        return { sent, refused };
      });
      return result === undefined ? { sent: 0, skipped: 'busy' } : { sent: result.sent, ...(result.refused ? { refused: result.refused } : {}) };
    },

    /** Pages of head office's changes, each applied with its cursor in one transaction. */
    async pullNow(opts: { force?: boolean } = {}): Promise<{ applied: number; skipped?: 'not_configured' | 'backoff' | 'busy' }> {
      if (!client) return { applied: 0, skipped: 'not_configured' };
      if (!(await due(opts.force ?? false, 'pull'))) return { applied: 0, skipped: 'backoff' };
      // A pull already under way (the schedule's, a person's, the nightly's) fetches what this one would: never the same page twice at once.
      const applied = await withLock(PULL_LOCK, () => pullPages(client));
      if (applied === undefined) return { applied: 0, skipped: 'busy' };
      if (applied > 0) log.info({ applied }, 'pulled from head office');
      return { applied };
    },

    /**
     * After calls failed for want of a link: a probe, paced by
     * domain/link.ts, and true once head office answers again, so the caller
     * pushes now instead of waiting for the backoff and the next minute.
     */
    async linkBack(): Promise<boolean> {
      if (!client || linkDownSince === undefined) return false;
      const at = performance.now();
      if (at - lastProbeAt < probeIntervalMs(at - linkDownSince)) return false;
      lastProbeAt = at;
      if (!(await client.probe())) return false;
      log.info({ downForSeconds: Math.round((at - linkDownSince) / 1000) }, 'head office reachable again');
      linkDownSince = undefined;
      return true;
    },

    /** Push always before pull (design.md §5); a refused or failed push never keeps recalls and prices from arriving. */
    async runNow(opts: { force?: boolean } = {}) {
      const push = await service.pushNow(opts).catch((err: unknown) => ({ sent: 0, error: err as Error }));
      const pull = await service.pullNow(opts).catch((err: unknown) => ({ applied: 0, error: err as Error }));
      const error = ('error' in push && push.error) || ('error' in pull && pull.error);
      if (error) throw error;
      return { push, pull };
    },

    /** What the badge shows: push and pull each have their health; a wedged queue shows by its oldest change. */
    async status() {
      const [stats, state, nightly] = await Promise.all([outboxStats(db), syncState(db), lastNightly(db)]);
      const at = now().getTime();
      const oldest = stats.oldestPendingAt;
      const since = (d: Date | null) => (d ? at - d.getTime() : 0);
      const pushHealth = healthOf(client !== undefined, Math.max(state.pushError ? since(state.lastPushAt ?? state.pushErrorAt) : 0, since(oldest)));
      const pullHealth = healthOf(client !== undefined, state.pullError ? since(state.lastPullAt ?? state.pullErrorAt) : 0);
      const refusedHealth: Health = stats.refusedChanges > 0 ? 'amber' : 'ok';
      const lastError = [
        state.pushError ? { at: state.pushErrorAt, message: state.pushError } : undefined,
        state.pullError ? { at: state.pullErrorAt, message: state.pullError } : undefined,
      ].filter((e) => !!e).sort((a, b) => (b.at?.getTime() ?? 0) - (a.at?.getTime() ?? 0))[0];
      return {
        configured: client !== undefined,
        health: client ? worst(worst(pushHealth, pullHealth), state.behindHq ? 'red' : refusedHealth) : ('offline' as Health),
        push: { health: pushHealth, lastAt: state.lastPushAt, lastAttemptAt: state.lastPushAttemptAt, error: state.pushError, errorAt: state.pushErrorAt, failures: state.failures, nextAttemptAt: state.nextAttemptAt },
        pull: { health: pullHealth, lastAt: state.lastPullAt, lastAttemptAt: state.lastPullAttemptAt, error: state.pullError, errorAt: state.pullErrorAt, failures: state.pullFailures, nextAttemptAt: state.pullNextAttemptAt },
        pendingChanges: stats.pendingChanges,
        refusedChanges: stats.refusedChanges,
        oldestPendingAt: oldest,
        oldestPendingAgeSeconds: oldest ? Math.max(0, Math.round((at - oldest.getTime()) / 1000)) : null,
        behindHq: state.behindHq,
        lastPushAt: state.lastPushAt,
        lastPullAt: state.lastPullAt,
        staffPulledAt: state.staffPulledAt,
        lastPushAttemptAt: state.lastPushAttemptAt,
        lastPullAttemptAt: state.lastPullAttemptAt,
        lastError: lastError?.message ?? null,
        lastErrorAt: lastError?.at ?? null,
        nextAttemptAt: state.nextAttemptAt,
        failures: state.failures,
        bytesSent: state.bytesSent,
        nightly: nightly ? { ...nightly, resentText: describeResent(nightly.resent, REPORT_ORDER) } : null,
      };
    },

    /** Asks the job runner for a push and pull now; without one (a script), runs them here. */
    requestRun(): void {
      if (bus && bus.listenerCount('syncRequested') > 0) bus.syncRequested();
      else void service.runNow({ force: true }).catch(() => undefined); // failures are recorded in sync_state
    },

    /** The shop's conflict log, each row with a French sentence saying what was kept and why. */
    conflicts: async (limit: number, offset = 0) => (await listConflicts(db, { limit, offset })).map((c) => ({ ...c, message: describeConflict(c) })),

    /** A manager has read these conflicts of the shop's log. */
    reviewConflicts: (ids: readonly string[]) => markConflictsReviewed(db, ids),

    /** Changes head office refused, set aside with their reason, each said in French (`label`, `refusedAtText` in the shop's zone). */
    async refused() {
      const rows = await refusedChanges(db);
      const ids = [...new Set(rows.flatMap((r) => [r.entityId, ...['batchId', 'productId', 'saleId'].map((k) => r.payload[k]).filter((v): v is string => typeof v === 'string')]))];
      const names = await namesOfRows(db, ids);
      return rows.map((r) => ({ ...r, label: describeRefused(r, names, shop.timezone), refusedAtText: formatDateTimeFr(r.refusedAt, shop.timezone) }));
    },

    /** Back into the outbox (all, or these seqs), to be sent again on the next push. */
    async retryRefused(seqs: readonly number[] | 'all'): Promise<number> {
      const n = await requeueRefused(db, seqs);
      if (n > 0) bus?.committed('sync');
      return n;
    },

    /** Dropped for good; what was discarded is logged, since it never reaches head office. */
    async discardRefused(seqs: readonly number[], who: string): Promise<number> {
      const gone = await discardRefused(db, seqs);
      for (const g of gone) log.warn({ seq: g.seq, entity: g.entity, entityId: g.entityId, code: g.code, payload: g.payload, by: who }, 'refused change discarded');
      return gone.length;
    },

    assertConfigured(): void {
      if (!client) throw new AppError(409, 'sync_not_configured', 'sync.not_configured');
    },
  };
  return service;
}

export type SyncService = ReturnType<typeof syncService>;
