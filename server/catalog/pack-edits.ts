import type { Tx } from '../db/pool.js';
import { changedFields, editClocks, replacedClocks } from '../domain/merge.js';
import { isValidGtin } from '../domain/gtin.js';
import { AppError, notFound } from '../errors.js';
import { newId, unitPackId } from '../ids.js';
import { stampTransaction } from '../outbox/clock.js';
import { packFieldsOf, PACK_FIELDS } from './pack-merge.js';
import { gtinHeld, insertPack, lockPack, updatePackFields, type Pack, type PackRow } from './pack-queries.js';
import type { PackInput, UpdatePackInput } from './schemas.js';

/** A pack's GTIN must check out and name no other article (a unit pack carries its product's GTIN). */
export async function checkPackGtin(tx: Tx, gtin: string | null | undefined, packId: string): Promise<void> {
  if (!gtin) return;
  if (!isValidGtin(gtin)) throw new AppError(422, 'gtin_invalid', 'product.gtin_invalid', { gtin });
  if (await gtinHeld(tx, gtin, packId)) throw new AppError(409, 'gtin_taken', 'product.gtin_taken', { gtin });
}

/**
 * A new pack of several units, stamped with `hlc` (the caller's transaction
 * clock). A pack of 1 is the product's unit pack, which exists with it.
 */
export async function makePack(tx: Tx, productId: string, input: PackInput, hlc: string, originShopId: string | null): Promise<PackRow> {
  if (input.units <= 1) throw new AppError(409, 'unit_pack_exists', 'pack.unit_exists');
  const id = input.id ?? newId();
  await checkPackGtin(tx, input.gtin, id);
  const fieldClocks = Object.fromEntries(PACK_FIELDS.map((f) => [f, hlc]));
  const pack = await insertPack(tx, {
    id, productId, name: input.name, units: input.units, unitPrice: input.unitPrice, gtin: input.gtin ?? null,
    sellable: input.sellable ?? true, retired: false, originShopId, hlc, fieldClocks,
  });
  return { ...pack, originShopId, hlc, fieldClocks };
}

/** The pack of a product, locked; a pack of another product is not found. */
export async function lockPackOf(tx: Tx, productId: string, packId: string): Promise<PackRow> {
  const pack = await lockPack(tx, packId);
  if (!pack || pack.productId !== productId) throw notFound('pack.not_found');
  return pack;
}

/**
 * A local edit of a pack's own fields (price, name, sellable, retired),
 * stamped above the clocks of the values it replaces; returns the change to
 * send. A unit pack's name and price are its product's (edited there).
 */
export async function editPack(tx: Tx, current: PackRow, input: UpdatePackInput, at: Date): Promise<{ pack: Pack; change?: { hlc: string; payload: Record<string, unknown> } }> {
  const fields: readonly string[] = packFieldsOf(current);
  const own = Object.fromEntries(Object.entries(input).filter(([f, v]) => v !== undefined && fields.includes(f))) as UpdatePackInput;
  const changed = changedFields(current, own);
  if (changed.length === 0) return { pack: current };
  const hlc = await stampTransaction(tx, at, replacedClocks(current, changed));
  const next = { ...current, ...own };
  const edit = editClocks(current, next, changed, hlc);
  const fieldOrigins = Object.fromEntries(Object.entries(current.fieldOrigins ?? {}).filter(([f]) => !changed.includes(f as never)));
  const pack = await updatePackFields(tx, current.id, { ...next, hlc, fieldClocks: edit.fieldClocks, fieldOrigins });
  return { pack, change: { hlc, payload: { id: current.id, productId: current.productId, ...edit.fields, fieldClocks: edit.clocks, baseClocks: edit.baseClocks } } };
}

export const isUnitPack = (k: { id: string; productId: string }) => k.id === unitPackId(k.productId);
