/**
 * What other features may do with stock (design §6: a narrow function the
 * feature exports, never its SQL): read a product's lots, lock them in the
 * one order every writer uses (by id), and record movements with the
 * lots' cached quantities in the same transaction. Quantities are base units.
 */
import type { Queryable, Tx } from '../db/pool.js';
import {
  applyDeltas,
  batchById,
  batchesOfProduct,
  batchesOfProducts,
  insertMovements,
  lockBatchesByIds,
  lockBatchesWithStock,
  type Batch,
  type Movement,
  type NewMovement,
} from './queries.js';

export type { Batch, Movement, NewMovement };

export const lotOfShop = (db: Queryable, shopId: string, id: string): Promise<Batch | undefined> => batchById(db, shopId, id);
export const lotsOfProduct = (db: Queryable, shopId: string, productId: string): Promise<Batch[]> => batchesOfProduct(db, shopId, productId);
/** Several products' lots in one query, each product's in FEFO order. */
export const lotsOfProducts = (db: Queryable, shopId: string, productIds: readonly string[]): Promise<Batch[]> => batchesOfProducts(db, shopId, productIds);

/** Every lot with stock of these products, locked in id order (a sale's). */
export const lockLotsWithStock = (tx: Tx, shopId: string, productIds: readonly string[]): Promise<Batch[]> => lockBatchesWithStock(tx, shopId, productIds);
/** These lots, locked in id order (a void's, a return's). */
export const lockLots = (tx: Tx, shopId: string, ids: readonly string[]): Promise<Batch[]> => lockBatchesByIds(tx, shopId, ids);

/** Movements and the lots' cached quantities, written together; the lots must already be locked. */
export async function recordMovements(tx: Tx, movements: readonly NewMovement[]): Promise<Movement[]> {
  const written = await insertMovements(tx, movements);
  await applyDeltas(tx, written.map((m) => ({ batchId: m.batchId, delta: m.delta })));
  return written;
}
