import fs from 'node:fs';
import { createRequire } from 'node:module';
import * as fontkit from 'fontkit';

const require = createRequire(import.meta.url);

/**
 * The characters asked for once, in code-point order, when a face is parsed:
 * Latin (with its accents and combining marks), Greek, Cyrillic, Vietnamese,
 * punctuation and currency signs. Not the presentation forms (U+FB00…): the
 * « fi » ligature must keep reading back as the two letters it was laid out from.
 */
const PREPARED: readonly [number, number][] = [[0x20, 0x52f], [0x1e00, 0x1eff], [0x2000, 0x20cf]];

/**
 * fontkit keeps one glyph object per glyph for the life of the font, with
 * the characters of whoever asked for it first, and pdfkit writes each PDF's
 * text layer (what pdftotext, search and copy read) from those characters.
 * Embedding an accented letter (ç, é, î) asks for its parts (c, e, ı) with no
 * characters at all: with a face shared by every document, a PDF that had
 * « ç » before any plain « c » made every later PDF's « c » read back as
 * nothing (« Feuille de omptage »). Asking for every character first fixes
 * each glyph's text before any document is made.
 */
function prepared(file: string): fontkit.Font {
  const font = fontkit.create(fs.readFileSync(require.resolve(`dejavu-fonts-ttf/ttf/${file}`))) as fontkit.Font;
  for (const [from, to] of PREPARED) {
    for (let cp = from; cp <= to; cp++) if (font.hasGlyphForCodePoint(cp)) font.glyphForCodePoint(cp);
  }
  return font;
}

let faces: { regular: fontkit.Font; bold: fontkit.Font } | undefined;

/**
 * The two faces of every PDF the shop and head office make (receipts, A4
 * documents, statements, the monthly report): a TTF with every glyph a name
 * typed at head office may hold (é, œ, ·, ×…), where pdfkit's built-in fonts
 * are WinAnsi only. Parsed once per process (pdfkit takes a parsed fontkit
 * font as it is) and subset per document: parsing was most of a render.
 */
function pdfFonts(): { regular: fontkit.Font; bold: fontkit.Font } {
  faces ??= { regular: prepared('DejaVuSans.ttf'), bold: prepared('DejaVuSans-Bold.ttf') };
  return faces;
}

/** Registers the two faces as « regular » and « bold » on a new document (pdfkit's types name only paths and buffers). */
export function useFonts(doc: PDFKit.PDFDocument): void {
  const { regular, bold } = pdfFonts();
  doc.registerFont('regular', regular as unknown as Buffer);
  doc.registerFont('bold', bold as unknown as Buffer);
}
