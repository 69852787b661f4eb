import { purchasingAtHq } from '../purchasing/service.js';
import { suppliersAtHq } from '../suppliers/service.js';
import { randomBytes } from 'node:crypto';
import { catalogProposals } from '../catalog/proposals.js';
import { hqStaffService } from './staff.js';
import { heldValuesService } from './held-values.js';
import { catalogAtHq } from '../catalog/service.js';
import type { CreateProductInput, UpdateProductInput, PackInput, UpdatePackInput } from '../catalog/schemas.js';
import type { Db, Queryable } from '../db/pool.js';
import { securityService } from '../security/service.js';
import { uniqueViolation } from '../db/errors.js';
import { describeConflict } from '../domain/conflict-text.js';
import { dateInZone } from '../domain/dates.js';
import { decodeHlc } from '../domain/hlc.js';
import { receiptSequence } from '../domain/receipt-number.js';
import { AppError, notFound } from '../errors.js';
import { hashToken } from '../http/bearer.js';
import { shopIdFor } from '../ids.js';
import type { Logger } from '../logger.js';
import { currentClock, stampTransaction } from '../outbox/clock.js';
import { appendFeed, listConflicts } from '../outbox/queries.js';
import { accountsAtHq } from '../accounts/service.js';
import { cashAtHq } from '../cash/service.js';
import { expensesAtHq } from '../expenses/service.js';
import { salesAtHq } from '../sales/service.js';
import { stockAtHq } from '../stock/service.js';
import { stocktakesAtHq } from '../stocktakes/service.js';
import { transfersAtHq } from '../transfers/service.js';
import { requisitionsAtHq } from '../requisitions/service.js';
import { applyPush, checkRequest } from './push.js';
import { differingEntities } from '../domain/digest.js';
import { transferSuggestions } from '../domain/transfer-suggestions.js';
import { daysBetween } from '../domain/dates.js';
import { refreshDailyTakings } from '../sales/reconcile.js';
import { backfillReports, daysTouched, refreshLotCost, refreshReports } from '../reports/service.js';
import { expiryScan, ledgerCheck } from '../stock/reconcile.js';
import { DIGESTED_NAMES, digestsOf, snapshotPart } from '../sync/coverage.js';
import {
  feedAfter,
  feedEpoch,
  feedHead,
  feedLag,
  allShops,
  insertShop,
  lockShopPushes,
  recordContact,
  recordNightly,
  recordPulled,
  recordServed,
  recordRefusals,
  refusalsOf,
  shopByCode,
  shopByTokenHash,
  shopChoices,
  setShopTokenHash,
  shopHighWater,
  shopsWithHealth,
  type HqShop,
  type ShopReport,
} from './queries.js';
import { changeSchema, type Change, type DigestBody } from './schemas.js';
import { decideHeldSales, heldSalesOf, lockHeldSales, raiseLastReceipt, shopOfHeldSales } from './held-queries.js';

export interface HqDeps {
  db: Db;
  logger: Logger;
  now: () => Date;
}



/** A shop whose clock is off by more than this is flagged on the dashboard. */
export const SKEW_WARNING_MS = 5 * 60_000;

export interface PushBody {
  shopCode: string;
  hlc: string;
  sentAt?: string | undefined;
  /** What the shop reports of itself: its outbox, its refused changes, its version. */
  status?: ShopReport | undefined;
  changes: Change[];
}

type ShopPeriod = { from?: string | undefined; to?: string | undefined; limit: number };

