import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../server/errors.js';
import { outboxHead } from '../../server/outbox/queries.js';
import { nextPushBatch } from '../../server/sync/service.js';
import { cashierActor, managerActor, seedBatch, seedProduct, testHq, testShop, type TestHq, type TestShop } from '../support/harness.js';

/*
 * Head office and three shops whose clocks are off by anything from two years
 * behind to a week ahead edit the same products and lots, sell (those less
 * than half a day ahead: a sale dated a day ahead is refused), push, pull,
 * lose acknowledgements (a kill after head office committed), replay old
 * requests, and head office is restored once; it accepts or refuses the
 * shops' proposals (their edits of products they did not create). After a
 * full sync, once head office has decided what is still open, every node
 * holds the same values, every ledger equals its movements, and every value
 * that was discarded is in a conflict log.
 */

const MINUTE = 60_000;
const DAY = 86_400_000;
const T0 = Date.parse('2026-11-26T08:00:00Z');
const CODES = ['CVA01', 'CVB01', 'CVC01'] as const;

type Node = 0 | 1 | 2 | 3; // 0: head office
const node = fc.constantFrom<Node>(0, 1, 2, 3);
const shopIndex = fc.constantFrom(0, 1, 2);
const action = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('editProduct' as const), node, product: fc.nat(), field: fc.constantFrom('name', 'unitPrice', 'active') }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('editLot' as const), atHq: fc.boolean(), lot: fc.nat(), field: fc.constantFrom('unitCost', 'expirationDate', 'status') }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('sell' as const), shop: shopIndex, product: fc.nat(), quantity: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('push' as const), shop: shopIndex }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('pull' as const), shop: shopIndex }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('killedPush' as const), shop: shopIndex }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('replay' as const), which: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('tick' as const), minutes: fc.integer({ min: 1, max: 600 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('recall' as const), lot: fc.nat() }) },
);
const scenario = fc.record({
  skews: fc.tuple(...CODES.map(() => fc.integer({ min: -730 * DAY, max: 7 * DAY }))),
  actions: fc.array(action, { minLength: 10, maxLength: 30 }),
  restoreAt: fc.nat({ max: 30 }),
  // Last, so that a seed draws the same actions as before these were added: head office decides the shops' open
  // proposals (their edits of products they did not create) before some actions, and at the end.
  decisions: fc.array(fc.record({ at: fc.nat({ max: 30 }), accept: fc.boolean() }), { maxLength: 3 }),
  acceptAtEnd: fc.boolean(),
});

interface World {
  hq: TestHq;
  shops: (TestShop & { token: string })[];
  products: string[];
  lots: { id: string; shop: number; productId: string; lotNumber: string }[];
  elapsed: number;
  skews: number[];
  /** Unique values written by edits: each must end up applied somewhere or in a conflict log. */
  written: { entityId: string; field: string; value: unknown }[];
  sentBodies: { token: string; body: unknown }[];
}

let unique = 0;

async function build(skews: number[]): Promise<World> {
  const hq = await testHq({ now: new Date(T0), poolSize: 4 });
  await hq.listen();
  const shops = [];
  for (const [i, code] of CODES.entries()) {
    const token = await hq.registerShop(code);
    shops.push(Object.assign(await testShop({ code, now: new Date(T0 + skews[i]!), poolSize: 4, hq: { url: hq.url, token } }), { token }));
  }
  const products: string[] = [];
  for (let i = 0; i < 2; i++) {
    products.push((await hq.admin('post', '/api/products').send({ sku: `CV-HQ-${i}-${unique++}`, name: `Produit siège ${i}`, unitPrice: 1000 }).expect(201)).body.id);
  }
  for (const s of shops.slice(0, 2)) products.push((await seedProduct(s, { unitPrice: 500 })).id);
  for (let round = 0; round < 2; round++) for (const s of shops) await s.services.sync.runNow({ force: true });
  const lots: World['lots'] = [];
  for (const [i, s] of shops.entries()) {
    for (let k = 0; k < 2; k++) {
      const productId = products[(i + k) % products.length]!;
      const lotNumber = `CV-${i}-${k}`;
      const lot = await seedBatch(s, { productId, lotNumber, expirationDate: '2029-06-30', quantity: 40 });
      lots.push({ id: lot.id, shop: i, productId, lotNumber });
    }
    await s.services.sync.runNow({ force: true });
  }
  return { hq, shops, products, lots, elapsed: 0, skews, written: [], sentBodies: [] };
}

/** A refusal a person would see (a recalled lot, no stock): the action did not happen. */
const refused = (err: unknown) => {
  if (err instanceof AppError && err.status < 500) return;
  throw err;
};

