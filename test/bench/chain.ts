/**
 * A real chain's head office, generated in SQL (never through the API):
 * `shops` shops, each with `lotsPerShop` lots and `salesPerDay` sales of
 * 3 lines a day over `days` days, a closed cash session a shop and day with
 * two cash movements, one sale in a hundred returned, and the per-day
 * takings (refunds included) head office keeps.
 * Movements are left out: no page measured reads them, and 16 M more rows
 * would only cost disk. Constraint triggers are off while generating (the
 * rows are consistent by construction), as a restore would have them.
 */
import type { Db } from '../../server/db/pool.js';

export interface ChainScale {
  shops: number;
  days: number;
  salesPerDay: number;
  products: number;
  lotsPerShop: number;
}

export const FULL_CHAIN: ChainScale = { shops: 200, days: 90, salesPerDay: 300, products: 400, lotsPerShop: 300 };

export function scaleFromEnv(env = process.env): ChainScale {
  const n = (name: string, fallback: number) => (env[name] ? Number(env[name]) : fallback);
  return {
    shops: n('BENCH_SHOPS', FULL_CHAIN.shops),
    days: n('BENCH_DAYS', FULL_CHAIN.days),
    salesPerDay: n('BENCH_SALES_PER_DAY', FULL_CHAIN.salesPerDay),
    products: FULL_CHAIN.products,
    lotsPerShop: FULL_CHAIN.lotsPerShop,
  };
}

