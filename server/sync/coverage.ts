import { accountEntryCoverage, customerCoverage } from '../accounts/reconcile.js';
import { cashMovementCoverage, sessionCoverage } from '../cash/reconcile.js';
import { productCoverage } from '../catalog/reconcile.js';
import type { Queryable } from '../db/pool.js';
import { assembleDigests, type DayDigest } from '../domain/digest.js';
import type { Covered, SnapshotPart } from '../outbox/coverage.js';
import { expenseCoverage } from '../expenses/reconcile.js';
import { deliveryCoverage, purchaseOrderCoverage, supplierReturnCoverage } from '../purchasing/reconcile.js';
import { returnCoverage, saleCoverage } from '../sales/reconcile.js';
import { batchCoverage, movementCoverage, recallCoverage } from '../stock/reconcile.js';
import { stocktakeCoverage } from '../stocktakes/reconcile.js';
import { supplierCoverage } from '../suppliers/reconcile.js';
import { transferCoverage, transferReceiptCoverage } from '../transfers/reconcile.js';
import { requisitionCoverage } from '../requisitions/reconcile.js';
import { staffCoverage } from '../hq/staff-reconcile.js';

/**
 * Everything a shop owns that head office keeps, in dependency order (a
 * parent before what names it): the nightly digest compares every entry with
 * a `digest`, resends what head office lacks in this order, and a rebuild
 * reads and restores the `snapshot` parts in this order. A new entity is one
 * declaration in its feature's `reconcile.ts` and one line here
 * (docs/sync.md, « Covering a new entity »).
 */
export const COVERED: readonly Covered[] = [
  // People first: a session, a sale or a return names who made it.
  staffCoverage,
  productCoverage,
  supplierCoverage,
  recallCoverage,
  batchCoverage,
  sessionCoverage,
  customerCoverage,
  saleCoverage,
  movementCoverage,
  // After suppliers, lots and the ledger: a delivery names its order and the lots it wrote, a return its lots.
  purchaseOrderCoverage,
  deliveryCoverage,
  supplierReturnCoverage,
  returnCoverage,
  // A drawer expense's cash-out names it; a customer's entry names its credit sale, its return and the drawer it went into.
  expenseCoverage,
  cashMovementCoverage,
  accountEntryCoverage,
  // A shipment names its lots; a receipt names its shipment and the lots it filled; a stocktake's counts name lots and movements.
  // A transfer may name a requisition (no key between them: either order restores).
  requisitionCoverage,
  transferCoverage,
  transferReceiptCoverage,
  stocktakeCoverage,
];

/** How reports list entities: in dependency order, a sale's lines after it. */
export const REPORT_ORDER: readonly string[] = COVERED.flatMap((c) => (c.entity === 'sale' ? ['sale', 'sale_item'] : [c.entity]));

const byEntity = new Map(COVERED.map((c) => [c.entity, c]));
export const coverageOf = (entity: string): Covered | undefined => byEntity.get(entity);

/** The entities compared each night. */
export const DIGESTED: readonly Covered[] = COVERED.filter((c) => c.digest);
export const DIGESTED_NAMES: ReadonlySet<string> = new Set(DIGESTED.map((c) => c.entity));

/** What a rebuild reads, in order: `GET /api/sync/snapshot/:part`. */
export const SNAPSHOT_PARTS: readonly SnapshotPart[] = COVERED.flatMap((c) => c.snapshot ?? []);
export const snapshotPart = (name: string): SnapshotPart | undefined => SNAPSHOT_PARTS.find((p) => p.part === name);

/** Every covered entity's digest of these days of a shop: the same at both ends. */
export async function digestsOf(db: Queryable, shop: { id: string; timezone: string }, days: readonly string[], at: 'shop' | 'hq'): Promise<DayDigest[]> {
  const q = { shopId: shop.id, timezone: shop.timezone, from: days[0]!, to: days.at(-1)!, at };
  const per: Record<string, Awaited<ReturnType<NonNullable<Covered['digest']>>>> = {};
  for (const c of DIGESTED) per[c.entity] = await c.digest!(db, q);
  return assembleDigests(days, per);
}
