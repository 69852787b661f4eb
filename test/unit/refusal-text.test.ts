import { describe, expect, it } from 'vitest';
import { describeRefused, type RefusedNames } from '../../server/domain/refusal-text.js';

const LOT = '01a2c3d4-0000-7000-8000-000000000001';
const PRODUCT = '01a2c3d4-0000-7000-8000-000000000002';
const SALE = '01a2c3d4-0000-7000-8000-000000000003';
const names: RefusedNames = {
  lots: new Map([[LOT, { lotNumber: 'L123', productName: 'Doliprane 500 mg' }]]),
  products: new Map([[PRODUCT, 'Doliprane 500 mg']]),
  sales: new Map([[SALE, 'DKR01-000123']]),
};
const say = (entity: string, payload: Record<string, unknown>, op: 'insert' | 'update' = 'insert', entityId = LOT) =>
  describeRefused({ entity, op, entityId, payload }, names, 'Africa/Dakar');

describe('a refused change said in French', () => {
  it('names a lot by its number and product, never by its id', () => {
    expect(say('batch', { id: LOT, productId: PRODUCT, lotNumber: 'L123' })).toBe('Lot L123 de Doliprane 500 mg');
    // An update carries no lot number: the shop's own lot names it.
    expect(say('batch', { id: LOT, expirationDate: '2027-01-31' }, 'update')).toBe('Lot L123 de Doliprane 500 mg');
  });

  it('names sales by their receipt number, lines and voids by their sale’s', () => {
    expect(say('sale', { number: 'DKR01-000123' }, 'insert', SALE)).toBe('Vente DKR01-000123');
    expect(say('sale', { id: SALE, status: 'voided' }, 'update', SALE)).toBe('Annulation de la vente DKR01-000123');
    expect(say('sale_item', { saleId: SALE, productId: PRODUCT, productName: 'Doliprane 500 mg', lotNumber: 'L123' }))
      .toBe('Ligne de la vente DKR01-000123 : Doliprane 500 mg, lot L123');
  });

  it('says what a movement, a product, a session, a cash movement and a return are', () => {
    expect(say('movement', { batchId: LOT, kind: 'sale', delta: -2 })).toBe('Mouvement de stock (vente, -2) du lot L123 de Doliprane 500 mg');
    expect(say('product', { name: 'Sirop' }, 'insert', PRODUCT)).toBe('Produit Sirop');
    expect(say('till_session', { terminal: 'caisse-1', openedAt: '2026-12-02T14:00:50.694Z' })).toBe('Session de caisse du poste caisse-1 ouverte le 02/12/2026 14:00');
    expect(say('cash_movement', { kind: 'out', amount: 5000, reason: 'Fournitures' })).toMatch(/^Sortie de caisse de 5\s000\sFCFA : Fournitures$/);
    expect(say('sale_return', { number: 'DKR01-AV-000004', saleId: SALE })).toBe('Avoir DKR01-AV-000004 sur la vente DKR01-000123');
  });

  it('still says something readable when the shop no longer holds the row', () => {
    expect(say('batch', { id: 'x' }, 'update', 'x')).toBe('Lot ? de produit inconnu ici');
    expect(say('sale_item', { saleId: 'y', productId: 'z', productName: 'Sirop', lotNumber: 'S1' })).toBe('Ligne de la vente (vente inconnue ici) : Sirop, lot S1');
  });
});
