import type { Actor } from '../context.js';
import type { Queryable, Tx } from '../db/pool.js';
import type { MovementKind } from '../domain/ledger.js';
import { AppError } from '../errors.js';
import { newId } from '../ids.js';
import { stampTransaction } from '../outbox/clock.js';
import { appendOutbox } from '../outbox/queries.js';
import { productById } from '../catalog/queries.js';
import {
  applyDeltas,
  batchRowsByIds,
  lotQuantities,
  insertBatch,
  insertMovements,
  lockBatchByLot,
  lockBatchesByIds,
  lockLot,
  lotRowsByIds,
  recallOf,
  type LotListRow,
  type Batch,
  type Movement,
} from './queries.js';

/**
 * The narrow doors other features (transfers, stocktakes) move units
 * through: every change of a lot's quantity is a movement written here, in
 * the caller's transaction, with its outbox rows. Nothing else of stock's
 * queries is theirs to call.
 */

type PublicBatch = Batch;

/** Head office: which of these lots it holds as this shop's (a document a shop pushes may only name its own). */
export async function lotsOwnedBy(tx: Tx, shopId: string, batchIds: readonly string[]): Promise<Set<string>> {
  return new Set((await batchRowsByIds(tx, shopId, [...new Set(batchIds)])).map((b) => b.id));
}

/** These lots of the shop with their product's name, unlocked (a draft names them; shipping locks them). */
export async function lotDescriptions(db: Queryable, shopId: string, batchIds: readonly string[]): Promise<Map<string, LotListRow>> {
  return new Map((await lotRowsByIds(db, shopId, [...new Set(batchIds)])).map((b) => [b.id, b]));
}

/** Locks these lots of the shop in id order (the order every writer takes), for a document that names them. */
export async function lockLotsOf(tx: Tx, shopId: string, batchIds: readonly string[]): Promise<Map<string, PublicBatch>> {
  const rows = await lockBatchesByIds(tx, shopId, [...new Set(batchIds)].sort());
  return new Map(rows.map((b) => [b.id, b]));
}

/**
 * Units out of (negative delta) or back into (positive) lots of this shop,
 * already locked by the caller with `lockLotsOf`. `allowNegative`: a fact
 * that happened elsewhere (head office decided) is written whatever the lot
 * holds; otherwise a lot that would go below zero refuses the whole call.
 */
export async function moveUnits(
  tx: Tx,
  shopId: string,
  moves: readonly { batchId: string; delta: number; reason: string | null }[],
  o: { kind: MovementKind; actor: Actor | null; now: Date; lots: Map<string, PublicBatch>; allowNegative?: boolean },
): Promise<Movement[]> {
  if (moves.length === 0) return [];
  const left = new Map([...o.lots].map(([id, b]) => [id, b.quantity]));
  for (const m of moves) {
    const lot = o.lots.get(m.batchId);
    if (!lot) throw new AppError(404, 'not_found', 'batch.not_found');
    const after = left.get(m.batchId)! + m.delta;
    if (after < 0 && !o.allowNegative) {
      throw new AppError(422, 'stock_insufficient', 'transfer.more_than_lot', { lotNumber: lot.lotNumber, quantity: left.get(m.batchId)! }, { batchId: m.batchId });
    }
    left.set(m.batchId, after);
  }
  const hlc = await stampTransaction(tx, o.now);
  const movements = await insertMovements(
    tx,
    moves.map((m) => ({
      id: newId(), shopId, batchId: m.batchId, kind: o.kind, delta: m.delta, countedQty: null, reason: m.reason,
      saleItemId: null, userId: o.actor?.id ?? null, hlc,
    })),
  );
  await applyDeltas(tx, moves.map((m) => ({ batchId: m.batchId, delta: m.delta })));
  await appendOutbox(tx, movements.map((m) => ({ entity: 'movement' as const, entityId: m.id, op: 'insert' as const, payload: m, hlc })));
  return movements;
}

export interface IncomingUnits {
  productId: string;
  lotNumber: string;
  expirationDate: string;
  unitCost: number | null;
  quantity: number;
}

/**
 * Units arriving from another shop of the chain: into this shop's lot of the
 * same product and lot number (topped up), or a new lot with the same
 * expiry and unit cost. A lot head office has recalled arrives recalled, so
 * it is never sold here. Returns each line's lot, in the order given.
 */
