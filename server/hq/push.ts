import { AccountsMerge } from '../accounts/merge.js';
import { CashMerge } from '../cash/merge.js';
import { ExpensesMerge } from '../expenses/merge.js';
import { CatalogMerge, PRODUCT_FIELDS } from '../catalog/merge.js';
import { PACK_FIELDS } from '../catalog/pack-merge.js';
import type { Tx } from '../db/pool.js';
import { compareHlc, decodeHlc, parseHlc, type Hlc } from '../domain/hlc.js';
import { AppError } from '../errors.js';
import { t } from '../i18n/fr.js';
import { MergeRun } from '../outbox/merge-run.js';
import { SalesMerge } from '../sales/merge.js';
import { SecurityMerge } from '../security/merge.js';
import { BATCH_FIELDS, StockMerge } from '../stock/merge.js';
import { PurchasingMerge } from '../purchasing/merge.js';
import { SupplierMerge } from '../suppliers/merge.js';
import { LINK_FIELDS, SUPPLIER_FIELDS } from '../suppliers/service.js';
import { StocktakeMerge } from '../stocktakes/merge.js';
import { StaffMerge } from './staff-merge.js';
import { TransferMerge } from '../transfers/merge.js';
import { RequisitionMerge } from '../requisitions/merge.js';
import { formatDateTimeFr } from '../domain/dates.js';
import { FAR_FUTURE_MS } from '../domain/merge.js';
import { jumpedNumbers, receiptSequence } from '../domain/receipt-number.js';
import { newId } from '../ids.js';
import { keepStockMonths } from '../reports/service.js';
import { heldOrDiscarded, insertHeldSales } from './held-queries.js';
import type { HqShop } from './queries.js';
import type { Change } from './schemas.js';

export interface Refusal {
  seq: number;
  code: string;
  message: string;
}

const badClock = (where: string, clock: string) => new AppError(400, 'clock_invalid', 'sync.clock_invalid', { where, clock });
/** The same fault in one change: that change's group is refused, the rest of the push applied. */
const refusedClock = (where: string, clock: string) => new AppError(422, 'clock_invalid', 'sync.clock_invalid', { where, clock });

/**
 * What refuses a push whole, before anything is read or written: rows naming
 * another shop (an attack, not a mistake: 403) and an envelope clock that is
 * not the pushing shop's (400).
 */
export function checkRequest(shop: HqShop, envelope: string, changes: readonly Change[]): void {
  for (const c of changes) {
    const owner = (c.data as { shopId?: string }).shopId;
    if (owner !== undefined && owner !== shop.id) throw new AppError(403, 'wrong_shop', 'sync.wrong_shop', { code: shop.code });
  }
  const h = parseHlc(envelope);
  if (!h || h.node !== shop.code) throw badClock('hlc', envelope);
}

/**
 * Every clock a change carries is checked before anything is read or
 * written: well-formed, in range, and written by the pushing shop itself (a
 * shop cannot date a change as head office or another shop would). A change
 * that fails is refused with its group, never the whole push: one poisoned
 * row must not wedge a shop's outbox. One exception is left to `applyPush`:
 * a lot sent again under a clock head office stamped on it (a recall, a
 * correction) is a replay if head office holds that lot at that clock or later.
 */
export function clockRefusals(shop: HqShop, changes: readonly Change[]): { refused: Map<number, AppError>; hqStamped: Set<number> } {
  const refused = new Map<number, AppError>();
  const hqStamped = new Set<number>();
  for (const c of changes) {
    const fault = clockFault(shop, c);
    if (!fault) continue;
    const h = parseHlc(c.hlc);
    if (c.kind === 'batch:insert' && fault.where.endsWith('.hlc') && h?.node === 'HQ') hqStamped.add(c.seq);
    else refused.set(c.seq, refusedClock(fault.where, fault.clock));
  }
  return { refused, hqStamped };
}

