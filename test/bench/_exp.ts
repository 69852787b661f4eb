import { createLogger } from '../../server/logger.js';
import { newId } from '../../server/ids.js';
import { stampTransaction } from '../../server/outbox/clock.js';
import { receiveUnits } from '../../server/stock/lot-moves.js';
import { benchDatabase, benchShop } from './database.js';
import { seedDemo } from '../../server/demo/seed.js';
import { currentCounts, snapshotOf, reportLines } from '../../server/stocktakes/queries.js';
import { stocktakeChanges } from '../../server/stocktakes/merge.js';
import { appendOutbox } from '../../server/outbox/queries.js';

const logger = createLogger('warn');
const bench = await benchDatabase('exp', logger);
const { db } = bench;
try {
  const { shop, services, actor } = await benchShop(db, logger, 'BENCH');
  await seedDemo(services, shop, new Date(), actor);
  const products = (await services.catalog.searchProducts('', 500)).map((p) => p.id);
  const today = new Date().toISOString().slice(0, 10);
  const wanted = Array.from({ length: 5000 }, (_, i) => ({ productId: products[i % products.length]!, lotNumber: `INV-${Math.floor(i / products.length)}`, expirationDate: '2030-12-31', unitCost: 100 + (i % 50), quantity: 40 + (i % 20) }));
  for (let i = 0; i < wanted.length; i += 500) await db.withTransaction((tx) => receiveUnits(tx, shop, wanted.slice(i, i + 500), { kind: 'receipt', reason: null, actor, now: new Date(), today }));
  const { stocktake } = await services.stocktakes.open({}, actor);
  await db.withTransaction(async (tx) => {
    const hlc = await stampTransaction(tx, new Date());
    const ids = Array.from({ length: stocktake.lines.length }, () => [newId(), newId()] as const);
    await tx.exec(
      `insert into stocktake_counts (id, stocktake_id, batch_id, counted_qty, ledger_qty, hlc, user_id, movement_id)
       select i.id, l.stocktake_id, l.batch_id, l.quantity, l.quantity, $2, $3, i.movement_id
       from (select l.stocktake_id, l.batch_id, b.quantity, row_number() over (order by b.id) as n from stocktake_lines l join product_batches b on b.id = l.batch_id where l.stocktake_id = $1) l
       join unnest($4::uuid[], $5::uuid[]) with ordinality as i(id, movement_id, n) on i.n = l.n`,
      [stocktake.id, hlc, actor.id, ids.map((x) => x[0]), ids.map((x) => x[1])]);
  });
  const t = async (name: string, fn: (tx: any) => Promise<unknown>) => {
    const ms: number[] = [];
    for (let r = 0; r < 5; r++) {
      await db.withTransaction(async (tx) => {
        const s = performance.now();
        await fn(tx);
        ms.push(performance.now() - s);
        await tx.exec('select 1');
      }).catch(() => {});
      await db.exec('delete from sync_outbox');
    }
    ms.sort((a, b) => a - b);
    console.log(name, ms.map((x) => x.toFixed(0)).join(' '));
  };
  await t('counts read', (tx) => currentCounts(tx, stocktake.id));
  await t('outbox js', async (tx) => {
    const counts = await currentCounts(tx, stocktake.id);
    await appendOutbox(tx, stocktakeChanges(stocktake, counts, await snapshotOf(tx, stocktake.id), 'x'));
  });
  await t('outbox js prebuilt', async (tx) => {
    return null;
  });
  const counts = await currentCounts(db, stocktake.id);
  const lines = await snapshotOf(db, stocktake.id);
  await t('appendOutbox only', (tx) => appendOutbox(tx, stocktakeChanges(stocktake, counts, lines, 'x')));
  await t('stringify only', async () => stocktakeChanges(stocktake, counts, lines, 'x').map((e) => JSON.stringify(e.payload)));
  await t('insert text as json cast only', (tx) => tx.exec(`select count(*) from unnest($1::text[]) as p, lateral (select p::jsonb) j`, [stocktakeChanges(stocktake, counts, lines, 'x').map((e) => JSON.stringify(e.payload))]));
  const sqlOutbox = (agg: string, obj: string) => `
    with c as (select (row_number() over (order by batch_id) - 1) / 500 as slice, ${obj}('id', id, 'stocktakeId', stocktake_id, 'batchId', batch_id, 'countedQty', counted_qty, 'ledgerQty', ledger_qty,
       'hlc', hlc, 'userId', user_id, 'superseded', superseded, 'movementId', movement_id, 'createdAt', created_at) as j, batch_id from stocktake_counts where stocktake_id = $1 and not superseded),
    l as (select (row_number() over (order by batch_id) - 1) / 500 as slice, ${obj}('batchId', batch_id, 'snapshotQty', snapshot_qty) as j, batch_id from stocktake_lines where stocktake_id = $1),
    cs as (select slice, ${agg}(j order by batch_id) as a from c group by slice),
    ls as (select slice, ${agg}(j order by batch_id) as a from l group by slice)
    insert into sync_outbox (entity, entity_id, op, payload, hlc)
    select case when slice = 0 then 'stocktake' else 'stocktake_counts' end, $1, 'insert',
      jsonb_build_object('counts', coalesce(cs.a, '[]'), 'lines', coalesce(ls.a, '[]')) || case when slice = 0 then $2::jsonb else jsonb_build_object('id', $1::uuid, 'shopId', $3::uuid) end, 'x'
    from cs full join ls using (slice) order by slice`;
  await t('outbox sql jsonb', (tx) => tx.exec(sqlOutbox('jsonb_agg', 'jsonb_build_object'), [stocktake.id, JSON.stringify({ id: stocktake.id }), shop.id]));
  await t('outbox sql json', (tx) => tx.exec(sqlOutbox('json_agg', 'json_build_object'), [stocktake.id, JSON.stringify({ id: stocktake.id }), shop.id]));
  await t('report lines', (tx) => reportLines(tx, stocktake.id));
  await t('report', () => services.stocktakes.get(stocktake.id));
  console.log(JSON.stringify((await db.rows(`explain analyze select l.batch_id, l.snapshot_qty, b.product_id, p.name as product_name, b.lot_number, to_char(b.expiration_date, 'YYYY-MM-DD') as expiration_date,
       b.unit_cost, b.quantity, c.counted_qty, c.ledger_qty, c.hlc as count_hlc, c.created_at as counted_at, z.zone
     from stocktake_lines l join product_batches b on b.id = l.batch_id join products p on p.id = b.product_id
     left join stocktake_counts c on c.stocktake_id = l.stocktake_id and c.batch_id = l.batch_id and not c.superseded
     left join product_zones z on z.product_id = b.product_id
     where l.stocktake_id = $1
     order by p.name collate french, b.expiration_date, b.id`, [stocktake.id])).map((r: any) => r.queryPlan ?? r['QUERY PLAN']), null, 1));
} finally { await bench.stop(); }
