import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareHlc, decodeHlc, encodeHlc, receive, tick, zeroHlc, type Hlc } from '../../server/domain/hlc.js';
import { ledgerQuantity } from '../../server/domain/ledger.js';

describe('hybrid logical clock', () => {
  it('follows the wall clock when it moves forward', () => {
    expect(tick({ wall: 1000, counter: 5, node: 'A' }, 2000, 'A')).toEqual({ wall: 2000, counter: 0, node: 'A' });
  });

  it('keeps moving forward when the wall clock jumps back two years', () => {
    const now = Date.parse('2026-11-26T10:00:00Z');
    let h = tick(zeroHlc('A'), now, 'A');
    const before = h;
    h = tick(h, now - 2 * 365 * 86_400_000, 'A');
    expect(compareHlc(h, before)).toBe(1);
    expect(h.wall).toBe(before.wall);
  });

  it('absorbs a remote clock that is ahead, and stays ahead of it', () => {
    const local: Hlc = { wall: 1000, counter: 0, node: 'A' };
    const remote: Hlc = { wall: 5000, counter: 3, node: 'B' };
    const h = receive(local, remote, 1200, 'A');
    expect(h).toEqual({ wall: 5000, counter: 4, node: 'A' });
    expect(compareHlc(h, remote)).toBe(1);
  });

  it('follows a wall clock that jumps ahead, without the counter growing', () => {
    const h = tick({ wall: 1000, counter: 9, node: 'A' }, 1000 + 7 * 86_400_000, 'A');
    expect(h).toEqual({ wall: 1000 + 7 * 86_400_000, counter: 0, node: 'A' });
  });

  it('encodes to strings that sort exactly like the clocks', () => {
    const arb = fc.record({ wall: fc.integer({ min: 0, max: 2 ** 47 }), counter: fc.integer({ min: 0, max: 999_999 }), node: fc.constantFrom('DKR01', 'HQ', 'THS02') });
    fc.assert(
      fc.property(arb, arb, (a, b) => {
        const s = Math.sign(compareHlc(a, b));
        const ea = encodeHlc(a);
        const eb = encodeHlc(b);
        expect(Math.sign(ea < eb ? -1 : ea > eb ? 1 : 0)).toBe(s);
        expect(decodeHlc(ea)).toEqual(a);
      }),
    );
  });

  it('is monotonic for any sequence of local ticks and receives', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 1e12 }), fc.integer({ min: 0, max: 1e12 }))), (events) => {
        let h = zeroHlc('A');
        for (const [isReceive, now, remoteWall] of events) {
          const next = isReceive ? receive(h, { wall: remoteWall, counter: 0, node: 'B' }, now, 'A') : tick(h, now, 'A');
          expect(compareHlc(next, h)).toBe(1);
          h = next;
        }
      }),
    );
  });
});

describe('ledger', () => {
  it('sums movements, a count setting the quantity as of its clock', () => {
    expect(
      ledgerQuantity([
        { kind: 'receipt', delta: 100, countedQty: null, hlc: '1' },
        { kind: 'sale', delta: -15, countedQty: null, hlc: '2' },
        { kind: 'count', delta: -5, countedQty: 80, hlc: '3' },
        { kind: 'sale', delta: -2, countedQty: null, hlc: '4' },
      ]),
    ).toBe(78);
  });

  it('applies a sale made before a count (by clock) under it, even if it arrives later', () => {
    expect(
      ledgerQuantity([
        { kind: 'receipt', delta: 100, countedQty: null, hlc: '1' },
        { kind: 'count', delta: -10, countedQty: 90, hlc: '3' },
        { kind: 'sale', delta: -10, countedQty: null, hlc: '2' },
      ]),
    ).toBe(90);
  });
});
