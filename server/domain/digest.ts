import { addDays, dateInZone, type IsoDate } from './dates.js';

/**
 * What one calendar day of a shop holds, summed the same way at both ends:
 * counts and sums catch a lost or altered row, the id hashes catch a row
 * swapped for another with the same amounts.
 */
export interface DayDigest {
  day: IsoDate;
  sales: { count: number; total: number; voided: number; ids: string };
  items: { count: number; quantity: number; total: number; ids: string };
  /** Per lot: count and sum of movements, hashed in lot order. */
  movements: { count: number; delta: number; lots: string; ids: string };
}

export const NIGHTLY_DAYS = 30;
/** The nightly run starts at 02:00 in the shop's time zone: after closing, before the 03:00 backup. */
export const NIGHTLY_HOUR = 2;

const EMPTY_HASH = '';

export function emptyDigest(day: IsoDate): DayDigest {
  return {
    day,
    sales: { count: 0, total: 0, voided: 0, ids: EMPTY_HASH },
    items: { count: 0, quantity: 0, total: 0, ids: EMPTY_HASH },
    movements: { count: 0, delta: 0, lots: EMPTY_HASH, ids: EMPTY_HASH },
  };
}

/** The last `n` calendar days in the shop's time zone, oldest first, today included. */
export function recentDays(now: Date, timeZone: string, n = NIGHTLY_DAYS): IsoDate[] {
  const today = dateInZone(now, timeZone);
  return Array.from({ length: n }, (_, i) => addDays(today, i - n + 1));
}

const canonical = (d: DayDigest) =>
  JSON.stringify([
    d.sales.count, Number(d.sales.total), d.sales.voided, d.sales.ids,
    d.items.count, Number(d.items.quantity), Number(d.items.total), d.items.ids,
    d.movements.count, Number(d.movements.delta), d.movements.lots, d.movements.ids,
  ]);

/** The days whose digests differ; a day one side does not name counts as empty there. */
export function differingDays(mine: readonly DayDigest[], theirs: readonly DayDigest[]): IsoDate[] {
  const other = new Map(theirs.map((d) => [d.day, d]));
  return mine.filter((d) => canonical(d) !== canonical(other.get(d.day) ?? emptyDigest(d.day))).map((d) => d.day).sort();
}

/** Merges per-feature rows into one digest a day, every asked day present (empty when nothing happened). */
export function assembleDigests(
  days: readonly IsoDate[],
  sales: readonly ({ day: IsoDate } & DayDigest['sales'])[],
  items: readonly ({ day: IsoDate } & DayDigest['items'])[],
  movements: readonly ({ day: IsoDate } & DayDigest['movements'])[],
): DayDigest[] {
  const byDay = new Map(days.map((d) => [d, emptyDigest(d)]));
  for (const { day, ...s } of sales) if (byDay.has(day)) byDay.get(day)!.sales = s;
  for (const { day, ...i } of items) if (byDay.has(day)) byDay.get(day)!.items = i;
  for (const { day, ...m } of movements) if (byDay.has(day)) byDay.get(day)!.movements = m;
  return [...byDay.values()];
}

/**
 * When the nightly run should last have started, at or before `now`: today's
 * 02:00 in the shop's zone if past, else yesterday's. A shop off at 02:00
 * runs it at its next start, when its last run is older than this.
 */
export function lastNightlySlot(now: Date, timeZone: string, hour = NIGHTLY_HOUR): Date {
  const today = dateInZone(now, timeZone);
  const slot = zonedInstant(today, hour, timeZone);
  return slot.getTime() <= now.getTime() ? slot : zonedInstant(addDays(today, -1), hour, timeZone);
}

export function nightlyDue(now: Date, timeZone: string, lastRunAt: Date | null): boolean {
  return lastRunAt === null || lastRunAt.getTime() < lastNightlySlot(now, timeZone).getTime();
}

/** The instant a wall-clock hour of a date is in a time zone (the zone's offset that day). */
export function zonedInstant(date: IsoDate, hour: number, timeZone: string): Date {
  const guess = new Date(`${date}T${String(hour).padStart(2, '0')}:00:00Z`);
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
      .formatToParts(guess)
      .map((p) => [p.type, p.value]),
  );
  const seen = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute));
  return new Date(guess.getTime() - (seen - guess.getTime()));
}
