import { describe, expect, it } from 'vitest';
import { addDays, dateInZone, daysBetween, formatDateFr, formatDateTimeFr, formatTimeFr, isIsoDate } from '../../server/domain/dates.js';
import { isValidGtin } from '../../server/domain/gtin.js';
import { formatFcfa, groupThousands, lineTotal } from '../../server/domain/money.js';
import { formatReceiptNumber } from '../../server/domain/receipt-number.js';
import { foldForSearch, likePattern, productSearchText, searchWords } from '../../server/domain/search.js';

describe('money', () => {
  it('formats FCFA with no-break spaces between thousands, never U+202F', () => {
    expect(formatFcfa(1)).toBe('1\u00a0FCFA');
    expect(formatFcfa(1000)).toBe('1\u00a0000\u00a0FCFA');
    expect(formatFcfa(1_250_000)).toBe('1\u00a0250\u00a0000\u00a0FCFA');
    expect(formatFcfa(12_500)).not.toContain('\u202f');
    expect(groupThousands(-12_500)).toBe('-12\u00a0500');
    expect(groupThousands(0)).toBe('0');
  });

  it('refuses amounts that are not safe integers', () => {
    expect(() => formatFcfa(1.5)).toThrow(RangeError);
    expect(() => lineTotal(Number.MAX_SAFE_INTEGER, 2)).toThrow(RangeError);
    expect(lineTotal(1500, 3)).toBe(4500);
  });
});

describe('dates', () => {
  it('gives the calendar date in the shop time zone, not the server one', () => {
    const instant = new Date('2026-11-26T23:30:00Z');
    expect(dateInZone(instant, 'Africa/Dakar')).toBe('2026-11-26');
    expect(dateInZone(instant, 'Africa/Nairobi')).toBe('2026-11-27');
  });

  it('prints a time of day in the shop’s zone as the date and time does, hours from 00 to 23', () => {
    for (const iso of ['2026-11-26T14:05:59Z', '2026-11-26T00:00:00Z', '2026-11-26T23:59:00Z', '2026-03-29T01:30:00Z']) {
      for (const zone of ['Africa/Dakar', 'Europe/Paris', 'Asia/Kolkata']) {
        const at = new Date(iso);
        expect(formatTimeFr(at, zone)).toBe(formatDateTimeFr(at, zone).slice(11));
        expect(formatTimeFr(at, zone)).toMatch(/^([01]\d|2[0-3]):[0-5]\d$/);
      }
    }
    expect(formatTimeFr(new Date('2026-11-26T00:07:00Z'), 'Africa/Dakar')).toBe('00:07');
  });

  it('validates real calendar dates only', () => {
    expect(isIsoDate('2027-02-28')).toBe(true);
    expect(isIsoDate('2027-02-29')).toBe(false);
    expect(isIsoDate('2028-02-29')).toBe(true);
    expect(isIsoDate('27-02-2027')).toBe(false);
  });

  it('adds and counts days across month ends and prints French dates', () => {
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(daysBetween('2026-11-26', '2026-12-26')).toBe(30);
    expect(formatDateFr('2026-01-17')).toBe('17/01/2026');
  });
});

describe('search folding', () => {
  it('ignores accents and case so « paracetamol 500 » finds Paracétamol 500 mg', () => {
    const text = productSearchText({ name: 'Paracétamol 500 mg', sku: 'PARA500', gtin: '3400930000010' });
    for (const w of searchWords('PARACETAMOL  500')) expect(text).toContain(w);
    expect(foldForSearch('Œstrogel Crème ÉPAISSE')).toBe('oestrogel creme epaisse');
  });

  it('escapes LIKE wildcards typed by the user', () => {
    expect(likePattern('50%_x')).toBe('%50\\%\\_x%');
  });
});

describe('identifiers', () => {
  it('checks GTIN check digits', () => {
    expect(isValidGtin('3400930000010')).toBe(false);
    expect(isValidGtin('4006381333931')).toBe(true);
    expect(isValidGtin('96385074')).toBe(true);
    expect(isValidGtin('12345')).toBe(false);
  });

  it('numbers receipts with the shop code and six digits', () => {
    expect(formatReceiptNumber('DKR01', 123)).toBe('DKR01-000123');
    expect(formatReceiptNumber('DKR01', 1_234_567)).toBe('DKR01-1234567');
  });
});
