import type { Queryable } from '../db/pool.js';
import { stocktakeChanges } from './merge.js';
import { newestOwnClock } from '../domain/hlc.js';
import type { Covered, ResendQuery, Unit } from '../outbox/coverage.js';
import {
  countsPage, currentCounts, finalisedOfDay, insertCountsIfAbsent, insertSnapshotLines, insertStocktake, snapshotLinesPage, snapshotOf, stocktakesDigest,
  stocktakesPage, type SnapshotLine, type Stocktake, type StocktakeCount,
} from './queries.js';

/**
 * A finalised stocktake as it travels: the document, its counts and its
 * snapshot, as « Clôturer » pushed it. Its effect on the lots is its `count`
 * movements, covered as movements; a cancelled one never travels.
 */
async function stocktakeUnits(db: Queryable, q: ResendQuery, rows: readonly Stocktake[]): Promise<Unit[]> {
  const units: Unit[] = [];
  for (const s of rows) {
    const hlc = newestOwnClock([s.hlc], q.node) ?? q.ownClock;
    const entries = stocktakeChanges(s, await currentCounts(db, s.id), await snapshotOf(db, s.id), hlc);
    units.push({ entity: 'stocktake', id: s.id, entries, needs: [] });
  }
  return units;
}

const date = (v: Date | string | null | undefined) => (v ? new Date(v) : null);

/** Finalised stocktakes, by the day they were closed; a rebuilt shop gets them back with their counts and snapshots. */
export const stocktakeCoverage: Covered = {
  entity: 'stocktake',
  digest: stocktakesDigest,
  ofDay: async (db, q) => stocktakeUnits(db, q, await finalisedOfDay(db, q)),
  snapshot: [
    {
      part: 'stocktakes',
      page: stocktakesPage,
      async restore(run, rows: Stocktake[]) {
        for (const s of rows) {
          await insertStocktake(run.tx, { ...s, finalisedAt: date(s.finalisedAt), cancelledAt: date(s.cancelledAt), createdAt: date(s.createdAt)! });
        }
      },
      clocks: (s: Stocktake) => [s.hlc, s.snapshotHlc],
    },
    {
      part: 'stocktake-counts',
      page: countsPage,
      async restore(run, rows: StocktakeCount[]) {
        for (let i = 0; i < rows.length; i += 5000) await insertCountsIfAbsent(run.tx, rows.slice(i, i + 5000));
      },
      clocks: (c: StocktakeCount) => [c.hlc],
    },
    {
      part: 'stocktake-lines',
      page: snapshotLinesPage,
      async restore(run, rows: SnapshotLine[]) {
        for (let i = 0; i < rows.length; i += 5000) await insertSnapshotLines(run.tx, rows.slice(i, i + 5000));
      },
    },
  ],
};
