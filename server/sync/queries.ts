import type { Queryable } from '../db/pool.js';

export interface SyncStateRow {
  lastPushAt: Date | null;
  lastPullAt: Date | null;
  lastPushAttemptAt: Date | null;
  lastPullAttemptAt: Date | null;
  pushError: string | null;
  pushErrorAt: Date | null;
  pullError: string | null;
  pullErrorAt: Date | null;
  bytesSent: number;
  failures: number;
  pullFailures: number;
  nextAttemptAt: Date | null;
  pullNextAttemptAt: Date | null;
  behindHq: string | null;
  pullCursor: string | null;
  /** When head office last sent this shop people (a pull that carried staff, or a rebuild). */
  staffPulledAt: Date | null;
}

export async function syncState(db: Queryable): Promise<SyncStateRow> {
  return (await db.one<SyncStateRow>(
    `select last_push_at, last_pull_at, last_push_attempt_at, last_pull_attempt_at, push_error, push_error_at, pull_error,
       pull_error_at, bytes_sent, failures, pull_failures, next_attempt_at, pull_next_attempt_at, behind_hq, pull_cursor, staff_pulled_at
     from sync_state where singleton`,
  ))!;
}

export async function recordPushSuccess(db: Queryable, bytes: number): Promise<void> {
  await db.exec(
    `update sync_state set last_push_at = now(), last_push_attempt_at = now(), bytes_sent = bytes_sent + $1,
       failures = 0, next_attempt_at = null, push_error = null, push_error_at = null where singleton`,
    [bytes],
  );
}

export async function recordPullSuccess(db: Queryable, cursor: string): Promise<void> {
  await db.exec(
    `update sync_state set pull_cursor = $1, last_pull_at = now(), last_pull_attempt_at = now(),
       pull_failures = 0, pull_next_attempt_at = null, pull_error = null, pull_error_at = null where singleton`,
    [cursor],
  );
}

/** Head office's people arrived (in the same transaction as they were applied). */
export async function recordStaffPulled(db: Queryable): Promise<void> {
  await db.exec('update sync_state set staff_pulled_at = now() where singleton');
}

/** Push and pull fail for their own reasons; each keeps its error, its count and its next attempt. */
export async function recordSyncFailure(db: Queryable, f: { message: string; retryInMs: number; phase: 'push' | 'pull' }): Promise<void> {
  if (f.phase === 'push') {
    await db.exec(
      `update sync_state set failures = failures + 1, next_attempt_at = now() + make_interval(secs => $2::double precision / 1000),
         push_error = $1, push_error_at = now(), last_push_attempt_at = now() where singleton`,
      [f.message, f.retryInMs],
    );
  } else {
    await db.exec(
      `update sync_state set pull_failures = pull_failures + 1, pull_next_attempt_at = now() + make_interval(secs => $2::double precision / 1000),
         pull_error = $1, pull_error_at = now(), last_pull_attempt_at = now() where singleton`,
      [f.message, f.retryInMs],
    );
  }
}

/** Head office holds newer rows of this shop than this database: said until a person re-initialises the shop. */
export async function recordBehindHq(db: Queryable, message: string | null, hqLastReceipt: number): Promise<void> {
  await db.exec('update sync_state set behind_hq = $1, hq_last_receipt = $2 where singleton', [message, hqLastReceipt]);
}

/** What this database holds that a rebuild would replace. */
export async function localData(db: Queryable): Promise<{ sales: number; lots: number; pending: number }> {
  return (await db.one<{ sales: number; lots: number; pending: number }>(
    `select (select count(*)::int from sales) as sales, (select count(*)::int from product_batches) as lots,
       (select count(*)::int from sync_outbox) + (select count(*)::int from sync_refused) as pending`,
  ))!;
}

/** Before a forced rebuild: the shop's business rows go; users, settings and the clock stay. */
export async function wipeLocalData(db: Queryable): Promise<void> {
  await db.exec(
    `truncate cart_lines, receipt_prints, expiry_alerts, account_entries, customers, expense_photos, expenses, sale_returns, cash_movements, sale_items, stock_movements, sales, till_sessions,
       supplier_return_lines, supplier_returns, delivery_lines, deliveries, purchase_order_lines, purchase_orders, product_suppliers, suppliers,
       transfer_receipts, transfer_lines, transfers, requisitions, stocktake_counts, stocktake_lines, stocktakes,
       product_batches, recalls, catalogue_proposals, hq_daily_margins, product_zones, product_packs, products,
       sync_outbox, sync_refused, sync_conflicts`,
  );
}

/** After a rebuild: pull from where the snapshot was taken, nothing behind head office any more. */
export async function startAfterRebuild(db: Queryable, cursor: string, lastReceipt: number): Promise<void> {
  await db.exec(
    `update sync_state set pull_cursor = $1, behind_hq = null, hq_last_receipt = $2, push_error = null, pull_error = null,
       failures = 0, pull_failures = 0, next_attempt_at = null, pull_next_attempt_at = null where singleton`,
    [cursor, lastReceipt],
  );
}

export interface NightlyResult {
  at: Date;
  daysChecked: number;
  rowsResent: number;
  /** What was resent, per entity (`sale`, `till_session`…). */
  resent: Record<string, number>;
  mismatches: number;
  error: string | null;
}

export async function recordNightly(db: Queryable, r: NightlyResult): Promise<void> {
  await db.exec(
    `update sync_state set nightly_at = $1, nightly_days_checked = $2, nightly_rows_resent = $3, nightly_mismatches = $4, nightly_error = $5,
       nightly_resent = $6 where singleton`,
    [r.at, r.daysChecked, r.rowsResent, r.mismatches, r.error, JSON.stringify(r.resent)],
  );
}

export async function lastNightly(db: Queryable): Promise<NightlyResult | null> {
  const row = await db.one<{ at: Date | null; daysChecked: number; rowsResent: number; resent: Record<string, number>; mismatches: number; error: string | null }>(
    `select nightly_at as at, nightly_days_checked as days_checked, nightly_rows_resent as rows_resent, nightly_resent as resent,
       nightly_mismatches as mismatches, nightly_error as error from sync_state where singleton`,
  );
  return row?.at ? { ...row, at: row.at } : null;
}

/** What names the rows of refused changes (a lot's number and product, a product's name, a sale's receipt number), by id. */
export async function namesOfRows(db: Queryable, ids: readonly string[]) {
  const [lots, products, sales] = await Promise.all([
    db.rows<{ id: string; lotNumber: string; productName: string }>(
      'select b.id, b.lot_number, p.name as product_name from product_batches b join products p on p.id = b.product_id where b.id = any($1::uuid[])', [ids],
    ),
    db.rows<{ id: string; name: string }>('select id, name from products where id = any($1::uuid[])', [ids]),
    db.rows<{ id: string; number: string }>('select id, number from sales where id = any($1::uuid[])', [ids]),
  ]);
  return {
    lots: new Map(lots.map((l) => [l.id, { lotNumber: l.lotNumber, productName: l.productName }])),
    products: new Map(products.map((p) => [p.id, p.name])),
    sales: new Map(sales.map((x) => [x.id, x.number])),
  };
}
