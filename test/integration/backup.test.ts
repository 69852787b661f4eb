import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { backupDatabase, defaultBackupFile, restoreDatabase } from '../../server/ops/backup.js';
import { currentClock, initClock } from '../../server/outbox/clock.js';
import { cashierActor, freshDatabase, seedBatch, seedProduct, testShop } from '../support/harness.js';
import { requireTool } from '../support/tools.js';

const pgDump = requireTool('pg_dump', 'postgresql-client');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'comptoir-backup-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!pgDump.available)('backup and restore', () => {
  it('restores exactly what the backup held, sales, ledger and outbox included', async () => {
    const t = await testShop({ code: 'BKP01' });
    const p = await seedProduct(t, { unitPrice: 500 });
    const lot = await seedBatch(t, { productId: p.id, expirationDate: '2030-01-31', quantity: 20 });
    await t.services.sales.recordSale({ lines: [{ productId: p.id, quantity: 3 }], payment: { method: 'card' } }, cashierActor(t));
    const atBackup = await t.counts();
    const file = defaultBackupFile(dir, 'BKP01', new Date('2026-11-26T02:00:00Z'));
    expect(path.basename(file)).toBe('comptoir-BKP01-20261126T020000.dump');
    const { bytes } = await backupDatabase(t.url, file);
    expect(bytes).toBeGreaterThan(1000);
    expect(fs.existsSync(`${file}.partial`)).toBe(false);

    await t.services.sales.recordSale({ lines: [{ productId: p.id, quantity: 4 }], payment: { method: 'card' } }, cashierActor(t));
    const target = await testShop({ code: 'BKP01', url: (await freshDatabase()).url });
    await restoreDatabase(target.url, file);
    expect(await target.counts()).toEqual(atBackup);
    expect((await target.services.stock.getBatch(lot.id)).quantity).toBe(17);
    expect((await target.services.sync.status()).pendingChanges).toBe(atBackup.sync_outbox);

    // The restored clock is behind what the shop already sent; the copy kept beside the data lifts it.
    const sent = await currentClock(t.db);
    expect(await currentClock(target.db) < sent).toBe(true);
    await initClock(target.db, 'BKP01', sent);
    expect(await currentClock(target.db)).toBe(sent);
  });

  it('says so when the backup file does not exist, and changes nothing', async () => {
    const t = await testShop({ code: 'BKP02' });
    const before = await t.counts();
    await expect(restoreDatabase(t.url, path.join(dir, 'nope.dump'))).rejects.toThrow(/Aucune sauvegarde/);
    expect(await t.counts()).toEqual(before);
  });
});
