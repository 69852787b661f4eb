import type { Response } from 'express';

/**
 * CSV as a French spreadsheet opens it: UTF-8 with a byte-order mark (so
 * Excel keeps the accents), `;` between fields (the comma is the decimal
 * separator in French), CRLF line ends, fields quoted when they need it.
 */
export function toCsv(header: readonly string[], rows: readonly (readonly (string | number | null | undefined)[])[]): string {
  const cell = (v: string | number | null | undefined) => {
    const s = v === null || v === undefined ? '' : String(v);
    // A leading = + - @ (or a tab or carriage return before one: spreadsheets skip them) would be read as a formula: quoted and prefixed, it stays text.
    const safe = /^[=+\-@\t\r]/.test(s) && typeof v !== 'number' ? `'${s}` : s;
    return /[;"\r\n]/.test(safe) || safe !== s ? `"${safe.replace(/"/g, '""')}"` : safe;
  };
  return `\uFEFF${[header, ...rows].map((r) => r.map(cell).join(';')).join('\r\n')}\r\n`;
}

export function sendCsv(res: Response, filename: string, csv: string): void {
  // An export of a chain's takings or stock: never kept by a browser's cache or a proxy.
  res.set({ 'Content-Disposition': `attachment; filename="${filename}"`, 'Cache-Control': 'no-store' }).type('text/csv; charset=utf-8').send(csv);
}
