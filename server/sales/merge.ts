import { pickFields } from '../domain/merge.js';
import type { CashMerge } from '../cash/merge.js';
import type { MergeRun } from '../outbox/merge-run.js';
import { forbidden, unknownEntity, type StockMerge } from '../stock/merge.js';
import {
  insertSaleIfAbsent,
  insertSaleItemsIfAbsent,
  markVoided,
  raiseReceiptCounter,
  restoreSaleItems,
  restoreSales,
  saleIdByNumber,
  saleItemsByIds,
  salesByIds,
  type Sale,
  type SaleItem,
  type SaleRow,
} from './queries.js';
import { insertReturnIfAbsent, returnsByIds, type SaleReturn } from './return-queries.js';

export type SaleInsert = Omit<Sale, 'updatedAt' | 'receivedAt' | 'createdAt' | 'voidedAt'> & { createdAt: string; voidedAt: string | null };
export type SaleItemInsert = Omit<SaleItem, 'createdAt'>;
export type SaleReturnInsert = Omit<SaleReturn, 'createdAt' | 'hlc'> & { createdAt: string };

// Every field a sale and a line are made of: a copy under the same id that differs in any of them is logged.
const SALE_FIELDS = ['number', 'cashierId', 'cashierName', 'total', 'tendered', 'change', 'paymentMethod', 'createdAt'] as const;
const ITEM_FIELDS = ['saleId', 'lineNo', 'productId', 'batchId', 'productName', 'lotNumber', 'expirationDate', 'quantity', 'unitPrice', 'lineTotal'] as const;

const comparable = (v: unknown) => (v instanceof Date ? v.toISOString() : v ?? null);

/** Sales belong to the shop that made them: head office inserts them once and never edits them but to void. */
export class SalesMerge {
  private readonly saleShops = new Map<string, string>();

  constructor(
    private readonly run: MergeRun,
    private readonly stock: StockMerge,
    private readonly cash: CashMerge,
  ) {}

  private get hq() {
    const seat = this.run.seat;
    if (seat.role !== 'hq') throw new Error('head office only');
    return seat;
  }

  /** A shop rebuilt from head office: its sales and lines; receipt numbers continue after the last one. */
  async restore(shopId: string, part: { sales: readonly SaleRow[]; items: readonly SaleItem[]; lastReceipt: number }): Promise<void> {
    for (let i = 0; i < part.sales.length; i += 5000) await restoreSales(this.run.tx, part.sales.slice(i, i + 5000));
    for (let i = 0; i < part.items.length; i += 5000) await restoreSaleItems(this.run.tx, part.items.slice(i, i + 5000));
    const last = part.sales.reduce((max, s) => Math.max(max, Number(/-(\d+)(\/|$)/.exec(s.number)?.[1] ?? 0)), part.lastReceipt);
    await raiseReceiptCounter(this.run.tx, shopId, last);
  }

  async saleInserted(d: SaleInsert, hlc: string): Promise<void> {
    const seat = this.hq;
    if (d.shopId !== seat.shopId) throw forbidden(seat.shopCode);
    await this.cash.ownSession(d.sessionId);
    const [existing] = await salesByIds(this.run.tx, [d.id]);
    if (existing) {
      if (existing.shopId !== seat.shopId) throw forbidden(seat.shopCode);
      const here = { ...existing, number: existing.number.split('/')[0] };
      const differs = SALE_FIELDS.filter((f) => comparable(here[f]) !== comparable(f === 'createdAt' ? new Date(d.createdAt) : d[f]));
      if (differs.length > 0) {
        this.run.log('sale', d.id, { field: differs.join(','), localValue: pickFields(here, differs), remoteValue: pickFields(d, differs), localClock: existing.number, remoteClock: hlc, winner: 'local', reason: 'duplicate_differs' });
      }
      this.saleShops.set(d.id, existing.shopId);
      return;
    }
    // A number already used by another sale (a shop restored from an old backup): the sale happened, keep it.
    let number = d.number;
    if (await saleIdByNumber(this.run.tx, d.shopId, d.number)) {
      number = `${d.number}/${d.id.slice(-4)}`;
      this.run.log('sale', d.id, { field: 'number', localValue: d.number, remoteValue: number, localClock: null, remoteClock: hlc, winner: 'remote', reason: 'number_reused' });
    }
    await insertSaleIfAbsent(this.run.tx, { ...d, number, hlc, createdAt: new Date(d.createdAt), voidedAt: d.voidedAt ? new Date(d.voidedAt) : null });
    this.saleShops.set(d.id, d.shopId);
  }

  private async ownSale(saleId: string): Promise<void> {
    if (!this.saleShops.has(saleId)) {
      const [s] = await salesByIds(this.run.tx, [saleId]);
      if (s) this.saleShops.set(saleId, s.shopId);
    }
    const owner = this.saleShops.get(saleId);
    if (!owner) throw unknownEntity('sale', saleId);
    if (owner !== this.hq.shopId) throw forbidden(this.hq.shopCode);
  }

  async saleVoided(d: { id: string; voidedAt: string; voidedBy: string }, hlc: string): Promise<void> {
    await this.ownSale(d.id);
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
    if ((await insertSaleItemsIfAbsent(this.run.tx, [d])).length > 0) return;
    const [first] = await saleItemsByIds(this.run.tx, [d.id]);
    if (!first) return;
    const differs = ITEM_FIELDS.filter((f) => comparable(first[f]) !== comparable(d[f]));
    if (differs.length > 0) {
      this.run.log('sale_item', d.id, { field: differs.join(','), localValue: pickFields(first, differs), remoteValue: pickFields(d, differs), localClock: null, remoteClock: null, winner: 'local', reason: 'duplicate_differs' });
    }
  }
}
