import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../db/pool.js';
import type { Logger } from '../logger.js';
import { insertProduct, lockProduct, productById, updateProductFields, type Product } from '../catalog/queries.js';
import type { CreateProductInput, UpdateProductInput } from '../catalog/schemas.js';
import { uniqueViolation } from '../db/errors.js';
import { dateInZone } from '../domain/dates.js';
import { decodeHlc } from '../domain/hlc.js';
import { changedFields, editClocks } from '../domain/merge.js';
import { correctedLot } from '../domain/fefo.js';
import { isValidGtin } from '../domain/gtin.js';
import { productSearchText } from '../domain/search.js';
import { AppError, notFound } from '../errors.js';
import { newId, shopIdFor } from '../ids.js';
import { itemsOfSales, salesBetween, type SaleItem } from '../sales/queries.js';
import { batchById, batchesOfShop, insertRecallIfAbsent, lockBatch, lockBatchesOfLot, movementsOfBatch, shopOfBatch, updateBatchFields } from '../stock/queries.js';
import { absorbClock, currentClock, stampTransaction } from '../sync/clock.js';
import { insertConflicts, listConflicts } from '../sync/queries.js';
import { PushApplication, isFarAhead } from './push.js';
import {
  appendFeed,
  feedAfter,
  insertShop,
  recordContact,
  shopByCode,
  shopByTokenHash,
  shopsWithHealth,
  type HqShop,
} from './queries.js';
import type { Change } from './schemas.js';

export interface HqDeps {
  db: Db;
  logger: Logger;
  now: () => Date;
}

/**
 * A push whose rows contradict each other or the database (a child without
 * its parent, a duplicate line, a number out of range) is the shop's data
 * being wrong: refused whole, as a 4xx, rather than a 500.
 */
function refusedByDatabase(err: unknown): never {
  const code = (err as { code?: string }).code ?? '';
  if (code.startsWith('23')) throw new AppError(422, 'inconsistent_push', 'sync.inconsistent', { detail: (err as Error).message });
  if (code.startsWith('22')) throw new AppError(400, 'bad_value', 'sync.inconsistent', { detail: (err as Error).message });
  throw err;
}

export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** A shop whose clock is off by more than this is flagged on the dashboard. */
export const SKEW_WARNING_MS = 5 * 60_000;

export interface PushBody {
  shopCode: string;
  hlc: string;
  sentAt?: string | undefined;
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
     * nothing, and a refusal (another shop's row, an unknown parent) writes nothing.
     */
    async push(shop: HqShop, body: PushBody): Promise<{ acked: number[]; ackSeq: number | null; hlc: string; conflicts: number }> {
      if (body.shopCode !== shop.code) throw new AppError(403, 'wrong_shop', 'sync.wrong_shop', { code: shop.code });
      const at = now();
      const skewMs = body.sentAt ? Date.parse(body.sentAt) - at.getTime() : decodeHlc(body.hlc).wall - at.getTime();
      const result = await db
        .withTransaction(async (tx) => {
          const run = new PushApplication(tx, shop, at.getTime());
          await run.lockBatches(body.changes);
          for (const change of body.changes) await run.apply(change);
          await run.finish();
          await insertConflicts(tx, run.conflicts);
          // A clock a day ahead is never absorbed: it would drag ours (and every shop's) into the future.
          const hlc = isFarAhead(body.hlc, at.getTime()) ? await stampTransaction(tx, at) : await absorbClock(tx, body.hlc, at);
          await recordContact(tx, shop.id, { kind: 'push', skewMs, shopHlc: body.hlc, changes: body.changes.length });
          return { hlc, conflicts: run.conflicts.length };
        })
        .catch(refusedByDatabase);
      if (Math.abs(skewMs) > SKEW_WARNING_MS) logger.warn({ shop: shop.code, skewMs }, 'shop clock is off');
      const acked = body.changes.map((c) => c.seq);
      return { acked, ackSeq: acked.length ? Math.max(...acked) : null, ...result };
    },

    async pull(shop: HqShop, q: { since: string; limit: number }) {
      const [xid, id] = q.since.split(':');
      const rows = await feedAfter(db, { shopId: shop.id, xid: xid!, id: Number(id), limit: q.limit });
      const last = rows.at(-1);
      await recordContact(db, shop.id, { kind: 'pull', skewMs: null, shopHlc: null, changes: 0 });
      return {
        changes: rows.map((r) => ({ id: r.id, entity: r.entity, entityId: r.entityId, hlc: r.hlc, data: r.payload })),
        cursor: last ? `${last.xid}:${last.id}` : q.since,
        hasMore: rows.length === q.limit,
        hlc: await currentClock(db),
      };
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
        const hlc = await stampTransaction(tx, now());
        const edit = editClocks(current, next, changed, hlc);
        const updated = await updateBatchFields(tx, id, { ...next, statusReason: current.statusReason, hlc, fieldClocks: edit.fieldClocks });
        await appendFeed(tx, [{
          shopId, originShopId: null, entity: 'batch', entityId: id, hlc,
          payload: { id, ...edit.fields, fieldClocks: edit.fieldClocks, baseClocks: edit.baseClocks },
        }]);
        const { hlc: _h, fieldClocks: _f, ...batch } = updated;
        return batch;
      });
    },

    /** A recall is one-way and reaches every shop, including lots received after it. */
    async recall(input: { productId: string; lotNumber: string; reason: string }) {
      return db.withTransaction(async (tx) => {
        if (!(await productById(tx, input.productId))) throw notFound('product.not_found');
        const batches = await lockBatchesOfLot(tx, input.productId, input.lotNumber);
        const hlc = await stampTransaction(tx, now());
        const recall = { id: newId(), ...input, hlc };
        await insertRecallIfAbsent(tx, recall);
        for (const b of batches) {
          if (b.status === 'recalled') continue;
          await updateBatchFields(tx, b.id, {
            expirationDate: b.expirationDate, unitCost: b.unitCost, status: 'recalled', statusReason: input.reason, hlc,
            fieldClocks: { ...b.fieldClocks, status: hlc, statusReason: hlc },
          });
        }
        await appendFeed(tx, [{ shopId: null, originShopId: null, entity: 'recall', entityId: recall.id, hlc, payload: recall }]);
        return { ...recall, batchesRecalled: batches.filter((b) => b.status !== 'recalled').length };
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
        const hlc = await stampTransaction(tx, now());
        const next = { ...current, ...input };
        const edit = editClocks(current, next, changed, hlc);
        const product = await updateProductFields(tx, id, { name: next.name, searchText: productSearchText(next), unitPrice: next.unitPrice, active: next.active, hlc, fieldClocks: edit.fieldClocks });
        if (changed.length > 0) {
          await appendFeed(tx, [{
            shopId: null, originShopId: null, entity: 'product', entityId: id, hlc,
            payload: { id, ...edit.fields, fieldClocks: edit.fieldClocks, baseClocks: edit.baseClocks },
          }]);
        }
        return product;
      });
    },

  };
}

export type HqService = ReturnType<typeof hqService>;
