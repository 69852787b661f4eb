import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../../server/db/pool.js';
import { createLogger } from '../../server/logger.js';
import { currentClock, stampTransaction } from '../../server/outbox/clock.js';
import { testShop, type TestShop } from '../support/harness.js';

let t: TestShop;
let other: Db;
beforeAll(async () => {
  t = await testShop({});
  // A second pool on the same database: another process of the same node.
  other = createDb({ connectionString: t.url, logger: createLogger('silent') });
});
afterAll(async () => other.close());

const stamp = (db: Db, at = new Date()) => db.withTransaction((tx) => stampTransaction(tx, at));

describe("the node's clock", () => {
  it('gives every transaction its own clock, strictly above the last, when two processes stamp at once', async () => {
    const at = new Date('2026-11-26T10:00:00Z'); // one wall instant for all: only the counter can tell them apart
    const stamps = await Promise.all(Array.from({ length: 60 }, (_, i) => stamp(i % 2 ? other : t.db, at)));
    expect(new Set(stamps).size).toBe(60);
    const stored = await currentClock(t.db);
    expect(stamps.every((s) => s <= stored)).toBe(true);
    expect(stamps).toContain(stored);
  });

  it('never reuses a clock that was committed, after a stamp rolled back or a clock moved by someone else', async () => {
    const before = await stamp(t.db);
    await expect(t.db.withTransaction(async (tx) => {
      await stampTransaction(tx, new Date());
      throw new Error('the sale was refused');
    })).rejects.toThrow('refused');
    const afterRollback = await stamp(t.db);
    expect(afterRollback > before).toBe(true);

    // Another process (or head office's answer) moved the clock a minute ahead.
    const ahead = `${String(Date.now() + 60_000).padStart(15, '0')}:000000:${(await t.db.one<{ nodeId: string }>('select node_id from hlc_state'))!.nodeId}`;
    await other.exec('update hlc_state set last = $1', [ahead]);
    expect((await stamp(t.db)) > ahead).toBe(true);
  });
});
