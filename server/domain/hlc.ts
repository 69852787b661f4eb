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

export function encodeHlc(h: Hlc): string {
  return `${String(h.wall).padStart(WALL_DIGITS, '0')}:${String(h.counter).padStart(COUNTER_DIGITS, '0')}:${h.node}`;
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

/** The clock for a local event at wall time `now`. */
export function tick(last: Hlc, now: number, node: string): Hlc {
  if (now > last.wall) return { wall: now, counter: 0, node };
  return { wall: last.wall, counter: last.counter + 1, node };
}

/** The clock after receiving `remote`: ahead of both, and of the wall. */
export function receive(last: Hlc, remote: Hlc, now: number, node: string): Hlc {
  const wall = Math.max(last.wall, remote.wall, now);
  let counter = 0;
  if (wall === last.wall && wall === remote.wall) counter = Math.max(last.counter, remote.counter) + 1;
  else if (wall === last.wall) counter = last.counter + 1;
  else if (wall === remote.wall) counter = remote.counter + 1;
  return { wall, counter, node };
}

export const zeroHlc = (node: string): Hlc => ({ wall: 0, counter: 0, node });
