import type { Actor, Deps } from '../context.js';
import { uniqueViolation } from '../db/errors.js';
import type { Queryable } from '../db/pool.js';
import { dateInZone } from '../domain/dates.js';
import { stocktakeAdjustment } from '../domain/ledger.js';
import { varianceReport } from '../domain/stocktake.js';
import { AppError, notFound } from '../errors.js';
import { newId } from '../ids.js';
import { stampTransaction } from '../outbox/clock.js';
import { appendOutbox } from '../outbox/queries.js';
import { stocktakeOutbox } from './merge.js';
import { applyLotDeltas, lockLotByNumber, lockLotsOf, lotsToCount, receiveUnits, recountedAfter, writeCounts } from '../stock/lot-moves.js';
import {
  closeStocktake,
  currentCounts,
  insertCount,
  insertSnapshot,
  insertStocktake,
  insertCountMovements,
  linkMovements,
  unlinkMovements,
  nextStocktakeNumber,
  reportLines,
  stocktakeSizes,
  stocktakeById,
  stocktakesOf,
  uncountedLots,
  type Stocktake,
  type StocktakeSummary,
} from './queries.js';
import type { CountInput, FinaliseInput, OpenStocktakeInput } from './schemas.js';
import { productExists, productsInZone, setProductZone, zoneOf, zones } from './zone-queries.js';

/**
 * Stocktakes (« inventaires »): a manager opens one (the whole shop or a
 * list of products), which snapshots each lot's quantity; counts are typed
 * or scanned on any terminal while the shop keeps selling, each keeping the
 * lot's ledger quantity at the moment it was entered; « Clôturer » writes
 * every `count` movement in one transaction, dated by the clock of its
 * count, so the sales made since apply on top.
 */
