export type Health = 'ok' | 'amber' | 'red' | 'offline';

const DAY = 86_400_000;

/** Amber after a day without success (or with a change waiting that long), red after three: at the shop and at head office alike. */
export function healthOfLateness(lateMs: number): Exclude<Health, 'offline'> {
  return lateMs > 3 * DAY ? 'red' : lateMs > DAY ? 'amber' : 'ok';
}

/** A shop as head office sees it: by its last successful contact; never heard from is red. */
export function shopHealth(lastContactAt: Date | null, now: Date): Exclude<Health, 'offline'> {
  return lastContactAt ? healthOfLateness(now.getTime() - lastContactAt.getTime()) : 'red';
}
