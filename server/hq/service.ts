import { randomBytes } from 'node:crypto';
import { hashToken } from '../http/bearer.js';
import type { Db } from '../db/pool.js';
import type { Logger } from '../logger.js';
import { insertProduct, lockProduct, productById, productsPage, twinIds, updateProductFields, type Product } from '../catalog/queries.js';
import type { CreateProductInput, UpdateProductInput } from '../catalog/schemas.js';
import { uniqueViolation } from '../db/errors.js';
import { dateInZone } from '../domain/dates.js';
import { decodeHlc } from '../domain/hlc.js';
import { changedFields, editClocks, replacedClocks } from '../domain/merge.js';
import { correctedLot } from '../domain/fefo.js';
import { isValidGtin } from '../domain/gtin.js';
import { productSearchText } from '../domain/search.js';
import { AppError, notFound } from '../errors.js';
import { newId, shopIdFor } from '../ids.js';
import { currentClock, stampTransaction } from '../outbox/clock.js';
import { MergeRun } from '../outbox/merge-run.js';
import { appendFeed, listConflicts } from '../outbox/queries.js';
import { itemsOfSales, itemsPage, salesBetween, salesPage, type SaleItem } from '../sales/queries.js';
import { StockMerge } from '../stock/merge.js';
import { allRecalls, batchById, batchesOfShop, batchesPage, lockBatch, movementsOfBatch, movementsPage, shopOfBatch, updateBatchFields } from '../stock/queries.js';
import { applyPush, checkClocks } from './push.js';
import {
  feedAfter,
  feedEpoch,
  feedHead,
  feedLag,
  insertShop,
  recordContact,
  recordRefusals,
  shopByCode,
  shopByTokenHash,
  shopHighWater,
  shopsWithHealth,
  type HqShop,
  type ShopReport,
} from './queries.js';
import type { Change } from './schemas.js';

export const SNAPSHOT_PARTS = ['products', 'recalls', 'batches', 'sales', 'items', 'movements'] as const;
export type SnapshotPart = (typeof SNAPSHOT_PARTS)[number];
const NIL = '00000000-0000-0000-0000-000000000000';

export interface HqDeps {
  db: Db;
  logger: Logger;
  now: () => Date;
}

/** 123 for DKR01-000123. */
const receiptSequence = (number: string) => Number(/-(\d+)$/.exec(number)?.[1] ?? 0);


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