export async function generateChain(db: Db, scale: ChainScale, log: (line: string) => void): Promise<void> {
  const step = async (what: string, sql: string, params: unknown[] = []) => {
    const started = performance.now();
    await db.withTransaction(async (tx) => {
      await tx.exec('set local session_replication_role = replica');
      await tx.exec(sql, params);
    });
    log(`  ${what}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  };
  await step('shops', `
    insert into shops (id, code, name, timezone, token_hash)
    select gen_random_uuid(), 'B' || lpad(i::text, 4, '0'), 'Pharmacie ' || i, 'Africa/Dakar', md5(i::text)
    from generate_series(1, $1) i`, [scale.shops]);
  await step('shop sync rows', `
    insert into hq_shop_sync (shop_id, last_contact_at, last_push_at, last_pull_at, clock_skew_ms, pending_changes, app_version, changes_received)
    select id, now() - (random() * interval '4 days'), now() - interval '1 hour', now() - interval '5 minutes', (random() * 4000 - 2000)::int, 0, '0.2.0', 1000
    from shops`);
  await step('products', `
    insert into products (id, sku, gtin, name, search_text, unit_price, hlc)
    select gen_random_uuid(), 'P' || i, null, 'Produit ' || i, 'produit ' || i || ' p' || i, 100 * (1 + i % 50), '001700000000000:000000:HQ'
    from generate_series(1, $1) i`, [scale.products]);
  await step('lots', `
    insert into product_batches (id, shop_id, product_id, lot_number, expiration_date, initial_qty, quantity, unit_cost, received_date, hlc)
    select gen_random_uuid(), s.id, p.id, 'L' || p.sku || '-' || s.code, current_date - 30 + (random() * 400)::int, 100, (random() * 100)::int,
      50 * (1 + (random() * 40)::int), current_date - 120, '001700000000000:000000:' || s.code
    from shops s cross join lateral (select id, sku from products order by random() limit $1) p`, [scale.lotsPerShop]);
  // A bulk load builds secondary indexes once at the end, and takes ids in order (as UUID v7 would be), not at random.
  await step('drop secondary indexes for the load', `
    alter table sale_items drop constraint sale_items_sale_id_line_no_key;
    drop index sale_items_batch;
    drop index sales_shop_created;
    alter table sales drop constraint sales_shop_id_number_key`);
  await step('sales', `
    insert into sales (id, shop_id, number, cashier_id, cashier_name, total, tendered, change, payment_method, status, hlc, created_at, received_at,
      subtotal, payments)
    select (lpad(to_hex(s.i), 8, '0') || '-0000-7000-8000-' || lpad(to_hex(d * 100000 + n), 12, '0'))::uuid, s.id, s.code || '-' || lpad((d * $2 + n)::text, 6, '0'), s.id, 'Caissier', p.total, p.total, 0,
      p.method, case when n % 97 = 0 then 'voided' else 'completed' end,
      '001700000000000:000000:' || s.code, t.at, t.at,
      -- Written by hand: the sales_defaults trigger is off with the other triggers during the load.
      p.total, jsonb_build_array(jsonb_build_object('method', p.method, 'amount', p.total))
    from (select id, code, row_number() over (order by code) as i from shops) s cross join generate_series(0, $1 - 1) d cross join generate_series(1, $2) n
    cross join lateral (select ((current_date - d)::timestamp + interval '8 hours' + n * interval '150 seconds') at time zone 'UTC' as at) t
    cross join lateral (select 300 * (1 + n % 20) as total, (array['cash', 'mobile_money', 'card'])[1 + n % 3] as method) p`,
  [scale.days, scale.salesPerDay]);
  await step('sale lines (3 a sale)', `
    with pick as (
      select * from (select b.shop_id, row_number() over (partition by b.shop_id order by b.id) as k, b.id, b.product_id, b.lot_number, b.expiration_date
                     from product_batches b) x where k <= 3)
    insert into sale_items (id, sale_id, line_no, product_id, batch_id, product_name, lot_number, expiration_date, quantity, unit_price, line_total)
    select overlay(s.id::text placing lpad(b.k::text, 4, '0') from 10 for 4)::uuid, s.id, b.k, b.product_id, b.id, 'Produit', b.lot_number,
      b.expiration_date, 1, 100, 100
    from sales s join pick b on b.shop_id = s.shop_id order by s.id, b.k`);
  await step('rebuild secondary indexes', `
    alter table sales add constraint sales_shop_id_number_key unique (shop_id, number);
    create index sales_shop_created on sales (shop_id, created_at desc);
    alter table sale_items add constraint sale_items_sale_id_line_no_key unique (sale_id, line_no);
    create index sale_items_batch on sale_items (batch_id)`);
  await step('takings per day', `
    insert into hq_daily_takings (day, shop_id, payment_method, sales, total, voided, voided_total)
    select (s.created_at at time zone sh.timezone)::date, s.shop_id, s.payment_method,
      count(*) filter (where s.status = 'completed'), coalesce(sum(s.total) filter (where s.status = 'completed'), 0),
      count(*) filter (where s.status = 'voided'), coalesce(sum(s.total) filter (where s.status = 'voided'), 0)
    from sales s join shops sh on sh.id = s.shop_id group by 1, 2, 3`);
  await step('cash sessions (one a shop and day, closed with its Z)', `
    insert into till_sessions (id, shop_id, terminal, cashier_id, cashier_name, opened_at, opening_float, status, closed_at, closed_by,
      closed_by_name, z_number, expected, counted, cash_variance, hlc, received_at)
    select gen_random_uuid(), s.id, 'Caisse 1', s.id, 'Caissier', ((current_date - d)::timestamp + interval '7 hours') at time zone 'UTC', 10000,
      'closed', ((current_date - d)::timestamp + interval '21 hours') at time zone 'UTC', s.id, 'Caissier', s.code || '-Z' || lpad(($1 - d)::text, 5, '0'),
      '{}', '{}', 0, '001700000000000:000000:' || s.code, now()
    from shops s cross join generate_series(0, $1 - 1) d`, [scale.days]);
  await step('cash movements (two a session)', `
    insert into cash_movements (id, shop_id, session_id, kind, amount, reason, user_id, user_name, hlc, created_at)
    select gen_random_uuid(), t.shop_id, t.id, k.kind, 2500, k.reason, t.cashier_id, 'Caissier', t.hlc, t.opened_at + k.after
    from till_sessions t cross join (values ('out', 'Fournisseur', interval '3 hours'), ('in', 'Monnaie', interval '6 hours')) k(kind, reason, after)`);
  // About one sale in a hundred comes back (its first line, the same day), refunded by the sale's method.
  await step('returns (1 %)', `
    insert into sale_returns (id, shop_id, sale_id, number, cashier_id, cashier_name, amount, rounding, refund_method, lines, hlc, created_at, received_at)
    select gen_random_uuid(), s.shop_id, s.id, replace(s.number, '-', '-AV'), s.cashier_id, 'Caissier', i.line_total, 0, s.payment_method,
      jsonb_build_array(jsonb_build_object('saleItemId', i.id, 'batchId', i.batch_id, 'productName', i.product_name, 'lotNumber', i.lot_number,
        'quantity', 1, 'amount', i.line_total, 'destination', 'stock', 'reason', null)),
      s.hlc, s.created_at + interval '1 hour', s.created_at + interval '1 hour'
    from sales s join sale_items i on i.sale_id = s.id and i.line_no = 1
    where s.status = 'completed' and abs(hashtext(s.id::text)) % 100 = 0`);
  await step('refunds per day', `
    insert into hq_daily_takings (day, shop_id, payment_method, sales, total, voided, voided_total, returns, refunds)
    select (r.created_at at time zone sh.timezone)::date, r.shop_id, r.refund_method, 0, 0, 0, 0, count(*), sum(r.amount + r.rounding)
    from sale_returns r join shops sh on sh.id = r.shop_id group by 1, 2, 3
    on conflict (day, shop_id, payment_method) do update set returns = excluded.returns, refunds = excluded.refunds`);
  const started = performance.now();
  await db.exec('vacuum analyze');
  log(`  vacuum analyze: ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
