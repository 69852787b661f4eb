import fs from 'node:fs';
import path from 'node:path';
import type { Db } from '../db/pool.js';
import { t } from '../i18n/fr.js';
import { newId } from '../ids.js';
import type { Logger } from '../logger.js';
import { backupDatabase, defaultBackupFile } from './backup.js';
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
  /** A mounted USB stick (or any folder): each backup is copied there too. */
  copyDir?: string | undefined;
  now: () => Date;
}

/**
 * The nightly backup: a dated pg_dump (custom format, compressed) in
 * DATA_DIR/backups, the 14 newest kept, a copy on the USB stick when one is
 * configured. Every run is recorded, failures with their reason, for
 * Paramètres and for head office.
 */
export function backupService({ db, logger, connectionString, dataDir, shopCode, copyDir, now }: BackupDeps) {
  const dir = path.join(dataDir, 'backups');
  const log = logger.child({ component: 'backup' });

  function prune(folder: string): void {
    const dumps = fs.readdirSync(folder).filter((f) => /^comptoir-.+\.dump$/.test(f)).sort();
    for (const old of dumps.slice(0, Math.max(0, dumps.length - BACKUPS_KEPT))) fs.rmSync(path.join(folder, old), { force: true });
  }

  return {
    async nightly(): Promise<BackupRun> {
      const id = newId();
      await startBackupRun(db, id);
      let file: string | null = null;
      let bytes: number | null = null;
      let copiedTo: string | null = null;
      try {
        ({ file, bytes } = await backupDatabase(connectionString, defaultBackupFile(dataDir, shopCode, now())));
        prune(dir);
        if (copyDir) {
          // A stick that is not mounted leaves an empty folder of the SD card: the stick is recognised by its
          // marker file (or by being another device), never filled in its absence.
          const marked = fs.existsSync(path.join(copyDir, USB_MARKER));
          if (!fs.existsSync(copyDir) || (!marked && fs.statSync(copyDir).dev === fs.statSync(dataDir).dev)) {
            throw new Error(t('ops.usb_missing', { dir: copyDir, marker: USB_MARKER }));
          }
          copiedTo = path.join(copyDir, path.basename(file));
          fs.copyFileSync(file, `${copiedTo}.partial`);
          fs.renameSync(`${copiedTo}.partial`, copiedTo);
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
