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
  /** A list of products, or a zone (its products at opening, frozen in `productIds`); empty: the whole shop. */
  scope: { productIds?: string[]; zone?: string };
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
  /** Where the product sits in this shop (product_zones), null when nowhere said. */
  zone: string | null;
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

/**
 * The planner's statistics of stocktake_lines, taken again once a big
 * snapshot is written: until autovacuum comes (after its minute, and only
 * once a tenth of the table changed), they say a stocktake holds a few dozen
 * lines, and the variance report of 5 000 lots walked the lots and products
 * by index one line at a time instead of hashing them (a quarter slower at
 * « Clôturer », issue 23's bench). A role that does not own the table gets a
 * warning, not an error.
 */
export async function refreshSnapshotStatistics(db: Queryable): Promise<void> {
  await db.exec('analyze stocktake_lines');
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
  // After the highest held, not the count: a rebuilt shop holds no cancelled stocktake, whose numbers were taken.
  const n = (await highestStocktakeNumber(db, shopId)) + 1;
  return `${shopCode}-INV${String(n).padStart(4, '0')}`;
}

/**
 * A new count of a lot replaces the earlier ones of the same stocktake. It
 * comes with the id its `count` movement will take at « Clôturer », so that
 * finalising writes the movements from the counts without linking them after
 * (an UPDATE of every count of the shop); a replaced count gives its id up.
 */
