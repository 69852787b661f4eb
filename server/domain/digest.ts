import { addDays, dateInZone, type IsoDate } from './dates.js';

/**
 * What one entity of one calendar day of a shop holds, summed the same way at
 * both ends: the count and sum catch a lost or altered row, the hash of ids
 * (with what may change of a row: a sale's status, a session's closing)
 * catches a row swapped for another with the same amounts.
 */
export interface EntityDigest {
  count: number;
  sum: number;
  hash: string;
}

/** One day of a shop: a digest per covered entity (server/sync/coverage.ts), every one named, empty ones too. */
export interface DayDigest {
  day: IsoDate;
  entities: Record<string, EntityDigest>;
}

export const NIGHTLY_DAYS = 30;
/** The nightly run starts at 02:00 in the shop's time zone: after closing, before the 03:00 backup. */
export const NIGHTLY_HOUR = 2;

const EMPTY: EntityDigest = { count: 0, sum: 0, hash: '' };

/** The last `n` calendar days in the shop's time zone, oldest first, today included. */
export function recentDays(now: Date, timeZone: string, n = NIGHTLY_DAYS): IsoDate[] {
  const today = dateInZone(now, timeZone);
  return Array.from({ length: n }, (_, i) => addDays(today, i - n + 1));
}

const same = (a: EntityDigest, b: EntityDigest) => a.count === b.count && Number(a.sum) === Number(b.sum) && a.hash === b.hash;

/**
 * The entities that differ, per day, over the entities the shop named: a
 * shop newer than head office names entities head office cannot check
 * (`known`), and those are left out rather than reported for ever.
 */
export function differingEntities(mine: readonly DayDigest[], theirs: readonly DayDigest[], known: ReadonlySet<string>): { day: IsoDate; entities: string[] }[] {
  const other = new Map(theirs.map((d) => [d.day, d]));
  return mine
    .map((d) => ({
      day: d.day,
      entities: Object.keys(d.entities).filter((e) => known.has(e) && !same(d.entities[e]!, other.get(d.day)?.entities[e] ?? EMPTY)),
    }))
    .filter((d) => d.entities.length > 0)
    .sort((a, b) => (a.day < b.day ? -1 : 1));
}

/** Merges per-entity rows into one digest a day, every asked day present and every entity named (empty when nothing happened). */
export function assembleDigests(days: readonly IsoDate[], perEntity: Readonly<Record<string, readonly ({ day: string } & EntityDigest)[]>>): DayDigest[] {
  const byDay = new Map(days.map((d) => [d, { day: d, entities: Object.fromEntries(Object.keys(perEntity).map((e) => [e, EMPTY])) } as DayDigest]));
  for (const [entity, rows] of Object.entries(perEntity)) {
    for (const { day, count, sum, hash } of rows) {
      const d = byDay.get(day);
      if (d) d.entities[entity] = { count, sum: Number(sum), hash: hash ?? '' };
    }
  }
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
