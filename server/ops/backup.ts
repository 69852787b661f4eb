import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Decrypter } from 'age-encryption';
import { t } from '../i18n/fr.js';
import { isSealedFile, seal, SEALED_SUFFIX, unseal } from './seal.js';

export class BackupError extends Error {}

/** pg_dump/pg_restore read the password from the environment, never from the command line (ps shows it). */
function connection(connectionString: string): { args: string[]; env: NodeJS.ProcessEnv } {
  const u = new URL(connectionString);
  const password = decodeURIComponent(u.password);
  u.password = '';
  return { args: [`--dbname=${u.toString()}`], env: { ...process.env, ...(password ? { PGPASSWORD: password } : {}) } };
}

function start(tool: string, args: string[], env: NodeJS.ProcessEnv, stdio: { stdin: 'ignore' | 'pipe'; stdout: 'ignore' | 'pipe' }) {
  const child = spawn(tool, args, { env, stdio: [stdio.stdin, stdio.stdout, 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve, reject) => {
    child.on('error', (e: NodeJS.ErrnoException) =>
      reject(new BackupError(e.code === 'ENOENT' ? t('ops.tool_missing', { tool }) : t('ops.tool_failed', { tool, code: 'spawn', detail: e.message }))),
    );
    child.on('close', (code) => (code === 0 ? resolve() : reject(new BackupError(t('ops.tool_failed', { tool, code: String(code), detail: err.trim().slice(-1000) })))));
  });
  return { child, exited };
}

/** Waits for every step, so that none rejects unobserved; throws the first failure. */
async function all(steps: Promise<unknown>[]): Promise<void> {
  const failed = (await Promise.allSettled(steps)).find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

function kill(child: ChildProcess): void {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

export interface BackupOptions {
  /** An age public key: the dump is written only encrypted to it. */
  recipient?: string | undefined;
}

/**
 * A complete, consistent copy of the database (pg_dump's snapshot), in
 * pg_dump's custom format, sealed with age when a recipient is given (the
 * file then ends in .age). pg_dump writes to us, not to a file: the file is
 * ours, created 0600 whatever the umask, and never holds a plain dump when
 * it is to be sealed. It exists under its name only once whole and on disk.
 */
export async function backupDatabase(connectionString: string, file: string, opts: BackupOptions = {}): Promise<{ file: string; bytes: number; sealed: boolean }> {
  const sealed = opts.recipient !== undefined;
  const target = sealed && !file.endsWith(SEALED_SUFFIX) ? `${file}${SEALED_SUFFIX}` : file;
  fs.mkdirSync(path.dirname(target), { recursive: true, mode: 0o700 });
  const partial = `${target}.partial`;
  fs.rmSync(partial, { force: true }); // one left by a power cut keeps its old mode if reopened: made anew
  const { args, env } = connection(connectionString);
  const { child, exited } = start('pg_dump', ['--format=custom', '--no-owner', '--no-privileges', ...args], env, { stdin: 'ignore', stdout: 'pipe' });
  try {
    const dump = child.stdout as Readable;
    const body = opts.recipient ? await seal(dump, opts.recipient) : dump;
    await all([pipeline(body, fs.createWriteStream(partial, { flags: 'wx', mode: 0o600, flush: true })), exited]);
  } catch (err) {
    kill(child);
    fs.rmSync(partial, { force: true });
    throw err instanceof BackupError ? err : new BackupError(t('ops.backup_write_failed', { file: target, reason: (err as Error).message }));
  }
  fs.renameSync(partial, target);
  return { file: target, bytes: fs.statSync(target).size, sealed };
}

export interface RestoreOptions {
  /** age secret keys (AGE-SECRET-KEY-1…): needed for a sealed backup. */
  identities?: string[] | undefined;
}

/**
 * Replaces the database's contents with a backup's, in one transaction: a
 * failed restore leaves the database as it was. The server must be stopped.
 * A sealed backup is decrypted as pg_restore reads it (nothing plain is
 * written to disk); a damaged chunk kills pg_restore before it can commit.
 */
export async function restoreDatabase(connectionString: string, file: string, opts: RestoreOptions = {}): Promise<void> {
  if (!fs.existsSync(file)) throw new BackupError(t('ops.no_backup_file', { file }));
  const { args, env } = connection(connectionString);
  const restoreArgs = ['--clean', '--if-exists', '--no-owner', '--no-privileges', '--single-transaction', '--exit-on-error', ...args];
  if (!isSealedFile(file)) {
    await start('pg_restore', [...restoreArgs, file], env, { stdin: 'ignore', stdout: 'ignore' }).exited;
    return;
  }
  const identities = opts.identities ?? [];
  if (identities.length === 0) throw new BackupError(t('ops.restore_needs_identity', { file }));
  for (const identity of identities) {
    try {
      new Decrypter().addIdentity(identity);
    } catch {
      throw new BackupError(t('ops.identity_invalid'));
    }
  }
  const source = fs.createReadStream(file);
  let plain: Readable;
  try {
    plain = await unseal(source, identities);
  } catch {
    source.destroy();
    throw new BackupError(t('ops.identity_wrong', { file }));
  }
  const { child, exited } = start('pg_restore', restoreArgs, env, { stdin: 'pipe', stdout: 'ignore' });
  let damaged = false;
  // Before the pipe closes pg_restore's input: a truncated archive must never reach its COMMIT.
  plain.on('error', () => {
    damaged = true;
    kill(child);
  });
  try {
    await all([exited, pipeline(plain, child.stdin!)]); // pg_restore's own error first: it explains an early end
  } catch (err) {
    if (damaged) throw new BackupError(t('ops.sealed_damaged', { file }));
    throw err;
  }
}

export function defaultBackupFile(dataDir: string, shopCode: string, now = new Date(), sealed = false): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\..+$/, '');
  return path.join(dataDir, 'backups', `comptoir-${shopCode}-${stamp}.dump${sealed ? SEALED_SUFFIX : ''}`);
}
