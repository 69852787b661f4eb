import { CashMerge } from '../cash/merge.js';
import { CatalogMerge, PRODUCT_FIELDS } from '../catalog/merge.js';
import { PACK_FIELDS } from '../catalog/pack-merge.js';
import type { Tx } from '../db/pool.js';
import { parseHlc, type Hlc } from '../domain/hlc.js';
import { AppError } from '../errors.js';
import { t } from '../i18n/fr.js';
import { MergeRun } from '../outbox/merge-run.js';
import { SalesMerge } from '../sales/merge.js';
import { BATCH_FIELDS, StockMerge } from '../stock/merge.js';
import type { HqShop } from './queries.js';
import type { Change } from './schemas.js';

export interface Refusal {
  seq: number;
  code: string;
  message: string;
}

const badClock = (where: string, clock: string) => new AppError(400, 'clock_invalid', 'sync.clock_invalid', { where, clock });

/**
 * Every clock a push carries is checked before anything is read or written:
 * well-formed, in range, and written by the pushing shop itself (a shop
 * cannot date a change as head office or another shop would).
 */
export function checkClocks(shop: HqShop, envelope: string, changes: readonly Change[]): void {
  // Rows that name another shop are an attack, not a mistake: said before anything else.
  for (const c of changes) {
    const owner = (c.data as { shopId?: string }).shopId;
    if (owner !== undefined && owner !== shop.id) throw new AppError(403, 'wrong_shop', 'sync.wrong_shop', { code: shop.code });
  }
  const own = (where: string, clock: string | undefined) => {
    if (clock === undefined) return;
    const h = parseHlc(clock);
    if (!h || h.node !== shop.code) throw badClock(where, clock);
  };
  own('hlc', envelope);
  for (const c of changes) {
    own(`changes[${c.seq}].hlc`, c.hlc);
    if (c.kind === 'movement:insert') own(`changes[${c.seq}].data.hlc`, c.data.hlc);
    if (c.kind === 'product:update' || c.kind === 'batch:update' || c.kind === 'product_pack:update') {
      const fields: readonly string[] = c.kind === 'product:update' ? PRODUCT_FIELDS : c.kind === 'product_pack:update' ? PACK_FIELDS : BATCH_FIELDS;
      const data = c.data as Record<string, unknown>;
      for (const f of fields) {
        if (data[f] === undefined) continue;
        const clock = c.data.fieldClocks[f];
        if (!clock) throw badClock(`changes[${c.seq}].data.fieldClocks.${f}`, '');
        own(`changes[${c.seq}].data.fieldClocks.${f}`, clock);
      }
      for (const [f, clock] of Object.entries(c.data.baseClocks ?? {})) {
        if (!parseHlc(clock)) throw badClock(`changes[${c.seq}].data.baseClocks.${f}`, clock);
      }
    }
  }
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
 * local transactions); a group the data refuses is rolled back alone and
 * reported with its reason: the rest keeps flowing. Another shop's rows or a
 * bad clock refuse the whole request.
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
): Promise<{ refused: Refusal[]; conflicts: number }> {
  const run = new MergeRun(tx, { role: 'hq', shopId: shop.id, shopCode: shop.code, ...at });
  const catalog = new CatalogMerge(run);
  const stock = new StockMerge(run);
  const cash = new CashMerge(run);
  const sales = new SalesMerge(run, stock, cash);
  const merges = { tx, catalog, stock, sales, cash };
  await stock.lockBatches(changes.flatMap((c) => (c.kind === 'batch:insert' || c.kind === 'batch:update' ? [c.data.id] : c.kind === 'movement:insert' ? [c.data.batchId] : [])));
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

  for (const group of groups.values()) {
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
  await run.finish();
  return { refused: refused.sort((a, b) => a.seq - b.seq), conflicts: run.conflicts.length };
}

async function applyChange(c: Change, m: { tx: Tx; catalog: CatalogMerge; stock: StockMerge; sales: SalesMerge; cash: CashMerge }): Promise<void> {
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
  }
}
