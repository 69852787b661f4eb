import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { t } from '../i18n/fr.js';

export class BackupError extends Error {}

/** pg_dump/pg_restore read the password from the environment, never from the command line (ps shows it). */
function connection(connectionString: string): { args: string[]; env: NodeJS.ProcessEnv } {
  const u = new URL(connectionString);
  const password = decodeURIComponent(u.password);
  u.password = '';
  return { args: [`--dbname=${u.toString()}`], env: { ...process.env, ...(password ? { PGPASSWORD: password } : {}) } };
}

function run(tool: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(tool, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', (e: NodeJS.ErrnoException) =>
      reject(new BackupError(e.code === 'ENOENT' ? t('ops.tool_missing', { tool }) : t('ops.tool_failed', { tool, code: 'spawn', detail: e.message }))),
    );
    child.on('close', (code) => (code === 0 ? resolve() : reject(new BackupError(t('ops.tool_failed', { tool, code: String(code), detail: err.trim().slice(-1000) })))));
  });
}

/** A complete, consistent copy of the database (pg_dump's snapshot), in pg_dump's custom format. */
export async function backupDatabase(connectionString: string, file: string): Promise<{ file: string; bytes: number }> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const partial = `${file}.partial`;
  const { args, env } = connection(connectionString);
  await run('pg_dump', ['--format=custom', '--no-owner', '--no-privileges', `--file=${partial}`, ...args], env);
  fs.chmodSync(partial, 0o600); // it holds every sale and the PIN hashes
  fs.renameSync(partial, file); // a backup file exists only once it is whole
  return { file, bytes: fs.statSync(file).size };
}

/**
 * Replaces the database's contents with a backup's, in one transaction: a
 * failed restore leaves the database as it was. The server must be stopped.
 */
export async function restoreDatabase(connectionString: string, file: string): Promise<void> {
  if (!fs.existsSync(file)) throw new BackupError(t('ops.no_backup_file', { file }));
  const { args, env } = connection(connectionString);
  await run('pg_restore', ['--clean', '--if-exists', '--no-owner', '--no-privileges', '--single-transaction', '--exit-on-error', ...args, file], env);
}

export function defaultBackupFile(dataDir: string, shopCode: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\..+$/, '');
  return path.join(dataDir, 'backups', `comptoir-${shopCode}-${stamp}.dump`);
}
