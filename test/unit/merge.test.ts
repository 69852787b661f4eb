import { describe, expect, it } from 'vitest';
import { encodeHlc } from '../../server/domain/hlc.js';
import { backoffMs, mergeRow } from '../../server/domain/merge.js';

const at = (minute: number, node = 'HQ') => encodeHlc({ wall: Date.parse('2026-11-26T10:00:00Z') + minute * 60_000, counter: 0, node });
const now = Date.parse('2026-11-26T12:00:00Z');

describe('field-by-field last-writer-wins', () => {
  it('applies a successor write silently', () => {
    const r = mergeRow({ cost: { value: 1, clock: at(0) } }, { values: { cost: 2 }, clocks: { cost: at(5, 'DKR01') }, baseClocks: { cost: at(0) } }, now);
    expect(r.apply).toEqual({ cost: { value: 2, clock: at(5, 'DKR01') } });
    expect(r.decisions).toEqual([]);
  });

  it('lets the later of two concurrent writes win and logs the discarded value, whichever side it is on', () => {
    const remoteWins = mergeRow({ cost: { value: 1, clock: at(3) } }, { values: { cost: 2 }, clocks: { cost: at(5, 'DKR01') }, baseClocks: { cost: at(0) } }, now);
    expect(remoteWins.apply.cost?.value).toBe(2);
    expect(remoteWins.decisions).toEqual([expect.objectContaining({ field: 'cost', winner: 'remote', reason: 'newer_clock', localValue: 1 })]);
    const localWins = mergeRow({ cost: { value: 1, clock: at(7) } }, { values: { cost: 2 }, clocks: { cost: at(5, 'DKR01') }, baseClocks: { cost: at(0) } }, now);
    expect(localWins.apply).toEqual({});
    expect(localWins.decisions).toEqual([expect.objectContaining({ winner: 'local', reason: 'older_clock', remoteValue: 2 })]);
  });

  it('breaks a tie of wall time and counter by node id', () => {
    const r = mergeRow({ cost: { value: 1, clock: at(5, 'AAA01') } }, { values: { cost: 2 }, clocks: { cost: at(5, 'ZZZ01') }, baseClocks: { cost: at(0) } }, now);
    expect(r.apply.cost?.value).toBe(2);
  });

  it('changes nothing when the same write arrives again', () => {
    const r = mergeRow({ cost: { value: 2, clock: at(5) } }, { values: { cost: 2 }, clocks: { cost: at(5) } }, now);
    expect(r).toEqual({ apply: {}, decisions: [], held: false });
  });

  it('holds a write whose clock is more than a day ahead', () => {
    const r = mergeRow({ cost: { value: 1, clock: at(0) } }, { values: { cost: 9 }, clocks: { cost: encodeHlc({ wall: now + 2 * 86_400_000, counter: 0, node: 'X' }) } }, now);
    expect(r.held).toBe(true);
    expect(r.apply).toEqual({});
    expect(r.decisions[0]).toMatchObject({ winner: 'held', reason: 'clock_far_ahead' });
  });

  it('keeps a recall against any later status, and lets a recall beat an earlier one', () => {
    const unrecall = mergeRow({ status: { value: 'recalled', clock: at(1) } }, { values: { status: 'active' }, clocks: { status: at(9, 'DKR01') } }, now);
    expect(unrecall.apply).toEqual({});
    expect(unrecall.decisions[0]).toMatchObject({ winner: 'local', reason: 'recall_final' });
    const recall = mergeRow({ status: { value: 'quarantined', clock: at(9) } }, { values: { status: 'recalled' }, clocks: { status: at(1, 'HQ') } }, now);
    expect(recall.apply.status).toEqual({ value: 'recalled', clock: at(9) });
    expect(recall.decisions[0]).toMatchObject({ winner: 'remote', reason: 'recall_wins' });
  });

  it('explains a row edited on both sides on different fields', () => {
    const r = mergeRow(
      { expiry: { value: '2027-03-31', clock: at(5) }, cost: { value: 1, clock: at(0) } },
      { values: { cost: 2 }, clocks: { cost: at(6, 'DKR01') }, baseClocks: { cost: at(0) } },
      now,
    );
    expect(r.apply).toEqual({ cost: { value: 2, clock: at(6, 'DKR01') } });
    expect(r.decisions.map((d) => [d.field, d.winner, d.reason])).toEqual([
      ['expiry', 'local', 'changed_only_here'],
      ['cost', 'remote', 'changed_only_there'],
    ]);
  });
});

describe('backoff', () => {
  it('grows exponentially with jitter and is capped at 15 minutes', () => {
    expect(backoffMs(1, 0)).toBe(15_000);
    expect(backoffMs(1, 1)).toBe(30_000);
    expect(backoffMs(3, 1)).toBe(120_000);
    expect(backoffMs(30, 1)).toBe(900_000);
    expect(backoffMs(30, 0)).toBe(450_000);
  });
});
