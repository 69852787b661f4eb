import { createHash } from 'node:crypto';
import pg from 'pg';
import type { Logger } from '../logger.js';
import { toCamel } from './rows.js';

// Dates without a time zone stay 'YYYY-MM-DD' strings: a JS Date would shift
// them by the server's offset. int8 (counts, outbox seqs) fits a JS number.
pg.types.setTypeParser(pg.types.builtins.DATE, (v) => v);
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

/** What a query runs on: the pool, or the one client of a transaction. */
export interface Queryable {
  rows<T>(sql: string, params?: unknown[]): Promise<T[]>;
  one<T>(sql: string, params?: unknown[]): Promise<T | undefined>;
  exec(sql: string, params?: unknown[]): Promise<number>;
}

export type Tx = Queryable & { readonly inTransaction: true };

export interface TransactionOptions {
  /**
   * false: the commit does not wait for the WAL's flush to disk. A power cut
   * may lose the last second of such transactions (a cart edit), never a
   * flushed one (a sale); the setting is sent with BEGIN, in the same round trip.
   */
  flush?: boolean;
  /**
   * How many times to run the work again when PostgreSQL chose this
   * transaction as a deadlock's victim (40P01): it was rolled back whole, so
   * a use case whose work only touches the database (a sale) can simply run
   * again, and the cashier never sees a refusal that was only bad timing.
   */
  retryOnDeadlock?: number;
}

export interface Db extends Queryable {
  withTransaction<T>(work: (tx: Tx) => Promise<T>, opts?: TransactionOptions): Promise<T>;
  close(): Promise<void>;
  readonly pool: pg.Pool;
}

function queryable(
  run: (sql: string, params?: unknown[]) => Promise<pg.QueryResult>,
): Queryable {
  return {
    async rows<T>(sql: string, params?: unknown[]) {
      const res = await run(sql, params);
      return res.rows.map((r) => toCamel<T>(r));
    },
    async one<T>(sql: string, params?: unknown[]) {
      const res = await run(sql, params);
      const row = res.rows[0];
      return row === undefined ? undefined : toCamel<T>(row);
    },
    async exec(sql: string, params?: unknown[]) {
      const res = await run(sql, params);
      return res.rowCount ?? 0;
    },
  };
}

/**
 * A query with parameters runs as a named prepared statement: each connection
 * parses and plans it once, then only binds (a sale's big statement spent
 * more time being planned than run). Two kinds stay unnamed, planned for
 * their values at each run: statements without parameters (BEGIN, SAVEPOINT
 * gN), so no connection keeps one per name; and statements whose parameters
 * decide which filters apply (`$n is null or …`), for which PostgreSQL's
 * generic plan, chosen after five runs, cannot use the filters given: head
 * office's expiry page took 480 ms with it instead of 100 ms.
 */
const statementNames = new Map<string, string | null>();
const OPTIONAL_FILTER = /\$\d+(::[\w[\]]+)?\s+is\s+null\s+or\b/i;
function statementName(sql: string): string | null {
  let name = statementNames.get(sql);
  if (name === undefined) {
    name = OPTIONAL_FILTER.test(sql) ? null : `q${createHash('sha1').update(sql).digest('hex').slice(0, 16)}`;
    statementNames.set(sql, name);
  }
  return name;
}

function timed(logger: Logger, client: pg.Pool | pg.PoolClient) {
  return async (sql: string, params?: unknown[]) => {
    const started = performance.now();
    const name = params && params.length > 0 ? statementName(sql) : null;
    const res = name ? await client.query({ name, text: sql, values: params }) : await client.query(sql, params);
    if (logger.isLevelEnabled('debug')) {
      // Parameters are never logged: they hold PINs, tokens and customer data.
      logger.debug({ ms: +(performance.now() - started).toFixed(2), sql: sql.slice(0, 120) }, 'query');
    }
    return res;
  };
}

export interface DbOptions {
  connectionString: string;
  max?: number;
  logger: Logger;
}

export function createDb({ connectionString, max = 10, logger }: DbOptions): Db {
  // A session of ours left idle inside a transaction would hold back head office's feed (and vacuum): ended after 2 minutes.
  const pool = new pg.Pool({ connectionString, max, idleTimeoutMillis: 30_000, options: '-c idle_in_transaction_session_timeout=120000' });
  // An idle client can lose its connection (server restart); without this
  // listener the process would crash on the 'error' event.
  // Only the error's own words: pg hangs the whole client (its prepared statements, its buffers) on it.
  pool.on('error', (err) => logger.warn({ err: { message: err.message, code: (err as { code?: string }).code } }, 'idle database client failed'));
  const base = queryable(timed(logger, pool));

  return {
    ...base,
    pool,
    async withTransaction<T>(work: (tx: Tx) => Promise<T>, opts: TransactionOptions = {}): Promise<T> {
      for (let retries = opts.retryOnDeadlock ?? 0; ; retries--) {
        try {
          return await once(work, opts);
        } catch (err) {
          if (retries <= 0 || (err as { code?: string }).code !== '40P01') throw err;
          logger.warn({ event: 'deadlock_retried' }, 'transaction chosen as a deadlock victim: run again');
        }
      }
    },
    async close() {
      await pool.end();
    },
  };

  async function once<T>(work: (tx: Tx) => Promise<T>, opts: TransactionOptions): Promise<T> {
    const client = await pool.connect();
    const tx = { ...queryable(timed(logger, client)), inTransaction: true as const };
    try {
      await client.query(opts.flush === false ? 'BEGIN; SET LOCAL synchronous_commit = off' : 'BEGIN');
      const result = await work(tx);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }
}