export function hqService({ db, logger, now }: HqDeps) {
  const heldValues = heldValuesService({ db, logger, now });
  const periodOf = (shop: HqShop, q: ShopPeriod) => ({ from: q.from ?? '2000-01-01', to: q.to ?? dateInZone(now(), shop.timezone), limit: q.limit });
  // Head office's seat of each feature: it reaches their rows through them, never through their queries.
  const catalog = catalogAtHq({ db, now });
  const stock = stockAtHq({ db, now });
  const sales = salesAtHq({ db });
  const suppliers = suppliersAtHq({ db, now });
  const purchasing = purchasingAtHq({ db });
  const cash = cashAtHq({ db });
  const transfers = transfersAtHq({ db });
  const requisitions = requisitionsAtHq({ db });
  const stocktakes = stocktakesAtHq({ db });
  const accounts = accountsAtHq({ db, now });
  const expenses = expensesAtHq({ db });
  const security = securityService({ db, logger, now });

  async function shopOrNotFound(code: string, q: Queryable = db): Promise<HqShop> {
    const shop = await shopByCode(q, code);
    if (!shop) throw notFound('shop.not_found');
    return shop;
  }

  return {
    /** A new shop and its sync token, shown once; only its hash is kept. */
    async registerShop(input: { code: string; name: string; timezone: string }): Promise<{ code: string; token: string }> {
      const token = randomBytes(32).toString('base64url');
      try {
        await db.withTransaction(async (tx) => {
          const id = shopIdFor(input.code);
          await insertShop(tx, { id, ...input, tokenHash: hashToken(token) });
          // Every shop learns the chain's shops: where a transfer may go.
          await appendFeed(tx, [{ shopId: null, originShopId: null, entity: 'shop', entityId: id, payload: { id, code: input.code, name: input.name }, hlc: await stampTransaction(tx, now()) }]);
        });
      } catch (err) {
        if (uniqueViolation(err)) throw new AppError(409, 'shop_exists', 'shop.code_taken', { code: input.code });
        throw err;
      }
      return { code: input.code, token };
    },

    shopOfToken: (token: string) => shopByTokenHash(db, hashToken(token)),

    /** A shop's new sync token, shown once; the old one is refused from now on (a stolen or leaked token is revoked so). */
    async rotateToken(code: string, by: string): Promise<{ code: string; token: string }> {
      const token = randomBytes(32).toString('base64url');
      await db.withTransaction(async (tx) => {
        const shop = await shopOrNotFound(code, tx);
        await setShopTokenHash(tx, shop.id, hashToken(token));
        await security.audit(tx, { actor: by, action: 'shop_token_rotated', target: shop.code });
      });
      return { code, token };
    },

    shops: async () =>
      (await shopsWithHealth(db)).map((s) => ({ ...s, clockSkewFlagged: s.clockSkewMs !== null && Math.abs(s.clockSkewMs) > SKEW_WARNING_MS })),

    /**
     * One request, one transaction, idempotent by row id: a replay changes
     * nothing. Another shop's row or a bad envelope clock refuses the request
     * whole (nothing written); a group of changes with a bad clock, or that the
     * data refuses, is set aside and answered in `refused`, the rest applied.
     */
    async push(shop: HqShop, body: PushBody) {
      if (body.shopCode !== shop.code) throw new AppError(403, 'wrong_shop', 'sync.wrong_shop', { code: shop.code });
      checkRequest(shop, body.hlc, body.changes);
      const at = now();
      const skewMs = body.sentAt ? Date.parse(body.sentAt) - at.getTime() : decodeHlc(body.hlc).wall - at.getTime();
      // A shop's clock is never absorbed: head office's own clock is the reference every shop takes in.
      // Taken in a transaction of its own: held to the push's commit, the clock's row made every shop's push wait for the others.
      const receivedClock = await db.withTransaction((tx) => stampTransaction(tx, at));
      const result = await db.withTransaction(async (tx) => {
        await lockShopPushes(tx, shop.id);
        const numbering = { lastReceipt: (await shopHighWater(tx, shop.id)).lastReceipt };
        const applied = await applyPush(tx, shop, { receivedAt: decodeHlc(receivedClock), receivedClock, nowWall: at.getTime() }, body.changes, numbering);
        await recordRefusals(tx, shop.id, applied.refused.map((r) => ({ ...r, change: body.changes.find((c) => c.seq === r.seq)! })));
        const refusedSeqs = new Set(applied.refused.map((r) => r.seq));
        // Held sales are acknowledged (head office keeps them) but neither applied, counted nor numbered until released.
        const heldSeqs = new Set(applied.held);
        const accepted = body.changes.filter((c) => !refusedSeqs.has(c.seq));
        const applies = accepted.filter((c) => !heldSeqs.has(c.seq));
        const salesTouched = applies.filter((c) => c.kind === 'sale:insert' || c.kind === 'sale:update').map((c) => c.id);
        // A return is counted on its own day (the drawer it came out of): that day's net changes.
        const returnsTouched = applies.filter((c) => c.kind === 'sale_return:insert').map((c) => c.id);
        // The days these fall on, read once for the takings and the margins (each used to read them again).
        const days = salesTouched.length + returnsTouched.length > 0
          ? await daysTouched(tx, { timezone: shop.timezone, saleIds: salesTouched, returnIds: returnsTouched })
          : [];
        if (days.length > 0) await refreshDailyTakings(tx, { shopId: shop.id, timezone: shop.timezone, days });
        // A lot's corrected cost changes the margins of every day it was sold on.
        const costsTouched = applies.filter((c) => c.kind === 'batch:update' && c.data.unitCost !== undefined).map((c) => c.id);
        if (days.length + costsTouched.length > 0) {
          await refreshReports(tx, { shopId: shop.id, timezone: shop.timezone, days, batchIds: costsTouched });
        }
        const lastReceipt = applies.reduce((max, c) => (c.kind === 'sale:insert' ? Math.max(max, receiptSequence(c.data.number)) : max), 0);
        // The shop counted its outbox before sending: what this push carried is no longer waiting.
        const left = body.status?.pendingChanges === undefined ? undefined : Math.max(0, body.status.pendingChanges - body.changes.length);
        const report = body.status && left !== undefined ? { ...body.status, pendingChanges: left, oldestPendingAgeSeconds: left === 0 ? null : body.status.oldestPendingAgeSeconds } : body.status;
        // The high water as this push leaves it, read back from its own write (a read after the commit cost a statement more).
        const highWater = await recordContact(tx, shop.id, { kind: 'push', skewMs, shopHlc: body.hlc, changes: body.changes.length, report, lastReceipt });
        return { hlc: receivedClock, acked: accepted.map((c) => c.seq), highWater, ...applied };
      });
      if (Math.abs(skewMs) > SKEW_WARNING_MS) logger.warn({ shop: shop.code, skewMs }, 'shop clock is off');
      if (result.refused.length > 0) logger.warn({ shop: shop.code, refused: result.refused.length, first: result.refused[0] }, 'push changes refused');
      if (result.held.length > 0) logger.warn({ shop: shop.code, held: result.held.length }, 'push sales held: receipt numbers far beyond the shop’s sequence');
      const { acked } = result;
      return {
        acked, ackSeq: acked.length ? Math.max(...acked) : null, refused: result.refused, held: result.held, hlc: result.hlc, conflicts: result.conflicts,
        ...result.highWater,
      };
    },

    async pull(shop: HqShop, q: { since: string; limit: number }) {
      const epoch = await feedEpoch(db, logger);
      const parts = q.since.split(':');
      const sameEpoch = parts.length === 3 && parts[0] === epoch;
      const [xid, id] = sameEpoch ? [parts[1]!, parts[2]!] : ['0', '0'];
      const rows = await feedAfter(db, { shopId: shop.id, xid, id: Number(id), limit: q.limit });
      const last = rows.at(-1);
      await recordContact(db, shop.id, { kind: 'pull', skewMs: null, shopHlc: null, changes: 0 });
      // Everything before the cursor a shop sends is applied there, up to what it was actually served: what Rappels reads.
      if (sameEpoch) await recordPulled(db, shop.id, { epoch, xid, id: Number(id) });
      if (last) await recordServed(db, shop.id, { epoch, xid: last.xid, id: last.id });
      const lag = await feedLag(db);
      // A transaction left open holds every shop's feed back: said loudly, with how long.
      if (lag.oldestWaitingSeconds > 60) logger.warn({ ...lag }, 'change feed held back by an open transaction');
      return {
        changes: rows.map((r) => ({ id: r.id, entity: r.entity, entityId: r.entityId, hlc: r.hlc, data: r.payload })),
        cursor: last ? `${epoch}:${last.xid}:${last.id}` : `${epoch}:${xid}:${id}`,
        hasMore: rows.length === q.limit,
        // The shop started this epoch again from the beginning (head office restored, or a cursor of the old form).
        restarted: !sameEpoch && q.since !== '0:0',
        hlc: await currentClock(db),
        lag,
        ...(await shopHighWater(db, shop.id)),
      };
    },

    /**
     * What a shop rebuilt from head office starts from: where to pull from
     * afterwards (taken first, so nothing falls between), its receipt numbers,
     * head office's clock. The rows follow in pages (`snapshotPart`).
     */
    async snapshotHead(shop: HqShop) {
      const epoch = await feedEpoch(db, logger);
      const head = await feedHead(db);
      // The snapshot carries every recall up to its cursor: served, as a pull would have.
      await recordServed(db, shop.id, { epoch, xid: head.xid, id: head.id });
      return {
        shop: { code: shop.code, name: shop.name, timezone: shop.timezone },
        cursor: `${epoch}:${head.xid}:${head.id}`,
        hlc: await currentClock(db),
        // The shop entries of the feed are before the cursor: a rebuilt shop learns the chain's shops here.
        chainShops: (await shopChoices(db)).map((s) => ({ id: shopIdFor(s.code), ...s })),
        ...(await shopHighWater(db, shop.id)),
        // BC/BR/RF numbers: a rebuilt shop continues after the highest head office holds of it.
        purchaseNumbers: await purchasing.highestNumbers(shop.id),
      };
    },

    /** One page of a part of the shop's snapshot, as server/sync/coverage.ts declares it. */
    async snapshotPart(shop: HqShop, part: string, after: string, limit: number): Promise<{ rows: unknown[]; next: string | null }> {
      const rows: { id: string }[] = await snapshotPart(part)!.page(db, shop.id, after, limit);
      return { rows, next: rows.length === limit ? rows.at(-1)!.id : null };
    },

    async shopSales(code: string, q: ShopPeriod) {
      const shop = await shopOrNotFound(code);
      return sales.salesOfShop(shop, periodOf(shop, q));
    },
    /** One sale of any shop, with its lines and its returns. */
    sale: (id: string) => sales.sale(id),
    /** A shop's returns, cash movements and sessions of its days from..to (its calendar; default: its whole history to today). */
    async shopReturns(code: string, q: ShopPeriod) {
      const shop = await shopOrNotFound(code);
      return sales.returnsOfShop(shop, periodOf(shop, q));
    },
    async shopCashMovements(code: string, q: ShopPeriod) {
      const shop = await shopOrNotFound(code);
      return cash.movementsBetween(shop, periodOf(shop, q));
    },
    async shopSessions(code: string, q: ShopPeriod) {
      const shop = await shopOrNotFound(code);
      return cash.sessionsBetween(shop, periodOf(shop, q));
    },
    /** Transfers between shops (one shop's, as sender or receiver), each with what is in transit. */
    transfers: async (code: string | undefined, limit: number) => transfers.list({ shopId: code ? (await shopOrNotFound(code)).id : undefined, limit }),
    /**
     * « Move these near-expiry lots to where they sell »: lots expiring within
     * `days` at one shop against the pace of that product's sales at the
     * others over the last `periodDays`.
     */
    async transferSuggestions(q: { days: 30 | 60 | 90; periodDays: number; limit: number }) {
      const today = dateInZone(now(), 'UTC');
      const lots = await stock.expiringLots({ horizon: q.days, today, limit: 5000 });
      const sold = await sales.unitsSold([...new Set(lots.map((l) => l.productId))], new Date(now().getTime() - q.periodDays * 86_400_000));
      const usable = lots.filter((l) => l.status === 'active').map((l) => ({
        batchId: l.id, shopId: l.shopId, shopCode: l.shopCode, productId: l.productId, productName: l.productName, lotNumber: l.lotNumber,
        expirationDate: l.expirationDate, quantity: l.quantity,
      }));
      return transferSuggestions(usable, sold, { today, periodDays: q.periodDays }).slice(0, q.limit);
    },
    /** Requisitions between shops (one shop's, as asker or asked), each with the transfer answering it. */
    requisitions: async (code: string | undefined, limit: number) => requisitions.list({ shopId: code ? (await shopOrNotFound(code)).id : undefined, limit }),
    /** Finalised stocktakes with their variance (one shop's, or every shop's). */
    stocktakes: async (code: string | undefined, limit: number) => stocktakes.list(code ? (await shopOrNotFound(code)).id : null, limit),
    /** A shop's customers with balances and ageing, the totals, and who is over the limit or overdue. */
    async shopCustomers(code: string) {
      const shop = await shopOrNotFound(code);
      return accounts.receivables(shop, dateInZone(now(), shop.timezone));
    },
    /** Head office's credit limit for a shop's customer: a shop's push never raises it afterwards. */
    async setCustomerLimit(code: string, customerId: string, creditLimit: number) {
      return accounts.setLimit((await shopOrNotFound(code)).id, customerId, creditLimit);
    },
    /** A shop's expenses spent on its days from..to (this month by default). */
    async shopExpenses(code: string, q: { from?: string | undefined; to?: string | undefined }) {
      const shop = await shopOrNotFound(code);
      const to = q.to ?? dateInZone(now(), shop.timezone);
      return expenses.list(shop.id, q.from ?? `${to.slice(0, 8)}01`, to);
    },
    shopBatches: async (code: string) => stock.lotsOfShop((await shopOrNotFound(code)).id),
    batch: (id: string) => stock.lot(id),
    async correctBatch(id: string, input: Parameters<typeof stock.correctLot>[1]) {
      const lot = await stock.correctLot(id, input);
      if (input.unitCost !== undefined) await refreshLotCost(db, id);
      return lot;
    },
    recall: async (input: { productId: string; lotNumber: string; reason: string }) => stock.recall({ ...input, productIds: await catalog.twinsOf(input.productId) }),
    /** The chain's suppliers as head office makes and edits them (fed to every shop). */
    suppliers,
    createProduct: (input: CreateProductInput) => catalog.createProduct(input),
    updateProduct: (id: string, input: UpdateProductInput) => catalog.updateProduct(id, input),
    addPack: (productId: string, input: PackInput) => catalog.addPack(productId, input),
    updatePack: (productId: string, packId: string, input: UpdatePackInput) => catalog.updatePack(productId, packId, input),
    /** The shops' proposals for head office's products, and head office's decisions. */
    proposals: catalogProposals({ db, now, logger }),
    /** Every shop's people (no PIN ever): made here or at a shop, fed to their shops. */
    staff: hqStaffService({ db, now, logger }),
    /** Values held for a far-future clock: listed, applied when due, accepted or discarded (each logged). */
    heldValues,

    conflicts: async (q: { shopId?: string | undefined; limit: number }) =>
      (await listConflicts(db, { ...(q.shopId ? { shopId: q.shopId } : {}), limit: q.limit })).map((c) => ({ ...c, message: describeConflict(c) })),

    /** Sales held for their receipt numbers (see `applyPush`), newest first; `all`: decided ones too. */
    heldSales: async (code: string, all = false) => heldSalesOf(db, (await shopOrNotFound(code)).id, { all, limit: 200 }),

    /**
     * An administrator says a held group is the shop's: it is applied now as
     * the push would have (its numbers taken as they are), counted in
     * takings, and the shop's sequence moves on to it.
     */
    async releaseHeldSales(id: string, by: string) {
      const shop = await shopOfHeldSales(db, id);
      if (!shop) throw notFound('hq.held.not_found');
      const at = now();
      const receivedClock = await db.withTransaction((tx) => stampTransaction(tx, at));
      const released = await db.withTransaction(async (tx) => {
        await lockShopPushes(tx, shop.id);
        const held = await lockHeldSales(tx, id);
        if (!held || held.status !== 'held') throw new AppError(409, 'held_decided', 'hq.held.decided');
        // Validated when received; parsed again so the stored JSON is typed as the push was.
        const changes = changeSchema.array().parse(held.changes);
        const applied = await applyPush(tx, shop, { receivedAt: decodeHlc(receivedClock), receivedClock, nowWall: at.getTime() }, changes, { lastReceipt: 0, release: true });
        const refusal = applied.refused[0];
        if (refusal) throw new AppError(409, 'held_refused', 'hq.held.refused', { reason: refusal.message });
        await decideHeldSales(tx, id, { status: 'released', by });
        const days = await daysTouched(tx, { timezone: shop.timezone, saleIds: held.saleIds, returnIds: [] });
        await refreshDailyTakings(tx, { shopId: shop.id, timezone: shop.timezone, days });
        await refreshReports(tx, { shopId: shop.id, timezone: shop.timezone, days });
        await raiseLastReceipt(tx, shop.id, Math.max(...held.numbers.map(receiptSequence)));
        return held;
      });
      logger.warn({ shop: shop.code, numbers: released.numbers, by }, 'held sales released');
      return { ...released, status: 'released' as const };
    },

    /** An administrator says a held group is not the shop's: it is never applied, and stays aside if sent again. */
    async discardHeldSales(id: string, by: string) {
      const shop = await shopOfHeldSales(db, id);
      if (!shop) throw notFound('hq.held.not_found');
      const discarded = await db.withTransaction(async (tx) => {
        const held = await lockHeldSales(tx, id);
        if (!held || held.status !== 'held') throw new AppError(409, 'held_decided', 'hq.held.decided');
        await decideHeldSales(tx, id, { status: 'discarded', by });
        return held;
      });
      logger.warn({ shop: shop.code, numbers: discarded.numbers, total: discarded.total, by }, 'held sales discarded');
      return { ...discarded, status: 'discarded' as const };
    },

    /** What head office refused of a shop's pushes, newest first. */
    refusals: async (code: string, limit: number) => refusalsOf(db, (await shopOrNotFound(code)).id, limit),
    shopByCode: shopOrNotFound,
    /** Every shop, as the reports go through them. */
    shopList: () => allShops(db),

    /** Head office's own ledger check, every shop's lots at once: drift is logged, never corrected. */
    async ledgerCheck() {
      // Each night too, held values whose time has come are applied (also whenever they are listed).
      const applied = await heldValues.applyDue();
      if (applied > 0) logger.info({ applied }, 'held values applied: their clock came within the tolerance');
      const r = await ledgerCheck(db, { node: 'HQ' });
      if (r.drifted > 0) logger.warn({ ...r }, 'ledger check: lots whose quantity is not the sum of their movements');
      return r;
    },

    /** Margins and hourly takings of the days head office held before it kept them (migration 0020). */
    async reportsBackfill() {
      const days = await backfillReports(db);
      if (days > 0) logger.info({ days }, 'reports: margins of past days computed');
      return { days };
    },

    /** Expiry alerts for every shop's lots, each by its own calendar. */
    async expiryScan() {
      let raised = 0;
      for (const s of await shopsWithHealth(db)) raised += (await expiryScan(db, { shopId: s.id, today: dateInZone(now(), s.timezone) })).length;
      if (raised > 0) logger.info({ raised }, 'expiry alerts raised');
      return { raised };
    },

    /**
     * The nightly reconciliation, head office's side: the shop's digests of
     * its last days against head office's own rows; the days that differ are
     * answered, and the shop sends their rows again. The second round carries
     * the shop's report, recorded for Boutiques with what still differs.
     */
    async digest(shop: HqShop, body: DigestBody): Promise<{ differing: string[]; entities: { day: string; entities: string[] }[]; checked: number }> {
      const days = body.days.map((d) => d.day).sort();
      const from = days[0]!;
      const to = days.at(-1)!;
      if (daysBetween(from, to) > 62) throw new AppError(400, 'digest_span', 'sync.digest_span');
      const mine = await digestsOf(db, shop, days, 'hq');
      const entities = differingEntities(body.days, mine, DIGESTED_NAMES);
      const differing = entities.map((e) => e.day);
      if (!body.report) {
        // First round only: takings of days whose rows changed behind the sync's back; the resend's pushes refresh their own days.
        await db.withTransaction(async (tx) => {
          await refreshDailyTakings(tx, { shopId: shop.id, timezone: shop.timezone, days });
          await refreshReports(tx, { shopId: shop.id, timezone: shop.timezone, days });
        });
      } else {
        await recordNightly(db, shop.id, { daysChecked: body.report.daysChecked, rowsResent: body.report.rowsResent, resent: body.report.resent, mismatches: differing.length });
        if (differing.length > 0) logger.warn({ shop: shop.code, differing: entities }, 'nightly reconciliation: days still differ after the resend');
      }
      return { differing, entities, checked: days.length };
    },

  };
}

export type HqService = ReturnType<typeof hqService>;
