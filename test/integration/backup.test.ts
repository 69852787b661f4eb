import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config.js';
import { startEmbeddedPostgres } from '../../server/db/embedded.js';
import { createLogger } from '../../server/logger.js';
import { backupDatabase, defaultBackupFile, restoreDatabase } from '../../server/ops/backup.js';
import { currentClock, initClock } from '../../server/outbox/clock.js';
import { cashierActor, freshDatabase, seedBatch, seedProduct, testShop } from '../support/harness.js';
import { freePort, repoRoot, tempDataDir } from '../support/process.js';
import { requireTool } from '../support/tools.js';

const pgDump = requireTool('pg_dump', 'postgresql-client');
const ageTool = requireTool('age-keygen', 'age');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'comptoir-backup-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A key pair as age-keygen makes it: the identity (kept off the machine) and its public recipient. */
async function keyPair(): Promise<{ identity: string; recipient: string; identityFile: string }> {
  const identity = await generateX25519Identity();
  const recipient = await identityToRecipient(identity);
  const identityFile = path.join(dir, `key-${recipient.slice(-8)}.txt`);
  fs.writeFileSync(identityFile, `# created: 2026-11-26T10:00:00Z\n# public key: ${recipient}\n${identity}\n`, { mode: 0o600 });
  return { identity, recipient, identityFile };
}

const mode = (file: string) => fs.statSync(file).mode & 0o777;
/** What pg_restore reads out of a file without any key: the users' rows (with their PIN hashes) of a plain dump. */
const readWithoutKey = (file: string) => spawnSync('pg_restore', ['--data-only', '--table=users', '--file=-', file], { encoding: 'utf8' });

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

