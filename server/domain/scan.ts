import { createRequire } from 'node:module';
import { isValidGtin } from './gtin.js';

const require = createRequire(import.meta.url);
// A maintained GS1 parser (AIM prefixes, bracketed form, day 00 = end of month); pure, no I/O.
const { parseBarcode } = require('gs1-barcode-parser-mod') as {
  parseBarcode(code: string): { codeName: string; parsedCodeItems: { ai: string; data: unknown; isoDate: string; raw: string }[] };
};

export const GS = '\u001d';

export type Scan =
  | { kind: 'gtin'; gtin: string }
  | { kind: 'gs1'; gtin: string; lot: string | null; expiry: string | null }
  | { kind: 'text'; text: string }
  | { kind: 'invalid'; reason: 'separators_lost' | 'unreadable' | 'bad_check_digit' };

/** GTINs compare on 14 digits: a DataMatrix carries 03400930000015 for the EAN-13 3400930000015. */
export const gtin14 = (gtin: string) => gtin.padStart(14, '0');

/**
 * What a scanner typed (or a person): a GS1 DataMatrix (`]d2…`, `(01)…`, or
 * `01…` with group separators), a plain EAN-13/CIP13/GTIN, or search text.
 */
export function parseScan(input: string): Scan {
  const code = input.replace(/\r|\n/g, '').trim();
  if (code === '') return { kind: 'text', text: '' };
  const looksGs1 = /^\](d2|C1|Q3|e0)/.test(code) || code.startsWith('(01)') || (/^01\d{14}/.test(code) && code.length > 16);
  if (!looksGs1) {
    if (/^\d{8}$|^\d{12,14}$/.test(code)) return isValidGtin(code) ? { kind: 'gtin', gtin: code } : { kind: 'invalid', reason: 'bad_check_digit' };
    return { kind: 'text', text: code };
  }
  let parsed;
  try {
    parsed = parseBarcode(code);
  } catch {
    return { kind: 'invalid', reason: code.includes(GS) || code.startsWith('(') ? 'unreadable' : 'separators_lost' };
  }
  const item = (ai: string) => parsed.parsedCodeItems.find((i) => i.ai === ai);
  const gtin = item('01')?.raw;
  if (!gtin || !isValidGtin(gtin)) return { kind: 'invalid', reason: gtin ? 'bad_check_digit' : 'unreadable' };
  const lot = item('10')?.raw ?? null;
  // Without separators a variable-length lot swallows what follows it (a serial number, another date).
  const hasSeparators = code.includes(GS) || code.startsWith('(');
  const lastIsLot = parsed.parsedCodeItems.at(-1)?.ai === '10';
  if (!hasSeparators && lot !== null && (lot.length > 20 || (lastIsLot && /21[0-9A-Za-z]{6,}$|17\d{6}/.test(lot)))) {
    return { kind: 'invalid', reason: 'separators_lost' };
  }
  return { kind: 'gs1', gtin, lot, expiry: item('17')?.isoDate || null };
}