export async function insertCount(db: Queryable, c: Omit<StocktakeCount, 'createdAt' | 'superseded'> & { movementId: string }): Promise<StocktakeCount> {
  await db.exec('update stocktake_counts set superseded = true, movement_id = null where stocktake_id = $1 and batch_id = $2 and not superseded', [c.stocktakeId, c.batchId]);
  await db.exec('insert into stocktake_lines (stocktake_id, batch_id, snapshot_qty) values ($1, $2, 0) on conflict do nothing', [c.stocktakeId, c.batchId]);
  return (await db.one<StocktakeCount>(
    `insert into stocktake_counts as c (id, stocktake_id, batch_id, counted_qty, ledger_qty, hlc, user_id, movement_id) values ($1, $2, $3, $4, $5, $6, $7, $8)
     returning ${countColumns}`,
    [c.id, c.stocktakeId, c.batchId, c.countedQty, c.ledgerQty, c.hlc, c.userId, c.movementId],
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

/** Counts that will write no movement (a later single count of their lot stands): their reserved ids are given up. */
export async function unlinkMovements(db: Queryable, stocktakeId: string, batchIds: readonly string[]): Promise<void> {
  if (batchIds.length === 0) return;
  await db.exec('update stocktake_counts set movement_id = null where stocktake_id = $1 and not superseded and batch_id = any($2::uuid[])', [stocktakeId, batchIds]);
}

/**
 * « Clôturer »'s lots, locked (in id order, as every writer of lots locks
 * them): every lot with a current count, and those to be set to zero.
 * The counts are read where they are, not sent back from Node; only the
 * lots to be zeroed come back, with what zeroing them needs.
 */
export async function lockStocktakeLots(
  db: Queryable,
  q: { shopId: string; stocktakeId: string; zeroed: readonly string[] },
): Promise<Map<string, { quantity: number; unitCost: number | null }>> {
  // Materialized, and read whole by the outer scan: every row goes through the lock, not only the zeroed ones returned.
  const rows = await db.rows<{ id: string; quantity: number; unitCost: number | null }>(
    `with locked as materialized (
       select b.id, b.quantity, b.unit_cost from product_batches b
       where b.shop_id = $1
         and (b.id in (select c.batch_id from stocktake_counts c where c.stocktake_id = $2 and not c.superseded) or b.id = any($3::uuid[]))
       order by b.id for update of b)
     select l.id, l.quantity, l.unit_cost from locked l where l.id = any($3::uuid[])`,
    [q.shopId, q.stocktakeId, q.zeroed],
  );
  return new Map(rows.map((r) => [r.id, { quantity: r.quantity, unitCost: r.unitCost }]));
}

/**
 * The stocktake's lots counted again by a single count after its count:
 * that later count stands (read after the lots are locked, so none can
 * come between).
 */
export async function recountedLots(db: Queryable, stocktakeId: string): Promise<Set<string>> {
  const rows = await db.rows<{ batchId: string }>(
    // Lot by lot through the index, whatever the statistics of counts just entered say: a hash join would read every count movement the shop ever wrote.
    `select c.batch_id from stocktake_counts c
     cross join lateral (select 1 from stock_movements m where m.batch_id = c.batch_id and m.kind = 'count' and m.hlc collate "C" > c.hlc collate "C" limit 1) later
     where c.stocktake_id = $1 and not c.superseded`,
    [stocktakeId],
  );
  return new Set(rows.map((r) => r.batchId));
}

/** Current counts that hold no movement id (entered before counts came with one) and whose movement will be written. */
export async function countsWithoutMovement(db: Queryable, stocktakeId: string, recounted: readonly string[]): Promise<string[]> {
  return (await db.rows<{ id: string }>(
    `select c.id from stocktake_counts c where c.stocktake_id = $1 and not c.superseded and c.movement_id is null and c.batch_id <> all($2::uuid[]) order by c.id`,
    [stocktakeId, recounted],
  )).map((r) => r.id);
}

/**
 * « Clôturer »: one `count` movement per current count that holds its
 * movement's id, written from the counts in the database (nothing of 5 000
 * lots goes over the wire to be written back): the adjustment is the count
 * minus the ledger at the moment of counting, dated by the count's clock.
 * The same statement moves the lots' cached quantities by those movements
 * (a count equal to the ledger leaves its lot's row alone: most lots of a
 * stocktake match, and each update rewrites the row and its indexes), and
 * answers what the summary needs: how many were written and their variance
 * in units and at cost, how many current counts and snapshot lines the
 * stocktake holds (its slices on the wire), and when they were written
 * (the transaction's time, which head office gives the same movements).
 * The lots must be locked by the caller (lockStocktakeLots).
 */
export async function insertCountMovements(
  db: Queryable,
  q: { stocktakeId: string; shopId: string; reason: string; userId: string },
): Promise<{ written: number; varianceUnits: number; varianceValue: number; counts: number; lines: number; createdAt: Date }> {
  return (await db.one<{ written: number; varianceUnits: number; varianceValue: number; counts: number; lines: number; createdAt: Date }>(
    `with m as (
       insert into stock_movements (id, shop_id, batch_id, kind, delta, counted_qty, reason, sale_item_id, user_id, hlc)
       select c.movement_id, $2, c.batch_id, 'count', c.counted_qty - c.ledger_qty, c.counted_qty, $3, null, $4, c.hlc
       from stocktake_counts c where c.stocktake_id = $1 and not c.superseded and c.movement_id is not null
       returning batch_id, delta),
     d as (select m.batch_id, sum(m.delta)::int as delta from m group by m.batch_id),
     -- run to completion whether read or not, as every data-modifying WITH is
     u as (update product_batches b set quantity = b.quantity + d.delta from d where b.id = d.batch_id and d.delta <> 0)
     select (select count(*) from m)::int as written,
       coalesce((select sum(d.delta) from d), 0)::bigint as variance_units,
       -- the lots' cost as they stand (this statement's snapshot: before its update, which never changes a cost)
       coalesce((select sum(d.delta::bigint * coalesce(b.unit_cost, 0)) from d join product_batches b on b.id = d.batch_id), 0)::bigint as variance_value,
       (select count(*) from stocktake_counts c where c.stocktake_id = $1 and not c.superseded)::int as counts,
       (select count(*) from stocktake_lines l where l.stocktake_id = $1)::int as lines,
       now() as created_at`,
    [q.stocktakeId, q.shopId, q.reason, q.userId],
  ))!;
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
  s: { status: 'finalised' | 'cancelled'; by: string; summary: StocktakeSummary | null; hlc: string; at: Date },
): Promise<void> {
  // The service's clock, not the database's: the nightly digest dates a stocktake by it at both ends.
  await db.exec(
    `update stocktakes set status = $2, finalised_by = case when $2 = 'finalised' then $3::uuid end, finalised_at = case when $2 = 'finalised' then $6::timestamptz end,
       cancelled_at = case when $2 = 'cancelled' then $6::timestamptz end, summary = $4, hlc = $5 where id = $1`,
    [id, s.status, s.by, s.summary ? JSON.stringify(s.summary) : null, s.hlc, s.at],
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
       b.unit_cost, b.quantity, c.counted_qty, c.ledger_qty, c.hlc as count_hlc, c.created_at as counted_at, z.zone
     from stocktake_lines l join product_batches b on b.id = l.batch_id join products p on p.id = b.product_id
     left join stocktake_counts c on c.stocktake_id = l.stocktake_id and c.batch_id = l.batch_id and not c.superseded
     left join product_zones z on z.product_id = b.product_id
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

/**
 * Counts (and snapshot lines) per change. A whole pharmacy's stocktake counts
 * thousands of lots: in one change it outweighed a push (768 KB of JSON, 1 MB
 * at head office) and was refused with 413 on every try. 500 counts are about
 * 200 KB.
 */
export const COUNTS_PER_CHANGE = 500;

/**
 * A finalised stocktake's outbox rows name their slice (`slice`: the n-th 500
 * counts and snapshot lines, in lot order) instead of holding it: the counts
 * of 5 000 lots as JSON were most of « Clôturer » (2 MB parsed into jsonb in
 * its transaction). The push reads them as they travel from the counts and
 * lines, which a finalised stocktake never changes. This is that payload, as
 * SQL over an outbox row `o` (its `payload` and `entity_id`): the counts'
 * fields and their JSON as StocktakeWire says, the same as stocktakeChanges.
 */
export function stocktakeSliceSql(o: string, per = COUNTS_PER_CHANGE): string {
  const slice = `(${o}.payload->>'slice')::int`;
  return `case when ${o}.entity in ('stocktake', 'stocktake_counts') and ${o}.payload ? 'slice' then (${o}.payload - 'slice') || jsonb_build_object(
    'counts', (select coalesce(jsonb_agg(jsonb_build_object('id', c.id, 'stocktakeId', c.stocktake_id, 'batchId', c.batch_id, 'countedQty', c.counted_qty,
        'ledgerQty', c.ledger_qty, 'hlc', c.hlc, 'userId', c.user_id, 'superseded', c.superseded, 'movementId', c.movement_id,
        'createdAt', to_char(c.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')) order by c.batch_id), '[]'::jsonb)
      from (select * from stocktake_counts c where c.stocktake_id = ${o}.entity_id and not c.superseded order by c.batch_id offset ${slice} * ${per} limit ${per}) c),
    'lines', (select coalesce(jsonb_agg(jsonb_build_object('batchId', l.batch_id, 'snapshotQty', l.snapshot_qty) order by l.batch_id), '[]'::jsonb)
      from (select * from stocktake_lines l where l.stocktake_id = ${o}.entity_id order by l.batch_id offset ${slice} * ${per} limit ${per}) l))
  else ${o}.payload end`;
}

// ---- coverage: the nightly digest, the resend and the rebuild (server/stocktakes/reconcile.ts) ----

const dayRange = (col: string) => `${col} >= ($3::date)::timestamp at time zone $2 and ${col} < ($4::date + 1)::timestamp at time zone $2`;

/** A lot of a stocktake's snapshot (or counted), as it travels: named `stocktakeId:batchId` for a rebuild's paging. */
export interface SnapshotLine {
  id: string;
  stocktakeId: string;
  batchId: string;
  snapshotQty: number;
}

/** Finalised stocktakes by the day they were closed (a time both ends hold): count, variance value, the counts each carries. */
export async function stocktakesDigest(db: Queryable, q: { shopId: string; timezone: string; from: string; to: string }) {
  return db.rows<{ day: string; count: number; sum: number; hash: string }>(
    `select to_char(s.finalised_at at time zone $2, 'YYYY-MM-DD') as day, count(*)::int as count,
       coalesce(sum((s.summary->>'varianceValue')::bigint), 0)::float8 as sum,
       md5(string_agg(s.id::text || ':' || (select count(*) from stocktake_counts c where c.stocktake_id = s.id and not c.superseded), ',' order by s.id)) as hash
     from stocktakes s where s.shop_id = $1 and s.status = 'finalised' and ${dayRange('s.finalised_at')} group by 1`,
    [q.shopId, q.timezone, q.from, q.to],
  );
}

export async function finalisedOfDay(db: Queryable, q: { shopId: string; timezone: string; day: string }): Promise<Stocktake[]> {
  return db.rows<Stocktake>(
    `select ${columns} from stocktakes s where s.shop_id = $1 and s.status = 'finalised' and ${dayRange('s.finalised_at')} order by s.finalised_at, s.id`,
    [q.shopId, q.timezone, q.day, q.day],
  );
}

/** The lots a stocktake snapshot (and those counted outside it, at 0). */
export async function snapshotOf(db: Queryable, stocktakeId: string): Promise<{ batchId: string; snapshotQty: number }[]> {
  return db.rows('select batch_id, snapshot_qty from stocktake_lines where stocktake_id = $1 order by batch_id', [stocktakeId]);
}

export async function stocktakesPage(db: Queryable, shopId: string, after: string, limit: number): Promise<Stocktake[]> {
  return db.rows<Stocktake>(`select ${columns} from stocktakes s where s.shop_id = $1 and s.status = 'finalised' and s.id > $2 order by s.id limit $3`, [
    shopId, after, limit,
  ]);
}

export async function countsPage(db: Queryable, shopId: string, after: string, limit: number): Promise<StocktakeCount[]> {
  return db.rows<StocktakeCount>(
    `select ${countColumns} from stocktake_counts c join stocktakes s on s.id = c.stocktake_id
     where s.shop_id = $1 and s.status = 'finalised' and c.id > $2 order by c.id limit $3`,
    [shopId, after, limit],
  );
}

export async function snapshotLinesPage(db: Queryable, shopId: string, after: string, limit: number): Promise<SnapshotLine[]> {
  return db.rows<SnapshotLine>(
    `select l.stocktake_id::text || ':' || l.batch_id::text as id, l.stocktake_id, l.batch_id, l.snapshot_qty
     from stocktake_lines l join stocktakes s on s.id = l.stocktake_id
     where s.shop_id = $1 and s.status = 'finalised' and l.stocktake_id::text || ':' || l.batch_id::text > $2
     order by l.stocktake_id, l.batch_id limit $3`,
    [shopId, after, limit],
  );
}

export async function insertSnapshotLines(db: Queryable, lines: readonly Omit<SnapshotLine, 'id'>[]): Promise<void> {
  if (lines.length === 0) return;
  await db.exec(
    `insert into stocktake_lines (stocktake_id, batch_id, snapshot_qty) select * from unnest($1::uuid[], $2::uuid[], $3::int[]) on conflict do nothing`,
    [lines.map((l) => l.stocktakeId), lines.map((l) => l.batchId), lines.map((l) => l.snapshotQty)],
  );
}

/** The highest number a shop's stocktakes hold: after a rebuild (its cancelled ones never travelled), numbering continues after it. */
export async function highestStocktakeNumber(db: Queryable, shopId: string): Promise<number> {
  return (await db.one<{ n: number }>(`select coalesce(max((regexp_match(number, '(\\d+)$'))[1]::int), 0) as n from stocktakes where shop_id = $1`, [shopId]))!.n;
}
