import { describe, expect, it } from 'vitest';
import { decodeHlc, encodeHlc, parseHlc, receive, tick } from '../../server/domain/hlc.js';
import { adoptFromHq, backoffMs, mergeShopWrite, type HqSeat } from '../../server/domain/merge.js';

const t0 = Date.parse('2026-11-26T10:00:00Z');
const at = (minute: number, node = 'HQ', counter = 0) => encodeHlc({ wall: t0 + minute * 60_000, counter, node });
const now = Date.parse('2026-11-26T12:00:00Z');
// Head office received the push at 12:00.
const seat: HqSeat = { shopNode: 'DKR01', receivedAt: decodeHlc(at(120)), nowWall: now };

describe('head office merging a shop’s write', () => {
  it('applies a successor write silently', () => {
    const r = mergeShopWrite({ cost: { value: 1, clock: at(0) } }, { values: { cost: 2 }, clocks: { cost: at(5, 'DKR01') }, baseClocks: { cost: at(0) } }, seat);
    expect(r.apply).toEqual({ cost: { value: 2, clock: at(5, 'DKR01'), origin: null } });
    expect(r.decisions).toEqual([]);
  });

  it('applies a correction made after its writer saw the value even when its clock lags, stamped above the value it replaces', () => {
    const r = mergeShopWrite({ cost: { value: 1, clock: at(30) } }, { values: { cost: 2 }, clocks: { cost: at(5, 'DKR01') }, baseClocks: { cost: at(30) } }, seat);
    expect(r.apply.cost).toMatchObject({ value: 2, clock: at(30, 'DKR01', 1) });
    expect(r.decisions).toEqual([]);
  });

  it('lets the later of two concurrent writes win and logs the discarded value, whichever side it is on', () => {
    const remoteWins = mergeShopWrite({ cost: { value: 1, clock: at(3) } }, { values: { cost: 2 }, clocks: { cost: at(5, 'DKR01') }, baseClocks: { cost: at(0) } }, seat);
    expect(remoteWins.apply.cost?.value).toBe(2);
    expect(remoteWins.decisions).toEqual([expect.objectContaining({ field: 'cost', winner: 'remote', reason: 'newer_clock', localValue: 1 })]);
    const localWins = mergeShopWrite({ cost: { value: 1, clock: at(7) } }, { values: { cost: 2 }, clocks: { cost: at(5, 'DKR01') }, baseClocks: { cost: at(0) } }, seat);
    expect(localWins.apply).toEqual({});
    expect(localWins.decisions).toEqual([expect.objectContaining({ winner: 'local', reason: 'older_clock', remoteValue: 2 })]);
  });

  it('bounds a shop clock that is ahead of head office to the time the write arrived, keeping the writer’s clock aside', () => {
    const ahead = at(120 + 23 * 60, 'DKR01'); // 23 hours ahead of head office
    const r = mergeShopWrite({ price: { value: 500, clock: at(0) } }, { values: { price: 1 }, clocks: { price: ahead }, baseClocks: { price: at(0) } }, seat);
    expect(r.apply.price).toEqual({ value: 1, clock: at(120, 'DKR01'), origin: ahead });
    // An edit at head office a minute later is stamped above that and wins.
    expect(at(121) > r.apply.price!.clock).toBe(true);
  });

  it('holds a write whose clock is more than a day ahead, and says so', () => {
    const r = mergeShopWrite({ cost: { value: 1, clock: at(0) } }, { values: { cost: 9 }, clocks: { cost: encodeHlc({ wall: now + 2 * 86_400_000, counter: 0, node: 'DKR01' }) } }, seat);
    expect(r.held).toEqual({ cost: 9 });
    expect(r.apply).toEqual({});
    expect(r.decisions[0]).toMatchObject({ winner: 'held', reason: 'clock_far_ahead' });
  });

  it('changes nothing and logs nothing when the same write arrives again, or an older write of the same shop', () => {
    const stored = { cost: { value: 2, clock: at(10, 'DKR01') } };
    expect(mergeShopWrite(stored, { values: { cost: 2 }, clocks: { cost: at(10, 'DKR01') } }, seat)).toEqual({ apply: {}, decisions: [], held: {} });
    expect(mergeShopWrite(stored, { values: { cost: 1 }, clocks: { cost: at(5, 'DKR01') } }, seat)).toEqual({ apply: {}, decisions: [], held: {} });
    // A bounded write replayed: recognised by the writer's own clock.
    const bounded = { cost: { value: 2, clock: at(120, 'DKR01'), origin: at(600, 'DKR01') } };
    expect(mergeShopWrite(bounded, { values: { cost: 2 }, clocks: { cost: at(600, 'DKR01') } }, { ...seat, receivedAt: decodeHlc(at(130)) })).toEqual({ apply: {}, decisions: [], held: {} });
  });

  it('keeps a recall against any later status, and lets a recall beat an earlier one', () => {
    const unrecall = mergeShopWrite({ status: { value: 'recalled', clock: at(1) } }, { values: { status: 'active' }, clocks: { status: at(9, 'DKR01') } }, seat);
    expect(unrecall.apply).toEqual({});
    expect(unrecall.decisions[0]).toMatchObject({ winner: 'local', reason: 'recall_final' });
    const recall = mergeShopWrite({ status: { value: 'quarantined', clock: at(9) } }, { values: { status: 'recalled' }, clocks: { status: at(1, 'DKR01') } }, seat);
    expect(recall.apply.status).toMatchObject({ value: 'recalled', clock: at(9) });
  });

  it('logs nothing when two sides changed different fields of a row: nothing competed', () => {
    const r = mergeShopWrite(
      { expiry: { value: '2027-03-31', clock: at(5) }, cost: { value: 1, clock: at(0) } },
      { values: { cost: 2 }, clocks: { cost: at(6, 'DKR01') }, baseClocks: { cost: at(0) } },
      seat,
    );
    expect(r.apply).toEqual({ cost: { value: 2, clock: at(6, 'DKR01'), origin: null } });
    expect(r.decisions).toEqual([]);
  });
});

