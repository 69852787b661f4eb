import { beforeAll, describe, expect, it } from 'vitest';
import { testShop, type TestShop } from '../support/harness.js';

let t: TestShop;
beforeAll(async () => {
  t = await testShop({});
});

describe('statements with parameters', () => {
  it('are prepared once per connection, except those whose parameters choose their filters, planned for their values each time', async () => {
    const prepared = await t.db.withTransaction(async (tx) => {
      for (let i = 0; i < 6; i++) {
        await tx.rows('select id from products where sku = $1', [`SKU-${i}`]);
        await tx.rows('select id from products where ($1::text is null or sku = $1) and ($2::uuid is null\n or id = $2)', [null, null]);
      }
      return tx.rows<{ statement: string }>('select statement from pg_prepared_statements');
    });
    const texts = prepared.map((p) => p.statement);
    expect(texts).toContain('select id from products where sku = $1');
    expect(texts.some((s) => s.includes('is null'))).toBe(false);
  });
});

describe('transactions', () => {
  it('wait for the disk at commit unless told a lost second would not matter', async () => {
    const setting = (opts?: { flush: boolean }) =>
      t.db.withTransaction(async (tx) => (await tx.one<{ synchronousCommit: string }>('show synchronous_commit'))!.synchronousCommit, opts);
    expect(await setting()).toBe('on');
    expect(await setting({ flush: false })).toBe('off');
    // Local to its transaction: the connection goes back to the pool as it was.
    expect(await t.db.one('show synchronous_commit')).toEqual({ synchronousCommit: 'on' });
  });
});
