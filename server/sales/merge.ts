import { pickFields } from '../domain/merge.js';
import type { CashMerge } from '../cash/merge.js';
import type { MergeRun } from '../outbox/merge-run.js';
import { forbidden, unknownEntity, type StockMerge } from '../stock/merge.js';
import {
  insertSaleItemsIfAbsent,
  insertSalesIfAbsent,
  markVoided,
  saleItemsByIds,
  salesByIds,
  salesNumbered,
  type Sale,
  type SaleInsertRow,
  type SaleItem,
  type SaleItemRow,
  type SaleRow,
} from './queries.js';
import { insertReturnIfAbsent, returnsByIds, type SaleReturn } from './return-queries.js';

export type SaleInsert = Omit<Sale, 'updatedAt' | 'receivedAt' | 'createdAt' | 'voidedAt'> & { createdAt: string; voidedAt: string | null };
export type SaleItemInsert = SaleItemRow;
export type SaleReturnInsert = Omit<SaleReturn, 'createdAt' | 'hlc'> & { createdAt: string };

// Every field a sale and a line are made of: a copy under the same id that differs in any of them is logged.
const SALE_FIELDS = ['number', 'cashierId', 'cashierName', 'total', 'tendered', 'change', 'paymentMethod', 'createdAt'] as const;
const ITEM_FIELDS = ['saleId', 'lineNo', 'productId', 'batchId', 'productName', 'lotNumber', 'expirationDate', 'quantity', 'units', 'unitPrice', 'lineTotal'] as const;

const comparable = (v: unknown) => (v instanceof Date ? v.toISOString() : v ?? null);

type PushedSale = SaleInsertRow & { hlc: string };

/**
 * Sales belong to the shop that made them: head office inserts them once and
 * never edits them but to void. A push's sales and lines are checked as they
 * come and written together by `flush`.
 */
export class SalesMerge {
  /** The shop of each sale this run read or wrote. */
  private readonly saleShops = new Map<string, string>();
  private readonly newSales;
  private readonly newItems;

  constructor(
    private readonly run: MergeRun,
    private readonly stock: StockMerge,
    private readonly cash: CashMerge,
  ) {
    this.newSales = run.stage<PushedSale>();
    this.newItems = run.stage<SaleItemInsert>();
  }

  private get hq() {
    const seat = this.run.seat;
    if (seat.role !== 'hq') throw new Error('head office only');
    return seat;
  }

  async saleInserted(d: SaleInsert, hlc: string): Promise<void> {
    const seat = this.hq;
    if (d.shopId !== seat.shopId) throw forbidden(seat.shopCode);
    await this.cash.ownSession(d.sessionId);
    const sale = { ...d, hlc, createdAt: new Date(d.createdAt), voidedAt: d.voidedAt ? new Date(d.voidedAt) : null };
    const twin = this.newSales.get(d.id);
    if (twin) this.logIfSaleDiffers({ ...twin, localClock: twin.hlc }, sale);
    else this.newSales.add(sale);
  }

  /** The same sale received again (a replay, or a shop restored from a backup): kept as first received, a difference logged. */
  private logIfSaleDiffers(held: Omit<Sale, 'updatedAt' | 'receivedAt'> & { localClock: string }, d: PushedSale): void {
    const here = { ...held, number: held.number.split('/')[0] };
    const differs = SALE_FIELDS.filter((f) => comparable(here[f]) !== comparable(d[f]));
    if (differs.length > 0) {
      this.run.log('sale', d.id, { field: differs.join(','), localValue: pickFields(here, differs), remoteValue: pickFields(d, differs), localClock: held.localClock, remoteClock: d.hlc, winner: 'local', reason: 'duplicate_differs' });
    }
  }

  /** Writes the sales and lines checked since the last flush, in one statement each. */
  async flush(): Promise<void> {
    await this.writeSales(this.newSales.take());
    await this.writeItems(this.newItems.take());
  }

