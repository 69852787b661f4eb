import { beforeAll, describe, expect, it } from 'vitest';
import type { Queryable } from '../../server/db/pool.js';
import { newId } from '../../server/ids.js';
import { seedBatch, seedProduct, testShop, type TestShop } from '../support/harness.js';

/**
 * What the database itself keeps of the ledger, whoever writes it (a
 * service, a merge, a restore, a script): every movement names a lot that
 * exists and belongs to the movement's shop, and a lot with movements can
 * neither go nor change shop. Migration 0037's triggers say it, once a
 * statement, in place of two foreign keys checked row by row; a refusal is
 * still a foreign key's error (23503).
 */
let shop: TestShop;
let otherShopId: string;
let otherLot: string;
let lot: string;

beforeAll(async () => {
  shop = await testShop({ code: 'DKR01' });
  const p = await seedProduct(shop, { name: 'Amoxicilline 500 mg' });
  lot = (await seedBatch(shop, { productId: p.id, lotNumber: 'AMX-1', expirationDate: '2028-06-30', quantity: 10 })).id;
  // Another shop of the chain and a lot of it, as head office holds them.
  otherShopId = newId();
  await shop.db.exec(`insert into shops (id, code, name, timezone) values ($1, 'THS02', 'Pharmacie de Thiès', 'Africa/Dakar')`, [otherShopId]);
  otherLot = newId();
  await shop.db.exec(
    `insert into product_batches (id, shop_id, product_id, lot_number, expiration_date, initial_qty, quantity, received_date, hlc)
     values ($1, $2, $3, 'AMX-9', '2028-06-30', 5, 5, current_date, '0')`,
    [otherLot, otherShopId, p.id],
  );
});

const movement = (batchId: string, shopId: string, db: Queryable = shop.db) =>
  db.exec(`insert into stock_movements (id, shop_id, batch_id, kind, delta, hlc) values ($1, $2, $3, 'adjustment', -1, '0')`, [newId(), shopId, batchId]);

/** One side of a race: a transaction that does `first`, then stays open (its locks held) until `release()`. */
async function holding(first: (tx: Queryable) => Promise<unknown>): Promise<{ release: () => void; done: Promise<void> }> {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let started!: () => void;
  const ready = new Promise<void>((r) => (started = r));
  const done = shop.db.withTransaction(async (tx) => {
    await first(tx);
    started();
    await gate;
  });
  await ready;
  return { release, done };
}
/** A lot of this shop with no movement (written directly: every service writes one with its lot). */
async function bareLot(lotNumber: string): Promise<string> {
  const id = newId();
  await shop.db.exec(
    `insert into product_batches (id, shop_id, product_id, lot_number, expiration_date, initial_qty, quantity, received_date, hlc)
     select $1, $2, product_id, $3, expiration_date, 0, 0, current_date, '0' from product_batches where id = $4`,
    [id, shop.shop.id, lotNumber, lot],
  );
  return id;
}
const movementsOf = async (batchId: string) => (await shop.db.one<{ n: number }>('select count(*)::int as n from stock_movements where batch_id = $1', [batchId]))!.n;

describe('the ledger’s keys in the database', () => {
  it('takes a movement of a lot of its own shop', async () => {
    const before = await movementsOf(lot);
    await movement(lot, shop.shop.id);
    expect(await movementsOf(lot)).toBe(before + 1);
  });

  it('refuses a movement naming a lot of another shop, an unknown lot or an unknown shop, and writes none', async () => {
    const before = await movementsOf(lot);
    await expect(movement(otherLot, shop.shop.id)).rejects.toMatchObject({ code: '23503' });
    await expect(movement(lot, otherShopId)).rejects.toMatchObject({ code: '23503' });
    await expect(movement(newId(), shop.shop.id)).rejects.toMatchObject({ code: '23503' });
    await expect(movement(lot, newId())).rejects.toMatchObject({ code: '23503' });
    expect(await movementsOf(lot)).toBe(before);
    expect(await movementsOf(otherLot)).toBe(0);
  });

  it('refuses a movement of 5 000 whose last row names another shop’s lot, as one statement, writing none of it', async () => {
    const before = await movementsOf(lot);
    const ids = Array.from({ length: 5000 }, () => newId());
    await expect(shop.db.exec(
      `insert into stock_movements (id, shop_id, batch_id, kind, delta, hlc)
       select u.id, $1, case when u.n = 5000 then $3::uuid else $2::uuid end, 'adjustment', 0, '0' from unnest($4::uuid[]) with ordinality as u(id, n)`,
      [shop.shop.id, lot, otherLot, ids],
    )).rejects.toMatchObject({ code: '23503' });
    expect(await movementsOf(lot)).toBe(before);
  });

  it('refuses deleting a lot that has movements, or moving it to another shop', async () => {
    await expect(shop.db.exec('delete from product_batches where id = $1', [lot])).rejects.toMatchObject({ code: '23503' });
    await expect(shop.db.exec('update product_batches set shop_id = $2 where id = $1', [lot, otherShopId])).rejects.toMatchObject({ code: '23503' });
    expect((await shop.db.one<{ shopId: string }>('select shop_id from product_batches where id = $1', [lot]))!.shopId).toBe(shop.shop.id);
  });

  it('refuses deleting a shop whose lots hold its movements', async () => {
    await expect(shop.db.exec('delete from shops where id = $1', [shop.shop.id])).rejects.toMatchObject({ code: '23503' });
  });
  it('refuses deleting a lot while a movement of it is being written, once that movement commits', async () => {
    const bare = await bareLot('RACE-1');
    const writer = await holding((tx) => movement(bare, shop.shop.id, tx));
    const deleting = shop.db.exec('delete from product_batches where id = $1', [bare]).then(() => 'deleted', (e: { code?: string }) => e.code);
    await new Promise((r) => setTimeout(r, 300)); // the delete waits for the lot the movement's check locked
    writer.release();
    await writer.done;
    expect(await deleting).toBe('23503');
    expect(await movementsOf(bare)).toBe(1);
  });

  it('refuses a movement of a lot being deleted, once the delete commits, and writes none', async () => {
    const bare = await bareLot('RACE-2');
    const deleter = await holding((tx) => tx.exec('delete from product_batches where id = $1', [bare]));
    const writing = movement(bare, shop.shop.id).then(() => 'written', (e: { code?: string }) => e.code);
    await new Promise((r) => setTimeout(r, 300)); // the movement's check waits for the lot being deleted
    deleter.release();
    await deleter.done;
    expect(await writing).toBe('23503');
    expect(await movementsOf(bare)).toBe(0);
  });
});
