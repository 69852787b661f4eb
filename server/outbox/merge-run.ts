import type { Tx } from '../db/pool.js';
import type { Hlc } from '../domain/hlc.js';
import type { Decision, Winner } from '../domain/merge.js';
import { newId } from '../ids.js';
import { appendFeed, insertConflicts, insertHeld, type ConflictRow, type FeedEntry } from './queries.js';

/** Where a remote change is applied: head office taking a shop's push, or a shop taking head office's feed. */
export type Seat =
  | { role: 'hq'; shopId: string | null; shopCode: string; receivedAt: Hlc; receivedClock: string; nowWall: number }
  | { role: 'shop'; shopId: string; shopCode: string };

export interface ConflictNote {
  field: string | null;
  localValue: unknown;
  remoteValue: unknown;
  localClock: string | null;
  remoteClock: string | null;
  winner: Winner;
  reason: string;
}

/**
 * Rows a merge has checked and will insert later, many in one statement (a
 * push carries thousands of sales: inserting them one by one was most of its
 * cost). Dropped with the rest of a group that is refused before they are written.
 */
export class Staged<T extends { id: string }> {
  private rows: T[] = [];
  private readonly byId = new Map<string, T>();

  get(id: string): T | undefined {
    return this.byId.get(id);
  }

  add(row: T): void {
    this.rows.push(row);
    this.byId.set(row.id, row);
  }

  mark(): () => void {
    const length = this.rows.length;
    return () => {
      for (const r of this.rows.splice(length)) this.byId.delete(r.id);
    };
  }

  /** Hands the rows over to be written, and forgets them. */
  take(): T[] {
    const rows = this.rows;
    this.rows = [];
    this.byId.clear();
    return rows;
  }
}

/**
 * What one application of remote changes builds up, in one transaction: the
 * conflicts to log, the feed entries to write (head office), the entities
 * that changed (to tell the tills). Feature merges write through it.
 */
export class MergeRun {
  readonly conflicts: ConflictRow[] = [];
  readonly feed: FeedEntry[] = [];
  readonly changed = new Set<'product' | 'batch'>();
  private readonly held: { entity: string; entityId: string; payload: unknown; hlc: string }[] = [];
  private readonly staged: Staged<{ id: string }>[] = [];

  constructor(
    readonly tx: Tx,
    readonly seat: Seat,
  ) {}

  log(entity: string, entityId: string, d: ConflictNote | Decision): void {
    const hq = this.seat.role === 'hq';
    this.conflicts.push({
      id: newId(), shopId: this.seat.shopId, entity, entityId, field: d.field, localValue: d.localValue, remoteValue: d.remoteValue,
      localHlc: d.localClock, remoteHlc: d.remoteClock, localNode: hq ? 'HQ' : this.seat.shopCode, remoteNode: hq ? this.seat.shopCode : 'HQ',
      winner: d.winner, reason: d.reason,
    });
  }

  emit(entry: FeedEntry): void {
    this.feed.push(entry);
  }

  hold(entity: string, entityId: string, payload: unknown, hlc: string): void {
    this.held.push({ entity, entityId, payload, hlc });
  }

  /** Rows a feature will write in bulk; `mark` covers them. */
  stage<T extends { id: string }>(): Staged<T> {
    const s = new Staged<T>();
    this.staged.push(s as unknown as Staged<{ id: string }>);
    return s;
  }

  /** A point to come back to when one group of changes is refused: what it added is dropped. */
  mark(): () => void {
    const lengths = [this.conflicts.length, this.feed.length, this.held.length];
    const staged = this.staged.map((s) => s.mark());
    return () => {
      this.conflicts.length = lengths[0]!;
      this.feed.length = lengths[1]!;
      this.held.length = lengths[2]!;
      for (const undo of staged) undo();
    };
  }

  async finish(): Promise<void> {
    await insertConflicts(this.tx, this.conflicts);
    await appendFeed(this.tx, this.feed);
    for (const h of this.held) await insertHeld(this.tx, { id: newId(), shopId: this.seat.shopId, ...h });
  }
}
