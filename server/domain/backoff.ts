import { isIPv4, isIPv6 } from 'node:net';

/**
 * How wrong secrets slow a subject down (an address, a shop, an account at
 * an address). Each checked attempt raises the subject's level by one; the
 * level leaks away by one every `leakMs`; from `free` on, each attempt makes
 * the next wait `baseMs`, doubled every time, up to `capMs`. Nothing locks:
 * the wait only ever delays the next check, and leaks away with time.
 */
export interface Policy {
  free: number;
  baseMs: number;
  capMs: number;
  leakMs: number;
}

const S = 1000;
const MIN = 60 * S;

/**
 * The policies, and why. A 4-digit PIN has 10,000 values: what matters is
 * the rate an attacker can sustain, bounded by the leak and by the cap.
 */
export const POLICIES = {
  /** Every PIN typed from one address (a till, a phone): 5 free, then 1 s, 2 s … 15 min; about 6 an hour sustained. */
  pinAddress: { free: 5, baseMs: S, capMs: 15 * MIN, leakMs: 10 * MIN },
  /** Every PIN naming one account from one address (a login that chose a user). */
  pinAccount: { free: 5, baseMs: S, capMs: 15 * MIN, leakMs: 10 * MIN },
  /**
   * Every wrong PIN in the shop, from anywhere: what stops a walk spread over
   * many addresses. Looser (a shop's day has typos), and capped at 5 min so
   * that an attack delays the tills' sign-in, never locks it: ~12 an hour sustained.
   */
  pinShop: { free: 15, baseMs: S, capMs: 5 * MIN, leakMs: 10 * MIN },
  /** A signed-in person asking for a manager's approval: its own failures, wherever typed. */
  pinApproval: { free: 3, baseMs: 2 * S, capMs: 15 * MIN, leakMs: 10 * MIN },
  /** Head office: every password from one address (several people behind one office NAT). */
  passwordAddress: { free: 10, baseMs: S, capMs: 15 * MIN, leakMs: 5 * MIN },
  /** Head office: one login (known or not, alike) from one address. */
  passwordAccount: { free: 5, baseMs: S, capMs: 15 * MIN, leakMs: 10 * MIN },
  /** Bearer tokens (a shop's, head office's admin): a misconfigured shop retries every minute. */
  tokenAddress: { free: 10, baseMs: S, capMs: 15 * MIN, leakMs: MIN },
} as const satisfies Record<string, Policy>;

export interface BucketState {
  level: number;
  updatedAt: Date | null;
  blockedUntil: Date | null;
}

/** The level as it stands now, after leaking since it was last written. */
export function levelAt(s: BucketState, now: Date, p: Policy): number {
  if (!s.updatedAt) return s.level;
  const leaked = Math.max(0, now.getTime() - s.updatedAt.getTime()) / p.leakMs;
  return Math.max(0, s.level - leaked);
}

/** The wait set after an attempt that left the level at `level`. */
export function delayAfter(level: number, p: Policy): number {
  // Rounded: a level that has barely leaked since the last attempt still counts that attempt whole.
  const over = Math.round(level) - p.free;
  if (over < 0) return 0;
  return Math.min(p.capMs, p.baseMs * 2 ** Math.min(over, 30));
}

export type TakeResult =
  | { allowed: false; until: Date }
  | { allowed: true; level: number; blockedUntil: Date | null; fresh: boolean };

/**
 * One attempt at a subject: refused unchecked while the subject waits
 * (without counting, so a refused flood never lengthens the wait), else
 * counted before the secret is checked (so parallel guesses cannot outrun
 * the count) and the next wait set. `fresh`: the level had leaked to nothing.
 */
export function take(s: BucketState, now: Date, p: Policy): TakeResult {
  if (s.blockedUntil && s.blockedUntil > now) return { allowed: false, until: s.blockedUntil };
  const before = levelAt(s, now, p);
  const level = before + 1;
  const delay = delayAfter(level, p);
  return { allowed: true, level, blockedUntil: delay > 0 ? new Date(now.getTime() + delay) : null, fresh: before < 1 };
}

/** A burst is told once an hour at most, from the moment the free attempts are spent. */
export const ALERT_EVERY_MS = 60 * MIN;

export function shouldAlert(level: number, alertedAt: Date | null, now: Date, p: Policy): boolean {
  return Math.round(level) >= p.free && (!alertedAt || now.getTime() - alertedAt.getTime() >= ALERT_EVERY_MS);
}

/** "3 min", "40 s": how long to wait, rounded up. */
export function waitText(ms: number): { value: number; unit: 's' | 'min' } {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  return seconds < 120 ? { value: seconds, unit: 's' } : { value: Math.ceil(seconds / 60), unit: 'min' };
}

function expandIpv6(address: string): string[] | undefined {
  let a = address;
  // A trailing dotted quad (::ffff:1.2.3.4, 64:ff9b::1.2.3.4) becomes two groups.
  const quad = /(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  if (quad) {
    const [b0, b1, b2, b3] = quad[1]!.split('.').map(Number) as [number, number, number, number];
    a = `${a.slice(0, -quad[1]!.length)}${((b0 << 8) | b1).toString(16)}:${((b2 << 8) | b3).toString(16)}`;
  }
  const halves = a.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const fill = halves.length === 2 ? 8 - head.length - tail.length : 0;
  const groups = [...head, ...Array<string>(Math.max(0, fill)).fill('0'), ...tail];
  return groups.length === 8 ? groups.map((g) => g.toLowerCase().replace(/^0+(?=.)/, '')) : undefined;
}

/**
 * The address a request is counted under. IPv4 as it is (an IPv4-mapped
 * IPv6 address is its IPv4); IPv6 by its /64, since one machine holds a whole
 * /64 and can speak from any of its 2^64 addresses.
 */
export function addressKey(ip: string | undefined): string {
  if (!ip) return 'unknown';
  const bare = ip.replace(/%.*$/, '').replace(/^\[|\]$/g, '');
  if (isIPv4(bare)) return bare;
  if (!isIPv6(bare)) return 'unknown';
  const groups = expandIpv6(bare);
  if (!groups) return 'unknown';
  if (groups.slice(0, 5).every((g) => g === '0') && groups[5] === 'ffff') {
    const [hi, lo] = [parseInt(groups[6]!, 16), parseInt(groups[7]!, 16)];
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  if (groups.slice(0, 7).every((g) => g === '0') && groups[7] === '1') return '::1';
  return `${groups.slice(0, 4).join(':')}::/64`;
}