  private async writeSales(sales: PushedSale[]): Promise<void> {
    if (sales.length === 0) return;
    const tx = this.run.tx;
    const held = new Map((await salesByIds(tx, sales.map((s) => s.id))).map((s) => [s.id, s]));
    const fresh = sales.filter((s) => !held.has(s.id));
    // A number already used by another sale (a shop restored from an old backup): the sale happened, keep it.
    const taken = new Map((await salesNumbered(tx, this.hq.shopId!, fresh.map((s) => s.number))).map((r) => [r.number, r.id]));
    const rows = fresh.map((s) => {
      const holder = taken.get(s.number);
      if (holder === undefined) {
        taken.set(s.number, s.id);
        return s;
      }
      const number = `${s.number}/${s.id.slice(-4)}`;
      this.run.log('sale', s.id, { field: 'number', localValue: s.number, remoteValue: number, localClock: null, remoteClock: s.hlc, winner: 'remote', reason: 'number_reused' });
      return { ...s, number };
    });
    const written = new Set(await insertSalesIfAbsent(tx, rows, true));
    // Held already, or written meanwhile by a push racing this one on another process.
    const raced = rows.filter((s) => !written.has(s.id)).map((s) => s.id);
    for (const s of raced.length > 0 ? await salesByIds(tx, raced) : []) held.set(s.id, s);
    for (const s of sales) {
      const existing = held.get(s.id);
      if (!existing) {
        this.saleShops.set(s.id, s.shopId);
        continue;
      }
      if (existing.shopId !== this.hq.shopId) throw forbidden(this.hq.shopCode);
      this.saleShops.set(s.id, existing.shopId);
      this.logIfSaleDiffers({ ...existing, localClock: existing.hlc }, s);
    }
  }

  private async writeItems(items: SaleItemInsert[]): Promise<void> {
    if (items.length === 0) return;
    const written = new Set(await insertSaleItemsIfAbsent(this.run.tx, items));
    const held = items.filter((i) => !written.has(i.id));
    if (held.length === 0) return;
    const existing = new Map((await saleItemsByIds(this.run.tx, held.map((i) => i.id))).map((i) => [i.id, i]));
    for (const i of held) {
      const first = existing.get(i.id);
      if (first) this.logIfItemDiffers(first, i);
    }
  }

  private logIfItemDiffers(first: SaleItemInsert, d: SaleItemInsert): void {
    const differs = ITEM_FIELDS.filter((f) => comparable(first[f]) !== comparable(d[f]));
    if (differs.length > 0) {
      this.run.log('sale_item', d.id, { field: differs.join(','), localValue: pickFields(first, differs), remoteValue: pickFields(d, differs), localClock: null, remoteClock: null, winner: 'local', reason: 'duplicate_differs' });
    }
  }

  /** A row naming a sale (a line, a return, an account entry): the sale must be this shop's, received or in this push. */
  async ownSale(saleId: string): Promise<void> {
    if (this.newSales.get(saleId)) return; // checked as this shop's when it came
    if (!this.saleShops.has(saleId)) {
      const [s] = await salesByIds(this.run.tx, [saleId]);
      if (s) this.saleShops.set(saleId, s.shopId);
    }
    const owner = this.saleShops.get(saleId);
    if (!owner) throw unknownEntity('sale', saleId);
    if (owner !== this.hq.shopId) throw forbidden(this.hq.shopCode);
  }

  /** A row naming a return (an account entry): the return must be this shop's and received. */
  async ownReturn(returnId: string): Promise<void> {
    const [r] = await returnsByIds(this.run.tx, [returnId]);
    if (!r) throw unknownEntity('sale_return', returnId);
    if (r.shopId !== this.hq.shopId) throw forbidden(this.hq.shopCode);
  }

  async saleVoided(d: { id: string; voidedAt: string; voidedBy: string }, hlc: string): Promise<void> {
    await this.ownSale(d.id);
    // Sent with its sale (the nightly's resend): the sale is written first.
    if (this.newSales.get(d.id)) await this.flush();
    const [sale] = await salesByIds(this.run.tx, [d.id]);
    if (sale!.status !== 'voided') await markVoided(this.run.tx, d.id, d.voidedBy, hlc, new Date(d.voidedAt));
  }

  /** A return of one of this shop's sales, once; its stock came back through its movements. */
  async returnInserted(d: SaleReturnInsert, hlc: string): Promise<void> {
    if (d.shopId !== this.hq.shopId) throw forbidden(this.hq.shopCode);
    await this.ownSale(d.saleId);
    await this.cash.ownSession(d.sessionId);
    if (await insertReturnIfAbsent(this.run.tx, { ...d, hlc, createdAt: new Date(d.createdAt) })) return;
    const [existing] = await returnsByIds(this.run.tx, [d.id]);
    if (existing && existing.shopId !== this.hq.shopId) throw forbidden(this.hq.shopCode);
  }

  async itemInserted(d: SaleItemInsert): Promise<void> {
    await this.ownSale(d.saleId);
    this.stock.ownBatch(d.batchId);
    const twin = this.newItems.get(d.id);
    if (twin) this.logIfItemDiffers(twin, d);
    else this.newItems.add(d);
  }
}
