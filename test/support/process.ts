import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/**
 * A port for a server a test starts (a child process, an embedded PostgreSQL),
 * picked below the kernel's ephemeral range and found free. A port the kernel
 * hands out for `listen(0)` could be handed out again before the child binds it
 * (seconds later): supertest listens on port 0 for every request, and the test
 * then took an in-process app's /healthz for its child's, and its sign-in for
 * the child's (a sign-in with no cookie, a connection refused).
 */
export async function freePort(): Promise<number> {
  const range = fs.existsSync('/proc/sys/net/ipv4/ip_local_port_range') ? fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8') : '32768';
  const top = Math.min(Number(range.trim().split(/\s+/)[0]) || 32768, 32768);
  const bottom = Math.max(1024, top - 12_000);
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = bottom + Math.floor(Math.random() * (top - bottom));
    if (await canListen(port)) return port;
  }
  throw new Error(`no free port between ${bottom} and ${top}`);
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** A data directory the `postgres` user can reach when the tests run as root. */
export function tempDataDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.chmodSync(dir, 0o755);
  return dir;
}

export interface RunningServer {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** Starts `server/main.ts` the way `npm start` does: one Node process, no wrapper. */
export function startServer(env: Record<string, string>, args: string[] = [], opts: { preload?: string } = {}): RunningServer {
  // The shop as deployed (package.json's start, deploy/systemd/comptoir.service): its heap flags and malloc arenas.
  const shopFlags = args.includes('--hq') ? [] : ['--max-old-space-size=96', '--max-semi-space-size=4'];
  // A test's own module loaded first (test/support/fault-on-signal.ts), never part of the server.
  const preload = opts.preload ? ['--import', opts.preload] : [];
  const child = spawn(process.execPath, [...shopFlags, '--import', 'tsx', ...preload, 'server/main.ts', ...args], {
    cwd: repoRoot,
    env: { ...process.env, MALLOC_ARENA_MAX: '2', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

export async function waitHealthy(port: number, server: RunningServer, timeoutMs = 30_000): Promise<number> {
  const started = Date.now();
  let exited = false;
  void server.exited.then(() => (exited = true));
  while (Date.now() - started < timeoutMs) {
    if (exited) throw new Error(`server exited before answering:\n${server.output()}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (res.ok) return Date.now() - started;
    } catch {
      /* not yet listening */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no answer on /healthz within ${timeoutMs} ms:\n${server.output()}`);
}

/** Asks again until `probe` answers something, or fails naming what it waited for. */
export async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 30_000, everyMs = 200): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** A JSON call to a server process started by startServer, with its session cookie; the answer's new cookie comes back. */
export async function serverApi(port: number, method: string, path: string, body?: unknown, cookie?: string) {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json().catch(() => null)) as any, cookie: res.headers.get('set-cookie')?.split(';')[0] };
}
