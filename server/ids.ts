import { createHash } from 'node:crypto';
import { uuidv7 } from 'uuidv7';

/** Every synced row's id is a UUID v7 made where the row is born (design.md principle 3). */
export const newId = (): string => uuidv7();

/**
 * A shop's id follows from its code, so the shop and head office name it the
 * same without a mapping (RFC 9562 version 8, name-based on SHA-256).
 */
export function shopIdFor(code: string): string {
  const h = createHash('sha256').update(`comptoir-shop:${code}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x80;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