describe.skipIf(!pgDump.available)('sealed backups', () => {
  it('seals a backup to the recipient, so that without the identity it is no dump at all, and restores it with the identity', async () => {
    const { identity, recipient } = await keyPair();
    const t = await testShop({ code: 'SEA01' });
    const p = await seedProduct(t, { unitPrice: 700 });
    await seedBatch(t, { productId: p.id, expirationDate: '2030-01-31', quantity: 10 });
    await t.services.sales.recordSale({ lines: [{ productId: p.id, quantity: 2 }], payment: { method: 'cash', tendered: 1400 } }, cashierActor(t));
    const atBackup = await t.counts();

    // A plain dump gives every PIN hash to whoever holds the file; the sealed one gives nothing.
    const plain = await backupDatabase(t.url, path.join(dir, 'plain-SEA01.dump'));
    const hash = (await t.db.one<{ h: string }>('select pin_hash as h from users where id = $1', [t.userIds.manager]))!.h;
    expect(readWithoutKey(plain.file).stdout).toContain(hash);
    const sealed = await backupDatabase(t.url, path.join(dir, 'sealed-SEA01.dump'), { recipient });
    expect(sealed).toMatchObject({ file: path.join(dir, 'sealed-SEA01.dump.age'), sealed: true });
    const head = fs.readFileSync(sealed.file).subarray(0, 64).toString('latin1');
    expect(head.startsWith('age-encryption.org/v1\n-> X25519 ')).toBe(true);
    expect(head).not.toContain('PGDMP');
    const attempt = readWithoutKey(sealed.file);
    expect(attempt.status).not.toBe(0);
    expect(attempt.stdout).not.toContain(hash);

    const target = await testShop({ code: 'SEA01', url: (await freshDatabase()).url });
    const empty = await target.counts();
    await expect(restoreDatabase(target.url, sealed.file)).rejects.toThrow(
      `La sauvegarde ${sealed.file} est chiffrée : donnez la clé secrète qui l’ouvre avec --identity FICHIER`,
    );
    const stranger = await generateX25519Identity();
    await expect(restoreDatabase(target.url, sealed.file, { identities: [stranger] })).rejects.toThrow(
      `Cette clé secrète n’ouvre pas la sauvegarde ${sealed.file} : elle a été chiffrée pour une autre clé publique. Rien n’a été restauré.`,
    );
    expect(await target.counts()).toEqual(empty);

    await restoreDatabase(target.url, sealed.file, { identities: [stranger, identity] });
    expect(await target.counts()).toEqual(atBackup);
    expect((await target.db.one<{ h: string }>('select pin_hash as h from users where id = $1', [t.userIds.manager]))!.h).toBe(hash);
  });

  it('restores nothing from a sealed backup damaged near its end, and says so', async () => {
    const { identity, recipient } = await keyPair();
    const t = await testShop({ code: 'SEA02' });
    for (let i = 0; i < 40; i++) await seedProduct(t, { name: `Produit ${i} ${'x'.repeat(200)}` });
    const { file } = await backupDatabase(t.url, path.join(dir, 'damaged-SEA02.dump'), { recipient });
    const bytes = fs.readFileSync(file);
    expect(bytes.length).toBeGreaterThan(70_000); // more than one 64 KiB chunk: the first reaches pg_restore before the damage
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 20) ^ 0xff, bytes.length - 20);
    fs.writeFileSync(file, bytes);

    const target = await testShop({ code: 'SEA02', url: (await freshDatabase()).url });
    const before = await target.counts();
    await expect(restoreDatabase(target.url, file, { identities: [identity] })).rejects.toThrow(
      `La sauvegarde chiffrée ${file} est abîmée ou incomplète : rien n’a été restauré.`,
    );
    expect(await target.counts()).toEqual(before);
  });

  it('creates backups 0600 in a 0700 folder under a loose umask, and the embedded database its data, password and log private', async () => {
    const previous = process.umask(0o000);
    try {
      const t = await testShop({ code: 'MOD01' });
      const home = tempDataDir('comptoir-modes-'); // reachable by postgres when we are root
      const { file } = await backupDatabase(t.url, defaultBackupFile(path.join(home, 'data'), 'MOD01'));
      expect(mode(file)).toBe(0o600);
      expect(mode(path.dirname(file))).toBe(0o700);
      expect(fs.readdirSync(path.dirname(file))).toEqual([path.basename(file)]); // no partial left

      const fresh = path.join(home, 'pgdata');
      const pg = await startEmbeddedPostgres({ dataDir: fresh, port: await freePort(), database: 'comptoir', logger: createLogger('silent') });
      try {
        // As root the cluster runs as postgres, which must traverse the folder (0711); otherwise 0700.
        expect(mode(fresh)).toBe(process.getuid?.() === 0 ? 0o711 : 0o700);
        expect(mode(path.join(fresh, 'pg-password'))).toBe(0o600);
        expect(mode(path.join(fresh, 'postgres.log'))).toBe(0o600);
        expect(mode(path.join(fresh, 'pg'))).toBe(0o700);
      } finally {
        await pg.stop();
      }
      fs.rmSync(home, { recursive: true, force: true });
    } finally {
      process.umask(previous);
    }
  });

  it.skipIf(!ageTool.available)('seals for a key made by Debian\'s age-keygen, and the backup opens with that key file, in Comptoir and in age itself', async () => {
    const keyFile = path.join(dir, 'age-keygen.txt');
    fs.rmSync(keyFile, { force: true });
    const made = spawnSync('age-keygen', ['-o', keyFile], { encoding: 'utf8' });
    const recipient = /age1[0-9a-z]+/.exec(made.stderr)![0];
    const t = await testShop({ code: 'SEA03' });
    await seedProduct(t, { name: 'Doliprane 1000 mg' });
    const { file } = await backupDatabase(t.url, path.join(dir, 'keygen-SEA03.dump'), { recipient });

    const opened = path.join(dir, 'opened-SEA03.dump');
    expect(spawnSync('age', ['--decrypt', '--identity', keyFile, '--output', opened, file]).status).toBe(0);
    expect(spawnSync('pg_restore', ['--list', opened], { encoding: 'utf8' }).stdout).toContain('TABLE DATA public products');

    const { identitiesIn } = await import('../../server/ops/seal.js');
    const target = await testShop({ code: 'SEA03', url: (await freshDatabase()).url });
    await restoreDatabase(target.url, file, { identities: identitiesIn(fs.readFileSync(keyFile, 'utf8')) });
    expect(await target.counts()).toEqual(await t.counts());
  });

  it('refuses an age recipient that is not one, in French', () => {
    expect(() => loadConfig('shop', { BACKUP_RECIPIENT: 'age1pasuneclé' })).toThrow(
      'BACKUP_RECIPIENT : une clé publique age est attendue (age1…, affichée par age-keygen)',
    );
    expect(() => loadConfig('shop', { BACKUP_RECIPIENT: 'AGE-SECRET-KEY-1QQQ' })).toThrow(/BACKUP_RECIPIENT/);
  });
});