function clockFault(shop: HqShop, c: Change): { where: string; clock: string } | undefined {
  const own = (clock: string | undefined) => {
    if (clock === undefined) return true;
    const h = parseHlc(clock);
    return !!h && h.node === shop.code;
  };
  if (!own(c.hlc)) return { where: `changes[${c.seq}].hlc`, clock: c.hlc };
  if (c.kind === 'movement:insert' && !own(c.data.hlc)) return { where: `changes[${c.seq}].data.hlc`, clock: c.data.hlc };
  if ((c.kind === 'stocktake:insert' || c.kind === 'stocktake_counts:insert') && c.data.countMovements) {
    // Each such count becomes a movement under its clock: the shop's own, as a movement's must be.
    const i = c.data.counts.findIndex((k) => !k.superseded && k.movementId !== null && !own(k.hlc));
    if (i >= 0) return { where: `changes[${c.seq}].data.counts[${i}].hlc`, clock: c.data.counts[i]!.hlc };
  }
  if (c.kind === 'product:update' || c.kind === 'batch:update' || c.kind === 'supplier:update' || c.kind === 'product_supplier:update' || c.kind === 'product_pack:update') {
    const fields: readonly string[] = {
      'product:update': PRODUCT_FIELDS, 'batch:update': BATCH_FIELDS, 'supplier:update': SUPPLIER_FIELDS, 'product_supplier:update': LINK_FIELDS, 'product_pack:update': PACK_FIELDS,
    }[c.kind];
    const data = c.data as Record<string, unknown>;
    for (const f of fields) {
      if (data[f] === undefined) continue;
      const clock = c.data.fieldClocks[f];
      if (!clock || !own(clock)) return { where: `changes[${c.seq}].data.fieldClocks.${f}`, clock: clock ?? '' };
    }
    for (const [f, clock] of Object.entries(c.data.baseClocks ?? {})) {
      if (!parseHlc(clock)) return { where: `changes[${c.seq}].data.baseClocks.${f}`, clock };
    }
  }
  return undefined;
}

/** A lot sent again under head office's clock: a replay of one head office holds at that clock or later, else refused. */
function verifyHqStamp(c: Extract<Change, { kind: 'batch:insert' }>, stock: StockMerge): void {
  const held = stock.heldLot(c.data.id);
  if (!held || compareHlc(decodeHlc(c.hlc), decodeHlc(held.hlc)) > 0) throw refusedClock(`changes[${c.seq}].hlc`, c.hlc);
}

/** A refusal of the data (a missing parent, a lot held under another id, a row the database rejects), not of the request. */
function refusalOf(err: unknown): { code: string; message: string } | undefined {
  if (err instanceof AppError) return err.status === 403 || err.status === 400 ? undefined : { code: err.code, message: err.message };
  const code = (err as { code?: string }).code ?? '';
  if (code.startsWith('23') || code.startsWith('22')) return { code: 'inconsistent_push', message: t('sync.inconsistent', { detail: (err as Error).message }) };
  return undefined;
}

/** What a shop's day is mostly made of: checked one by one, written many at a time. */
const STAGED_KINDS: ReadonlySet<Change['kind']> = new Set(['sale:insert', 'sale_item:insert', 'movement:insert']);

/**
 * One push, applied in one transaction. Changes come in groups (the shop's
 * local transactions); a group with a bad clock, or that the data refuses,
 * is rolled back alone and reported with its reason: the rest keeps flowing.
 * Only another shop's rows or a bad envelope refuse the whole request
 * (`checkRequest`, before this).
 *
 * Sales, lines and movements are checked group by group and written in bulk
 * at the end of each run of such groups, under one savepoint. Should the
 * database refuse that bulk (a row the checks let through), it is rolled back
 * and the run applied again group by group, each under its own savepoint, so
 * the one bad group is refused and no other.
 */
