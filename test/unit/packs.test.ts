import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FefoBatch } from '../../server/domain/fefo.js';
import { allocatePacks, formatUnits, looseUnits, packLabel, packWord, plural, sellableAs, type PackDemand } from '../../server/domain/packs.js';

const today = '2026-11-26';
const lot = (id: string, quantity: number, expirationDate: string, over: Partial<FefoBatch> = {}): FefoBatch => ({
  id, lotNumber: id.toUpperCase(), expirationDate, receivedDate: '2026-01-01', quantity, status: 'active', ...over,
});
const BOX = 30;
const BLISTER = 10;

describe('allocatePacks', () => {
  it('takes a box whole from the earliest-expiring lot that holds one, even when an earlier lot holds fewer units', () => {
    const r = allocatePacks([lot('a', 12, '2027-01-31'), lot('b', 60, '2027-03-31')], [{ line: 0, units: BOX, count: 1 }], today, BOX);
    expect(r).toEqual({ ok: true, allocations: [{ line: 0, batchId: 'b', count: 1, units: 30 }] });
  });

  it('takes loose units from an opened box before opening a sealed one, the earliest-expiring opened lot first', () => {
    const lots = [lot('a', 60, '2027-01-31'), lot('b', 35, '2027-02-28'), lot('c', 32, '2027-04-30')];
    const r = allocatePacks(lots, [{ line: 0, units: 1, count: 6 }], today, BOX);
    // b's opened box holds 5, c's 2: both are emptied before a's sealed boxes.
    expect(r).toEqual({ ok: true, allocations: [{ line: 0, batchId: 'b', count: 5, units: 5 }, { line: 0, batchId: 'c', count: 1, units: 1 }] });
  });

  it('opens a box of the earliest-expiring lot when no lot has loose units', () => {
    const r = allocatePacks([lot('late', 30, '2027-09-30'), lot('soon', 60, '2027-01-31')], [{ line: 0, units: 1, count: 4 }], today, BOX);
    expect(r).toEqual({ ok: true, allocations: [{ line: 0, batchId: 'soon', count: 4, units: 4 }] });
  });

  it('sells a box and loose tablets of one product in one cart: the box first, the tablets from what is opened', () => {
    const demands: PackDemand[] = [{ line: 0, units: 1, count: 4 }, { line: 1, units: BOX, count: 1 }];
    const r = allocatePacks([lot('a', 37, '2027-01-31')], demands, today, BOX);
    expect(r).toEqual({ ok: true, allocations: [{ line: 0, batchId: 'a', count: 4, units: 4 }, { line: 1, batchId: 'a', count: 1, units: 30 }] });
  });

  it('takes a blister from a lot whose opened box still holds one, before a lot whose opened box holds less', () => {
    // a's opened box holds 7 tablets: a blister from it would open a second box; b's holds 20.
    const r = allocatePacks([lot('a', 37, '2027-01-31'), lot('b', 50, '2027-02-28')], [{ line: 0, units: BLISTER, count: 1 }], today, BOX);
    expect(r).toEqual({ ok: true, allocations: [{ line: 0, batchId: 'b', count: 1, units: 10 }] });
  });

  it('still sells a blister when every lot’s opened box holds less than one', () => {
    const r = allocatePacks([lot('a', 37, '2027-01-31')], [{ line: 0, units: BLISTER, count: 1 }], today, BOX);
    expect(r).toEqual({ ok: true, allocations: [{ line: 0, batchId: 'a', count: 1, units: 10 }] });
  });

  it('never splits a pack over two lots: 20 + 20 units are not a box of 30', () => {
    const lots = [lot('a', 20, '2027-01-31'), lot('b', 20, '2027-02-28')];
    const r = allocatePacks(lots, [{ line: 0, units: BOX, count: 1 }], today, BOX);
    expect(r).toMatchObject({ ok: false, line: 0, available: 40 });
    expect(sellableAs(lots, today, BOX)).toEqual({ packs: 0, units: 40 });
  });

  it('never sells an expired, recalled or quarantined lot, and says how many units each holds', () => {
    const lots = [
      lot('old', 30, '2026-10-31'), lot('rec', 30, '2027-05-31', { status: 'recalled' }), lot('q', 30, '2027-05-31', { status: 'quarantined' }), lot('ok', 5, '2027-05-31'),
    ];
    const r = allocatePacks(lots, [{ line: 0, units: BOX, count: 1 }], today, BOX);
    expect(r).toEqual({ ok: false, line: 0, available: 5, blocked: { expired: 30, recalled: 30, quarantined: 30 } });
  });

  it('takes packs of a lot the customer named (a scanned DataMatrix) from that lot, and refuses a named lot that may not be sold', () => {
    const lots = [lot('soon', 60, '2027-01-31'), lot('late', 60, '2027-09-30'), lot('rec', 60, '2027-09-30', { status: 'recalled' })];
    expect(allocatePacks(lots, [{ line: 0, units: BOX, count: 1, batchId: 'late' }], today, BOX)).toEqual({ ok: true, allocations: [{ line: 0, batchId: 'late', count: 1, units: 30 }] });
    expect(allocatePacks(lots, [{ line: 0, units: BOX, count: 1, batchId: 'rec' }], today, BOX)).toMatchObject({ ok: false, unsellableLot: { id: 'rec' } });
  });

  it('sells a product without packs as plain FEFO, one allocation per lot', () => {
    const r = allocatePacks([lot('b', 5, '2027-02-28'), lot('a', 3, '2027-01-31')], [{ line: 0, units: 1, count: 6 }], today);
    expect(r).toEqual({ ok: true, allocations: [{ line: 0, batchId: 'a', count: 3, units: 3 }, { line: 0, batchId: 'b', count: 3, units: 3 }] });
  });
});

