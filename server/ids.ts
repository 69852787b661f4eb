import { createHash } from 'node:crypto';
import { uuidv7 } from 'uuidv7';

/** Every synced row's id is a UUID v7 made where the row is born (design.md principle 3). */
export const newId = (): string => uuidv7();

/**
 * A shop's id follows from its code, so the shop and head office name it the
 * same without a mapping (RFC 9562 version 8, name-based on SHA-256).
 */
export function shopIdFor(code: string): string {
  return nameBasedId(`comptoir-shop:${code}`);
}

/**
 * A product's unit pack (its base unit, a pack of 1) is named by its
 * product's id, so every node makes the same one without sending it; the
 * same function as `unit_pack_id()` in migration 0016.
 */
export function unitPackId(productId: string): string {
  return nameBasedId(`comptoir-unit-pack:${productId.toLowerCase()}`);
}

// A sale or a cart asks for its lines' unit packs on every request: the hash is kept, not made again each time.
const namedIds = new Map<string, string>();

function nameBasedId(name: string): string {
  let id = namedIds.get(name);
  if (id === undefined) {
    if (namedIds.size >= 50_000) namedIds.clear();
    id = hashedId(name);
    namedIds.set(name, id);
  }
  return id;
}

function hashedId(name: string): string {
  const h = createHash('sha256').update(name).digest();
  h[6] = (h[6]! & 0x0f) | 0x80;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