export async function applyPush(
  tx: Tx,
  shop: HqShop,
  at: { receivedAt: Hlc; receivedClock: string; nowWall: number },
  changes: readonly Change[],
  numbering: Numbering,
): Promise<{ refused: Refusal[]; conflicts: number; held: number[] }> {
  const run = new MergeRun(tx, { role: 'hq', shopId: shop.id, shopCode: shop.code, ...at });
  const catalog = new CatalogMerge(run);
  const stock = new StockMerge(run);
  const cash = new CashMerge(run);
  const sales = new SalesMerge(run, stock, cash);
  const clocks = clockRefusals(shop, changes);
  const merges = {
    tx, catalog, stock, sales, cash, security: new SecurityMerge(run), hqStamped: clocks.hqStamped,
    suppliers: new SupplierMerge(run), purchasing: new PurchasingMerge(run),
    transfers: new TransferMerge(run, () => new Date(at.nowWall)), stocktakes: new StocktakeMerge(run, stock), requisitions: new RequisitionMerge(run),
    accounts: new AccountsMerge(run, sales, cash), expenses: new ExpensesMerge(run, cash), staff: new StaffMerge(run),
  };
  await stock.lockBatches(changes.flatMap((c) => (c.kind === 'batch:insert' || c.kind === 'batch:update' ? [c.data.id] : c.kind === 'movement:insert' ? [c.data.batchId]
    : c.kind === 'stocktake:insert' || c.kind === 'stocktake_counts:insert' ? StocktakeMerge.lotsMoved(c.data) : [])));
  const flush = async () => {
    await sales.flush();
    await stock.flush();
  };

  const groups = new Map<string, Change[]>();
  for (const c of changes) {
    const key = c.tx ?? `seq:${c.seq}`;
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  const refused: Refusal[] = [];
  const refuse = (group: readonly Change[], refusal: { code: string; message: string }) => {
    for (const c of group) refused.push({ seq: c.seq, ...refusal });
  };
  const held: number[] = [];
  const keptAside = await heldOrDiscarded(tx, shop.id, changes.filter((c) => c.kind === 'sale:insert').map((c) => c.id));
  let lastReceipt = numbering.lastReceipt;
  /** A group whose sales came through: the sequence moves on. */
  const numbered = (group: readonly Change[]) => {
    for (const s of salesOf(group)) lastReceipt = Math.max(lastReceipt, receiptSequence(s.data.number));
  };
  let savepoints = 0;

  /** One group under its own savepoint, written at once. */
  const applyAlone = async (group: readonly Change[]) => {
    const savepoint = `g${savepoints++}`;
    const undo = run.mark();
    await tx.exec(`savepoint ${savepoint}`);
    try {
      for (const c of group) await applyChange(c, merges);
      await flush();
      await tx.exec(`release savepoint ${savepoint}`);
      numbered(group);
    } catch (err) {
      const refusal = refusalOf(err);
      if (!refusal) throw err;
      await tx.exec(`rollback to savepoint ${savepoint}`);
      undo();
      await stock.reload();
      refuse(group, refusal);
    }
  };

  // A run of staged groups: checked one by one, written together under one savepoint.
  let staged: Change[][] = [];
  let runSavepoint: string | null = null;
  let beforeRun = run.mark();
  /** Back to the run's start, then its groups one by one: the database refused something the checks let through. */
  const replayAlone = async (groups: readonly Change[][]) => {
    await tx.exec(`rollback to savepoint ${runSavepoint}`);
    beforeRun();
    await stock.reload();
    for (const group of groups) await applyAlone(group);
  };
  const writeStaged = async () => {
    if (!runSavepoint) return;
    try {
      await flush();
      await tx.exec(`release savepoint ${runSavepoint}`);
    } catch (err) {
      if (!refusalOf(err)) throw err;
      await replayAlone(staged);
    }
    runSavepoint = null;
    staged = [];
  };

  for (let group of groups.values()) {
    // A bad clock refuses its group before anything of it is read or written.
    const badClock = group.map((c) => clocks.refused.get(c.seq)).find((e) => e !== undefined);
    if (badClock) {
      refuse(group, { code: badClock.code, message: badClock.message });
      continue;
    }
    const future = futureRefusal(group, at.nowWall, shop.timezone);
    if (future) {
      refuse(group, { code: future.code, message: future.message });
      continue;
    }
    if (!numbering.release) {
      // Sales out of sequence (or already set aside) leave the group with their lines and movements; the rest goes on.
      const sold = salesOf(group);
      const again = sold.filter((s) => keptAside.has(s.id));
      const jumped = sold.filter((s) => !keptAside.has(s.id) && jumpedNumbers([s.data.number], lastReceipt).length > 0);
      if (again.length + jumped.length > 0) {
        if (jumped.length > 0) {
          // Written outside any group's savepoint: a run replayed group by group must not undo the hold.
          await writeStaged();
          await holdSales(tx, shop, jumped, partsOf(group, jumped), lastReceipt);
          for (const s of jumped) keptAside.add(s.id);
        }
        const aside = new Set(partsOf(group, [...again, ...jumped]).map((c) => c.seq));
        held.push(...aside);
        group = group.filter((c) => !aside.has(c.seq));
        if (group.length === 0) continue;
      }
    }
    if (!group.every((c) => STAGED_KINDS.has(c.kind))) {
      await writeStaged();
      await applyAlone(group);
      continue;
    }
    if (!runSavepoint) {
      runSavepoint = `g${savepoints++}`;
      await tx.exec(`savepoint ${runSavepoint}`);
      beforeRun = run.mark();
    }
    const undo = run.mark();
    try {
      for (const c of group) await applyChange(c, merges);
      staged.push(group);
      numbered(group);
    } catch (err) {
      const refusal = refusalOf(err);
      if (!refusal) throw err;
      if (err instanceof AppError) {
        // Refused by the checks: nothing of it was written, nothing to roll back.
        undo();
        refuse(group, refusal);
        continue;
      }
      // A read the database refused has aborted the transaction: back to the run's start.
      await replayAlone([...staged, group]);
      runSavepoint = null;
      staged = [];
    }
  }
  await writeStaged();
  await stock.settleQuantities();
  // The owner's 12-month stock value reads month-end quantities the push keeps (migration 0033).
  await keepStockMonths(tx, stock.movedSince());
  await run.finish();
  return { refused: refused.sort((a, b) => a.seq - b.seq), conflicts: run.conflicts.length, held };
}

/** Where a push's receipt numbers are checked from: the shop's last number head office holds. */
export interface Numbering {
  lastReceipt: number;
  /** An administrator released the group: its numbers are taken as they are. */
  release?: boolean;
}

type SaleChange = Extract<Change, { kind: 'sale:insert' }>;
const salesOf = (group: readonly Change[]): SaleChange[] => group.filter((c): c is SaleChange => c.kind === 'sale:insert');

/**
 * A sale (or a return: money too) dated beyond the clock tolerance ahead of
 * head office cannot have happened yet: refused with its group, as a clock
 * would be. The shop sets it aside; fixed, its clock lets `sync retry` through.
 */
function futureRefusal(group: readonly Change[], nowWall: number, timezone: string): AppError | undefined {
  for (const c of group) {
    if (c.kind !== 'sale:insert' && c.kind !== 'sale_return:insert') continue;
    const at = Date.parse(c.data.createdAt);
    if (at > nowWall + FAR_FUTURE_MS) {
      return new AppError(422, 'sale_in_future', 'sync.sale_in_future', { number: c.data.number, at: formatDateTimeFr(new Date(at), timezone) });
    }
  }
  return undefined;
}

/** These sales of a group with their lines and the lines' movements: what is held of it. */
function partsOf(group: readonly Change[], sales: readonly SaleChange[]): Change[] {
  const saleIds = new Set(sales.map((s) => s.id));
  const itemIds = new Set(group.flatMap((c) => (c.kind === 'sale_item:insert' && saleIds.has(c.data.saleId) ? [c.id] : [])));
  return group.filter(
    (c) => (c.kind === 'sale:insert' && saleIds.has(c.id)) || itemIds.has(c.id) || (c.kind === 'movement:insert' && c.data.saleItemId !== null && itemIds.has(c.data.saleItemId)),
  );
}

/** The held part, as received, for an administrator to release or discard; nothing of it is applied. */
async function holdSales(tx: Tx, shop: HqShop, sold: readonly SaleChange[], parts: readonly Change[], lastReceipt: number): Promise<void> {
  await insertHeldSales(tx, {
    id: newId(), shopId: shop.id, saleIds: sold.map((s) => s.id), numbers: sold.map((s) => s.data.number),
    total: sold.reduce((n, s) => n + s.data.total, 0), lastReceipt,
    soldAt: new Date(Math.min(...sold.map((s) => Date.parse(s.data.createdAt)))), changes: parts,
  });
}

interface Merges {
  tx: Tx;
  catalog: CatalogMerge;
  stock: StockMerge;
  sales: SalesMerge;
  cash: CashMerge;
  security: SecurityMerge;
  suppliers: SupplierMerge;
  purchasing: PurchasingMerge;
  transfers: TransferMerge;
  requisitions: RequisitionMerge;
  stocktakes: StocktakeMerge;
  accounts: AccountsMerge;
  expenses: ExpensesMerge;
  staff: StaffMerge;
  /** Lots sent again under head office's clock (see `clockRefusals`). */
  hqStamped: ReadonlySet<number>;
}

async function applyChange(c: Change, m: Merges): Promise<void> {
  switch (c.kind) {
    case 'product:insert': {
      const { twin } = await m.catalog.inserted(c.data, c.hlc);
      if (twin) await m.stock.inheritRecalls(c.data.id, await m.catalog.twins(c.data.id));
      return;
    }
    case 'product:update':
      return m.catalog.updated(c.data);
    case 'product_pack:insert':
      return m.catalog.packs.inserted(c.data, c.hlc);
    case 'product_pack:update':
      return m.catalog.packs.updated(c.data);
    case 'batch:insert':
      if (m.hqStamped.has(c.seq)) return verifyHqStamp(c, m.stock);
      return m.stock.batchInserted(c.data, c.hlc, await m.catalog.known(c.data.productId));
    case 'batch:update':
      return m.stock.batchUpdated(c.data);
    case 'movement:insert':
      return m.stock.movementInserted(c.data);
    case 'sale:insert':
      return m.sales.saleInserted(c.data, c.hlc);
    case 'sale:update':
      return m.sales.saleVoided(c.data, c.hlc);
    case 'sale_item:insert':
      return m.sales.itemInserted(c.data);
    case 'till_session:insert':
      return m.cash.opened(c.data, c.hlc);
    case 'till_session:update':
      return m.cash.closed(c.data, c.hlc);
    case 'cash_movement:insert':
      return m.cash.moved(c.data, c.hlc);
    case 'sale_return:insert':
      return m.sales.returnInserted(c.data, c.hlc);
    case 'transfer:insert':
      return m.transfers.shipped(c.data, c.hlc);
    case 'transfer:update':
      return m.transfers.updated(c.data, c.hlc);
    case 'transfer_receipt:insert':
      return m.transfers.received(c.data, c.hlc);
    case 'requisition:insert':
      return m.requisitions.asked(c.data, c.hlc);
    case 'requisition:update':
      return m.requisitions.cancelled(c.data, c.hlc);
    case 'stocktake:insert':
      return m.stocktakes.finalised(c.data, c.hlc);
    case 'stocktake_counts:insert':
      return m.stocktakes.moreCounts(c.data);
    case 'customer:insert':
      return m.accounts.customerInserted(c.data, c.hlc);
    case 'customer:update':
      return m.accounts.customerUpdated(c.data, c.hlc);
    case 'account_entry:insert':
      return m.accounts.entryInserted(c.data, c.hlc);
    case 'expense:insert':
      return m.expenses.inserted(c.data, c.hlc);
    case 'staff:insert':
    case 'staff:update':
      return m.staff.fromShop(c.data, c.hlc);
    case 'security_alert:insert':
      return m.security.alertReceived(c.data, c.hlc);
    case 'supplier:insert':
      return m.suppliers.inserted('supplier', c.data, c.hlc);
    case 'supplier:update':
      return m.suppliers.updated('supplier', c.data);
    case 'product_supplier:insert':
      return m.suppliers.inserted('product_supplier', c.data, c.hlc);
    case 'product_supplier:update':
      return m.suppliers.updated('product_supplier', c.data);
    case 'purchase_order:insert':
      return m.purchasing.orderSent(c.data, c.hlc);
    case 'purchase_order:update':
      return m.purchasing.orderMoved(c.data, c.hlc);
    case 'delivery:insert':
      return m.purchasing.deliveryReceived(c.data, c.hlc);
    case 'supplier_return:insert':
      return m.purchasing.returnSent(c.data, c.hlc);
    case 'supplier_return:update':
      return m.purchasing.returnSettled(c.data, c.hlc);
  }
}
