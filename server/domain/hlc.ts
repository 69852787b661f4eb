/**
 * Hybrid logical clock (Kulkarni et al.): physical milliseconds plus a
 * counter, so causal order survives a wall clock that jumps back. Encoded as
 * a fixed-width string that sorts like the clock: `wall:counter:node`.
 */
export interface Hlc {
  wall: number;
  counter: number;
  node: string;
}

const WALL_DIGITS = 15;
const COUNTER_DIGITS = 6;
/** The counter never widens the encoding: past this, the wall moves on by 1 ms instead. */
export const MAX_COUNTER = 10 ** COUNTER_DIGITS - 1;
export const HLC_PATTERN = /^(\d{15}):(\d{6}):([A-Z0-9]{2,12})$/;
// Walls outside these are not clocks but damage (2000-01-01 … 2200-01-01).
const MIN_WALL = 946_684_800_000;
const MAX_WALL = 7_258_118_400_000;

export function encodeHlc(h: Hlc): string {
  return `${String(h.wall).padStart(WALL_DIGITS, '0')}:${String(h.counter).padStart(COUNTER_DIGITS, '0')}:${h.node}`;
}

/** The clock, or undefined when the text is not one (bad format, wall out of range). */
export function parseHlc(s: unknown): Hlc | undefined {
  if (typeof s !== 'string') return undefined;
  const m = HLC_PATTERN.exec(s);
  if (!m) return undefined;
  const wall = Number(m[1]);
  if (wall < MIN_WALL || wall > MAX_WALL) return undefined;
  return { wall, counter: Number(m[2]), node: m[3]! };
}

export function decodeHlc(s: string): Hlc {
  const m = /^(\d{15}):(\d{6}):(.+)$/.exec(s);
  if (!m) throw new Error(`malformed HLC: ${s}`);
  return { wall: Number(m[1]), counter: Number(m[2]), node: m[3]! };
}

export function compareHlc(a: Hlc, b: Hlc): number {
  if (a.wall !== b.wall) return a.wall < b.wall ? -1 : 1;
  if (a.counter !== b.counter) return a.counter < b.counter ? -1 : 1;
  return a.node < b.node ? -1 : a.node > b.node ? 1 : 0;
}

/** One step after (wall, counter): the counter, or the next millisecond when it is full. */
function after(wall: number, counter: number, node: string): Hlc {
  return counter >= MAX_COUNTER ? { wall: wall + 1, counter: 0, node } : { wall, counter: counter + 1, node };
}

/** The clock for a local event at wall time `now`. */
export function tick(last: Hlc, now: number, node: string): Hlc {
  if (now > last.wall) return { wall: now, counter: 0, node };
  return after(last.wall, last.counter, node);
}

/** The clock after receiving `remote`: ahead of both, and of the wall. */
export function receive(last: Hlc, remote: Hlc, now: number, node: string): Hlc {
  const wall = Math.max(last.wall, remote.wall, now);
  if (wall === last.wall && wall === remote.wall) return after(wall, Math.max(last.counter, remote.counter), node);
  if (wall === last.wall) return after(wall, last.counter, node);
  if (wall === remote.wall) return after(wall, remote.counter, node);
  return { wall, counter: 0, node };
}

/** The first clock of `node` strictly above `clock`. */
export function successor(clock: Hlc, node: string): Hlc {
  return after(clock.wall, clock.counter, node);
}

export const zeroHlc = (node: string): Hlc => ({ wall: 0, counter: 0, node });

/**
 * The newest of these clocks that `node` itself wrote: what a node may send
 * as its own when it sends a row again (a clock head office stamped on the
 * row, from a recall or a correction, is head office's, not the shop's).
 */
export function newestOwnClock(clocks: Iterable<string | null | undefined>, node: string): string | undefined {
  let best: Hlc | undefined;
  for (const c of clocks) {
    const h = parseHlc(c);
    if (h && h.node === node && (!best || compareHlc(h, best) > 0)) best = h;
  }
  return best ? encodeHlc(best) : undefined;
}
