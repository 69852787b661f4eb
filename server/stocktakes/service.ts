import type { Actor, Deps } from '../context.js';
import { uniqueViolation } from '../db/errors.js';
import type { Queryable } from '../db/pool.js';
import { dateInZone } from '../domain/dates.js';
import { varianceReport } from '../domain/stocktake.js';
import { AppError, notFound } from '../errors.js';
import { newId } from '../ids.js';
import { stampTransaction } from '../outbox/clock.js';
import { appendOutbox } from '../outbox/queries.js';
import { stocktakeOutbox } from './merge.js';
import { lockLotByNumber, lockLotsOf, lotsToCount, receiveUnits, writeCounts } from '../stock/lot-moves.js';
import {
  closeStocktake,
  countsWithoutMovement,
  insertCount,
  insertSnapshot,
  insertStocktake,
  insertCountMovements,
  linkMovements,
  lockStocktakeLots,
  unlinkMovements,
  nextStocktakeNumber,
  recountedLots,
  refreshSnapshotStatistics,
  reportLines,
  stocktakeById,
  stocktakesOf,
  uncountedLots,
  type Stocktake,
  type StocktakeSummary,
} from './queries.js';
import type { CountInput, FinaliseInput, OpenStocktakeInput } from './schemas.js';
import { productExists, productsInZone, setProductZone, zoneOf, zones } from './zone-queries.js';

/** From this many lots, opening a stocktake takes the statistics of its snapshot again (refreshSnapshotStatistics); below, the planner's guess does no harm. */
const BIG_SNAPSHOT = 1000;

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
      let lines: number;
      try {
        lines = await db.withTransaction(async (tx) => {
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
          return lots.length;
        });
      } catch (err) {
        if (uniqueViolation(err) === 'stocktakes_one_open') throw new AppError(409, 'stocktake_open', 'stocktake.one_open');
        throw err;
      }
      if (lines >= BIG_SNAPSHOT) await refreshSnapshotStatistics(db);
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
        // Set-based from here: the counts of 5 000 lots stay in the database (locked, checked, written and summed there), not sent to Node and back.
        const zeroed = input.zeroUncounted ? await uncountedLots(tx, id) : [];
        const lots = await lockStocktakeLots(tx, { shopId: shop.id, stocktakeId: id, zeroed });
        const later = [...(await recountedLots(tx, id))];
        const reason = `${s.number}`;
        // Each count came with its movement's id; a count entered before that (a shop upgraded mid-stocktake) gets one now.
        await linkMovements(tx, (await countsWithoutMovement(tx, id, later)).map((countId) => ({ countId, movementId: newId() })));
        await unlinkMovements(tx, id, later);
        const moved = await insertCountMovements(tx, { stocktakeId: id, shopId: shop.id, reason, userId: actor.id });
        const zeroHlc = zeroed.length > 0 ? await stampTransaction(tx, now()) : '';
        const zeros = zeroed.filter((b) => lots.get(b)!.quantity !== 0);
        await writeCounts(tx, shop.id, zeros.map((b) => ({ batchId: b, countedQty: 0, delta: -lots.get(b)!.quantity, hlc: zeroHlc, reason })), actor);
        const summary: StocktakeSummary = {
          lotsCounted: moved.written,
          lotsZeroed: zeros.length,
          lotsRecounted: later.length,
          varianceUnits: moved.varianceUnits - zeros.reduce((t, b) => t + lots.get(b)!.quantity, 0),
          varianceValue: moved.varianceValue - zeros.reduce((t, b) => t + lots.get(b)!.quantity * (lots.get(b)!.unitCost ?? 0), 0),
        };
        const hlc = await stampTransaction(tx, now());
        await closeStocktake(tx, id, { status: 'finalised', by: actor.id, summary, hlc, at: now() });
        // Its count movements travel as its counts (head office writes them from these): not one change each.
        const countMovements = { createdAt: moved.createdAt.toISOString(), userId: actor.id, reason };
        await appendOutbox(tx, stocktakeOutbox(await mine(id, false, tx), { counts: moved.counts, lines: moved.lines }, hlc, countMovements));
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
