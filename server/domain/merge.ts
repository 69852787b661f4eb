import { decodeHlc } from './hlc.js';

/** A change whose clock is more than this ahead of ours never wins (design.md principle 6). */
export const FAR_FUTURE_MS = 86_400_000;

export type Winner = 'local' | 'remote' | 'held';

export type DecisionReason =
  | 'newer_clock' // concurrent writes: the later clock wins
  | 'older_clock' // concurrent writes: ours is later
  | 'recall_final' // a recalled lot stays recalled
  | 'recall_wins' // a recall beats any other status
  | 'clock_far_ahead' // the remote clock is more than a day ahead: held
  | 'changed_only_here' // the row was edited on both sides, this field only here
  | 'changed_only_there'; // ... and this field only on the other side

export interface Decision {
  field: string;
  localValue: unknown;
  remoteValue: unknown;
  localClock: string | null;
  remoteClock: string;
  winner: Winner;
  reason: DecisionReason;
}

export interface LocalField {
  value: unknown;
  clock: string | null;
}

export interface RemoteRow {
  values: Record<string, unknown>;
  clocks: Record<string, string>;
  /** The clock of each field as the writer saw it before writing: tells a successor from a concurrent write. */
  baseClocks?: Record<string, string>;
}

export interface MergeResult {
  apply: Record<string, { value: unknown; clock: string }>;
  decisions: Decision[];
  held: boolean;
}

const wall = (clock: string) => decodeHlc(clock).wall;
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Field-by-field last-writer-wins on hybrid logical clocks (ties broken by
 * node id, which the encoding sorts last). Every discarded concurrent value
 * becomes a decision to log; replays of a write already merged change nothing.
 */
export function mergeRow(local: Record<string, LocalField>, remote: RemoteRow, nowWall: number, finalStatus = 'recalled'): MergeResult {
  const apply: MergeResult['apply'] = {};
  const decisions: Decision[] = [];
  let held = false;
  const bases = Object.values(remote.baseClocks ?? {});
  const seenUpTo = bases.length > 0 ? bases.reduce((a, b) => (a > b ? a : b)) : null;

  for (const [field, remoteValue] of Object.entries(remote.values)) {
    const remoteClock = remote.clocks[field];
    if (!remoteClock) continue;
    const mine = local[field] ?? { value: undefined, clock: null };
    if (mine.clock === remoteClock) continue; // the same write again
    const decide = (winner: Winner, reason: DecisionReason) =>
      decisions.push({ field, localValue: mine.value, remoteValue, localClock: mine.clock, remoteClock, winner, reason });

    if (wall(remoteClock) > nowWall + FAR_FUTURE_MS) {
      held = true;
      decide('held', 'clock_far_ahead');
      continue;
    }
    if (field === 'status' && mine.value === finalStatus && remoteValue !== finalStatus) {
      decide('local', 'recall_final');
      continue;
    }
    if (field === 'status' && remoteValue === finalStatus && mine.value !== finalStatus) {
      apply[field] = { value: remoteValue, clock: remoteClock > (mine.clock ?? '') ? remoteClock : mine.clock! };
      if (mine.clock && remoteClock < mine.clock) decide('remote', 'recall_wins');
      continue;
    }
    const base = remote.baseClocks?.[field];
    const concurrent = base === undefined ? !same(mine.value, remoteValue) : base !== mine.clock;
    if (mine.clock === null || remoteClock > mine.clock) {
      apply[field] = { value: remoteValue, clock: remoteClock };
      if (concurrent && mine.clock !== null && !same(mine.value, remoteValue)) decide('remote', 'newer_clock');
    } else if (concurrent && !same(mine.value, remoteValue)) {
      decide('local', 'older_clock');
    }
  }

  // A row edited on both sides, on different fields: say what each side kept.
  if (seenUpTo !== null) {
    const editedHere = Object.entries(local).filter(([f, l]) => !(f in remote.values) && l.clock !== null && l.clock > seenUpTo);
    if (editedHere.length > 0) {
      for (const [field, l] of editedHere) {
        decisions.push({ field, localValue: l.value, remoteValue: undefined, localClock: l.clock, remoteClock: seenUpTo, winner: 'local', reason: 'changed_only_here' });
      }
      for (const [field, change] of Object.entries(apply)) {
        if (!decisions.some((d) => d.field === field)) {
          decisions.push({ field, localValue: local[field]?.value, remoteValue: change.value, localClock: local[field]?.clock ?? null, remoteClock: change.clock, winner: 'remote', reason: 'changed_only_there' });
        }
      }
    }
  }
  return { apply, decisions, held };
}

/** Exponential backoff with jitter (half to all of 30 s, 1 min, 2 min… capped at 15 min), so shops do not retry in step. */
export function backoffMs(failures: number, random: number): number {
  const ceiling = Math.min(15 * 60_000, 30_000 * 2 ** Math.max(0, failures - 1));
  return Math.round(ceiling / 2 + (ceiling / 2) * random);
}

export interface MergeTarget {
  /** The row's current values of its merged fields. */
  values: Record<string, unknown>;
  fieldClocks: Record<string, string>;
  /** The row's clock: the clock of a field written before field clocks were kept. */
  hlc: string;
}

export interface MergeInput {
  values: Record<string, unknown>;
  clocks?: Record<string, string> | undefined;
  baseClocks?: Record<string, string> | undefined;
  /** The change's clock: the clock of any field the change does not date itself. */
  hlc: string;
}

/**
 * A change merged into a row, field by field: the row's values and field
 * clocks after it, and the decisions to log. One function for both sides.
 */
export function mergeInto(row: MergeTarget, fields: readonly string[], change: MergeInput, nowWall: number) {
  const local: Record<string, LocalField> = Object.fromEntries(fields.map((f) => [f, { value: row.values[f], clock: row.fieldClocks[f] ?? row.hlc }]));
  const values = Object.fromEntries(Object.entries(change.values).filter(([f, v]) => fields.includes(f) && v !== undefined));
  const clocks = Object.fromEntries(Object.keys(values).map((f) => [f, change.clocks?.[f] ?? change.hlc]));
  const merged = mergeRow(local, { values, clocks, ...(change.baseClocks ? { baseClocks: change.baseClocks } : {}) }, nowWall);
  const next = { ...row.values };
  const fieldClocks = { ...row.fieldClocks };
  for (const [f, a] of Object.entries(merged.apply)) {
    next[f] = a.value;
    fieldClocks[f] = a.clock;
  }
  return {
    ...merged,
    changed: Object.keys(merged.apply).length > 0,
    values: next,
    fieldClocks,
    incoming: { values, clocks },
    hlc: row.hlc > change.hlc ? row.hlc : change.hlc,
  };
}

/** The fields a local edit really changes. */
export function changedFields<T extends object>(current: T, next: Partial<T>): (keyof T & string)[] {
  return (Object.keys(next) as (keyof T & string)[]).filter((k) => next[k] !== undefined && next[k] !== current[k]);
}

/**
 * A local edit's clocks: each changed field takes the edit's clock, and the
 * clock it replaced travels as its base, so the other side can tell a
 * successor from a concurrent write.
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
    baseClocks: Object.fromEntries(changed.map((k) => [k, current.fieldClocks[k] ?? current.hlc])),
    fields: Object.fromEntries(changed.map((k) => [k, (next as Record<string, unknown>)[k]])),
  };
}
