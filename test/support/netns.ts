/**
 * A shop's link on this machine: two network namespaces of their own (the
 * shop's and head office's) joined by a veth pair, each end shaped by a
 * `tbf` qdisc (this kernel has no netem: the round trip, resets and drops are
 * test/support/link-proxy.ts's). Needs root and iproute2; where a namespace
 * cannot be made the caller skips with the printed reason, except under CI,
 * where .ci/run runs as root and it must work.
 *
 * Processes in a namespace reach the test's PostgreSQL (on the root
 * namespace's loopback) through a Unix socket bridged here: sockets on the
 * file system are not namespaced.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const run = (args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
const tc = (ns: string, args: string[]) => execFileSync('ip', ['netns', 'exec', ns, 'tc', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });

/** Whether namespaces can be made here; the reason when not (printed, or thrown under CI). */
export function linkSupport(): { available: true } | { available: false; reason: string } {
  const no = (reason: string) => {
    if (process.env.CI === 'true') throw new Error(`${reason}; under CI the link test must run (.ci/run runs as root and installs iproute2)`);
    process.stdout.write(`SKIPPED: ${reason}\n`);
    return { available: false as const, reason };
  };
  if (spawnSync('sh', ['-c', 'command -v ip && command -v tc']).status !== 0) return no('ip or tc not found: install Debian\'s iproute2');
  if (process.getuid?.() !== 0) return no('network namespaces need root');
  const probe = `cptprobe${process.pid}`;
  const made = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' });
  if (made.status !== 0) return no(`ip netns add failed: ${made.stderr.trim()}`);
  spawnSync('ip', ['netns', 'del', probe]);
  return { available: true };
}

export interface Link {
  shopNs: string;
  hqNs: string;
  shopAddress: string;
  hqAddress: string;
  /** Both directions at this rate (a 3G cell: its queue half a second deep, at least 10 packets). */
  shape(kbit: number): void;
  /** `node --import tsx <script>` inside a namespace, with an IPC channel to this process. */
  spawnIn(ns: string, script: string, env: Record<string, string>, args?: string[]): ChildProcess;
  /** A connection string for `url` that works from inside a namespace (through the Unix socket bridge). */
  databaseUrl(url: string): string;
  /** Ends the children it started, deletes both namespaces (their veth and qdiscs with them), closes the bridge. */
  close(): Promise<void>;
}

export async function makeLink(tag: string): Promise<Link> {
  const id = `${tag}${process.pid % 10_000}`;
  const shopNs = `cpt-${id}-shop`;
  const hqNs = `cpt-${id}-hq`;
  const subnet = `10.${200 + (process.pid % 50)}.${process.pid % 250}`;
  const children = new Set<ChildProcess>();
  const socketDir = fs.mkdtempSync(path.join(os.tmpdir(), 'comptoir-link-'));
  fs.chmodSync(socketDir, 0o755);
  const bridges: net.Server[] = [];
  const bridged = new Map<string, string>();

  const close = async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await Promise.all([...children].map((c) => (c.exitCode === null && c.signalCode === null ? new Promise((r) => c.once('exit', r)) : undefined)));
    for (const ns of [shopNs, hqNs]) spawnSync('ip', ['netns', 'del', ns]);
    await Promise.all(bridges.map((b) => new Promise((r) => b.close(r))));
    fs.rmSync(socketDir, { recursive: true, force: true });
  };
  try {
    for (const ns of [shopNs, hqNs]) spawnSync('ip', ['netns', 'del', ns]); // left by a killed run
    run(['netns', 'add', shopNs]);
    run(['netns', 'add', hqNs]);
    run(['link', 'add', `cvs${id}`, 'netns', shopNs, 'type', 'veth', 'peer', 'name', `cvh${id}`, 'netns', hqNs]);
    for (const [ns, dev, host] of [[shopNs, `cvs${id}`, 1], [hqNs, `cvh${id}`, 2]] as const) {
      run(['-n', ns, 'addr', 'add', `${subnet}.${host}/30`, 'dev', dev]);
      run(['-n', ns, 'link', 'set', dev, 'up']);
      run(['-n', ns, 'link', 'set', 'lo', 'up']);
    }
  } catch (err) {
    await close();
    throw err;
  }

  return {
    shopNs, hqNs, shopAddress: `${subnet}.1`, hqAddress: `${subnet}.2`,
    shape(kbit) {
      const bytesPerS = (kbit * 1000) / 8;
      const limit = Math.max(15_000, Math.round(bytesPerS / 2));
      tc(shopNs, ['qdisc', 'replace', 'dev', `cvs${id}`, 'root', 'tbf', 'rate', `${kbit}kbit`, 'burst', '3000', 'limit', String(limit)]);
      tc(hqNs, ['qdisc', 'replace', 'dev', `cvh${id}`, 'root', 'tbf', 'rate', `${kbit}kbit`, 'burst', '3000', 'limit', String(limit)]);
    },
    spawnIn(ns, script, env, args = []) {
      const child = spawn('ip', ['netns', 'exec', ns, process.execPath, '--import', 'tsx', script, ...args], {
        cwd: path.resolve(import.meta.dirname, '../..'),
        env: { ...process.env, MALLOC_ARENA_MAX: '2', ...env },
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      });
      children.add(child);
      return child;
    },
    databaseUrl(url) {
      const u = new URL(url);
      const port = u.port || '5432';
      const key = `${u.hostname}:${port}`;
      if (!bridged.has(key)) {
        const file = path.join(socketDir, `.s.PGSQL.${port}`);
        const server = net.createServer((inner) => {
          const outer = net.connect(Number(port), u.hostname);
          inner.pipe(outer).pipe(inner);
          const end = () => {
            inner.destroy();
            outer.destroy();
          };
          inner.on('error', end).on('close', end);
          outer.on('error', end).on('close', end);
        });
        server.listen(file);
        fs.chmodSync(socketDir, 0o777);
        bridges.push(server);
        bridged.set(key, file);
      }
      u.searchParams.set('host', socketDir);
      return u.toString();
    },
    close,
  };
}

/** The next IPC message of `child` that `match` accepts (or the child's exit, as an error with its output). */
export function nextMessage<T>(child: ChildProcess, match: (m: Record<string, unknown>) => boolean, output: () => string, timeoutMs = 120_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error(`no answer within ${timeoutMs} ms:\n${output().slice(-3000)}`)), timeoutMs);
    const onMessage = (m: unknown) => {
      if (m && typeof m === 'object' && match(m as Record<string, unknown>)) finish(undefined, m as T);
    };
    const onExit = (code: number | null) => finish(new Error(`child exited (${code}):\n${output().slice(-3000)}`));
    function finish(err: Error | undefined, value?: T) {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolve(value!);
    }
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}
