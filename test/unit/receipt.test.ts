import { describe, expect, it } from 'vitest';
import { receiptModel, type ReceiptSource } from '../../server/domain/receipt.js';
import { toCodePage } from '../../server/receipts/escpos.js';

const source = (over: Partial<ReceiptSource['sale']> = {}, duplicate = false): ReceiptSource => ({
  shop: { name: 'Pharmacie', address: 'Rue 1\n\nDakar ', phone: '', taxId: '', receiptFooter: '', timezone: 'Africa/Abidjan' },
  sale: {
    number: 'DKR01-000007', createdAt: new Date('2026-11-26T23:59:00Z'), cashierName: 'Awa', total: 3000, tendered: 5000, change: 2000,
    paymentMethod: 'cash', status: 'completed', voidedAt: null, ...over,
  },
  items: [{ productName: 'Smecta', lotNumber: 'S1', expirationDate: '2027-01-31', quantity: 2, unitPrice: 1500, lineTotal: 3000 }],
  duplicate,
});

describe('receipt model', () => {
  it('says everything a ticket must, in French, with FCFA amounts', () => {
    const m = receiptModel(source());
    expect(m.shopLines).toEqual(['Rue 1', 'Dakar']);
    expect(m.meta).toEqual(['Ticket n° DKR01-000007', '26/11/2026 23:59', 'Caissier : Awa']);
    expect(m.lines).toEqual([{ name: 'Smecta', detail: '2 × 1\u00a0500\u00a0FCFA', amount: '3\u00a0000\u00a0FCFA', lot: 'Lot S1 · Exp. 01/2027' }]);
    expect(m.totals.map((t) => t.label)).toEqual(['TOTAL', 'Montant remis', 'Monnaie rendue']);
    expect(m.payment).toBe('Paiement : Espèces');
    expect(m.duplicate).toBeNull();
    expect(m.voided).toBeNull();
  });

  it('gives no change lines for card or mobile money', () => {
    expect(receiptModel(source({ paymentMethod: 'mobile_money', tendered: 3000, change: 0 })).totals).toHaveLength(1);
  });

  it('marks reprints and voided sales', () => {
    const m = receiptModel(source({ status: 'voided', voidedAt: new Date('2026-11-27T08:00:00Z') }, true));
    expect(m.duplicate).toBe('DUPLICATA');
    expect(m.voided).toBe('ANNULÉE');
    expect(m.voidedOn).toBe('Vente annulée le 27/11/2026 08:00');
  });
});

describe('thermal printer text', () => {
  it('keeps what code page 858 has and spells out or strips what it lacks', () => {
    expect(toCodePage('Crème Œstrogel à 1\u00a0500 € · Exp.')).toBe('Crème OEstrogel à 1 500 € · Exp.');
    expect(toCodePage('Łódź l’œuf 中')).toBe("Lódz l'oeuf ?");
  });
});