describe('a quantity shown as packs and units', () => {
  it('counts whole boxes of the largest pack, then loose units, in French', () => {
    const names = { baseUnit: 'comprimé', box: { name: 'Boîte de 30', units: 30 } };
    expect(formatUnits(67, names)).toBe('2 boîtes + 7 comprimés');
    expect(formatUnits(42, names, 'et')).toBe('1 boîte et 12 comprimés');
    expect(formatUnits(60, names)).toBe('2 boîtes');
    expect(formatUnits(1, names)).toBe('1 comprimé');
    expect(formatUnits(0, names)).toBe('0 comprimé');
    expect(formatUnits(250, { baseUnit: 'ml', box: { name: 'Flacon de 125 ml', units: 125 } })).toBe('2 flacons');
    expect(formatUnits(12, { baseUnit: 'unité' })).toBe('12 unités');
  });

  it('names a pack by its first words and leaves units of measure alone in the plural', () => {
    expect(packWord('Plaquette de 10')).toBe('plaquette');
    expect(packWord('Rouleau')).toBe('rouleau');
    expect(plural('rouleau', 3)).toBe('rouleaux');
    expect(plural('ml', 3)).toBe('ml');
    expect(plural('dose unitaire', 2)).toBe('doses unitaires');
    expect(plural('unité de prise', 2)).toBe('unités de prise');
    expect(plural('gélule', 1)).toBe('gélule');
  });

  it('labels a sold pack after its product, and a base unit by the product alone', () => {
    expect(packLabel('Doliprane 500 mg', 'Plaquette de 10', 10)).toBe('Doliprane 500 mg — Plaquette de 10');
    expect(packLabel('Doliprane 500 mg', 'comprimé', 1)).toBe('Doliprane 500 mg');
  });
});

type Op =
  | { kind: 'sale'; boxes: number; blister: boolean; loose: number }
  | { kind: 'return'; pick: number; count: number }
  | { kind: 'count'; lot: number; counted: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .record({ kind: fc.constant('sale' as const), boxes: fc.integer({ min: 0, max: 2 }), blister: fc.boolean(), loose: fc.integer({ min: 0, max: 40 }) })
      .filter((o) => o.boxes > 0 || o.blister || o.loose > 0),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('return' as const), pick: fc.nat(), count: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('count' as const), lot: fc.nat(4), counted: fc.integer({ min: 0, max: 100 }) }) },
);

const sellableNow = (l: FefoBatch) => l.status === 'active' && l.expirationDate >= today;

