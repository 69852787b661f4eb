import type { MergeRun } from '../outbox/merge-run.js';
import type { OutboxEntry } from '../outbox/queries.js';
import { forbidden } from '../stock/merge.js';
import { insertCountsIfAbsent, insertSnapshotLines, insertStocktake, stocktakeOwner, type StocktakeCount, type StocktakeSummary } from './queries.js';

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
}

/** The rest of a big stocktake's counts and snapshot, after its first change. */
export interface StocktakeCountsWire {
  id: string;
  shopId: string;
  counts: StocktakeWire['counts'];
  lines?: StocktakeWire['lines'];
}

/**
 * Counts (and snapshot lines) per change. A whole pharmacy's stocktake counts
 * thousands of lots: in one change it outweighed a push (768 KB of JSON, 1 MB
 * at head office) and was refused with 413 on every try. 500 counts are about
 * 200 KB.
 */
export const COUNTS_PER_CHANGE = 500;

/** The changes a finalised stocktake travels as: the document with its first counts, then the rest in slices. */
export function stocktakeChanges(doc: { id: string; shopId: string }, counts: readonly unknown[], lines: readonly unknown[], hlc: string): OutboxEntry[] {
  const n = COUNTS_PER_CHANGE;
  const entries: OutboxEntry[] = [{ entity: 'stocktake', entityId: doc.id, op: 'insert', hlc, payload: { ...doc, counts: counts.slice(0, n), lines: lines.slice(0, n) } }];
  for (let i = n; i < Math.max(counts.length, lines.length); i += n) {
    entries.push({ entity: 'stocktake_counts', entityId: doc.id, op: 'insert', hlc, payload: { id: doc.id, shopId: doc.shopId, counts: counts.slice(i, i + n), lines: lines.slice(i, i + n) } });
  }
  return entries;
}

/**
 * A stocktake belongs to the shop that made it: head office inserts it once,
 * finalised, with its counts; its effect on the lots came as `count`
 * movements, merged like any.
 */
export class StocktakeMerge {
  constructor(private readonly run: MergeRun) {}

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
    // Kept so that a shop rebuilt from head office shows the stocktake as it was, lots set to zero included.
    await insertSnapshotLines(this.run.tx, (d.lines ?? []).map((l) => ({ ...l, stocktakeId: d.id })));
  }

  /** More counts of a stocktake head office holds: inserted if absent, so a replay changes nothing. */
  async moreCounts(d: StocktakeCountsWire): Promise<void> {
    const seat = this.run.seat;
    if (seat.role !== 'hq' || !seat.shopId) throw new Error('head office, for one shop');
    if (d.shopId !== seat.shopId || (await stocktakeOwner(this.run.tx, d.id)) !== seat.shopId) throw forbidden(seat.shopCode);
    await insertCountsIfAbsent(this.run.tx, d.counts.map((c) => ({ ...c, stocktakeId: d.id, createdAt: new Date(c.createdAt) })));
    await insertSnapshotLines(this.run.tx, (d.lines ?? []).map((l) => ({ ...l, stocktakeId: d.id })));
  }
}
