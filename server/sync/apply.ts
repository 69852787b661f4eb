import { insertProduct, lockProduct, updateProductFields } from '../catalog/queries.js';
import type { ShopContext } from '../context.js';
import type { Tx } from '../db/pool.js';
import { mergeRow, type LocalField } from '../domain/merge.js';
import { productSearchText } from '../domain/search.js';
import { newId } from '../ids.js';
import { insertRecallIfAbsent, lockBatch, updateBatchFields, type BatchRow } from '../stock/queries.js';
import type { PulledChange } from './client.js';
import { insertConflicts, type ConflictRow } from './queries.js';

const PRODUCT_FIELDS = ['name', 'unitPrice', 'active'] as const;
const BATCH_FIELDS = ['lotNumber', 'expirationDate', 'unitCost', 'status', 'statusReason'] as const;

const pick = (data: Record<string, unknown>, fields: readonly string[]) =>
  Object.fromEntries(fields.filter((f) => data[f] !== undefined).map((f) => [f, data[f]]));

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
      const clash = await this.tx.one<{ id: string }>('select id from products where sku = $1', [sku]);
      if (clash) sku = `${sku}-HQ`;
      const gtin = typeof d.gtin === 'string' && !(await this.tx.one('select 1 from products where gtin = $1', [d.gtin])) ? d.gtin : null;
      await insertProduct(this.tx, {
        id: c.entityId, sku, gtin, name: String(d.name), searchText: productSearchText({ name: String(d.name), sku, gtin }),
        unitPrice: Number(d.unitPrice), active: d.active !== false, originShopId: (d.originShopId as string | null) ?? null, hlc: c.hlc,
        fieldClocks: { name: clocks.name ?? c.hlc, unitPrice: clocks.unitPrice ?? c.hlc, active: clocks.active ?? c.hlc },
      });
      this.changed.add('product');
      return;
    }
    const local: Record<string, LocalField> = Object.fromEntries(
      PRODUCT_FIELDS.map((f) => [f, { value: existing[f], clock: existing.fieldClocks[f] ?? existing.hlc }]),
    );
    const values = pick(d, PRODUCT_FIELDS);
    const merged = mergeRow(local, { values, clocks: Object.fromEntries(Object.keys(values).map((f) => [f, clocks[f] ?? c.hlc])), ...(d.baseClocks ? { baseClocks: d.baseClocks as Record<string, string> } : {}) }, this.nowWall);
    this.note('product', existing.id, merged.decisions);
    if (Object.keys(merged.apply).length === 0) return;
    const next = { name: existing.name, unitPrice: existing.unitPrice, active: existing.active } as Record<string, unknown>;
    const fieldClocks = { ...existing.fieldClocks };
    for (const [f, a] of Object.entries(merged.apply)) {
      next[f] = a.value;
      fieldClocks[f] = a.clock;
    }
    await updateProductFields(this.tx, existing.id, {
      name: next.name as string, unitPrice: next.unitPrice as number, active: next.active as boolean,
      searchText: productSearchText({ name: next.name as string, sku: existing.sku, gtin: existing.gtin }),
      hlc: existing.hlc > c.hlc ? existing.hlc : c.hlc, fieldClocks,
    });
    this.changed.add('product');
  }

  private async batch(c: PulledChange): Promise<void> {
    const existing = await lockBatch(this.tx, this.shop.id, c.entityId);
    if (!existing) return; // not one of ours
    const d = c.data;
    const clocks = (d.fieldClocks ?? {}) as Record<string, string>;
    const values = pick(d, BATCH_FIELDS);
    const merged = mergeRow(
      Object.fromEntries(BATCH_FIELDS.map((f) => [f, { value: existing[f], clock: existing.fieldClocks[f] ?? existing.hlc }])),
      { values, clocks: Object.fromEntries(Object.keys(values).map((f) => [f, clocks[f] ?? c.hlc])), ...(d.baseClocks ? { baseClocks: d.baseClocks as Record<string, string> } : {}) },
      this.nowWall,
    );
    this.note('batch', existing.id, merged.decisions);
    await this.applyBatch(existing, merged.apply, c.hlc);
  }

  private async applyBatch(existing: BatchRow, apply: Record<string, { value: unknown; clock: string }>, hlc: string): Promise<void> {
    if (Object.keys(apply).length === 0) return;
    const next: Record<string, unknown> = Object.fromEntries(BATCH_FIELDS.map((f) => [f, existing[f]]));
    const fieldClocks = { ...existing.fieldClocks };
    for (const [f, a] of Object.entries(apply)) {
      next[f] = a.value;
      fieldClocks[f] = a.clock;
    }
    await updateBatchFields(this.tx, existing.id, {
      lotNumber: next.lotNumber as string, expirationDate: next.expirationDate as string, unitCost: next.unitCost as number | null,
      status: next.status as BatchRow['status'], statusReason: next.statusReason as string | null,
      hlc: existing.hlc > hlc ? existing.hlc : hlc, fieldClocks,
    });
    this.changed.add('batch');
  }

  /** Recorded for lots still to come; applied at once to the lot if the shop holds it. */
  private async recall(c: PulledChange): Promise<void> {
    const d = c.data as { id: string; productId: string; lotNumber: string; reason: string; hlc: string };
    if (!(await this.tx.one('select 1 from products where id = $1', [d.productId]))) return;
    await insertRecallIfAbsent(this.tx, { id: d.id, productId: d.productId, lotNumber: d.lotNumber, reason: d.reason, hlc: d.hlc });
    const batch = await this.tx.one<{ id: string }>(
      'select id from product_batches where shop_id = $1 and product_id = $2 and lot_number = $3', [this.shop.id, d.productId, d.lotNumber]);
    if (!batch) return;
    const existing = (await lockBatch(this.tx, this.shop.id, batch.id))!;
    if (existing.status === 'recalled') return;
    const clock = existing.hlc > d.hlc ? existing.hlc : d.hlc;
    await this.applyBatch(existing, { status: { value: 'recalled', clock }, statusReason: { value: d.reason, clock } }, d.hlc);
  }
}
