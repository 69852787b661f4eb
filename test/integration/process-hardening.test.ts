import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { freePort, repoRoot, startServer, tempDataDir, waitHealthy, type RunningServer } from '../support/process.js';

const postmasterPid = (dataDir: string) => Number(fs.readFileSync(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);

const dirs: string[] = [];
const running: RunningServer[] = [];
afterAll(async () => {
  for (const s of running) if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGTERM');
  await Promise.all(running.map((s) => s.exited));
  // A run that failed half-way may have left a postgres behind: stop it before its folder goes.
  for (const d of dirs) {
    try {
      process.kill(postmasterPid(d), 'SIGINT');
      await new Promise((r) => setTimeout(r, 1000));
    } catch {
      /* none, or already gone */
    }
    fs.rmSync(d, { recursive: true, force: true });
  }
});

async function shopEnv(prefix: string, pin: string) {
  const dataDir = tempDataDir(prefix);
  dirs.push(dataDir);
  return { DATA_DIR: dataDir, PORT: String(await freePort()), EMBEDDED_PG_PORT: String(await freePort()), COMPTOIR_ADMIN_PIN: pin };
}

function launch(env: Record<string, string>, opts: { preload?: string } = {}): RunningServer {
  const s = startServer(env, [], opts);
  running.push(s);
  return s;
}

/** An upgrade request written byte for byte, as a hostile client would: the status line it gets back, and whether the socket was closed. */
function rawUpgrade(port: number, target: string, headers: Record<string, string>): Promise<{ status: number | undefined; closed: boolean }> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let data = '';
    const done = (closed: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      const m = /^HTTP\/1\.1 (\d{3})/.exec(data);
      resolve({ status: m ? Number(m[1]) : undefined, closed });
    };
    const timer = setTimeout(() => done(false), 5000);
    socket.on('data', (d: Buffer) => (data += d.toString('latin1')));
    socket.on('close', () => done(true));
    socket.on('error', () => undefined);
    const lines = [
      `GET ${target} HTTP/1.1`, `Host: 127.0.0.1:${port}`, 'Connection: Upgrade', 'Upgrade: websocket',
      'Sec-WebSocket-Version: 13', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
      ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
    ];
    socket.write(`${lines.join('\r\n')}\r\n\r\n`);
  });
}

async function signIn(port: number, pin: string): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ pin }) });
  expect(res.status).toBe(200);
  return res.headers.get('set-cookie')!.split(';')[0]!;
}

describe('hostile live-socket upgrades against the real shop process', () => {
  it('answers each with a 4xx and closes it, keeps serving, and a signed-in till still gets its live socket', async () => {
    const env = await shopEnv('comptoir-upgrade-', '864209');
    const port = Number(env.PORT);
    const server = launch(env);
    await waitHealthy(port, server);
    const cookie = await signIn(port, '864209');

    // What a sandboxed iframe on any web page sends, a cookie that does not decode, a target that is no URL.
    expect(await rawUpgrade(port, '/live', { Origin: 'null' })).toEqual({ status: 403, closed: true });
    expect(await rawUpgrade(port, '/live', { Cookie: 'comptoir_session=%E0%A4%A' })).toEqual({ status: 401, closed: true });
    expect(await rawUpgrade(port, '//[', {})).toEqual({ status: 400, closed: true });
    // An Origin that is no URL, another site's Origin, another path.
    expect(await rawUpgrade(port, '/live', { Origin: 'http://[' , Cookie: cookie })).toEqual({ status: 403, closed: true });
    expect(await rawUpgrade(port, '/live', { Origin: 'https://ailleurs.example', Cookie: cookie })).toEqual({ status: 403, closed: true });
    expect(await rawUpgrade(port, '/autre', { Cookie: cookie })).toEqual({ status: 404, closed: true });

    // A client that sends a session and resets the connection while it is being looked up.
    for (let i = 0; i < 20; i++) {
      const socket = net.connect(port, '127.0.0.1');
      socket.on('error', () => undefined);
      await new Promise<void>((r) => socket.once('connect', () => r()));
      socket.write(`GET /live HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nCookie: ${cookie}\r\n\r\n`);
      socket.resetAndDestroy();
    }
    await new Promise((r) => setTimeout(r, 500));

    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    expect(server.child.exitCode).toBeNull();
    const ws = new WebSocket(`ws://127.0.0.1:${port}/live?page=caisse&url=%2Fcaisse`, { headers: { cookie, origin: `http://127.0.0.1:${port}` } });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    ws.close();
    expect(server.output()).not.toContain('"level":60');
  });
});

describe('the embedded PostgreSQL when the Node process dies', () => {
  it('is found still running by the next start after kill -9, stopped cleanly, and the log says so in French', { timeout: 90_000 }, async () => {
    const env = await shopEnv('comptoir-orphan-', '975310');
    const port = Number(env.PORT);
    const first = launch(env);
    await waitHealthy(port, first);
    const pid = postmasterPid(env.DATA_DIR);
    first.child.kill('SIGKILL');
    await first.exited;
    expect(() => process.kill(pid, 0)).not.toThrow(); // the orphan is still there

    const second = launch(env);
    await waitHealthy(port, second);
    expect(() => process.kill(pid, 0)).toThrow(); // stopped, and a new one serves
    const line = second.output().split('\n').find((l) => l.includes('"event":"embedded_pg_orphan_stopped"'));
    expect(line).toBeDefined();
    const entry = JSON.parse(line!) as { level: number; pid: number; msg: string };
    expect(entry.pid).toBe(pid);
    expect(entry.msg).toContain(`processus ${pid}`);
    expect(entry.msg).toContain('arrêtée proprement');
    await signIn(port, '975310');
  });

  it('is stopped by the process itself when a fault of ours would end it, which exits 1 for systemd to restart', { timeout: 90_000 }, async () => {
    const env = await shopEnv('comptoir-fatal-', '135792');
    const port = Number(env.PORT);
    // A module loaded before the server that throws, outside any handler, when told to (SIGUSR2): a bug of ours, simulated.
    const server = launch(env, { preload: path.join(repoRoot, 'test/support/fault-on-signal.ts') });
    await waitHealthy(port, server);
    const pidFile = path.join(env.DATA_DIR, 'pg', 'postmaster.pid');
    const pid = postmasterPid(env.DATA_DIR);
    server.child.kill('SIGUSR2');
    expect(await server.exited).toBe(1);
    expect(() => process.kill(pid, 0)).toThrow();
    expect(fs.existsSync(pidFile)).toBe(false);
    const fatal = server.output().split('\n').find((l) => l.includes('"event":"fatal_error"'));
    expect(fatal).toBeDefined();
    expect(fatal).toContain('simulated fault of ours');
    expect(JSON.parse(fatal!).msg).toContain('Comptoir s’arrête');

    // The next start finds nothing to recover.
    const again = launch(env);
    await waitHealthy(port, again);
    expect(again.output()).not.toContain('embedded_pg_orphan_stopped');
  });
});
