import { describe, expect, it } from 'vitest';
import { placeProposal } from '../../server/domain/proposal.js';

const clock = (minute: number) => `${String(Date.parse('2026-11-26T10:00:00Z') + minute * 60_000).padStart(15, '0')}:000000:DKR01`;

describe('a shop’s edit of a chain product arriving at head office', () => {
  it('opens a proposal when the shop has none open for that field', () => {
    expect(placeProposal({ value: 0, clock: clock(1) }, { hqValue: 900, seen: false })).toEqual({ kind: 'record', status: 'pending', replaces: undefined });
  });

  it('replaces the shop’s open proposal of the field with a newer edit', () => {
    expect(placeProposal({ value: 950, clock: clock(2) }, { hqValue: 900, seen: false, pending: { id: 'p1', clock: clock(1) } }))
      .toEqual({ kind: 'record', status: 'pending', replaces: 'p1' });
  });

  it('changes nothing for a push replayed (a proposal with this clock is already here), whatever was decided since', () => {
    expect(placeProposal({ value: 950, clock: clock(1) }, { hqValue: 950, seen: true })).toEqual({ kind: 'replay' });
  });

  it('keeps an edit older than the open proposal on the record without letting it replace the newer one', () => {
    expect(placeProposal({ value: 1, clock: clock(1) }, { hqValue: 900, seen: false, pending: { id: 'p2', clock: clock(2) } }))
      .toEqual({ kind: 'record', status: 'superseded' });
  });

  it('closes the open proposal, leaving nothing to decide, when the shop goes back to head office’s value', () => {
    expect(placeProposal({ value: 'Sérum', clock: clock(3) }, { hqValue: 'Sérum', seen: false, pending: { id: 'p1', clock: clock(1) } }))
      .toEqual({ kind: 'record', status: 'superseded', replaces: 'p1' });
  });
});
