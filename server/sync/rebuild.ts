import { SupplierMerge } from '../suppliers/merge.js';
import type { LinkRow, SupplierRow } from '../suppliers/queries.js';
import { CashMerge } from '../cash/merge.js';
import { CatalogMerge } from '../catalog/merge.js';
import type { ProductRow } from '../catalog/queries.js';
import type { Deps } from '../context.js';
import { parseHlc } from '../domain/hlc.js';
import { AppError } from '../errors.js';
import { absorbClock } from '../outbox/clock.js';
import { MergeRun } from '../outbox/merge-run.js';
import { SalesMerge } from '../sales/merge.js';
import type { SaleItem, SaleRow } from '../sales/queries.js';
import { StockMerge } from '../stock/merge.js';
import type { BatchRow, Movement, Recall } from '../stock/queries.js';
import { TransferMerge } from '../transfers/merge.js';
import { hqClient } from './client.js';
import { localData, wipeLocalData, startAfterRebuild } from './queries.js';

const PAGE = 2000;

export interface RebuildResult {
  products: number;
  lots: number;
  movements: number;
  sales: number;
  lastReceipt: number;
  /** Lots whose quantity is not the sum of their movements at head office: reported, never fixed silently. */
  drifted: string[];
}

/**
 * A shop server rebuilt from head office (design.md §5: head office is every
 * shop's backup): the catalogue, recalls, the shop's lots with head office's
 * ledger and quantities, its sales, receipt numbers continuing after the last
 * one head office holds, and the feed cursor taken before the rows were read.
 * Nothing is written to the outbox: every row is already at head office.
 */
export async function initFromHq(
  { db, logger, shop, now, hq }: Pick<Deps, 'db' | 'logger' | 'shop' | 'now' | 'hq'>,
  opts: { force?: boolean } = {},
): Promise<RebuildResult> {
  if (!hq) throw new AppError(409, 'sync_not_configured', 'sync.not_configured');
  const here = await localData(db);
  if (!opts.force && (here.sales > 0 || here.lots > 0 || here.pending > 0)) {
    throw new AppError(409, 'shop_not_empty', 'sync.rebuild_not_empty', here);
  }
  const client = hqClient(hq, 120_000);
  const head = await client.snapshotHead();
  if (head.shop.code !== shop.code) throw new AppError(409, 'wrong_shop', 'sync.rebuild_wrong_shop', { hq: head.shop.code, here: shop.code });

  async function all<T>(part: string): Promise<T[]> {
    const rows: T[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await client.snapshotPart(part, after, PAGE);
      rows.push(...(page.rows as T[]));
      if (!page.next) return rows;
      after = page.next;
    }
  }
  const products = await all<ProductRow>('products');
  const recalls = await all<Recall>('recalls');
  const batches = await all<BatchRow>('batches');
  const sales = await all<SaleRow>('sales');
  const items = await all<SaleItem>('items');
  const movements = await all<Movement>('movements');
  const suppliers = await all<SupplierRow>('suppliers');
  const links = await all<LinkRow>('supplier-links');

  const drifted = await db.withTransaction(async (tx) => {
    if (opts.force) await wipeLocalData(tx);
    const run = new MergeRun(tx, { role: 'shop', shopId: shop.id, shopCode: shop.code });
    await new CatalogMerge(run).restore(products);
    await new SupplierMerge(run).restore({ suppliers, links });
    await new TransferMerge(run, now).restoreShops(head.chainShops ?? []);
    const stock = new StockMerge(run);
    await stock.restoreLots({ batches, recalls });
    await new SalesMerge(run, stock, new CashMerge(run)).restore(shop.id, { sales, items, lastReceipt: head.lastReceipt });
    const drift = await stock.restoreLedger(batches, movements);
    // Our clock goes above every clock this shop ever sent, and takes in head office's.
    const own = [...batches.map((b) => b.hlc), ...movements.map((m) => m.hlc), ...sales.map((s) => s.hlc)]
      .filter((c) => parseHlc(c)?.node === shop.code)
      .reduce((a, b) => (b > a ? b : a), head.hlc);
    await absorbClock(tx, own, now());
    await absorbClock(tx, head.hlc, now());
    await startAfterRebuild(tx, head.cursor, head.lastReceipt);
    return drift;
  });
  if (drifted.length > 0) logger.warn({ drifted }, 'lots whose quantity differs from their ledger at head office');
  logger.info({ products: products.length, lots: batches.length, sales: sales.length }, 'shop rebuilt from head office');
  return { products: products.length, lots: batches.length, movements: movements.length, sales: sales.length, lastReceipt: head.lastReceipt, drifted };
}
