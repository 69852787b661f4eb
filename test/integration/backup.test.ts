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

describe.skipIf(!pgDump.available)('the nightly backup', () => {
  it('writes a dated dump, keeps the 14 newest, copies to the marked USB stick, and reports a missing stick', async () => {
    const t = await testShop({ code: 'NGT01' });
    await seedProduct(t, {});
    const dataDir = fs.mkdtempSync(path.join(dir, 'data-'));
    const usb = fs.mkdtempSync(path.join(dir, 'usb-'));
    fs.mkdirSync(path.join(dataDir, 'backups'));
    for (let d = 1; d <= 15; d++) fs.writeFileSync(path.join(dataDir, 'backups', `comptoir-NGT01-202610${String(d).padStart(2, '0')}T030000.dump`), 'old');
    let clock = new Date('2026-11-26T03:00:00Z');
    const { backupService, USB_MARKER, backupReport } = await import('../../server/ops/service.js');
    const service = backupService({ db: t.db, logger: t.deps.logger, connectionString: t.url, dataDir, shopCode: 'NGT01', copyDir: usb, now: () => clock });
    expect(await service.overdue()).toBe(true);

    // The stick is not there (no marker, same device): the backup is kept on the card, the failure said.
    const noStick = await service.nightly();
    expect(noStick).toMatchObject({ status: 'failed' });
    expect(noStick.error).toBe(`Copie de sauvegarde impossible : la clé USB (${usb}) est absente ou non montée (elle doit contenir le fichier COMPTOIR-SAUVEGARDES).`);
    expect(fs.readdirSync(path.join(dataDir, 'backups')).filter((f) => f.endsWith('.dump'))).toHaveLength(14);
    const page = await (await t.as('manager')).get('/parametres');
    expect(page.text).toContain('Échec de la sauvegarde');

    fs.writeFileSync(path.join(usb, USB_MARKER), '');
    clock = new Date('2026-11-27T03:00:00Z');
    const ok = await service.nightly();
    expect(ok).toMatchObject({ status: 'done', file: path.join(dataDir, 'backups', 'comptoir-NGT01-20261127T030000.dump'), copiedTo: path.join(usb, 'comptoir-NGT01-20261127T030000.dump') });
    expect(ok.bytes).toBeGreaterThan(1000);
    expect(fs.existsSync(ok.copiedTo!)).toBe(true);
    const kept = fs.readdirSync(path.join(dataDir, 'backups')).filter((f) => f.endsWith('.dump')).sort();
    expect(kept).toHaveLength(14);
    expect(kept.at(-1)).toBe('comptoir-NGT01-20261127T030000.dump');
    expect(kept[0]).toBe('comptoir-NGT01-20261004T030000.dump');
    expect(await service.overdue()).toBe(false);
    expect(await backupReport(t.db)).toMatchObject({ lastStatus: 'done', lastError: null });

    // And it restores.
    const target = await testShop({ code: 'NGT01', url: (await freshDatabase()).url });
    await restoreDatabase(target.url, ok.file!);
    expect(await target.counts()).toEqual(await t.counts());
  });
});
