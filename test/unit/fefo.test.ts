import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allocateFefo, blockedStock, correctedLot, expiresWithin, sellableBatches, type FefoBatch } from '../../server/domain/fefo.js';

const today = '2026-11-26';
const batch = (over: Partial<FefoBatch> & { id: string }): FefoBatch => ({
  lotNumber: over.id.toUpperCase(),
  expirationDate: '2027-06-30',
  receivedDate: '2026-01-01',
  quantity: 10,
  status: 'active',
  ...over,
});

describe('allocateFefo', () => {
  it('takes from the lot that expires first', () => {
    const r = allocateFefo([batch({ id: 'b', expirationDate: '2027-12-31' }), batch({ id: 'a', expirationDate: '2027-01-31' })], 4, today);
    expect(r).toEqual({ ok: true, allocations: [{ batchId: 'a', quantity: 4 }] });
  });

  it('spans several lots when the first runs out, one allocation per lot', () => {
    const r = allocateFefo(
      [batch({ id: 'a', expirationDate: '2027-01-31', quantity: 3 }), batch({ id: 'b', expirationDate: '2027-02-28', quantity: 5 })],
      6,
      today,
    );
    expect(r).toEqual({ ok: true, allocations: [{ batchId: 'a', quantity: 3 }, { batchId: 'b', quantity: 3 }] });
  });

  it('breaks an expiry tie by the oldest receipt, then by id', () => {
    const r = allocateFefo(
      [
        batch({ id: 'c', receivedDate: '2026-03-01', quantity: 1 }),
        batch({ id: 'b', receivedDate: '2026-02-01', quantity: 1 }),
        batch({ id: 'a', receivedDate: '2026-03-01', quantity: 1 }),
      ],
      3,
      today,
    );
    expect(r.ok && r.allocations.map((a) => a.batchId)).toEqual(['b', 'a', 'c']);
  });

  it('never sells expired, recalled or quarantined lots, even when they expire first', () => {
    const lots = [
      batch({ id: 'expired', expirationDate: '2026-11-25' }),
      batch({ id: 'recalled', expirationDate: '2026-12-01', status: 'recalled' }),
      batch({ id: 'quarantined', expirationDate: '2026-12-02', status: 'quarantined' }),
      batch({ id: 'good', expirationDate: '2027-12-31', quantity: 2 }),
    ];
    expect(allocateFefo(lots, 2, today)).toEqual({ ok: true, allocations: [{ batchId: 'good', quantity: 2 }] });
  });

  it('sells a lot on its expiry day but not the day after', () => {
    expect(allocateFefo([batch({ id: 'a', expirationDate: today })], 1, today).ok).toBe(true);
    expect(allocateFefo([batch({ id: 'a', expirationDate: today })], 1, '2026-11-27').ok).toBe(false);
  });

  it('refuses without taking anything when sellable stock is short, and says why', () => {
    const r = allocateFefo(
      [batch({ id: 'a', quantity: 2 }), batch({ id: 'old', expirationDate: '2025-01-01', quantity: 7 }), batch({ id: 'r', status: 'recalled', quantity: 4 })],
      5,
      today,
    );
    expect(r).toEqual({ ok: false, available: 2, blocked: { expired: 7, recalled: 4, quarantined: 0 } });
  });

  it('rejects a quantity that is not a positive integer', () => {
    expect(() => allocateFefo([batch({ id: 'a' })], 0, today)).toThrow(RangeError);
    expect(() => allocateFefo([batch({ id: 'a' })], 1.5, today)).toThrow(RangeError);
  });

  it('for any lots and quantity, takes exactly the quantity, only from sellable lots, earliest expiry first', () => {
    const lotArb = fc.record({
      id: fc.uuid(),
      lotNumber: fc.constant('L'),
      expirationDate: fc.date({ min: new Date('2026-01-01'), max: new Date('2028-12-31'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
      receivedDate: fc.constant('2026-01-01'),
      quantity: fc.integer({ min: 0, max: 20 }),
      status: fc.constantFrom('active', 'active', 'quarantined', 'recalled') as fc.Arbitrary<FefoBatch['status']>,
    });
    fc.assert(
      fc.property(fc.uniqueArray(lotArb, { selector: (b) => b.id, maxLength: 8 }), fc.integer({ min: 1, max: 60 }), (lots, q) => {
        const r = allocateFefo(lots, q, today);
        const sellable = sellableBatches(lots, today);
        const available = sellable.reduce((s, b) => s + b.quantity, 0);
        if (!r.ok) {
          expect(available).toBeLessThan(q);
          return;
        }
        expect(r.allocations.reduce((s, a) => s + a.quantity, 0)).toBe(q);
        const byId = new Map(lots.map((b) => [b.id, b]));
        for (const a of r.allocations) {
          const b = byId.get(a.batchId)!;
          expect(b.status).toBe('active');
          expect(b.expirationDate >= today).toBe(true);
          expect(a.quantity).toBeLessThanOrEqual(b.quantity);
        }
        // every lot used before the last one is emptied
        r.allocations.slice(0, -1).forEach((a) => expect(a.quantity).toBe(byId.get(a.batchId)!.quantity));
      }),
    );
  });
});

describe('blockedStock and expiry warnings', () => {
  it('counts stock that exists but may not be sold, by reason', () => {
    expect(blockedStock([batch({ id: 'a', status: 'quarantined', quantity: 3 }), batch({ id: 'b', expirationDate: '2020-01-01', quantity: 2 })], today)).toEqual({
      expired: 2,
      recalled: 0,
      quarantined: 3,
    });
  });

  it('flags lots expiring within 30 days, not expired ones', () => {
    expect(expiresWithin('2026-12-26', today)).toBe(true);
    expect(expiresWithin('2026-12-27', today)).toBe(false);
    expect(expiresWithin('2026-11-25', today)).toBe(false);
  });
});

describe('lot corrections', () => {
  it('keeps what is not given, clears a cost given as null, and never undoes a recall', () => {
    const lot = { expirationDate: '2027-01-31', unitCost: 100 as number | null, status: 'active' as const };
    expect(correctedLot(lot, { unitCost: null })).toEqual({ unrecall: false, next: { expirationDate: '2027-01-31', unitCost: null, status: 'active' } });
    expect(correctedLot({ ...lot, status: 'recalled' as const }, { status: 'active' }).unrecall).toBe(true);
    expect(correctedLot({ ...lot, status: 'recalled' as const }, { expirationDate: '2027-02-28' }).unrecall).toBe(false);
  });
});

describe('a lot chosen by a scan', () => {
  it('takes the scanned lot first, the rest FEFO, and refuses a lot that may not be sold', () => {
    const lots = [batch({ id: 'early', expirationDate: '2027-01-31', quantity: 5 }), batch({ id: 'late', expirationDate: '2027-09-30', quantity: 2 })];
    expect(allocateFefo(lots, 3, today, [{ batchId: 'late', quantity: 3 }])).toEqual({
      ok: true,
      allocations: [{ batchId: 'early', quantity: 1 }, { batchId: 'late', quantity: 2 }],
    });
    const recalled = [...lots, batch({ id: 'bad', status: 'recalled' })];
    const r = allocateFefo(recalled, 1, today, [{ batchId: 'bad', quantity: 1 }]);
    expect(r.ok).toBe(false);
    expect('unsellableLot' in r && r.unsellableLot.id).toBe('bad');
  });
});
