import fs from 'node:fs';
import path from 'node:path';
import type { Db } from '../db/pool.js';
import { t } from '../i18n/fr.js';
import { newId } from '../ids.js';
import type { Logger } from '../logger.js';
import { BackupError, backupDatabase, defaultBackupFile } from './backup.js';
import { finishBackupRun, lastSuccessfulBackup, recentBackupRuns, startBackupRun, type BackupRun } from './queries.js';

export const BACKUPS_KEPT = 14;
/** The file a technician puts once on the backup stick. */
export const USB_MARKER = 'COMPTOIR-SAUVEGARDES';
/** A night without a successful backup after this long is made up at the next start. */
export const BACKUP_OVERDUE_MS = 26 * 3_600_000;

export interface BackupDeps {
  db: Db;
  logger: Logger;
  connectionString: string;
  dataDir: string;
  shopCode: string;
  /** A mounted USB stick (or any folder): each backup is copied there too, sealed only. */
  copyDir?: string | undefined;
  /** BACKUP_RECIPIENT: an age public key; every backup is then sealed to it. */
  recipient?: string | undefined;
  now: () => Date;
}

const BACKUP_NAME = /^comptoir-.+\.dump(\.age)?$/;
const PLAIN_NAME = /^comptoir-.+\.dump$/;

/** The device a path is (or would be) on: its nearest existing folder's. */
function deviceOf(p: string): number {
  let current = path.resolve(p);
  while (!fs.existsSync(current) && path.dirname(current) !== current) current = path.dirname(current);
  return fs.statSync(current).dev;
}

/**
 * A dump that is not sealed stays on the machine's own disk (the data
 * directory's device, a 0700 folder): `npx comptoir backup --file` to a USB
 * stick or any other device is refused until BACKUP_RECIPIENT is set.
 */
export function assertPlainStaysHome(target: string, dataDir: string): void {
  if (deviceOf(path.dirname(target)) !== deviceOf(dataDir)) throw new BackupError(t('ops.plain_backup_off_machine', { dir: path.dirname(target) }));
}

/**
 * The nightly backup: a dated pg_dump (custom format, compressed, sealed with
 * age when a recipient is set) in DATA_DIR/backups, the 14 newest kept, a
 * copy on the USB stick when one is configured (refused unsealed). Every run
 * is recorded, failures with their reason, for Paramètres and head office.
 */
export function backupService({ db, logger, connectionString, dataDir, shopCode, copyDir, recipient, now }: BackupDeps) {
  const dir = path.join(dataDir, 'backups');
  const log = logger.child({ component: 'backup' });

  function prune(folder: string): void {
    const dumps = fs.readdirSync(folder).filter((f) => BACKUP_NAME.test(f)).sort();
    for (const old of dumps.slice(0, Math.max(0, dumps.length - BACKUPS_KEPT))) fs.rmSync(path.join(folder, old), { force: true });
  }

  /** Once a sealed backup is written, plain dumps from before the recipient was set would leak what sealing protects. */
  function dropPlain(folder: string): void {
    const plain = fs.readdirSync(folder).filter((f) => PLAIN_NAME.test(f));
    for (const f of plain) fs.rmSync(path.join(folder, f), { force: true });
    if (plain.length > 0) log.info({ folder, removed: plain.length }, 'plain backups removed now that backups are sealed');
  }

  return {
    async nightly(): Promise<BackupRun> {
      const id = newId();
      await startBackupRun(db, id);
      let file: string | null = null;
      let bytes: number | null = null;
      let copiedTo: string | null = null;
      try {
        ({ file, bytes } = await backupDatabase(connectionString, defaultBackupFile(dataDir, shopCode, now(), recipient !== undefined), { recipient }));
        fs.chmodSync(dir, 0o700); // a folder made by an older version under a loose umask
        if (recipient) dropPlain(dir);
        prune(dir);
        if (copyDir) {
          // A stick is lost or lent: it never receives what anyone could read.
          if (!recipient) throw new Error(t('ops.usb_needs_recipient'));
          // A stick that is not mounted leaves an empty folder of the SD card: the stick is recognised by its
          // marker file (or by being another device), never filled in its absence.
          const marked = fs.existsSync(path.join(copyDir, USB_MARKER));
          if (!fs.existsSync(copyDir) || (!marked && fs.statSync(copyDir).dev === fs.statSync(dataDir).dev)) {
            throw new Error(t('ops.usb_missing', { dir: copyDir, marker: USB_MARKER }));
          }
          copiedTo = path.join(copyDir, path.basename(file));
          fs.rmSync(`${copiedTo}.partial`, { force: true });
          fs.copyFileSync(file, `${copiedTo}.partial`); // the source's 0600 (a FAT stick takes the mount's fmask)
          fs.renameSync(`${copiedTo}.partial`, copiedTo);
          dropPlain(copyDir);
          prune(copyDir);
        }
        await finishBackupRun(db, id, { status: 'done', file, bytes, copiedTo, error: null });
        log.info({ file, bytes, copiedTo }, 'nightly backup written');
      } catch (err) {
        const error = (err as Error).message;
        await finishBackupRun(db, id, { status: 'failed', file, bytes, copiedTo, error });
        log.warn({ error, file }, 'nightly backup failed');
      }
      return (await recentBackupRuns(db, 1))[0]!;
    },

    /** Whether last night's backup is missing (a shop switched off at 03:00): made up at start. */
    async overdue(): Promise<boolean> {
      const last = await lastSuccessfulBackup(db);
      return !last || now().getTime() - last.getTime() > BACKUP_OVERDUE_MS;
    },

    recent: (limit = 5) => recentBackupRuns(db, limit),
  };
}

export type BackupService = ReturnType<typeof backupService>;

/** What Paramètres and head office are told: the last backup that worked, and the last failure if it came after. */
export async function backupReport(db: Db): Promise<{ lastOkAt: Date | null; lastStatus: BackupRun['status'] | null; lastError: string | null; lastAt: Date | null }> {
  const [last] = await recentBackupRuns(db, 1);
  return { lastOkAt: await lastSuccessfulBackup(db), lastStatus: last?.status ?? null, lastError: last?.status === 'failed' ? last.error : null, lastAt: last?.startedAt ?? null };
}
