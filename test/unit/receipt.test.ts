import { describe, expect, it } from 'vitest';
import { receiptModel, type ReceiptSource } from '../../server/domain/receipt.js';
import { toCodePage } from '../../server/receipts/escpos.js';

const source = (over: Partial<ReceiptSource['sale']> = {}, duplicate = false): ReceiptSource => ({
  shop: { name: 'Pharmacie', address: 'Rue 1\n\nDakar ', phone: '', taxId: '', receiptFooter: '', timezone: 'Africa/Abidjan' },
  sale: {
    number: 'DKR01-000007', createdAt: new Date('2026-11-26T23:59:00Z'), cashierName: 'Awa', total: 3000, tendered: 5000, change: 2000,
    subtotal: 3000, discount: 0, discountLabel: null, rounding: 0, payments: [{ method: 'cash', amount: 3000 }],
    status: 'completed', voidedAt: null, ...over,
  },
  items: [{ productName: 'Smecta', lotNumber: 'S1', expirationDate: '2027-01-31', quantity: 2, unitPrice: 1500, discount: 0, discountLabel: null, lineTotal: 3000 }],
  duplicate,
});

describe('receipt model', () => {
  it('says everything a ticket must, in French, with FCFA amounts', () => {
    const m = receiptModel(source());
    expect(m.shopLines).toEqual(['Rue 1', 'Dakar']);
    expect(m.meta).toEqual(['Ticket n° DKR01-000007', '26/11/2026 23:59', 'Caissier : Awa']);
    expect(m.lines).toEqual([{ name: 'Smecta', detail: '2 × 1\u00a0500\u00a0FCFA', amount: '3\u00a0000\u00a0FCFA', lot: 'Lot S1 · Exp. 01/2027', discount: undefined }]);
    expect(m.totals.map((t) => t.label)).toEqual(['TOTAL', 'Montant remis', 'Monnaie rendue']);
    expect(m.payment).toBe('Paiement : Espèces');
    expect(m.duplicate).toBeNull();
    expect(m.voided).toBeNull();
  });

  it('gives no change lines for card or mobile money, and names the operator and the transaction', () => {
    const m = receiptModel(source({ payments: [{ method: 'mobile_money', amount: 3000, operator: 'wave', reference: 'TX-91' }], tendered: 0, change: 0 }));
    expect(m.totals.map((t) => `${t.label}=${t.amount}`)).toEqual(['TOTAL=3\u00a0000\u00a0FCFA', 'Wave (réf. TX-91)=3\u00a0000\u00a0FCFA']);
    expect(m.payment).toBe('Paiement : Mobile money');
  });

  it('prints discounts, the cash rounding and every payment of a split sale', () => {
    const m = receiptModel({
      ...source({
        subtotal: 3000, discount: 468, discountLabel: 'Remise 10 % — fidélité', total: 2532, rounding: -2,
        payments: [{ method: 'cash', amount: 1530 }, { method: 'mobile_money', amount: 1000, operator: 'orange_money' }], tendered: 3000, change: 470,
      }),
      items: [{ productName: 'Smecta', lotNumber: 'S1', expirationDate: '2027-01-31', quantity: 2, unitPrice: 1500, discount: 200, discountLabel: 'Remise — abîmé', lineTotal: 2800 }],
    });
    expect(m.lines[0]!.discount).toEqual({ label: 'Remise — abîmé', amount: '-200\u00a0FCFA' });
    expect(m.totals.map((t) => `${t.label}=${t.amount}`)).toEqual([
      'Sous-total=3\u00a0000\u00a0FCFA', 'Remise 10 % — fidélité=-268\u00a0FCFA', 'TOTAL=2\u00a0532\u00a0FCFA', 'Arrondi espèces=-2\u00a0FCFA',
      'À PAYER=2\u00a0530\u00a0FCFA', 'Espèces=1\u00a0530\u00a0FCFA', 'Orange Money=1\u00a0000\u00a0FCFA', 'Montant remis=2\u00a0000\u00a0FCFA',
      'Monnaie rendue=470\u00a0FCFA',
    ]);
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
