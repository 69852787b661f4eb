import { restoreCounters } from '../purchasing/service.js';
import type { Deps } from '../context.js';
import { parseHlc } from '../domain/hlc.js';
import { AppError } from '../errors.js';
import { absorbClock } from '../outbox/clock.js';
import { MergeRun } from '../outbox/merge-run.js';
import { driftedLots } from '../stock/reconcile.js';
import { TransferMerge } from '../transfers/merge.js';
import { hqClient } from './client.js';
import { SNAPSHOT_PARTS } from './coverage.js';
import { localData, recordStaffPulled, wipeLocalData, startAfterRebuild } from './queries.js';

const PAGE = 2000;

export interface RebuildResult {
  /** Rows brought back, per snapshot part (`products`, `sales`, `sessions`…). */
  rows: Record<string, number>;
  products: number;
  lots: number;
  movements: number;
  sales: number;
  lastReceipt: number;
  /** Lots whose quantity is not the sum of their movements at head office: reported, never fixed silently. */
  drifted: string[];
}

/**
 * A shop server rebuilt from head office (design.md §5: head office is every
 * shop's backup): every part server/sync/coverage.ts declares, in its order
 * (the catalogue, recalls, the shop's lots with head office's quantities,
 * sessions with their Z reports, sales and lines, the ledger, returns, cash
 * movements…), receipt, Z and credit-note numbers continuing after head
 * office's, and the feed cursor taken before the rows were read. Nothing is
 * written to the outbox: every row is already at head office.
 */
export async function initFromHq(
  { db, logger, shop, now, hq }: Pick<Deps, 'db' | 'logger' | 'shop' | 'now' | 'hq'>,
  opts: { force?: boolean } = {},
): Promise<RebuildResult> {
  if (!hq) throw new AppError(409, 'sync_not_configured', 'sync.not_configured');
  const here = await localData(db);
  if (!opts.force && (here.sales > 0 || here.lots > 0 || here.pending > 0)) {
    throw new AppError(409, 'shop_not_empty', 'sync.rebuild_not_empty', here);
  }
  const client = hqClient(hq, 120_000);
  const head = await client.snapshotHead();
  if (head.shop.code !== shop.code) throw new AppError(409, 'wrong_shop', 'sync.rebuild_wrong_shop', { hq: head.shop.code, here: shop.code });

  async function all(part: string): Promise<{ id: string }[]> {
    const rows: { id: string }[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await client.snapshotPart(part, after, PAGE);
      rows.push(...(page.rows as { id: string }[]));
      if (!page.next) return rows;
      after = page.next;
    }
  }
  const parts: { declared: (typeof SNAPSHOT_PARTS)[number]; rows: { id: string }[] }[] = [];
  for (const p of SNAPSHOT_PARTS) parts.push({ declared: p, rows: await all(p.part) });

  const drifted = await db.withTransaction(async (tx) => {
    if (opts.force) await wipeLocalData(tx);
    const run = new MergeRun(tx, { role: 'shop', shopId: shop.id, shopCode: shop.code });
    // The chain's shops come with the head, not as a part: a transfer names its destination.
    await new TransferMerge(run, now).restoreShops(head.chainShops ?? []);
    for (const { declared, rows } of parts) await declared.restore(run, rows, { shopId: shop.id, lastReceipt: head.lastReceipt });
    await restoreCounters(tx, shop.id, head.purchaseNumbers ?? { order: 0, delivery: 0, return: 0 });
    // Our clock goes above every clock this shop ever sent, and takes in head office's.
    const own = parts
      .flatMap(({ declared, rows }) => (declared.clocks ? rows.flatMap((r: { id: string }) => declared.clocks!(r)) : []))
      .filter((c): c is string => typeof c === 'string' && parseHlc(c)?.node === shop.code)
      .reduce((a, b) => (b > a ? b : a), head.hlc);
    await absorbClock(tx, own, now());
    await absorbClock(tx, head.hlc, now());
    await startAfterRebuild(tx, head.cursor, head.lastReceipt);
    if (parts.some(({ declared, rows }) => declared.part === 'staff' && rows.length > 0)) await recordStaffPulled(tx);
    return driftedLots(tx, shop.id);
  });
  const rows = Object.fromEntries(parts.map(({ declared, rows }) => [declared.part, rows.length]));
  if (drifted.length > 0) logger.warn({ drifted }, 'lots whose quantity differs from their ledger at head office');
  logger.info({ rows }, 'shop rebuilt from head office');
  return {
    rows, products: rows.products ?? 0, lots: rows.batches ?? 0, movements: rows.movements ?? 0, sales: rows.sales ?? 0,
    lastReceipt: head.lastReceipt, drifted,
  };
}
