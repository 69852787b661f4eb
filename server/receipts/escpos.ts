import iconv from 'iconv-lite';
import { CharacterSet, PrinterTypes, ThermalPrinter } from 'node-thermal-printer';
import type { ReceiptModel } from '../domain/receipt.js';

const CODE_PAGE = 'cp858'; // PC858: Western European with €, what most thermal printers carry
// Letters that do not decompose into a base letter and an accent.
const SPELLED: Record<string, string> = { œ: 'oe', Œ: 'OE', ł: 'l', Ł: 'L', đ: 'd', Đ: 'D' };

/**
 * Text the printer's code page can print: characters it has stay, accented
 * ones it lacks lose their accent, ligatures are spelled out, the rest is '?'.
 */
export function toCodePage(text: string): string {
  let out = '';
  for (const ch of text.replace(/[\u00a0\u202f]/g, ' ').replace(/[\u2018\u2019]/g, "'").replace(/[\u201c\u201d]/g, '"')) {
    if (iconv.decode(iconv.encode(ch, CODE_PAGE), CODE_PAGE) === ch) out += ch;
    else if (SPELLED[ch]) out += SPELLED[ch];
    else {
      const bare = ch.normalize('NFD').replace(/\p{M}+/gu, '');
      out += bare && iconv.decode(iconv.encode(bare, CODE_PAGE), CODE_PAGE) === bare ? bare : '?';
    }
  }
  return out;
}

/** Sends the receipt to an ESC/POS printer: `tcp://host:9100` or a device such as `/dev/usb/lp0`. */
export async function printEscpos(m: ReceiptModel, target: string, widthMm: 58 | 80): Promise<void> {
  const printer = new ThermalPrinter({
    type: PrinterTypes.EPSON,
    interface: target,
    width: widthMm === 80 ? 48 : 32,
    characterSet: CharacterSet.PC858_EURO,
    removeSpecialCharacters: false,
    options: { timeout: 5000 },
  });
  const line = (s: string) => printer.println(toCodePage(s));
  printer.alignCenter();
  if (m.duplicate) {
    printer.bold(true);
    line(m.duplicate);
    printer.bold(false);
  }
  printer.bold(true);
  line(m.shopName);
  printer.bold(false);
  m.shopLines.forEach(line);
  printer.drawLine();
  printer.alignLeft();
  m.meta.forEach(line);
  if (m.voided) {
    printer.alignCenter();
    printer.bold(true);
    line(`*** ${m.voided} ***`);
    printer.bold(false);
    printer.alignLeft();
  }
  if (m.voidedOn) line(m.voidedOn);
  printer.drawLine();
  for (const l of m.lines) {
    printer.bold(true);
    line(l.name);
    printer.bold(false);
    printer.leftRight(toCodePage(l.detail), toCodePage(l.amount));
    if (l.discount) printer.leftRight(toCodePage(l.discount.label), toCodePage(l.discount.amount));
    if (l.lot) line(l.lot);
  }
  if (m.lines.length > 0) printer.drawLine();
  if (m.itemCount) line(m.itemCount);
  for (const t of m.totals) {
    printer.bold(t.strong);
    printer.leftRight(toCodePage(t.label), toCodePage(t.amount));
  }
  printer.bold(false);
  if (m.payment) line(m.payment);
  for (const section of m.sections) {
    printer.drawLine();
    printer.bold(true);
    line(section.heading);
    printer.bold(false);
    for (const row of section.rows) {
      printer.bold(row.strong ?? false);
      printer.leftRight(toCodePage(row.label), toCodePage(row.amount));
    }
    printer.bold(false);
  }
  printer.drawLine();
  printer.alignCenter();
  printer.printQR(m.code, { cellSize: 5, correction: 'M', model: 2 });
  line(m.code);
  m.footer.forEach(line);
  printer.cut();
  await printer.execute();
}
