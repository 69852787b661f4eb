import { describe, expect, it } from 'vitest';
import { newestOwnClock } from '../../server/domain/hlc.js';
import { jumpedNumbers, RECEIPT_JUMP_TOLERANCE, receiptSequence } from '../../server/domain/receipt-number.js';

describe('receipt numbers against the shop’s sequence', () => {
  it('reads the sequence of a receipt number, and 0 for any other form', () => {
    expect(receiptSequence('DKR01-000123')).toBe(123);
    expect(receiptSequence('DKR01-1000000')).toBe(1_000_000);
    expect(receiptSequence('DKR01-000123/ab12')).toBe(0);
  });

  it('lets a gap within the tolerance through and names the numbers beyond it', () => {
    expect(jumpedNumbers(['DKR01-000124', `DKR01-${String(123 + RECEIPT_JUMP_TOLERANCE).padStart(6, '0')}`], 123)).toEqual([]);
    expect(jumpedNumbers(['DKR01-000124', 'DKR01-999999'], 123)).toEqual(['DKR01-999999']);
    expect(jumpedNumbers(['DKR01-000050'], 123)).toEqual([]);
  });
});

describe('the clock a node sends again as its own', () => {
  it('is the newest of the row’s clocks that carry its code, never head office’s', () => {
    const clocks = ['001796229031798:000000:RCL01', '001796229099999:000001:HQ', '001796229032000:000003:RCL01', 'garbage'];
    expect(newestOwnClock(clocks, 'RCL01')).toBe('001796229032000:000003:RCL01');
    expect(newestOwnClock(['001796229099999:000001:HQ'], 'RCL01')).toBeUndefined();
  });
});