describe('the allocation rule, over random days of one product', () => {
  it('never goes negative, keeps each lot equal to its movements, takes each pack whole from one lot, and opens a second box in a lot only when no lot could do without', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 120 }), { minLength: 5, maxLength: 5 }), fc.array(opArb, { minLength: 1, maxLength: 30 }), (start, ops) => {
        // Three sellable lots (in FEFO order), one expired and one recalled.
        const lots = start.map((q, i) => lot(`l${i}`, q, i === 3 ? '2026-10-31' : `2027-0${i + 1}-28`, i === 4 ? { status: 'recalled' } : {}));
        const movements = new Map(lots.map((l) => [l.id, [l.quantity]]));
        const sold: { batchId: string; units: number; count: number; returned: number }[] = [];
        for (const op of ops) {
          if (op.kind === 'count') {
            const l = lots[op.lot]!;
            movements.get(l.id)!.push(op.counted - l.quantity);
            l.quantity = op.counted;
          } else if (op.kind === 'return' && sold.length > 0) {
            // A return gives back the units its line took, into the same lot.
            const item = sold[op.pick % sold.length]!;
            const n = Math.min(op.count, item.count - item.returned);
            if (n === 0) continue;
            item.returned += n;
            const l = lots.find((b) => b.id === item.batchId)!;
            l.quantity += n * item.units;
            movements.get(l.id)!.push(n * item.units);
          } else if (op.kind === 'sale') {
            const demands: PackDemand[] = [
              ...(op.boxes > 0 ? [{ line: 0, units: BOX, count: op.boxes }] : []),
              ...(op.blister ? [{ line: 1, units: BLISTER, count: 1 }] : []),
              ...(op.loose > 0 ? [{ line: 2, units: 1, count: op.loose }] : []),
            ];
            const r = allocatePacks(lots, demands, today, BOX);
            if (!r.ok) {
              expect('line' in r).toBe(true); // no lot is named here: only a shortage
              continue;
            }
            const q = new Map(lots.map((l) => [l.id, l.quantity]));
            const of = (line: number) => r.allocations.filter((a) => a.line === line);
            for (const d of demands) expect(of(d.line).reduce((n, a) => n + a.count, 0)).toBe(d.count);
            for (const a of r.allocations) {
              const l = lots.find((b) => b.id === a.batchId)!;
              expect(sellableNow(l)).toBe(true);
              // Whole packs from one lot each.
              expect(a.units).toBe(a.count * demands.find((d) => d.line === a.line)!.units);
            }
            // Boxes first: sealed boxes of a lot that holds them.
            for (const a of of(0)) {
              expect(q.get(a.batchId)!).toBeGreaterThanOrEqual(a.units);
              q.set(a.batchId, q.get(a.batchId)! - a.units);
            }
            // A blister from a lot whose opened box holds one or that has none; from another only when no lot could.
            for (const a of of(1)) {
              const loose = looseUnits(q.get(a.batchId)!, BOX);
              if (loose > 0 && loose < BLISTER) {
                for (const other of lots.filter((l) => l.id !== a.batchId && sellableNow(l))) {
                  const n = q.get(other.id)!;
                  expect(n < BLISTER || (looseUnits(n, BOX) > 0 && looseUnits(n, BOX) < BLISTER)).toBe(true);
                }
              }
              q.set(a.batchId, q.get(a.batchId)! - a.units);
            }
            // Loose units: the opened boxes emptied before any box is opened, then FEFO.
            const loose = of(2);
            const opensBox = loose.filter((a) => a.units > looseUnits(q.get(a.batchId)!, BOX));
            if (opensBox.length > 0) {
              for (const other of lots.filter(sellableNow)) {
                const took = loose.find((a) => a.batchId === other.id)?.units ?? 0;
                expect(took).toBeGreaterThanOrEqual(Math.min(looseUnits(q.get(other.id)!, BOX), q.get(other.id)!));
              }
              // Boxes opened in FEFO order: every lot before the last one opened is emptied.
              const opened = Math.max(...opensBox.map((a) => lots.findIndex((l) => l.id === a.batchId)));
              for (const earlier of lots.slice(0, opened).filter(sellableNow)) {
                expect(q.get(earlier.id)! - (loose.find((a) => a.batchId === earlier.id)?.units ?? 0)).toBe(0);
              }
            }
            for (const a of r.allocations) {
              const l = lots.find((b) => b.id === a.batchId)!;
              l.quantity -= a.units;
              movements.get(l.id)!.push(-a.units);
              sold.push({ batchId: l.id, units: a.units / a.count, count: a.count, returned: 0 });
            }
          }
          for (const l of lots) {
            expect(l.quantity).toBeGreaterThanOrEqual(0);
            expect(l.quantity).toBe(movements.get(l.id)!.reduce((n, d) => n + d, 0));
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});