export async function receiveUnits(
  tx: Tx,
  shop: { id: string },
  lines: readonly IncomingUnits[],
  o: { kind: MovementKind; reason: string | null; actor: Actor; now: Date; today: string },
): Promise<PublicBatch[]> {
  const lots: PublicBatch[] = [];
  const outbox: Parameters<typeof appendOutbox>[1][number][] = [];
  // Lots are taken in one fixed order (product, lot number), as the recall's lock asks.
  const order = lines.map((l, i) => ({ l, i })).sort((a, b) => (a.l.productId + a.l.lotNumber < b.l.productId + b.l.lotNumber ? -1 : 1));
  const found = new Map<number, { batch: PublicBatch; fresh: boolean }>();
  const fresh = new Map<string, { id: string; recalled: string | null | undefined; line: IncomingUnits }>();
  for (const { l, i } of order) {
    if (!(await productById(tx, l.productId))) throw new AppError(404, 'not_found', 'product.not_found');
    const key = `${l.productId}:${l.lotNumber}`;
    const planned = fresh.get(key);
    if (planned) {
      found.set(i, { batch: { id: planned.id } as PublicBatch, fresh: false });
      continue;
    }
    await lockLot(tx, l.productId, l.lotNumber);
    const existing = await lockBatchByLot(tx, shop.id, l.productId, l.lotNumber);
    if (existing && existing.expirationDate !== l.expirationDate) {
      throw new AppError(409, 'lot_taken', 'batch.lot_taken', { lotNumber: l.lotNumber });
    }
    if (existing) {
      found.set(i, { batch: existing, fresh: false });
      continue;
    }
    const recall = await recallOf(tx, l.productId, l.lotNumber);
    fresh.set(key, { id: newId(), recalled: recall?.reason, line: l });
    found.set(i, { batch: { id: fresh.get(key)!.id } as PublicBatch, fresh: true });
  }
  const hlc = await stampTransaction(tx, o.now);
  const created = new Map<string, PublicBatch>();
  for (const f of fresh.values()) {
    const b = await insertBatch(tx, {
      id: f.id, shopId: shop.id, productId: f.line.productId, lotNumber: f.line.lotNumber, expirationDate: f.line.expirationDate,
      initialQty: lines.filter((l) => l.productId === f.line.productId && l.lotNumber === f.line.lotNumber).reduce((s, l) => s + l.quantity, 0),
      quantity: 0, unitCost: f.line.unitCost, receivedDate: o.today, status: f.recalled !== undefined ? 'recalled' : 'active',
      statusReason: f.recalled ?? null, hlc,
      fieldClocks: { lotNumber: hlc, expirationDate: hlc, unitCost: hlc, status: hlc, statusReason: hlc },
    });
    const { hlc: _h, fieldClocks: _f, fieldOrigins: _o, ...plain } = b;
    created.set(b.id, plain);
    outbox.push({ entity: 'batch', entityId: b.id, op: 'insert', payload: plain, hlc });
  }
  lines.forEach((_, i) => {
    const f = found.get(i)!;
    lots.push(created.get(f.batch.id) ?? f.batch);
  });
  const withUnits = lines.map((l, i) => ({ batchId: lots[i]!.id, delta: l.quantity })).filter((m) => m.delta > 0);
  const movements = await insertMovements(
    tx,
    withUnits.map((m) => ({
      id: newId(), shopId: shop.id, batchId: m.batchId, kind: o.kind, delta: m.delta, countedQty: null, reason: o.reason,
      saleItemId: null, userId: o.actor.id, hlc,
    })),
  );
  await applyDeltas(tx, withUnits);
  for (const m of movements) outbox.push({ entity: 'movement', entityId: m.id, op: 'insert', payload: m, hlc });
  await appendOutbox(tx, outbox);
  return lots;
}

/**
 * A stocktake's counts, each a `count` movement dated by the clock of the
 * moment it was counted: its delta is the count minus the ledger quantity
 * then (stocktakeAdjustment), so the sales made since apply on top, in the
 * cache as in the ledger. The lots must be locked by the caller.
 */
export async function writeCounts(
  tx: Tx,
  shopId: string,
  counts: readonly { batchId: string; countedQty: number; delta: number; hlc: string; reason: string }[],
  actor: Actor,
): Promise<Movement[]> {
  if (counts.length === 0) return [];
  const movements = await insertMovements(
    tx,
    counts.map((c) => ({
      id: newId(), shopId, batchId: c.batchId, kind: 'count' as const, delta: c.delta, countedQty: c.countedQty, reason: c.reason,
      saleItemId: null, userId: actor.id, hlc: c.hlc,
    })),
  );
  // A count that matches the ledger changes no lot: its row is left alone (most lots of a stocktake match; each update rewrites the row and its indexes).
  await applyDeltas(tx, counts.filter((c) => c.delta !== 0).map((c) => ({ batchId: c.batchId, delta: c.delta })));
  await appendOutbox(tx, movements.map((m) => ({ entity: 'movement' as const, entityId: m.id, op: 'insert' as const, payload: m, hlc: m.hlc })));
  return movements;
}

/** A stocktake's snapshot: the shop's lots with stock, all or of these products, with their quantity now. */
export const lotsToCount = (db: Queryable, shopId: string, productIds: readonly string[] | null) => lotQuantities(db, shopId, productIds);

/** A lot of this shop by product and lot number, locked: a count typed or scanned names it so. */
export async function lockLotByNumber(tx: Tx, shopId: string, productId: string, lotNumber: string): Promise<PublicBatch | undefined> {
  await lockLot(tx, productId, lotNumber);
  return lockBatchByLot(tx, shopId, productId, lotNumber);
}
