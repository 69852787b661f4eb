import type { MergeRun } from '../outbox/merge-run.js';
import type { OutboxEntry } from '../outbox/queries.js';
import { stocktakeAdjustment } from '../domain/ledger.js';
import { forbidden, type StockMerge } from '../stock/merge.js';
import type { Movement } from '../stock/queries.js';
import { COUNTS_PER_CHANGE, insertCountsIfAbsent, insertSnapshotLines, insertStocktake, stocktakeOwner, type StocktakeCount, type StocktakeSummary } from './queries.js';

/** A finalised stocktake as it crosses the wire: the document, its counts and its variance. */
export interface StocktakeWire {
  id: string;
  shopId: string;
  number: string;
  status: 'finalised';
  scope: { productIds?: string[] | undefined; zone?: string | undefined };
  snapshotHlc: string;
  startedBy: string | null;
  startedByName: string;
  finalisedBy: string | null;
  finalisedAt: string;
  summary: StocktakeSummary;
  createdAt: string;
  counts: (Omit<StocktakeCount, 'createdAt'> & { createdAt: string })[];
  /** The snapshot (each lot's quantity when it was opened): absent from a shop older than it. */
  lines?: { batchId: string; snapshotQty: number }[] | undefined;
  /** Head office writes the count movements from the counts (absent: they came one by one, from a shop older than it). */
  countMovements?: CountMovements | undefined;
}

/** The rest of a big stocktake's counts and snapshot, after its first change. */
export interface StocktakeCountsWire {
  id: string;
  shopId: string;
  counts: StocktakeWire['counts'];
  lines?: StocktakeWire['lines'];
  countMovements?: CountMovements | undefined;
}

export { COUNTS_PER_CHANGE };

/** The changes a finalised stocktake travels as: the document with its first counts, then the rest in slices. */
export function stocktakeChanges(
  doc: { id: string; shopId: string },
  counts: readonly unknown[],
  lines: readonly unknown[],
  hlc: string,
  countMovements?: CountMovements,
): OutboxEntry[] {
  const n = COUNTS_PER_CHANGE;
  const also = countMovements ? { countMovements } : {};
  const entries: OutboxEntry[] = [{ entity: 'stocktake', entityId: doc.id, op: 'insert', hlc, payload: { ...doc, counts: counts.slice(0, n), lines: lines.slice(0, n), ...also } }];
  for (let i = n; i < Math.max(counts.length, lines.length); i += n) {
    entries.push({
      entity: 'stocktake_counts', entityId: doc.id, op: 'insert', hlc,
      payload: { id: doc.id, shopId: doc.shopId, counts: counts.slice(i, i + n), lines: lines.slice(i, i + n), ...also },
    });
  }
  return entries;
}

/**
 * The outbox rows of a stocktake just finalised: the changes of
 * stocktakeChanges, each naming its slice, read from the counts and the
 * snapshot when pushed (outboxHead, stocktakeSliceSql) rather than written
 * out in « Clôturer »'s transaction.
 */
export function stocktakeOutbox(doc: { id: string; shopId: string }, sizes: { counts: number; lines: number }, hlc: string, countMovements: CountMovements): OutboxEntry[] {
  const slices = Math.max(1, Math.ceil(Math.max(sizes.counts, sizes.lines) / COUNTS_PER_CHANGE));
  return Array.from({ length: slices }, (_, slice): OutboxEntry => (slice === 0
    ? { entity: 'stocktake', entityId: doc.id, op: 'insert', hlc, payload: { ...doc, countMovements, slice } }
    : { entity: 'stocktake_counts', entityId: doc.id, op: 'insert', hlc, payload: { id: doc.id, shopId: doc.shopId, countMovements, slice } }));
}

/**
 * What a count's `count` movement holds beyond the count itself, the same
 * for every count of a stocktake. Its presence says the movements do not
 * travel one by one (a shop older than it sent them so): head office writes
 * one per current count that names its movement, with the shop's id, clock
 * and time, so its ledger, its digest and a rebuild say what the shop's do.
 */
export interface CountMovements {
  /** When « Clôturer » wrote them (the shop's transaction time): the nightly digest dates movements by it. */
  createdAt: string;
  userId: string | null;
  reason: string | null;
}

