import type { Queryable } from '../db/pool.js';
import type { EntityDigest } from '../domain/digest.js';
import type { MergeRun } from './merge-run.js';
import type { OutboxEntry } from './queries.js';

/**
 * How one entity a shop owns is kept whole at head office: compared each
 * night, sent again when head office lacks it, and brought back to a shop
 * rebuilt from head office. A feature declares it once, next to its rows
 * (its `reconcile.ts`), and server/sync/coverage.ts lists the declarations in
 * dependency order; the nightly run, head office's digest and snapshot, and
 * `shop init-from-hq` read nothing else. docs/sync.md says how to add one.
 */
export interface Covered {
  /** The outbox's entity name (`sale`, `till_session`…): how the report names what was resent. */
  readonly entity: string;
  /** Per calendar day of the shop (its zone), the same SQL at both ends; absent for rows the shop does not own (recalls). */
  readonly digest?: (db: Queryable, q: DayRange) => Promise<({ day: string } & EntityDigest)[]>;
  /** A day's rows as units to send again, oldest first; absent when the entity only travels as another's parent (products). */
  readonly ofDay?: (db: Queryable, q: ResendQuery) => Promise<Unit[]>;
  /** These rows as units, for another unit that names them (a lot before its movements): only the ones the shop made. */
  readonly byIds?: (db: Queryable, q: ResendQuery, ids: readonly string[]) => Promise<Unit[]>;
  /** What `shop init-from-hq` reads of it from head office and writes back, in this order. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each part has its own row type
  readonly snapshot?: readonly SnapshotPart<any>[];
}

export interface DayRange {
  shopId: string;
  timezone: string;
  from: string;
  to: string;
  /** Which end computes it: the same rows, kept in different tables only for staff (`users` here, `hq_staff` there). */
  at: 'shop' | 'hq';
}

export interface ResendQuery {
  shopId: string;
  timezone: string;
  day: string;
  /** The shop's code: a row goes again under a clock of the shop's own, never one head office stamped on it. */
  node: string;
  /** The shop's current clock, for a row with no clock of the shop's left. */
  ownClock: string;
}

/** One row to send again, with the rows it comes with (a sale's lines) and the rows it names, to go before it. */
export interface Unit {
  entity: string;
  id: string;
  entries: OutboxEntry[];
  /** Parents, sent first when their entity can (`byIds`); a parent set aside at the shop keeps the unit waiting with it. */
  needs: { entity: string; id: string }[];
}

/** What a rebuild restores beside the rows: where the receipt numbers continue. */
export interface RestoreHead {
  shopId: string;
  lastReceipt: number;
}

// Methods, not function properties: a part of sessions is a part of rows (parameters compared both ways).
export interface SnapshotPart<Row extends { id: string } = { id: string }> {
  /** The path's last segment: `GET /api/sync/snapshot/:part`. */
  readonly part: string;
  /** Head office: a page of the shop's rows in id order. */
  page(db: Queryable, shopId: string, after: string, limit: number): Promise<Row[]>;
  /** The rebuilt shop: the rows written back as head office holds them (no outbox row), counters continued. */
  restore(run: MergeRun, rows: Row[], head: RestoreHead): Promise<void>;
  /** The clocks a row carries: the rebuilt shop's clock goes above every one of its own. */
  clocks?(row: Row): (string | null | undefined)[];
}