async function rawPush(w: World, i: number): Promise<void> {
  const s = w.shops[i]!;
  const batch = nextPushBatch(await outboxHead(s.db, 600));
  if (batch.length === 0) return;
  const body = {
    shopCode: s.shop.code,
    hlc: batch.at(-1)!.hlc,
    changes: batch.map((r) => ({ seq: r.seq, entity: r.entity, id: r.entityId, op: r.op, hlc: r.hlc, tx: r.txId, data: r.payload })),
  };
  w.sentBodies.push({ token: s.token, body });
  const res = await fetch(`${w.hq.url}/api/sync/push`, {
    method: 'POST', headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
  // …and the shop never hears the answer: its outbox keeps the rows, to be sent again.
}

type Action = typeof action extends fc.Arbitrary<infer T> ? T : never;

async function step(w: World, a: Action): Promise<void> {
  switch (a.kind) {
    case 'editProduct': {
      const id = w.products[a.product % w.products.length]!;
      const value = a.field === 'name' ? `Nom ${unique++}` : a.field === 'unitPrice' ? 1000 + unique++ : unique++ % 2 === 0;
      if (a.node === 0) await w.hq.admin('patch', `/api/products/${id}`).send({ [a.field]: value }).expect(200);
      else await w.shops[a.node - 1]!.services.catalog.updateProduct(id, { [a.field]: value }, managerActor(w.shops[a.node - 1]!)).catch(refused);
      if (a.field !== 'active') w.written.push({ entityId: id, field: a.field, value });
      return;
    }
    case 'editLot': {
      const lot = w.lots[a.lot % w.lots.length]!;
      const value = a.field === 'unitCost' ? 10 + unique++ : a.field === 'expirationDate' ? `2029-0${1 + (unique++ % 9)}-15` : unique++ % 2 === 0 ? 'quarantined' : 'active';
      if (a.atHq) {
        const res = await w.hq.admin('patch', `/api/batches/${lot.id}`).send({ [a.field]: value });
        if (res.status === 409) return; // a recalled lot stays recalled
        expect(res.status).toBe(200);
      } else {
        const shop = w.shops[lot.shop]!;
        try {
          await shop.services.stock.correctBatch(lot.id, { [a.field]: value }, managerActor(shop));
        } catch (err) {
          return refused(err);
        }
      }
      if (a.field === 'unitCost') w.written.push({ entityId: lot.id, field: a.field, value });
      return;
    }
    case 'sell': {
      const s = w.shops[a.shop]!;
      // A sale dated more than a day ahead of head office is refused there (issue 19) and waits at the shop for a person:
      // such a shop's edits still compete here, its sales are proven apart (test/sync/forged-history.test.ts).
      if (w.skews[a.shop]! > DAY - 12 * 60 * MINUTE) return;
      await s.services.sales
        .recordSale({ lines: [{ productId: w.products[a.product % w.products.length]!, quantity: a.quantity }], payment: { method: 'card' } }, cashierActor(s))
        .catch(refused);
      return;
    }
    case 'push':
      await w.shops[a.shop]!.services.sync.pushNow({ force: true });
      return;
    case 'pull':
      await w.shops[a.shop]!.services.sync.pullNow({ force: true });
      return;
    case 'killedPush':
      return rawPush(w, a.shop);
    case 'replay': {
      if (w.sentBodies.length === 0) return;
      const { token, body } = w.sentBodies[a.which % w.sentBodies.length]!;
      const res = await fetch(`${w.hq.url}/api/sync/push`, {
        method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
      });
      expect(res.status).toBe(200);
      return;
    }
    case 'tick': {
      w.elapsed += a.minutes * MINUTE;
      w.hq.clock.set(new Date(T0 + w.elapsed));
      for (const [i, s] of w.shops.entries()) s.clock.set(new Date(T0 + w.skews[i]! + w.elapsed));
      return;
    }
    case 'recall': {
      const lot = w.lots[a.lot % w.lots.length]!;
      await w.hq.admin('post', '/api/recalls').send({ productId: lot.productId, lotNumber: lot.lotNumber, reason: `Rappel ${unique++}` }).expect(201);
      return;
    }
  }
}

/** Every open proposal accepted or refused; two of one field (two shops) cannot both be: accepting one closes the other. */
async function decideAll(w: World, accept: boolean): Promise<void> {
  const open = (await w.hq.admin('get', '/api/catalogue/proposals').expect(200)).body as { id: string }[];
  for (const p of open) {
    const res = await w.hq.admin('post', `/api/catalogue/proposals/${p.id}/${accept ? 'accept' : 'refuse'}`);
    expect([200, 409]).toContain(res.status);
  }
}

/** What a restore into a new cluster looks like to the feed: transaction ids it has not reached. */
async function restoreHq(w: World): Promise<void> {
  await w.hq.db.exec(`update change_feed set xid = '90000000000'::xid8`);
}

async function fullSync(w: World): Promise<void> {
  for (let round = 0; round < 3; round++) for (const s of w.shops) await s.services.sync.runNow({ force: true });
}

async function check(w: World): Promise<void> {
  const productSql = 'select id, name, unit_price, active from products where id = any($1::uuid[]) order by id';
  const atHq = await w.hq.db.rows(productSql, [w.products]);
  for (const s of w.shops) expect(await s.db.rows(productSql, [w.products])).toEqual(atHq);

  const lotSql = `select id, lot_number, expiration_date, unit_cost, status, status_reason, quantity from product_batches where id = any($1::uuid[]) order by id`;
  for (const [i, s] of w.shops.entries()) {
    const mine = w.lots.filter((l) => l.shop === i).map((l) => l.id);
    expect(await s.db.rows(lotSql, [mine])).toEqual(await w.hq.db.rows(lotSql, [mine]));
  }

  const drift = `select count(*)::int as n from product_batches b
    where b.quantity <> coalesce((select sum(delta) from stock_movements m where m.batch_id = b.id), 0)`;
  for (const db of [w.hq.db, ...w.shops.map((s) => s.db)]) expect(await db.one(drift)).toEqual({ n: 0 });
  for (const s of w.shops) {
    expect(await s.db.one('select count(*)::int as n from sync_outbox')).toEqual({ n: 0 });
    expect(await s.db.one('select count(*)::int as n from sync_refused')).toEqual({ n: 0 });
  }

  // Every value written was applied at head office (it is in its feed), proposed to it, or is in a conflict log somewhere.
  for (const wr of w.written) {
    const v = JSON.stringify(wr.value);
    const inFeed = await w.hq.db.one(`select 1 from change_feed where entity_id = $1 and payload -> $2 = $3::jsonb limit 1`, [wr.entityId, wr.field, v]);
    if (inFeed) continue;
    const proposed = await w.hq.db.one(`select 1 from catalogue_proposals where product_id = $1 and field = $2 and proposed_value = $3::jsonb limit 1`, [wr.entityId, wr.field, v]);
    if (proposed) continue;
    let logged = false;
    for (const db of [w.hq.db, ...w.shops.map((s) => s.db)]) {
      logged ||= !!(await db.one(
        `select 1 from sync_conflicts where entity_id = $1 and (field = $2 or field is null) and (local_value = $3::jsonb or remote_value = $3::jsonb) limit 1`,
        [wr.entityId, wr.field, v],
      ));
    }
    expect(logged, `${wr.field} = ${v} of ${wr.entityId} was neither applied nor logged`).toBe(true);
  }
}

const property = fc.asyncProperty(scenario, async ({ skews, actions, restoreAt, decisions, acceptAtEnd }) => {
  const w = await build(skews);
  try {
    for (const [i, a] of actions.entries()) {
      if (i === restoreAt % actions.length) await restoreHq(w);
      for (const d of decisions) if (i === d.at % actions.length) await decideAll(w, d.accept);
      await step(w, a);
    }
    // A shop's edit of another's product stays at that shop until head office decides it: decided, every node agrees.
    await fullSync(w);
    await decideAll(w, acceptAtEnd);
    await fullSync(w);
    await check(w);
  } finally {
    for (const s of w.shops) await s.close();
    await w.hq.close();
  }
});

describe('convergence', () => {
  it('brings head office and three shops with lying clocks to the same values, whatever happens on the way (fixed seed)', { timeout: 300_000 }, async () => {
    await fc.assert(property, { seed: 20_261_126, numRuns: 10, endOnFailure: true });
  });

  it('… and for the cases random seeds once found wrong (a feed read again after a restore, a lot recalled twice)', { timeout: 120_000 }, async () => {
    await fc.assert(property, { seed: -67_442_059, path: '1', numRuns: 1, endOnFailure: true });
  });

  it('… and for a few random seeds (the seed is printed on failure)', { timeout: 300_000 }, async () => {
    await fc.assert(property, { numRuns: 3, endOnFailure: true, ...(process.env.CONVERGENCE_SEED ? { seed: Number(process.env.CONVERGENCE_SEED), path: process.env.CONVERGENCE_PATH } : {}) });
  });
});
