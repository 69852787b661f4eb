import { encodeHlc, parseHlc, successor, type Hlc } from './hlc.js';

/** A change whose clock is more than this ahead of the receiver's never wins (design.md principle 6). */
export const FAR_FUTURE_MS = 86_400_000;

export type Winner = 'local' | 'remote' | 'held';

export type DecisionReason =
  | 'newer_clock' // concurrent writes: the later clock wins
  | 'older_clock' // concurrent writes: ours is later
  | 'recall_final' // a recalled lot stays recalled
  | 'recall_wins' // a recall beats any other status
  | 'clock_far_ahead' // the writer's clock is more than a day ahead of ours: held, never applied
  | 'decided_by_hq'; // at a shop: head office kept another value than this shop's

export interface Decision {
  field: string;
  localValue: unknown;
  remoteValue: unknown;
  localClock: string | null;
  remoteClock: string;
  winner: Winner;
  reason: DecisionReason;
}

/** A field of a stored row: its value, the clock it merges by, and the writer's own clock when head office bounded it. */
export interface StoredField {
  value: unknown;
  clock: string | null;
  origin?: string | null | undefined;
}

export interface RemoteWrite {
  values: Record<string, unknown>;
  clocks: Record<string, string>;
  /** The clock of each field as the writer saw it before writing: tells a successor from a concurrent write. */
  baseClocks?: Record<string, string> | undefined;
}

export interface FieldChange {
  value: unknown;
  clock: string;
  /** The writer's clock when it differs from `clock` (bounded at head office). */
  origin: string | null;
}

