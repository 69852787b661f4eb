import { insertProduct, lockProduct, productById, productClash, updateProductFields } from '../catalog/queries.js';
import type { ShopContext } from '../context.js';
import type { Tx } from '../db/pool.js';
import { mergeInto, type MergeInput, type mergeRow } from '../domain/merge.js';
import { BATCH_FIELDS, PRODUCT_FIELDS, batchFields, pickFields } from './fields.js';
import { productSearchText } from '../domain/search.js';
import { newId } from '../ids.js';
import { batchIdByLot, insertRecallIfAbsent, lockBatch, updateBatchFields, type BatchRow } from '../stock/queries.js';
import type { PulledChange } from './client.js';
import { insertConflicts, type ConflictRow } from './queries.js';


/**
 * Applies a page pulled from head office with the same merge rules as head
 * office, and writes no outbox row: what came from there never goes back.
 */
export class FeedApplication {
  private readonly conflicts: ConflictRow[] = [];
  readonly changed = new Set<'product' | 'batch'>();

  // Head office's clock is the reference: the far-future guard protects it from shops, not the reverse.
  private readonly nowWall = Number.MAX_SAFE_INTEGER;

  constructor(
    private readonly tx: Tx,
    private readonly shop: ShopContext,
  ) {}

  async apply(c: PulledChange): Promise<void> {
    if (c.entity === 'product') await this.product(c);
    else if (c.entity === 'batch') await this.batch(c);
    else await this.recall(c);
  }

  async finish(): Promise<void> {
    await insertConflicts(this.tx, this.conflicts);
  }

  private note(entity: string, entityId: string, decisions: ReturnType<typeof mergeRow>['decisions']): void {
    for (const d of decisions) {
      this.conflicts.push({
        id: newId(), shopId: this.shop.id, entity, entityId, field: d.field, localValue: d.localValue, remoteValue: d.remoteValue,
        localHlc: d.localClock, remoteHlc: d.remoteClock, localNode: this.shop.code, remoteNode: 'HQ', winner: d.winner, reason: d.reason,
      });
    }
  }

  private async product(c: PulledChange): Promise<void> {
    const d = c.data;
    const clocks = (d.fieldClocks ?? {}) as Record<string, string>;
    const existing = await lockProduct(this.tx, c.entityId);
    if (!existing) {
      if (typeof d.sku !== 'string') return; // an update of a product we never had: the insert will come
      let sku = d.sku;
      const clash = await productClash(this.tx, { id: c.entityId, sku, gtin: typeof d.gtin === 'string' ? d.gtin : null });
      if (clash.skuTaken) sku = `${sku}-HQ`;
      const gtin = typeof d.gtin === 'string' && !clash.gtinTaken ? d.gtin : null;
      await insertProduct(this.tx, {
        id: c.entityId, sku, gtin, name: String(d.name), searchText: productSearchText({ name: String(d.name), sku, gtin }),
        unitPrice: Number(d.unitPrice), active: d.active !== false, originShopId: (d.originShopId as string | null) ?? null, hlc: c.hlc,
        fieldClocks: { name: clocks.name ?? c.hlc, unitPrice: clocks.unitPrice ?? c.hlc, active: clocks.active ?? c.hlc },
      });
      this.changed.add('product');
      return;
    }
    const m = mergeInto(
      { values: pickFields(existing, PRODUCT_FIELDS), fieldClocks: existing.fieldClocks, hlc: existing.hlc },
      PRODUCT_FIELDS, { values: d, clocks, baseClocks: d.baseClocks as Record<string, string> | undefined, hlc: c.hlc }, this.nowWall,
    );
    this.note('product', existing.id, m.decisions);
    if (!m.changed) return;
    const next = { name: m.values.name as string, unitPrice: m.values.unitPrice as number, active: m.values.active as boolean };
    await updateProductFields(this.tx, existing.id, {
      ...next, searchText: productSearchText({ ...next, sku: existing.sku, gtin: existing.gtin }), hlc: m.hlc, fieldClocks: m.fieldClocks,
    });
    this.changed.add('product');
  }

  private async batch(c: PulledChange): Promise<void> {
    const existing = await lockBatch(this.tx, this.shop.id, c.entityId);
    if (!existing) return; // not one of ours
    const d = c.data;
    await this.mergeBatch(existing, { values: d, clocks: d.fieldClocks as Record<string, string> | undefined, baseClocks: d.baseClocks as Record<string, string> | undefined, hlc: c.hlc });
  }

  private async mergeBatch(existing: BatchRow, change: MergeInput): Promise<void> {
    const m = mergeInto({ values: pickFields(existing, BATCH_FIELDS), fieldClocks: existing.fieldClocks, hlc: existing.hlc }, BATCH_FIELDS, change, this.nowWall);
    this.note('batch', existing.id, m.decisions);
    if (!m.changed) return;
    await updateBatchFields(this.tx, existing.id, { ...batchFields(m.values), hlc: m.hlc, fieldClocks: m.fieldClocks });
    this.changed.add('batch');
  }

  /** Recorded for lots still to come; applied at once to the lot if the shop holds it. */
  private async recall(c: PulledChange): Promise<void> {
    const d = c.data as { id: string; productId: string; lotNumber: string; reason: string; hlc: string };
    if (!(await productById(this.tx, d.productId))) return;
    await insertRecallIfAbsent(this.tx, { id: d.id, productId: d.productId, lotNumber: d.lotNumber, reason: d.reason, hlc: d.hlc });
    const batchId = await batchIdByLot(this.tx, this.shop.id, d.productId, d.lotNumber);
    if (!batchId) return;
    const existing = (await lockBatch(this.tx, this.shop.id, batchId))!;
    if (existing.status === 'recalled') return;
    // A recall is one-way and absolute: no clock comparison, its reason comes with it.
    const clock = existing.hlc > d.hlc ? existing.hlc : d.hlc;
    await updateBatchFields(this.tx, existing.id, {
      ...batchFields(pickFields(existing, BATCH_FIELDS)), status: 'recalled', statusReason: d.reason, hlc: clock,
      fieldClocks: { ...existing.fieldClocks, status: clock, statusReason: clock },
    });
    this.changed.add('batch');
  }
}