/** The movements head office writes from counts that travelled with `countMovements`: the shop's, field for field. */
export function countMovementsOf(shopId: string, counts: StocktakeWire['counts'], m: CountMovements): (Omit<Movement, 'createdAt'> & { createdAt: string })[] {
  return counts
    .filter((c) => !c.superseded && c.movementId !== null)
    .map((c) => ({
      id: c.movementId!, shopId, batchId: c.batchId, kind: 'count' as const, delta: stocktakeAdjustment(c.countedQty, c.ledgerQty), countedQty: c.countedQty,
      reason: m.reason, saleItemId: null, userId: m.userId, hlc: c.hlc, createdAt: m.createdAt,
    }));
}

/**
 * A stocktake belongs to the shop that made it: head office inserts it once,
 * finalised, with its counts; its effect on the lots is its `count`
 * movements, written here from the counts (`countMovements`) or come one by
 * one from an older shop, merged like any (inserted once by id: both
 * arriving write one).
 */
export class StocktakeMerge {
  constructor(
    private readonly run: MergeRun,
    private readonly stock: StockMerge,
  ) {}

  /** The batches a push's stocktake changes will write count movements on: locked with the push's other lots, before anything is written. */
  static lotsMoved(d: StocktakeWire | StocktakeCountsWire): string[] {
    return d.countMovements ? d.counts.filter((c) => !c.superseded && c.movementId !== null).map((c) => c.batchId) : [];
  }

  private countMovements(d: StocktakeWire | StocktakeCountsWire): void {
    if (!d.countMovements) return;
    for (const m of countMovementsOf(d.shopId, d.counts, d.countMovements)) this.stock.movementInserted(m);
  }

  async finalised(d: StocktakeWire, hlc: string): Promise<void> {
    const seat = this.run.seat;
    if (seat.role !== 'hq' || !seat.shopId) throw new Error('head office, for one shop');
    if (d.shopId !== seat.shopId) throw forbidden(seat.shopCode);
    const inserted = await insertStocktake(this.run.tx, {
      id: d.id, shopId: d.shopId, number: d.number, status: 'finalised', scope: d.scope.productIds ? { productIds: d.scope.productIds, ...(d.scope.zone ? { zone: d.scope.zone } : {}) } : {},
      snapshotHlc: d.snapshotHlc, startedBy: d.startedBy, startedByName: d.startedByName, finalisedBy: d.finalisedBy,
      finalisedAt: new Date(d.finalisedAt), cancelledAt: null, summary: d.summary, hlc, createdAt: new Date(d.createdAt),
    });
    if (!inserted) {
      // A replay, or the id of another shop's stocktake: the latter is no mistake.
      const owner = await stocktakeOwner(this.run.tx, d.id);
      if (owner && owner !== seat.shopId) throw forbidden(seat.shopCode);
      return;
    }
    await insertCountsIfAbsent(this.run.tx, d.counts.map((c) => ({ ...c, stocktakeId: d.id, createdAt: new Date(c.createdAt) })));
    this.countMovements(d);
    // Kept so that a shop rebuilt from head office shows the stocktake as it was, lots set to zero included.
    await insertSnapshotLines(this.run.tx, (d.lines ?? []).map((l) => ({ ...l, stocktakeId: d.id })));
  }

  /** More counts of a stocktake head office holds: inserted if absent, so a replay changes nothing. */
  async moreCounts(d: StocktakeCountsWire): Promise<void> {
    const seat = this.run.seat;
    if (seat.role !== 'hq' || !seat.shopId) throw new Error('head office, for one shop');
    if (d.shopId !== seat.shopId || (await stocktakeOwner(this.run.tx, d.id)) !== seat.shopId) throw forbidden(seat.shopCode);
    await insertCountsIfAbsent(this.run.tx, d.counts.map((c) => ({ ...c, stocktakeId: d.id, createdAt: new Date(c.createdAt) })));
    this.countMovements(d);
    await insertSnapshotLines(this.run.tx, (d.lines ?? []).map((l) => ({ ...l, stocktakeId: d.id })));
  }
}