export function stocktakesService({ db, shop, now, bus }: Deps) {
  const today = () => dateInZone(now(), shop.timezone);

  async function mine(id: string, lock = false, tx: Parameters<Parameters<typeof db.withTransaction>[0]>[0] | typeof db = db): Promise<Stocktake> {
    const s = await stocktakeById(tx, shop.id, id, lock);
    if (!s) throw notFound('stocktake.not_found');
    return s;
  }

  async function report(id: string) {
    const s = await mine(id);
    const { lines, totals } = varianceReport(await reportLines(db, id));
    return {
      ...s,
      totals,
      lines: lines.map((l) => ({
        batchId: l.line.batchId, productId: l.line.productId, productName: l.line.productName, lotNumber: l.line.lotNumber,
        expirationDate: l.line.expirationDate, unitCost: l.line.unitCost, snapshotQty: l.line.snapshotQty, quantity: l.line.quantity,
        expected: l.expected, counted: l.counted, variance: l.variance, varianceValue: l.varianceValue, movedSinceCount: l.movedSinceCount,
        unknownCost: l.unknownCost, countedAt: l.line.countedAt, zone: l.line.zone,
      })),
    };
  }

  return {
    async open(input: OpenStocktakeInput, actor: Actor): Promise<{ stocktake: Awaited<ReturnType<typeof report>>; created: boolean }> {
      if (input.id && (await stocktakeById(db, shop.id, input.id))) return { stocktake: await report(input.id), created: false };
      const id = input.id ?? newId();
      try {
        await db.withTransaction(async (tx) => {
          const zone = input.scope?.zone;
          if (zone && input.scope?.productIds?.length) throw new AppError(422, 'scope_both', 'stocktake.scope_both');
          // A zone's products as they are shelved now: a product shelved there later is outside this stocktake.
          const inZone = zone ? await productsInZone(tx, zone) : null;
          if (inZone && inZone.length === 0) throw new AppError(422, 'zone_empty', 'stocktake.zone_empty', { zone: zone! });
          const productIds = inZone ?? (input.scope?.productIds?.length ? input.scope.productIds : null);
          const lots = await lotsToCount(tx, shop.id, productIds);
          const hlc = await stampTransaction(tx, now());
          await insertStocktake(tx, {
            id, shopId: shop.id, number: await nextStocktakeNumber(tx, shop.id, shop.code), status: 'open',
            scope: productIds ? { productIds, ...(zone ? { zone } : {}) } : {},
            snapshotHlc: hlc, startedBy: actor.id, startedByName: actor.name, finalisedBy: null, finalisedAt: null, cancelledAt: null, summary: null, hlc,
            createdAt: now(),
          });
          await insertSnapshot(tx, id, lots);
        });
      } catch (err) {
        if (uniqueViolation(err) === 'stocktakes_one_open') throw new AppError(409, 'stocktake_open', 'stocktake.one_open');
        throw err;
      }
      return { stocktake: await report(id), created: true };
    },

    /**
     * A count, from any terminal: the lot named by id, or by product, lot
     * number and expiry (a scanned DataMatrix; a lot the system did not know
     * is added with its expiry). Counting a lot again replaces its count.
     */
    async count(id: string, input: CountInput, actor: Actor) {
      const counted = await db.withTransaction(async (tx) => {
        const s = await mine(id, false, tx);
        if (s.status !== 'open') throw new AppError(409, 'stocktake_closed', 'stocktake.closed', { number: s.number });
        let batchId: string;
        if (input.batchId) {
          const lots = await lockLotsOf(tx, shop.id, [input.batchId]);
          if (!lots.has(input.batchId)) throw notFound('batch.not_found');
          batchId = input.batchId;
        } else {
          const lot = await lockLotByNumber(tx, shop.id, input.productId!, input.lotNumber!);
          if (lot && lot.expirationDate !== input.expirationDate) {
            throw new AppError(409, 'lot_taken', 'stocktake.expiry_differs', { lotNumber: lot.lotNumber, expirationDate: lot.expirationDate });
          }
          batchId = lot
            ? lot.id
            : (await receiveUnits(tx, shop, [{ productId: input.productId!, lotNumber: input.lotNumber!, expirationDate: input.expirationDate!, unitCost: null, quantity: 0 }], {
                kind: 'count', reason: s.number, actor, now: now(), today: today(),
              }))[0]!.id;
        }
        const lot = (await lockLotsOf(tx, shop.id, [batchId])).get(batchId)!;
        if (s.scope.productIds && !s.scope.productIds.includes(lot.productId)) throw new AppError(422, 'out_of_scope', 'stocktake.out_of_scope');
        const hlc = await stampTransaction(tx, now());
        return insertCount(tx, { id: newId(), stocktakeId: id, batchId, countedQty: input.countedQty, ledgerQty: lot.quantity, hlc, userId: actor.id, movementId: newId() });
      });
      bus?.committed('batch');
      return counted;
    },

    get: report,

    list: () => stocktakesOf(db, shop.id, 100),

    shopName: () => shop.name,

    /** The shop's zones (« Rayon A »…), each with how many products it holds. */
    zones: () => zones(db),

    /** Shelves a product in a zone of this shop, or takes it out (`null`); local, it never travels. */
    async setZone(productId: string, zone: string | null): Promise<{ productId: string; zone: string | null }> {
      if (!(await productExists(db, productId))) throw notFound('product.not_found');
      await setProductZone(db, productId, zone);
      return { productId, zone: await zoneOf(db, productId) };
    },

    /**
     * « Clôturer l'inventaire »: every count becomes a `count` movement in
     * one transaction. A lot counted again by a single count after the
     * stocktake's is left to that count; lots not counted are set to zero
     * only when asked (`zeroUncounted`). Finalising twice is refused.
     */
    async finalise(id: string, input: FinaliseInput, actor: Actor) {
      await db.withTransaction(async (tx) => {
        const s = await mine(id, true, tx);
        if (s.status !== 'open') throw new AppError(409, 'stocktake_closed', 'stocktake.closed', { number: s.number });
        const counts = await currentCounts(tx, id);
        const zeroed = input.zeroUncounted ? await uncountedLots(tx, id) : [];
        const lots = await lockLotsOf(tx, shop.id, [...counts.map((c) => c.batchId), ...zeroed]);
        const later = await recountedAfter(tx, counts.map((c) => ({ batchId: c.batchId, hlc: c.hlc })));
        const kept = counts.filter((c) => !later.has(c.batchId));
        const reason = `${s.number}`;
        // Each count came with its movement's id; a count entered before that (a shop upgraded mid-stocktake) gets one now.
        const unlinked = kept.filter((c) => c.movementId === null).map((c) => ({ countId: c.id, movementId: newId() }));
        await linkMovements(tx, unlinked);
        await unlinkMovements(tx, id, [...later]);
        const movementOf = new Map([...kept.map((c) => [c.id, c.movementId] as const), ...unlinked.map((l) => [l.countId, l.movementId] as const)]);
        const moved = await insertCountMovements(tx, { stocktakeId: id, shopId: shop.id, reason, userId: actor.id });
        // A count that matches the ledger changes no lot: its row is left alone (most lots of a stocktake match; each update rewrites the row and its indexes).
        await applyLotDeltas(tx, kept.map((c) => ({ batchId: c.batchId, delta: stocktakeAdjustment(c.countedQty, c.ledgerQty) })).filter((d) => d.delta !== 0));
        const zeroHlc = zeroed.length > 0 ? await stampTransaction(tx, now()) : '';
        const zeros = zeroed.filter((b) => lots.get(b)!.quantity !== 0);
        await writeCounts(tx, shop.id, zeros.map((b) => ({ batchId: b, countedQty: 0, delta: -lots.get(b)!.quantity, hlc: zeroHlc, reason })), actor);
        const cost = (b: string) => lots.get(b)!.unitCost ?? 0;
        const summary: StocktakeSummary = {
          lotsCounted: kept.length,
          lotsZeroed: zeros.length,
          lotsRecounted: later.size,
          varianceUnits: kept.reduce((t, c) => t + c.countedQty - c.ledgerQty, 0) - zeros.reduce((t, b) => t + lots.get(b)!.quantity, 0),
          varianceValue:
            kept.reduce((t, c) => t + (c.countedQty - c.ledgerQty) * cost(c.batchId), 0) - zeros.reduce((t, b) => t + lots.get(b)!.quantity * cost(b), 0),
        };
        const hlc = await stampTransaction(tx, now());
        await closeStocktake(tx, id, { status: 'finalised', by: actor.id, summary, hlc, at: now() });
        // Its count movements travel as its counts (head office writes them from these): not one change each.
        const countMovements = { createdAt: moved.createdAt.toISOString(), userId: actor.id, reason };
        await appendOutbox(tx, stocktakeOutbox(await mine(id, false, tx), { counts: counts.length, lines: (await stocktakeSizes(tx, id)).lines }, hlc, countMovements));
      });
      bus?.committed('batch');
      return report(id);
    },

    /** A stocktake cancelled writes nothing to the lots; it stays listed as cancelled here only. */
    async cancel(id: string, actor: Actor) {
      await db.withTransaction(async (tx) => {
        const s = await mine(id, true, tx);
        if (s.status !== 'open') throw new AppError(409, 'stocktake_closed', 'stocktake.closed', { number: s.number });
        await closeStocktake(tx, id, { status: 'cancelled', by: actor.id, summary: null, hlc: await stampTransaction(tx, now()), at: now() });
      });
      return report(id);
    },
  };
}

export type StocktakesService = ReturnType<typeof stocktakesService>;

/** Head office's seat: every shop's finalised stocktakes with their variance value. */
export function stocktakesAtHq({ db }: { db: Queryable }) {
  return { list: (shopId: string | null, limit: number) => stocktakesOf(db, shopId, limit) };
}
