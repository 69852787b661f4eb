import type { Queryable } from '../db/pool.js';

export interface BackupRun {
  id: string;
  startedAt: Date;
  finishedAt: Date | null;
  status: 'running' | 'done' | 'failed';
  file: string | null;
  bytes: number | null;
  copiedTo: string | null;
  error: string | null;
}

const columns = 'id, started_at, finished_at, status, file, bytes, copied_to, error';

export async function startBackupRun(db: Queryable, id: string): Promise<void> {
  await db.exec(`insert into backup_runs (id, status) values ($1, 'running')`, [id]);
}

export async function finishBackupRun(db: Queryable, id: string, r: { status: 'done' | 'failed'; file: string | null; bytes: number | null; copiedTo: string | null; error: string | null }): Promise<void> {
  await db.exec(
    'update backup_runs set finished_at = now(), status = $2, file = $3, bytes = $4, copied_to = $5, error = $6 where id = $1',
    [id, r.status, r.file, r.bytes, r.copiedTo, r.error],
  );
}

export async function recentBackupRuns(db: Queryable, limit: number): Promise<BackupRun[]> {
  return db.rows<BackupRun>(`select ${columns} from backup_runs order by started_at desc limit $1`, [limit]);
}

export async function lastSuccessfulBackup(db: Queryable): Promise<Date | null> {
  return (await db.one<{ at: Date | null }>(`select max(finished_at) as at from backup_runs where status = 'done'`))?.at ?? null;
}
