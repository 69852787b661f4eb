/**
 * How long a call to head office may take over a shop's link, and how often
 * a shop whose link dropped asks whether it is back. Pure: the sync client
 * and the job runner take their numbers from here (docs/sync.md, « Over a
 * shop's link »).
 *
 * A fixed deadline is wrong both ways: too short for a big page over a slow
 * link (at 32 kbit/s, 270 KB needs 70 s), too long to notice a dead one. So a
 * request gets a deadline for its answer to begin that grows with what it
 * sends, and its answer a deadline that grows with what head office says it
 * will send, both counted at half the slowest link a shop is served over;
 * while the answer arrives, a stall (no byte for `IDLE_MS`) ends it sooner.
 */

/** Half of 32 kbit/s (GPRS, a 3G cell at its worst), in bytes per second: the rate every deadline allows. */
export const SLOWEST_RATE_BYTES_PER_S = 2_000;
/** Opening a connection (TCP, then TLS: three round trips of up to a second each on a bad cell). */
export const CONNECT_MS = 10_000;
/** Head office's own work on one request (applying 2 000 changes under load). */
export const SERVER_MS = 30_000;
/** No byte of the answer for this long: the link is dead, whatever the deadline says. */
export const IDLE_MS = 20_000;

export interface Deadlines {
  /** From sending the request to the answer's headers. */
  answerMs: number;
  /** Longest silence while the answer's body arrives. */
  idleMs: number;
}

const atSlowestRate = (bytes: number) => Math.ceil((bytes / SLOWEST_RATE_BYTES_PER_S) * 1000);

/** The deadline of a request that sends `sendBytes` (its body as it goes on the wire, gzipped); `serverMs` for a slower kind of call. */
export function requestDeadlines(sendBytes: number, serverMs = SERVER_MS): Deadlines {
  return { answerMs: CONNECT_MS + serverMs + atSlowestRate(Math.max(0, sendBytes)), idleMs: IDLE_MS };
}

/** Once the headers say how long the answer is (Content-Length as sent): the time its body may take. */
export function bodyDeadlineMs(receiveBytes: number | undefined): number {
  // Without a length (a proxy that re-chunks), only the idle timeout applies, up to a page at the slowest rate.
  return IDLE_MS + atSlowestRate(receiveBytes ?? 1024 * 1024);
}

/** A probe (GET /healthz, a few hundred bytes) answers well within this, or the link is still down. */
export const PROBE_TIMEOUT_MS = 8_000;

/**
 * How long after the last probe the next one goes, once pushes failed for
 * want of a link `downForMs` ago: every 5 s for the first two minutes (a 3G
 * cell handing over, a modem reconnecting), then every 30 s, so 200 shops
 * cut off by head office's own outage cost it a few requests a second.
 */
export function probeIntervalMs(downForMs: number): number {
  return downForMs < 120_000 ? 5_000 : 30_000;
}
