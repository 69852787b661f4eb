import type { Queryable } from '../db/pool.js';

export type StocktakeStatus = 'open' | 'finalised' | 'cancelled';

export interface StocktakeSummary {
  lotsCounted: number;
  lotsZeroed: number;
  lotsRecounted: number;
  varianceUnits: number;
  varianceValue: number;
}

export interface Stocktake {
  id: string;
  shopId: string;
  number: string;
  status: StocktakeStatus;
  scope: { productIds?: string[] };
  snapshotHlc: string;
  startedBy: string | null;
  startedByName: string;
  finalisedBy: string | null;
  finalisedAt: Date | null;
  cancelledAt: Date | null;
  summary: StocktakeSummary | null;
  hlc: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface StocktakeCount {
  id: string;
  stocktakeId: string;
  batchId: string;
  countedQty: number;
  ledgerQty: number;
  hlc: string;
  userId: string | null;
  superseded: boolean;
  movementId: string | null;
  createdAt: Date;
}

/** One line of the variance report: a lot in the snapshot or counted, with what the ledger says now. */
export interface StocktakeLineRow {
  batchId: string;
  snapshotQty: number;
  productId: string;
  productName: string;
  lotNumber: string;
  expirationDate: string;
  unitCost: number | null;
  quantity: number;
  countedQty: number | null;
  ledgerQty: number | null;
  countHlc: string | null;
  countedAt: Date | null;
}

const columns = `s.id, s.shop_id, s.number, s.status, s.scope, s.snapshot_hlc, s.started_by, s.started_by_name, s.finalised_by, s.finalised_at,
  s.cancelled_at, s.summary, s.hlc, s.created_at, s.updated_at`;
const countColumns = 'c.id, c.stocktake_id, c.batch_id, c.counted_qty, c.ledger_qty, c.hlc, c.user_id, c.superseded, c.movement_id, c.created_at';

export async function insertStocktake(db: Queryable, s: Omit<Stocktake, 'createdAt' | 'updatedAt'> & { createdAt?: Date }): Promise<boolean> {
  return (await db.exec(
    `insert into stocktakes (id, shop_id, number, status, scope, snapshot_hlc, started_by, started_by_name, finalised_by, finalised_at, cancelled_at,
       summary, hlc, created_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, coalesce($14, now())) on conflict (id) do nothing`,
    [s.id, s.shopId, s.number, s.status, JSON.stringify(s.scope), s.snapshotHlc, s.startedBy, s.startedByName, s.finalisedBy, s.finalisedAt,
      s.cancelledAt, s.summary ? JSON.stringify(s.summary) : null, s.hlc, s.createdAt ?? null],
  )) > 0;
}

export async function insertSnapshot(db: Queryable, stocktakeId: string, lots: readonly { id: string; quantity: number }[]): Promise<void> {
  if (lots.length === 0) return;
  await db.exec(
    `insert into stocktake_lines (stocktake_id, batch_id, snapshot_qty) select $1, * from unnest($2::uuid[], $3::int[]) on conflict do nothing`,
    [stocktakeId, lots.map((l) => l.id), lots.map((l) => l.quantity)],
  );
}

export async function stocktakeById(db: Queryable, shopId: string, id: string, lock = false): Promise<Stocktake | undefined> {
  return db.one<Stocktake>(`select ${columns} from stocktakes s where s.shop_id = $1 and s.id = $2 ${lock ? 'for update' : ''}`, [shopId, id]);
}

export async function stocktakesOf(db: Queryable, shopId: string | null, limit: number): Promise<(Stocktake & { shopCode: string | null })[]> {
  return db.rows(
    `select ${columns}, (select code from shops where id = s.shop_id) as shop_code from stocktakes s
     where ($1::uuid is null or s.shop_id = $1) and s.status <> 'cancelled' order by s.created_at desc, s.id desc limit $2`,
    [shopId, limit],
  );
}

export async function nextStocktakeNumber(db: Queryable, shopId: string, shopCode: string): Promise<string> {
  await db.exec(`select pg_advisory_xact_lock(hashtextextended('stocktake-number:' || $1, 7320019))`, [shopId]);
  const n = (await db.one<{ n: number }>('select count(*)::int + 1 as n from stocktakes where shop_id = $1', [shopId]))!.n;
  return `${shopCode}-INV${String(n).padStart(4, '0')}`;
}

/** A new count of a lot replaces the earlier ones of the same stocktake. */
export async function insertCount(db: Queryable, c: Omit<StocktakeCount, 'createdAt' | 'superseded' | 'movementId'>): Promise<StocktakeCount> {
  await db.exec('update stocktake_counts set superseded = true where stocktake_id = $1 and batch_id = $2 and not superseded', [c.stocktakeId, c.batchId]);
  await db.exec('insert into stocktake_lines (stocktake_id, batch_id, snapshot_qty) values ($1, $2, 0) on conflict do nothing', [c.stocktakeId, c.batchId]);
  return (await db.one<StocktakeCount>(
    `insert into stocktake_counts as c (id, stocktake_id, batch_id, counted_qty, ledger_qty, hlc, user_id) values ($1, $2, $3, $4, $5, $6, $7)
     returning ${countColumns}`,
    [c.id, c.stocktakeId, c.batchId, c.countedQty, c.ledgerQty, c.hlc, c.userId],
  ))!;
}

export async function currentCounts(db: Queryable, stocktakeId: string): Promise<StocktakeCount[]> {
  return db.rows<StocktakeCount>(`select ${countColumns} from stocktake_counts c where c.stocktake_id = $1 and not c.superseded order by c.batch_id`, [stocktakeId]);
}

export async function uncountedLots(db: Queryable, stocktakeId: string): Promise<string[]> {
  return (await db.rows<{ batchId: string }>(
    `select l.batch_id from stocktake_lines l where l.stocktake_id = $1
       and not exists (select 1 from stocktake_counts c where c.stocktake_id = l.stocktake_id and c.batch_id = l.batch_id and not c.superseded)
     order by l.batch_id`,
    [stocktakeId],
  )).map((r) => r.batchId);
}

export async function linkMovements(db: Queryable, links: readonly { countId: string; movementId: string }[]): Promise<void> {
  if (links.length === 0) return;
  await db.exec(
    `update stocktake_counts c set movement_id = l.movement_id from unnest($1::uuid[], $2::uuid[]) as l(id, movement_id) where c.id = l.id`,
    [links.map((l) => l.countId), links.map((l) => l.movementId)],
  );
}

export async function closeStocktake(
  db: Queryable,
  id: string,
  s: { status: 'finalised' | 'cancelled'; by: string; summary: StocktakeSummary | null; hlc: string },
): Promise<void> {
  await db.exec(
    `update stocktakes set status = $2, finalised_by = case when $2 = 'finalised' then $3::uuid end, finalised_at = case when $2 = 'finalised' then now() end,
       cancelled_at = case when $2 = 'cancelled' then now() end, summary = $4, hlc = $5 where id = $1`,
    [id, s.status, s.by, s.summary ? JSON.stringify(s.summary) : null, s.hlc],
  );
}

/**
 * The variance report's rows: every lot of the snapshot or counted, with
 * its product, its quantity now and its current count. The lots' and
 * products' columns are read here for the report only (a join, never a write).
 */
export async function reportLines(db: Queryable, stocktakeId: string): Promise<StocktakeLineRow[]> {
  return db.rows<StocktakeLineRow>(
    `select l.batch_id, l.snapshot_qty, b.product_id, p.name as product_name, b.lot_number, to_char(b.expiration_date, 'YYYY-MM-DD') as expiration_date,
       b.unit_cost, b.quantity, c.counted_qty, c.ledger_qty, c.hlc as count_hlc, c.created_at as counted_at
     from stocktake_lines l join product_batches b on b.id = l.batch_id join products p on p.id = b.product_id
     left join stocktake_counts c on c.stocktake_id = l.stocktake_id and c.batch_id = l.batch_id and not c.superseded
     where l.stocktake_id = $1
     order by p.name collate french, b.expiration_date, b.id`,
    [stocktakeId],
  );
}

export async function stocktakeOwner(db: Queryable, id: string): Promise<string | undefined> {
  return (await db.one<{ shopId: string }>('select shop_id from stocktakes where id = $1', [id]))?.shopId;
}

export async function insertCountsIfAbsent(db: Queryable, counts: readonly StocktakeCount[]): Promise<void> {
  if (counts.length === 0) return;
  await db.exec(
    `insert into stocktake_counts (id, stocktake_id, batch_id, counted_qty, ledger_qty, hlc, user_id, superseded, movement_id, created_at)
     select * from unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::int[], $5::int[], $6::text[], $7::uuid[], $8::boolean[], $9::uuid[], $10::timestamptz[])
     on conflict (id) do nothing`,
    [
      counts.map((c) => c.id), counts.map((c) => c.stocktakeId), counts.map((c) => c.batchId), counts.map((c) => c.countedQty),
      counts.map((c) => c.ledgerQty), counts.map((c) => c.hlc), counts.map((c) => c.userId), counts.map((c) => c.superseded),
      counts.map((c) => c.movementId), counts.map((c) => new Date(c.createdAt)),
    ],
  );
}
