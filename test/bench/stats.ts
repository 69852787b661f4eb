/** The p-th fraction (0.5, 0.95, 0.99) of these timings, nearest rank from below; NaN for none. */
export const pct = (xs: readonly number[], p: number): number =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] ?? NaN;
