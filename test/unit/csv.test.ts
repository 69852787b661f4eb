import { describe, expect, it } from 'vitest';
import { toCsv } from '../../server/web/csv.js';

const body = (csv: string) => csv.replace(/^\uFEFF/, '').split('\r\n')[1]!;

describe('CSV cells a spreadsheet would run', () => {
  it('keeps as text every cell that starts like a formula: = + - @, a tab or a carriage return', () => {
    const row = ['=1+1', '+33', '-2', '@SUM(A1)', '\t=cmd', '\r=cmd', 'Doliprane'];
    expect(body(toCsv(['a', 'b', 'c', 'd', 'e', 'f', 'g'], [row]))).toBe(`"'=1+1";"'+33";"'-2";"'@SUM(A1)";"'\t=cmd";"'\r=cmd";Doliprane`);
  });

  it('leaves numbers as numbers, a negative amount included, and quotes separators', () => {
    expect(body(toCsv(['a', 'b', 'c'], [[-500, 'Boutique; Dakar', 'dit "oui"']]))).toBe('-500;"Boutique; Dakar";"dit ""oui"""');
  });
});