describe.skipIf(!pgDump.available)('the nightly backup', () => {
  it('refuses to copy to the USB stick while backups are not sealed, keeps the night\'s backup on the machine, and says why', async () => {
    const t = await testShop({ code: 'NGT02' });
    const dataDir = fs.mkdtempSync(path.join(dir, 'data-'));
    const usb = fs.mkdtempSync(path.join(dir, 'usb-'));
    const { backupService, USB_MARKER } = await import('../../server/ops/service.js');
    fs.writeFileSync(path.join(usb, USB_MARKER), '');
    const service = backupService({ db: t.db, logger: t.deps.logger, connectionString: t.url, dataDir, shopCode: 'NGT02', copyDir: usb, now: () => new Date('2026-11-27T03:00:00Z') });
    const run = await service.nightly();
    expect(run).toMatchObject({ status: 'failed', copiedTo: null, file: path.join(dataDir, 'backups', 'comptoir-NGT02-20261127T030000.dump') });
    expect(run.error).toBe(
      'Copie sur la clé USB refusée : les sauvegardes ne sont pas chiffrées (BACKUP_RECIPIENT est vide). Une clé USB se perd, et une sauvegarde contient tous les codes PIN : mettez dans BACKUP_RECIPIENT la clé publique age du siège ou du technicien (voir docs/operations.md). La sauvegarde de cette nuit est gardée sur le mini-PC.',
    );
    expect(fs.readdirSync(usb)).toEqual([USB_MARKER]);
    expect(mode(run.file!)).toBe(0o600);
    const page = await (await t.as('manager')).get('/parametres');
    expect(page.text).toContain('Échec de la sauvegarde');
  });

  it('writes a dated sealed dump, keeps the 14 newest, drops the plain ones, copies to the marked USB stick, and reports a missing stick', async () => {
    const { identity, recipient } = await keyPair();
    const t = await testShop({ code: 'NGT01' });
    await seedProduct(t, {});
    const dataDir = fs.mkdtempSync(path.join(dir, 'data-'));
    const usb = fs.mkdtempSync(path.join(dir, 'usb-'));
    fs.mkdirSync(path.join(dataDir, 'backups'), { mode: 0o755 });
    for (let d = 1; d <= 15; d++) fs.writeFileSync(path.join(dataDir, 'backups', `comptoir-NGT01-202610${String(d).padStart(2, '0')}T030000.dump.age`), 'old');
    // Plain dumps from before the recipient was set: readable by whoever takes the card.
    fs.writeFileSync(path.join(dataDir, 'backups', 'comptoir-NGT01-20261020T030000.dump'), 'plain');
    fs.writeFileSync(path.join(usb, 'comptoir-NGT01-20261020T030000.dump'), 'plain');
    let clock = new Date('2026-11-26T03:00:00Z');
    const { backupService, USB_MARKER, backupReport } = await import('../../server/ops/service.js');
    const service = backupService({ db: t.db, logger: t.deps.logger, connectionString: t.url, dataDir, shopCode: 'NGT01', copyDir: usb, recipient, now: () => clock });
    expect(await service.overdue()).toBe(true);

    // The stick is not there (no marker, same device): the backup is kept on the card, the failure said.
    const noStick = await service.nightly();
    expect(noStick).toMatchObject({ status: 'failed' });
    expect(noStick.error).toBe(`Copie de sauvegarde impossible : la clé USB (${usb}) est absente ou non montée (elle doit contenir le fichier COMPTOIR-SAUVEGARDES).`);
    expect(fs.readdirSync(path.join(dataDir, 'backups'))).toHaveLength(14);
    expect(mode(path.join(dataDir, 'backups'))).toBe(0o700);
    const page = await (await t.as('manager')).get('/parametres');
    expect(page.text).toContain('Échec de la sauvegarde');

    fs.writeFileSync(path.join(usb, USB_MARKER), '');
    clock = new Date('2026-11-27T03:00:00Z');
    const ok = await service.nightly();
    expect(ok).toMatchObject({ status: 'done', file: path.join(dataDir, 'backups', 'comptoir-NGT01-20261127T030000.dump.age'), copiedTo: path.join(usb, 'comptoir-NGT01-20261127T030000.dump.age') });
    expect(ok.bytes).toBeGreaterThan(1000);
    expect(mode(ok.file!)).toBe(0o600);
    expect(fs.existsSync(ok.copiedTo!)).toBe(true);
    const kept = fs.readdirSync(path.join(dataDir, 'backups')).sort();
    expect(kept).toHaveLength(14);
    expect(kept.every((f) => f.endsWith('.dump.age'))).toBe(true);
    expect(kept.at(-1)).toBe('comptoir-NGT01-20261127T030000.dump.age');
    expect(kept[0]).toBe('comptoir-NGT01-20261004T030000.dump.age');
    expect(fs.readdirSync(usb).sort()).toEqual([USB_MARKER, 'comptoir-NGT01-20261127T030000.dump.age']);
    expect(await service.overdue()).toBe(false);
    expect(await backupReport(t.db)).toMatchObject({ lastStatus: 'done', lastError: null });

    // And the stick's copy restores, with the identity.
    const target = await testShop({ code: 'NGT01', url: (await freshDatabase()).url });
    await restoreDatabase(target.url, ok.copiedTo!, { identities: [identity] });
    expect(await target.counts()).toEqual(await t.counts());
  });
});

