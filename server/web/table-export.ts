/**
 * One table, two files: every export is described once (typed columns,
 * sheets) and answered as CSV (web/csv.ts, as it always was) or as an XLSX
 * spreadsheet (exceljs, streamed as it is written): numbers stay numbers,
 * FCFA amounts carry a format, dates are dates, the header row is frozen,
 * and a chain-wide export may have one sheet per shop.
 */
import type { Request, Response } from 'express';
import type { Writable } from 'node:stream';
import type ExcelJS from 'exceljs';
import { formatDateFr } from '../domain/dates.js';
import { toCsv } from './csv.js';

export type ColumnType = 'text' | 'int' | 'money' | 'date';
export interface Column {
  header: string;
  type: ColumnType;
}
export type Cell = string | number | null | undefined;
export type Row = readonly Cell[];
export interface Sheet {
  name: string;
  /** Rows, or rows as they are read (a month's sales journal, day by day): written as they come. */
  rows: Iterable<Row> | AsyncIterable<Row>;
}
export interface Table {
  /** The file's name without its extension. */
  filename: string;
  columns: readonly Column[];
  /** One sheet, or one per shop; the CSV has every sheet's rows one after the other. */
  sheets: readonly Sheet[];
}

export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
/** Excel's own codes: « 12 500 FCFA », « 1 234 », « 17/01/2026 » whatever the reader's locale. */
const FORMATS: Record<ColumnType, string | undefined> = { text: undefined, int: '#,##0', money: '#,##0 "FCFA"', date: 'dd/mm/yyyy' };

/** The same URL with `.xlsx`, or `?format=xlsx`, asks for the spreadsheet. */
export function wantsXlsx(req: Request): boolean {
  return req.path.endsWith('.xlsx') || req.query.format === 'xlsx';
}

export async function sendTable(req: Request, res: Response, table: Table): Promise<void> {
  // An export of a chain's figures: never kept by a browser's cache or a proxy.
  res.set('Cache-Control', 'no-store');
  if (!wantsXlsx(req)) {
    const rows: Row[] = [];
    for (const s of table.sheets) for await (const r of s.rows) rows.push(r.map((v, i) => (table.columns[i]?.type === 'date' && typeof v === 'string' ? formatDateFr(v) : v)));
    res.set('Content-Disposition', `attachment; filename="${table.filename}.csv"`).type('text/csv; charset=utf-8').send(toCsv(table.columns.map((c) => c.header), rows));
    return;
  }
  res.set('Content-Disposition', `attachment; filename="${table.filename}.xlsx"`).type(XLSX_TYPE);
  await writeXlsx(res, table);
}

/** Sheet names: at most 31 characters, none of : \ / ? * [ ], each once. */
function sheetName(name: string, taken: Set<string>): string {
  const base = name.replace(/[:\\/?*[\]]/g, ' ').slice(0, 31) || 'Feuille';
  let out = base;
  for (let k = 2; taken.has(out.toLowerCase()); k++) out = `${base.slice(0, 27)} (${k})`;
  taken.add(out.toLowerCase());
  return out;
}

function cellValue(v: Cell, type: ColumnType): ExcelJS.CellValue {
  if (v === null || v === undefined || v === '') return null;
  if (type === 'date' && typeof v === 'string') return new Date(`${v.slice(0, 10)}T00:00:00Z`);
  if ((type === 'int' || type === 'money') && typeof v === 'number') return v;
  return String(v);
}

/** Written row by row to the answer: a month's sales journal never sits whole in memory. */
export async function writeXlsx(out: Writable, table: Table): Promise<void> {
  // Loaded on the first export only: a shop's process (96 MB of heap on a Pi) never pays for it otherwise.
  const { default: excel } = await import('exceljs');
  const book = new excel.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
  book.creator = 'Comptoir';
  const taken = new Set<string>();
  for (const sheet of table.sheets.length ? table.sheets : [{ name: 'Feuille', rows: [] }]) {
    const ws = book.addWorksheet(sheetName(sheet.name, taken), { views: [{ state: 'frozen', ySplit: 1 }] });
    ws.columns = table.columns.map((c) => ({
      // A text column has no style at all: exceljs looks every styled cell's style up again (a month's journal: 400 000 cells).
      header: c.header, width: Math.min(40, Math.max(10, c.header.length + 2)), ...(FORMATS[c.type] ? { style: { numFmt: FORMATS[c.type]! } } : {}),
    }));
    ws.getRow(1).font = { bold: true };
    ws.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: table.columns.length } };
    for await (const r of sheet.rows) ws.addRow(r.map((v, i) => cellValue(v, table.columns[i]?.type ?? 'text'))).commit();
    ws.commit();
  }
  await book.commit();
}
