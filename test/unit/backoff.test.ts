import { describe, expect, it } from 'vitest';
import { addressKey, delayAfter, levelAt, POLICIES, shouldAlert, take, waitText, type BucketState } from '../../server/domain/backoff.js';

const p = POLICIES.pinAddress;
const at = (iso: string) => new Date(iso);

describe('the backoff of wrong secrets', () => {
  it('lets the free attempts through, then doubles the wait from one second up to its cap', () => {
    expect([1, 2, 3, 4].map((l) => delayAfter(l, p))).toEqual([0, 0, 0, 0]);
    expect([5, 6, 7, 8].map((l) => delayAfter(l, p))).toEqual([1000, 2000, 4000, 8000]);
    expect(delayAfter(40, p)).toBe(15 * 60_000);
    expect(delayAfter(10_000, p)).toBe(15 * 60_000);
  });

  it('refuses an attempt while its subject waits, without counting it, so a flood never lengthens the wait', () => {
    const s: BucketState = { level: 5, updatedAt: at('2026-01-01T10:00:00Z'), blockedUntil: at('2026-01-01T10:00:01Z') };
    expect(take(s, at('2026-01-01T10:00:00.500Z'), p)).toEqual({ allowed: false, until: s.blockedUntil });
    const next = take(s, at('2026-01-01T10:00:01Z'), p);
    expect(next).toMatchObject({ allowed: true, blockedUntil: at('2026-01-01T10:00:03Z'), fresh: false });
  });

  it('forgets with time only: one failure leaks away every ten minutes', () => {
    const s: BucketState = { level: 6, updatedAt: at('2026-01-01T10:00:00Z'), blockedUntil: null };
    expect(levelAt(s, at('2026-01-01T10:30:00Z'), p)).toBeCloseTo(3);
    expect(levelAt(s, at('2026-01-01T12:00:00Z'), p)).toBe(0);
    expect(take(s, at('2026-01-01T12:00:00Z'), p)).toMatchObject({ allowed: true, level: 1, blockedUntil: null, fresh: true });
  });

  it('tells a burst once the free attempts are spent, then at most once an hour', () => {
    const now = at('2026-01-01T10:00:00Z');
    expect(shouldAlert(4, null, now, p)).toBe(false);
    expect(shouldAlert(5, null, now, p)).toBe(true);
    expect(shouldAlert(9, at('2026-01-01T09:30:00Z'), now, p)).toBe(false);
    expect(shouldAlert(9, at('2026-01-01T08:59:00Z'), now, p)).toBe(true);
  });

  it('says how long to wait in seconds, then in minutes', () => {
    expect(waitText(1)).toEqual({ value: 1, unit: 's' });
    expect(waitText(90_500)).toEqual({ value: 91, unit: 's' });
    expect(waitText(15 * 60_000)).toEqual({ value: 15, unit: 'min' });
  });
});

describe('the address a guess counts under', () => {
  it('keeps IPv4 as it is, and an IPv4-mapped IPv6 address as its IPv4', () => {
    expect(addressKey('192.168.1.23')).toBe('192.168.1.23');
    expect(addressKey('::ffff:192.168.1.23')).toBe('192.168.1.23');
    expect(addressKey('::1')).toBe('::1');
  });

  it('counts every address of one IPv6 /64 as one, however it is written', () => {
    const a = addressKey('2001:db8:1:2::a');
    expect(a).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:0DB8:0001:0002:ffff:1:2:3')).toBe(a);
    expect(addressKey('[2001:db8:1:2:0:0:0:b]')).toBe(a);
    expect(addressKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(addressKey('2001:db8:1:3::a')).not.toBe(a);
  });

  it('files what is not an address under one name', () => {
    expect(addressKey(undefined)).toBe('unknown');
    expect(addressKey('not-an-ip')).toBe('unknown');
  });
});