/** `npx comptoir …` as an operator runs it, against this test's database. */
function cli(args: string[], env: Record<string, string>, input?: string) {
  const r = spawnSync(process.execPath, ['bin/comptoir.js', ...args], {
    cwd: repoRoot, input, encoding: 'utf8', timeout: 60_000,
    env: { ...process.env, LOG_LEVEL: 'silent', SHOP_CODE: 'CLI01', TZ: 'Africa/Dakar', ...env },
  });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe.skipIf(!pgDump.available)('npx comptoir backup and restore', () => {
  it('writes a sealed backup when a recipient is set, and restores it with the identity from a file or stdin, never from the command line', { timeout: 120_000 }, async () => {
    const { identity, recipient, identityFile } = await keyPair();
    const t = await testShop({ code: 'CLI01' });
    const p = await seedProduct(t, { unitPrice: 900 });
    await seedBatch(t, { productId: p.id, expirationDate: '2031-05-31', quantity: 8 });
    const atBackup = await t.counts();
    const dataDir = fs.mkdtempSync(path.join(dir, 'cli-'));
    const env = { DATABASE_URL: t.url, DATA_DIR: dataDir, BACKUP_RECIPIENT: recipient };

    const backup = cli(['backup'], env);
    expect(backup.status).toBe(0);
    const [name] = fs.readdirSync(path.join(dataDir, 'backups'));
    expect(name).toMatch(/^comptoir-CLI01-\d{8}T\d{6}\.dump\.age$/);
    const file = path.join(dataDir, 'backups', name!);
    expect(backup.out).toContain(`Sauvegarde chiffrée écrite : ${file}`);
    expect(mode(file)).toBe(0o600);

    await t.services.sales.recordSale({ lines: [{ productId: p.id, quantity: 1 }], payment: { method: 'card' } }, cashierActor(t));
    const afterSale = await t.counts();
    const onCommandLine = cli(['restore', '--file', file, '--identity', identity], env);
    expect(onCommandLine.status).toBe(1);
    expect(onCommandLine.out).toContain('Ne donnez pas la clé secrète sur la ligne de commande');
    const noKey = cli(['restore', '--file', file], env);
    expect(noKey.status).toBe(1);
    expect(noKey.out).toContain('est chiffrée : donnez la clé secrète');
    expect(await t.counts()).toEqual(afterSale);

    const fromFile = cli(['restore', '--file', file, '--identity', identityFile], env);
    expect(fromFile.out).toContain('Restauration terminée.');
    expect(fromFile.status).toBe(0);
    expect(await t.counts()).toEqual(atBackup);

    await t.services.sales.recordSale({ lines: [{ productId: p.id, quantity: 1 }], payment: { method: 'card' } }, cashierActor(t));
    const fromStdin = cli(['restore', '--file', file, '--identity', '-'], env, fs.readFileSync(identityFile, 'utf8'));
    expect(fromStdin.status).toBe(0);
    expect(await t.counts()).toEqual(atBackup);
  });

  it('refuses a plain backup to another device (a USB stick) while no recipient is set, and writes nothing there', { timeout: 60_000 }, async () => {
    const t = await testShop({ code: 'CLI01' });
    const dataDir = fs.mkdtempSync(path.join(dir, 'cli-'));
    const stick = fs.mkdtempSync('/dev/shm/comptoir-stick-');
    try {
      if (fs.statSync(stick).dev === fs.statSync(dataDir).dev) return; // this machine has no second device to stand for the stick
      const r = cli(['backup', '--file', path.join(stick, 'comptoir.dump')], { DATABASE_URL: t.url, DATA_DIR: dataDir });
      expect(r.status).toBe(1);
      expect(r.out).toContain(`Sauvegarde non chiffrée refusée vers ${stick} : hors du disque du mini-PC (clé USB, autre disque)`);
      expect(fs.readdirSync(stick)).toEqual([]);
      // On the machine's own disk it is written, private.
      const home = cli(['backup'], { DATABASE_URL: t.url, DATA_DIR: dataDir });
      expect(home.status).toBe(0);
      expect(home.out).toContain('Sauvegarde écrite :');
    } finally {
      fs.rmSync(stick, { recursive: true, force: true });
    }
  });
});