export function hqService({ db, logger, now }: HqDeps) {
  async function shopOrNotFound(code: string): Promise<HqShop> {
    const shop = await shopByCode(db, code);
    if (!shop) throw notFound('shop.not_found');
    return shop;
  }

  return {
    /** A new shop and its sync token, shown once; only its hash is kept. */
    async registerShop(input: { code: string; name: string; timezone: string }): Promise<{ code: string; token: string }> {
      const token = randomBytes(32).toString('base64url');
      try {
        await insertShop(db, { id: shopIdFor(input.code), ...input, tokenHash: hashToken(token) });
      } catch (err) {
        if (uniqueViolation(err)) throw new AppError(409, 'shop_exists', 'shop.code_taken', { code: input.code });
        throw err;
      }
      return { code: input.code, token };
    },

    shopOfToken: (token: string) => shopByTokenHash(db, hashToken(token)),

    shops: async () =>
      (await shopsWithHealth(db)).map((s) => ({ ...s, clockSkewFlagged: s.clockSkewMs !== null && Math.abs(s.clockSkewMs) > SKEW_WARNING_MS })),

    /**
     * One request, one transaction, idempotent by row id: a replay changes
     * nothing. Another shop's row or a bad clock refuses the request whole
     * (nothing written); a group of changes the data refuses is set aside and
     * answered in `refused`, the rest applied.
     */
    async push(shop: HqShop, body: PushBody) {
      if (body.shopCode !== shop.code) throw new AppError(403, 'wrong_shop', 'sync.wrong_shop', { code: shop.code });
      checkClocks(shop, body.hlc, body.changes);
      const at = now();
      const skewMs = body.sentAt ? Date.parse(body.sentAt) - at.getTime() : decodeHlc(body.hlc).wall - at.getTime();
      const result = await db.withTransaction(async (tx) => {
        // A shop's clock is never absorbed: head office's own clock is the reference every shop takes in.
        const receivedClock = await stampTransaction(tx, at);
        const applied = await applyPush(tx, shop, { receivedAt: decodeHlc(receivedClock), receivedClock, nowWall: at.getTime() }, body.changes);
        await recordRefusals(tx, shop.id, applied.refused.map((r) => ({ ...r, change: body.changes.find((c) => c.seq === r.seq)! })));
        const refusedSeqs = new Set(applied.refused.map((r) => r.seq));
        const lastReceipt = Math.max(0, ...body.changes.filter((c) => c.kind === 'sale:insert' && !refusedSeqs.has(c.seq)).map((c) => receiptSequence((c.data as { number: string }).number)));
        await recordContact(tx, shop.id, { kind: 'push', skewMs, shopHlc: body.hlc, changes: body.changes.length, report: body.status, lastReceipt });
        return { hlc: receivedClock, ...applied };
      });
      if (Math.abs(skewMs) > SKEW_WARNING_MS) logger.warn({ shop: shop.code, skewMs }, 'shop clock is off');
      if (result.refused.length > 0) logger.warn({ shop: shop.code, refused: result.refused.length, first: result.refused[0] }, 'push changes refused');
      const refusedSeqs = new Set(result.refused.map((r) => r.seq));
      const acked = body.changes.map((c) => c.seq).filter((seq) => !refusedSeqs.has(seq));
      return {
        acked, ackSeq: acked.length ? Math.max(...acked) : null, refused: result.refused, hlc: result.hlc, conflicts: result.conflicts,
        ...(await shopHighWater(db, shop.id)),
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
      return {
        shop: { code: shop.code, name: shop.name, timezone: shop.timezone },
        cursor: `${epoch}:${head.xid}:${head.id}`,
        hlc: await currentClock(db),
        ...(await shopHighWater(db, shop.id)),
      };
    },

    async snapshotPart(shop: HqShop, part: SnapshotPart, after: string, limit: number): Promise<{ rows: unknown[]; next: string | null }> {
      const rows: { id: string }[] =
        part === 'products' ? await productsPage(db, after, limit)
        : part === 'recalls' ? (after === NIL ? await allRecalls(db) : [])
        : part === 'batches' ? await batchesPage(db, shop.id, after, limit)
        : part === 'movements' ? await movementsPage(db, shop.id, after, limit)
        : part === 'sales' ? await salesPage(db, shop.id, after, limit)
        : await itemsPage(db, shop.id, after, limit);
      return { rows, next: part !== 'recalls' && rows.length === limit ? rows.at(-1)!.id : null };
    },

    async shopSales(code: string, q: { from?: string | undefined; to?: string | undefined; limit: number }) {
      const shop = await shopOrNotFound(code);
      const today = dateInZone(now(), shop.timezone);
      const sales = await salesBetween(db, { shopId: shop.id, from: q.from ?? '2000-01-01', to: q.to ?? today, timezone: shop.timezone, limit: q.limit });
      const items = await itemsOfSales(db, sales.map((s) => s.id));
      const bySale = new Map<string, SaleItem[]>();
      for (const i of items) bySale.set(i.saleId, [...(bySale.get(i.saleId) ?? []), i]);
      return sales.map((s) => ({ ...s, items: bySale.get(s.id) ?? [] }));
    },

    async shopBatches(code: string) {
      return batchesOfShop(db, (await shopOrNotFound(code)).id);
    },

    async batch(id: string) {
      const shopId = await shopOfBatch(db, id);
      if (!shopId) throw notFound('batch.not_found');
      const batch = (await batchById(db, shopId, id))!;
      return { ...batch, movements: await movementsOfBatch(db, id) };
    },

    conflicts: (q: { shopId?: string | undefined; limit: number }) => listConflicts(db, { ...(q.shopId ? { shopId: q.shopId } : {}), limit: q.limit }),
    shopByCode: shopOrNotFound,

    /** Head office corrects a shop's lot; the change flows down on the shop's next pull. */
    async correctBatch(id: string, input: { expirationDate?: string | undefined; unitCost?: number | null | undefined; status?: 'active' | 'quarantined' | 'recalled' | undefined }) {
      return db.withTransaction(async (tx) => {
        const shopId = await shopOfBatch(tx, id);
        if (!shopId) throw notFound('batch.not_found');
        const current = (await lockBatch(tx, shopId, id))!;
        const { unrecall, next } = correctedLot(current, input);
        if (unrecall) throw new AppError(409, 'recalled_final', 'batch.recalled_final', { lotNumber: current.lotNumber });
        const changed = changedFields(current, next);
        if (changed.length === 0) return current;
        const hlc = await stampTransaction(tx, now(), replacedClocks(current, changed));
        const edit = editClocks(current, next, changed, hlc);
        const origins = Object.fromEntries(Object.entries(current.fieldOrigins ?? {}).filter(([f]) => !changed.includes(f as never)));
        const updated = await updateBatchFields(tx, id, { ...next, statusReason: current.statusReason, hlc, fieldClocks: edit.fieldClocks, fieldOrigins: origins });
        await appendFeed(tx, [{
          shopId, originShopId: null, entity: 'batch', entityId: id, hlc,
          payload: { id, ...edit.fields, fieldClocks: edit.clocks, baseClocks: edit.baseClocks },
        }]);
        const { hlc: _h, fieldClocks: _f, ...batch } = updated;
        return batch;
      });
    },

    /**
     * A recall is one-way and reaches every shop, including lots received
     * after it, and every twin of the product (the same GTIN created by
     * several shops).
     */
    async recall(input: { productId: string; lotNumber: string; reason: string }) {
      return db.withTransaction(async (tx) => {
        if (!(await productById(tx, input.productId))) throw notFound('product.not_found');
        const productIds = await twinIds(tx, input.productId);
        const hlc = await stampTransaction(tx, now());
        const run = new MergeRun(tx, { role: 'hq', shopId: null, shopCode: 'HQ', receivedAt: decodeHlc(hlc), receivedClock: hlc, nowWall: now().getTime() });
        const { recalls, lots } = await new StockMerge(run).recall({ productIds, lotNumber: input.lotNumber, reason: input.reason }, hlc);
        await run.finish();
        const mine = recalls.find((r) => r.productId === input.productId) ?? { id: null, ...input, hlc };
        return { ...mine, products: productIds, batchesRecalled: lots };
      });
    },

    async createProduct(input: CreateProductInput): Promise<Product> {
      if (input.gtin && !isValidGtin(input.gtin)) throw new AppError(422, 'gtin_invalid', 'product.gtin_invalid', { gtin: input.gtin });
      try {
        return await db.withTransaction(async (tx) => {
          const hlc = await stampTransaction(tx, now());
          const fieldClocks = { name: hlc, unitPrice: hlc, active: hlc };
          const product = await insertProduct(tx, {
            id: newId(), sku: input.sku, gtin: input.gtin, name: input.name, searchText: productSearchText(input),
            unitPrice: input.unitPrice, active: true, originShopId: null, hlc, fieldClocks,
          });
          await appendFeed(tx, [{ shopId: null, originShopId: null, entity: 'product', entityId: product.id, hlc, payload: { ...product, originShopId: null, fieldClocks } }]);
          return product;
        });
      } catch (err) {
        const c = uniqueViolation(err);
        if (c === 'products_sku_key') throw new AppError(409, 'sku_taken', 'product.sku_taken', { sku: input.sku });
        if (c === 'products_gtin_key') throw new AppError(409, 'gtin_taken', 'product.gtin_taken', { gtin: input.gtin ?? '' });
        throw err;
      }
    },

    async updateProduct(id: string, input: UpdateProductInput): Promise<Product> {
      return db.withTransaction(async (tx) => {
        const current = await lockProduct(tx, id);
        if (!current) throw notFound('product.not_found');
        const changed = changedFields(current, input);
        const hlc = await stampTransaction(tx, now(), replacedClocks(current, changed));
        const next = { ...current, ...input };
        const edit = editClocks(current, next, changed, hlc);
        const origins = Object.fromEntries(Object.entries(current.fieldOrigins ?? {}).filter(([f]) => !changed.includes(f as never)));
        const product = await updateProductFields(tx, id, {
          name: next.name, searchText: productSearchText(next), unitPrice: next.unitPrice, active: next.active, hlc, fieldClocks: edit.fieldClocks, fieldOrigins: origins,
        });
        if (changed.length > 0) {
          await appendFeed(tx, [{
            shopId: null, originShopId: null, entity: 'product', entityId: id, hlc,
            payload: { id, ...edit.fields, fieldClocks: edit.clocks, baseClocks: edit.baseClocks },
          }]);
        }
        return product;
      });
    },

  };
}

export type HqService = ReturnType<typeof hqService>;