describe('a shop taking head office’s values', () => {
  const shopSeat = { selfNode: 'DKR01', pending: new Set<string>() };

  it('takes head office’s value and clock, even when its own clock for the field is later', () => {
    const r = adoptFromHq({ price: { value: 1, clock: at(600, 'DKR01') } }, { values: { price: 500 }, clocks: { price: at(121) }, baseClocks: { price: at(120, 'DKR01') } }, shopSeat);
    expect(r.apply.price).toEqual({ value: 500, clock: at(121), origin: null });
    // Its own value was discarded by head office (the base is not what the shop holds): it says so.
    expect(r.decisions).toEqual([expect.objectContaining({ winner: 'remote', reason: 'decided_by_hq', localValue: 1 })]);
  });

  it('logs nothing for a plain edit made elsewhere after the value it holds', () => {
    const r = adoptFromHq({ price: { value: 400, clock: at(5, 'KAO01') } }, { values: { price: 450 }, clocks: { price: at(9, 'KAO01') }, baseClocks: { price: at(5, 'KAO01') } }, shopSeat);
    expect(r.apply.price?.value).toBe(450);
    expect(r.decisions).toEqual([]);
  });

  it('keeps a field it changed and has not yet sent: head office has not decided it', () => {
    const r = adoptFromHq({ price: { value: 1, clock: at(600, 'DKR01') } }, { values: { price: 500 }, clocks: { price: at(121) } }, { ...shopSeat, pending: new Set(['price']) });
    expect(r.apply).toEqual({});
  });

  it('never un-recalls a lot', () => {
    const r = adoptFromHq({ status: { value: 'recalled', clock: at(5) } }, { values: { status: 'active' }, clocks: { status: at(9) } }, shopSeat);
    expect(r.apply).toEqual({});
    expect(r.decisions[0]).toMatchObject({ reason: 'recall_final' });
  });
});

describe('hybrid logical clocks at their limits', () => {
  it('moves the wall on by a millisecond instead of widening the counter', () => {
    const full = { wall: t0, counter: 999_999, node: 'DKR01' };
    expect(tick(full, t0 - 5000, 'DKR01')).toEqual({ wall: t0 + 1, counter: 0, node: 'DKR01' });
    expect(receive({ wall: t0, counter: 3, node: 'HQ' }, full, t0 - 5000, 'HQ')).toEqual({ wall: t0 + 1, counter: 0, node: 'HQ' });
    expect(parseHlc(encodeHlc(tick(full, 0, 'DKR01')))).toBeDefined();
  });

  it('refuses clocks that are not clocks', () => {
    for (const bad of ['', 'x', '001764151200000:1000000:DKR01', '001764151200000:000001:dkr01', '999999999999999:000000:DKR01', '000000000000001:000000:DKR01', 42]) {
      expect(parseHlc(bad)).toBeUndefined();
    }
    expect(parseHlc(at(0, 'DKR01'))).toEqual({ wall: t0, counter: 0, node: 'DKR01' });
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

describe('the conflict log in French', () => {
  it('says what was kept, what was discarded and why, with amounts and dates as people read them', async () => {
    const { describeConflict } = await import('../../server/domain/conflict-text.js');
    expect(describeConflict({ entity: 'product', field: 'unitPrice', localValue: 1500, remoteValue: 1250, localNode: 'HQ', remoteNode: 'DKR01', winner: 'remote', reason: 'newer_clock' }))
      .toBe('Produit, prix : 1\u00a0250\u00a0FCFA (la boutique DKR01) a remplacé 1\u00a0500\u00a0FCFA (le siège) : les deux ont été modifiés en même temps, la modification la plus récente l’emporte.');
    expect(describeConflict({ entity: 'batch', field: 'expirationDate', localValue: '2027-03-31', remoteValue: '2027-06-30', localNode: 'HQ', remoteNode: 'KAO01', winner: 'held', reason: 'clock_far_ahead' }))
      .toBe('Lot, péremption : 30/06/2027 (la boutique KAO01) est mis de côté sans être appliqué : l’horloge de la boutique KAO01 avance de plus d’un jour. 31/03/2027 est gardé.');
    expect(describeConflict({ entity: 'batch', field: 'status', localValue: 'recalled', remoteValue: 'active', localNode: 'DKR01', remoteNode: 'HQ', winner: 'local', reason: 'recall_final' }))
      .toBe('Lot, statut : le lot reste rappelé ; actif (le siège) est écarté : un rappel est définitif.');
  });
});