export interface MergeResult {
  apply: Record<string, FieldChange>;
  decisions: Decision[];
  /** Values not applied because their clock was far ahead: kept aside, never lost. */
  held: Record<string, unknown>;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
const later = (a: string, b: string | null) => b === null || a > b;
const nodeOf = (clock: string | null | undefined) => (clock ? parseHlc(clock)?.node : undefined);

export interface HqSeat {
  /** The pushing shop's code: the node every clock of its writes must carry. */
  shopNode: string;
  /** Head office's clock for this push: no shop write is dated after it arrived. */
  receivedAt: Hlc;
  nowWall: number;
  finalStatus?: string;
}

/**
 * Head office merges a shop's write into its row, field by field,
 * last-writer-wins on clocks bounded by the time the write reached head
 * office: a shop clock ahead of head office's cannot outlive a later edit.
 * A write made after its writer saw the current value (a successor) always
 * wins; concurrent writes go to the later clock. No path ends without either
 * applying the value or deciding it, and a decision is made only when two
 * different values really competed.
 */
/**
 * A shop's clock as head office keeps it: never later than the moment the
 * write arrived (with the shop's node, so the writer stays known). `far`: the
 * clock was more than a day ahead.
 */
export function boundShopClock(raw: string, seat: HqSeat): { clock: string; far: boolean } {
  const far = (parseHlc(raw)?.wall ?? Number.POSITIVE_INFINITY) > seat.nowWall + FAR_FUTURE_MS;
  const bound = encodeHlc({ ...seat.receivedAt, node: seat.shopNode });
  return { clock: far || raw > bound ? bound : raw, far };
}

export function mergeShopWrite(local: Record<string, StoredField>, write: RemoteWrite, seat: HqSeat): MergeResult {
  const apply: MergeResult['apply'] = {};
  const decisions: Decision[] = [];
  const held: Record<string, unknown> = {};
  const finalStatus = seat.finalStatus ?? 'recalled';

  for (const [field, value] of Object.entries(write.values)) {
    const raw = write.clocks[field];
    if (!raw || !parseHlc(raw)) continue; // refused at the edge; never reaches here
    const mine: StoredField = local[field] ?? { value: undefined, clock: null };
    const mineOrigin = mine.origin ?? mine.clock;
    const decide = (winner: Winner, reason: DecisionReason, localClock = mine.clock) =>
      decisions.push({ field, localValue: mine.value, remoteValue: value, localClock, remoteClock: raw, winner, reason });

    // This shop's own earlier write, or a replay of it: its writes are ordered by its own clock.
    const ownPrevious = nodeOf(mineOrigin) === seat.shopNode;
    if (mineOrigin === raw || (ownPrevious && raw <= (mineOrigin ?? ''))) continue;
    const base = write.baseClocks?.[field];
    const successorWrite = mine.clock === null || ownPrevious || (base !== undefined && (base === mine.clock || base === mine.origin));
    const { clock: effective, far } = boundShopClock(raw, seat);
    // A clock far ahead never wins a contest; a correction made after seeing our value needs none.
    if (far && !successorWrite) {
      held[field] = value;
      if (!same(mine.value, value)) decide('held', 'clock_far_ahead');
      continue;
    }

    const change = (clock: string): FieldChange => ({ value, clock, origin: clock === raw ? null : raw });
    if (field === 'status' && mine.value === finalStatus && value !== finalStatus) {
      decide('local', 'recall_final');
      continue;
    }
    if (field === 'status' && value === finalStatus && mine.value !== finalStatus) {
      apply[field] = change(later(effective, mine.clock) ? effective : mine.clock!);
      continue;
    }
    if (same(mine.value, value)) {
      if (later(effective, mine.clock)) apply[field] = change(effective);
      continue;
    }
    if (successorWrite) {
      // Made after its writer saw our value: it wins, stamped above the value it replaces if its clock lagged.
      const clock = later(effective, mine.clock) ? effective : encodeHlc(successor(parseHlc(mine.clock)!, seat.shopNode));
      apply[field] = change(clock);
    } else if (later(effective, mine.clock)) {
      apply[field] = change(effective);
      decide('remote', 'newer_clock');
    } else {
      decide('local', 'older_clock');
    }
  }
  return { apply, decisions, held };
}

export interface ShopSeat {
  /** This shop's code: a stored clock of this node is this shop's own write. */
  selfNode: string;
  /** Fields changed here and not yet acknowledged: head office has not seen them, so it cannot have decided them. */
  pending: ReadonlySet<string>;
  finalStatus?: string;
}

/**
 * A shop takes head office's values: head office has merged every shop's
 * writes already, so it is the reference. Only a field changed here and not
 * yet acknowledged is kept (head office will decide it and say so), and a
 * recalled lot stays recalled. When head office kept another value than one
 * this shop wrote, the shop's log says so.
 */
export function adoptFromHq(local: Record<string, StoredField>, write: RemoteWrite, seat: ShopSeat): MergeResult {
  const apply: MergeResult['apply'] = {};
  const decisions: Decision[] = [];
  const finalStatus = seat.finalStatus ?? 'recalled';
  for (const [field, value] of Object.entries(write.values)) {
    const clock = write.clocks[field];
    if (!clock || !parseHlc(clock)) continue;
    if (seat.pending.has(field)) continue;
    const mine: StoredField = local[field] ?? { value: undefined, clock: null };
    if (mine.clock === clock && same(mine.value, value)) continue;
    // Head office's clocks for a field only grow in its feed: an older one over a value that came from head office is
    // a page read again (a new feed epoch), not news. Over this shop's own write it is head office's decision: taken.
    if (mine.clock !== null && clock < mine.clock && nodeOf(mine.clock) !== seat.selfNode) continue;
    if (field === 'status' && mine.value === finalStatus && value !== finalStatus) {
      decisions.push({ field, localValue: mine.value, remoteValue: value, localClock: mine.clock, remoteClock: clock, winner: 'local', reason: 'recall_final' });
      continue;
    }
    apply[field] = { value, clock, origin: null };
    const base = write.baseClocks?.[field];
    if (!same(mine.value, value) && nodeOf(mine.clock) === seat.selfNode && base !== mine.clock) {
      decisions.push({ field, localValue: mine.value, remoteValue: value, localClock: mine.clock, remoteClock: clock, winner: 'remote', reason: 'decided_by_hq' });
    }
  }
  return { apply, decisions, held: {} };
}

/** Exponential backoff with jitter (half to all of 30 s, 1 min, 2 min… capped at 15 min), so shops do not retry in step. */
export function backoffMs(failures: number, random: number): number {
  const ceiling = Math.min(15 * 60_000, 30_000 * 2 ** Math.max(0, failures - 1));
  return Math.round(ceiling / 2 + (ceiling / 2) * random);
}

/** A row as merges see it: its merged fields' values, clocks and (head office) writer clocks. */
export interface MergeTarget {
  values: Record<string, unknown>;
  fieldClocks: Record<string, string>;
  fieldOrigins?: Record<string, string> | undefined;
  /** The row's clock: the clock of a field written before field clocks were kept. */
  hlc: string;
}

export function storedFields(row: MergeTarget, fields: readonly string[]): Record<string, StoredField> {
  return Object.fromEntries(
    fields.map((f) => [f, { value: row.values[f], clock: row.fieldClocks[f] ?? row.hlc, origin: row.fieldOrigins?.[f] ?? null }]),
  );
}

/** The row after a merge: values, field clocks and writer clocks with the applied changes in. */
export function mergedRow(row: MergeTarget, result: MergeResult) {
  const values = { ...row.values };
  const fieldClocks = { ...row.fieldClocks };
  const fieldOrigins = { ...(row.fieldOrigins ?? {}) };
  let hlc = row.hlc;
  for (const [f, a] of Object.entries(result.apply)) {
    values[f] = a.value;
    fieldClocks[f] = a.clock;
    if (a.origin) fieldOrigins[f] = a.origin;
    else delete fieldOrigins[f];
    if (a.clock > hlc) hlc = a.clock;
  }
  return { values, fieldClocks, fieldOrigins, hlc, changed: Object.keys(result.apply).length > 0 };
}

export function pickFields(source: object, fields: readonly string[]): Record<string, unknown> {
  const s = source as Record<string, unknown>;
  return Object.fromEntries(fields.filter((f) => s[f] !== undefined).map((f) => [f, s[f]]));
}

/** The fields a local edit really changes. */
export function changedFields<T extends object>(current: T, next: Partial<T>): (keyof T & string)[] {
  return (Object.keys(next) as (keyof T & string)[]).filter((k) => next[k] !== undefined && next[k] !== current[k]);
}

/** The clocks a local edit replaces: it must be stamped above each of them. */
export function replacedClocks(current: { fieldClocks: Record<string, string>; hlc: string }, changed: readonly string[]): string[] {
  return changed.map((k) => current.fieldClocks[k] ?? current.hlc);
}

/**
 * A local edit's clocks: each changed field takes the edit's clock, and the
 * clock it replaced travels as its base, so the other side can tell a
 * successor from a concurrent write. Only the changed fields' clocks travel.
 */
export function editClocks(
  current: { fieldClocks: Record<string, string>; hlc: string },
  next: object,
  changed: readonly string[],
  hlc: string,
) {
  const fieldClocks = { ...current.fieldClocks };
  for (const k of changed) fieldClocks[k] = hlc;
  return {
    fieldClocks,
    clocks: Object.fromEntries(changed.map((k) => [k, hlc])),
    baseClocks: Object.fromEntries(changed.map((k) => [k, current.fieldClocks[k] ?? current.hlc])),
    fields: Object.fromEntries(changed.map((k) => [k, (next as Record<string, unknown>)[k]])),
  };
}

