import { describe, expect, it } from 'vitest';
import { a4Pdf } from '../../server/web/a4.js';
import { pdfText, requireTool } from '../support/tools.js';

const poppler = requireTool('pdftotext', 'poppler-utils');

// Each file runs in a fresh module graph: the first document below is the first this process's fonts ever lay out.
describe.skipIf(!poppler.available)('the PDFs a long-running server makes', () => {
  it('read back every letter after an earlier PDF had its accented forms only (ç, î, é, Ô)', async () => {
    const earlier = await a4Pdf('Reçu', (doc) => {
      doc.font('regular').text('Ça reçu îlot été');
      doc.font('bold').text('Ça reçu îlot été Ô');
    });
    expect(pdfText(earlier)).toContain('Ça reçu îlot été');
    const later = await a4Pdf('Feuille de comptage', (doc) => {
      doc.font('regular').text('Feuille de comptage : Vaccin grippe, lot C12, île');
      doc.font('bold').text('Comptage vaccin Officine');
    });
    const text = pdfText(later);
    expect(text).toContain('Feuille de comptage : Vaccin grippe, lot C12, île');
    expect(text).toContain('Comptage vaccin Officine');
  });

  it('keeps a ligature reading back as the letters it was laid out from', async () => {
    const text = pdfText(await a4Pdf('Fidélité', (doc) => doc.font('regular').text('Carte de fidélité, confirmation')));
    expect(text.replace(/\uFB01/g, '[fi]')).toContain('Carte de fidélité, confirmation');
  });
});
