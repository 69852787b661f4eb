import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { migrate, migrationsDir } from '../../server/db/migrate.js';
import { createLogger } from '../../server/logger.js';
import { adminUrlOfWorker } from '../support/harness.js';

const logger = createLogger('silent');
const name = `comptoir_upgrade_${process.pid}_${Date.now()}`;
const adminUrl = adminUrlOfWorker();
const url = (() => {
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return u.toString();
})();

afterAll(async () => {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`drop database if exists ${name} with (force)`);
  await admin.end();
});

describe('migration 0014 on a head office already running', () => {
  it('gives the days of the returns it already holds their refunds, per method, and leaves a shop’s own returns alone', async () => {
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`create database ${name}`);
    await admin.end();
    // Head office as it was before 0014: every migration up to 0013.
    const before = fs.mkdtempSync(path.join(os.tmpdir(), 'comptoir-migrations-'));
    for (const f of fs.readdirSync(migrationsDir).filter((f) => /^\d{4}_/.test(f) && f < '0014')) fs.copyFileSync(path.join(migrationsDir, f), path.join(before, f));
    await migrate(url, logger, before);

    const db = new pg.Client({ connectionString: url });
    await db.connect();
    try {
      const shop = '0193a1b2-0000-8000-8000-000000000001';
      const sale = '0193a1b2-0000-7000-8000-000000000010';
      const card = '0193a1b2-0000-7000-8000-000000000011';
      await db.query(`insert into shops (id, code, name, timezone, token_hash) values ($1, 'DKR01', 'Plateau', 'Africa/Dakar', 'x')`, [shop]);
      await db.query(
        `insert into sales (id, shop_id, number, cashier_id, cashier_name, total, tendered, change, payment_method, hlc, created_at, received_at)
         values ($2, $1, 'DKR01-000001', $1, 'Awa', 3700, 5000, 1300, 'cash', 'h', '2026-11-30T10:00:00Z', now()),
                ($3, $1, 'DKR01-000002', $1, 'Awa', 1500, 1500, 0, 'card', 'h', '2026-11-30T11:00:00Z', now())`,
        [shop, sale, card],
      );
      await db.query(
        `insert into hq_daily_takings (day, shop_id, payment_method, sales, total, voided, voided_total)
         values ('2026-11-30', $1, 'cash', 1, 3700, 0, 0), ('2026-11-30', $1, 'card', 1, 1500, 0, 0)`,
        [shop],
      );
      // Received from the shop: one the same day in cash (1 233 paid back 1 235), one the next day by card.
      // And one never received (a shop's own row: received_at is null), which head office's sums must not take.
      await db.query(
        `insert into sale_returns (id, shop_id, sale_id, number, cashier_id, cashier_name, amount, rounding, refund_method, lines, hlc, created_at, received_at)
         values (gen_random_uuid(), $1, $2, 'DKR01-AV000001', $1, 'Awa', 1233, 2, 'cash', '[]', 'h', '2026-11-30T12:00:00Z', now()),
                (gen_random_uuid(), $1, $3, 'DKR01-AV000002', $1, 'Awa', 1500, 0, 'card', '[]', 'h', '2026-12-01T09:00:00Z', now()),
                (gen_random_uuid(), $1, $2, 'DKR01-AV000003', $1, 'Awa', 500, 0, 'cash', '[]', 'h', '2026-12-01T10:00:00Z', null)`,
        [shop, sale, card],
      );

      expect(await migrate(url, logger)).toContain('0014_hq_net_takings');
      const rows = await db.query(
        `select to_char(day, 'YYYY-MM-DD') as day, payment_method, sales, total::int, returns, refunds::int from hq_daily_takings order by day, payment_method`,
      );
      expect(rows.rows).toEqual([
        { day: '2026-11-30', payment_method: 'card', sales: 1, total: 1500, returns: 0, refunds: 0 },
        { day: '2026-11-30', payment_method: 'cash', sales: 1, total: 3700, returns: 1, refunds: 1235 },
        { day: '2026-12-01', payment_method: 'card', sales: 0, total: 0, returns: 1, refunds: 1500 },
      ]);
    } finally {
      await db.end();
    }
  });
});
