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

describe('a transaction chosen as a deadlock victim', () => {
  // Two transactions take two rows in opposite orders; a barrier makes each hold its first row before asking for the second.
  async function crossLocks(opts: { retryOnDeadlock?: number }) {
    await t.db.exec('create table if not exists deadlock_probe (id int primary key, n int not null)');
    await t.db.exec('insert into deadlock_probe values (1, 0), (2, 0) on conflict (id) do update set n = 0');
    let held = 0;
    const bothHold = () => new Promise<void>((resolve) => {
      held++;
      const wait = () => (held >= 2 ? resolve() : setTimeout(wait, 5));
      wait();
    });
    const take = (first: number, second: number) => {
      let attempt = 0;
      return t.db.withTransaction(async (tx) => {
        attempt++;
        await tx.exec('update deadlock_probe set n = n + 1 where id = $1', [first]);
        if (attempt === 1) await bothHold();
        await tx.exec('update deadlock_probe set n = n + 1 where id = $1', [second]);
      }, opts);
    };
    return Promise.allSettled([take(1, 2), take(2, 1)]);
  }

  it('is refused by default, and runs again, whole, when its use case says it may', async () => {
    const plain = await crossLocks({});
    expect(plain.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason.code)).toEqual(['40P01']);

    const retried = await crossLocks({ retryOnDeadlock: 1 });
    expect(retried.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
    // Each ran its two updates once: the victim's first try left nothing.
    expect(await t.db.rows('select id, n from deadlock_probe order by id')).toEqual([{ id: 1, n: 2 }, { id: 2, n: 2 }]);
  });
});
