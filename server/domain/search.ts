/**
 * Search ignores accents and case and matches every word typed
 * (`paracetamol 500` finds « Paracétamol 500 mg »).
 */
export function foldForSearch(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .replace(/œ/gi, 'oe')
    .replace(/æ/gi, 'ae')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
}

export function searchWords(query: string): string[] {
  return foldForSearch(query).split(' ').filter((w) => w.length > 0);
}

/** The text a product is found by: its name, SKU and GTIN. */
export function productSearchText(p: { name: string; sku: string; gtin: string | null }): string {
  return foldForSearch([p.name, p.sku, p.gtin ?? ''].join(' '));
}

/** Escapes LIKE wildcards so a typed % or _ matches itself. */
export function likePattern(word: string): string {
  return `%${word.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
