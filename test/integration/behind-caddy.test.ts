import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '../../server/db/pool.js';
import { createLogger } from '../../server/logger.js';
import { staffService } from '../../server/staff/service.js';
import { freshDatabase } from '../support/harness.js';
import { freePort, repoRoot, startServer, tempDataDir, waitHealthy, type RunningServer } from '../support/process.js';
import { requireTool } from '../support/tools.js';

const caddyTool = requireTool('caddy', 'caddy');
const PASSWORD = 'siege-derriere-caddy';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
}

/** An https request that checks Caddy's certificate against the local authority it made for `localhost`. */
function over(url: string, ca: Buffer, opts: { method?: string; form?: Record<string, string>; headers?: Record<string, string> } = {}): Promise<Answer> {
  const body = opts.form ? new URLSearchParams(opts.form).toString() : undefined;
  return new Promise((resolve, reject) => {
    const req = https.request(url, {
      method: opts.method ?? 'GET', ca,
      headers: { ...(body ? { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(Buffer.byteLength(body)) } : {}), ...opts.headers },
    }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function until(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('Caddy did not come up in time');
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe.skipIf(!caddyTool.available)('head office behind the documented Caddy (deploy/caddy/Caddyfile)', () => {
  const work = tempDataDir('comptoir-caddy-');
  let hq: RunningServer;
  let caddy: ChildProcess | undefined;
  let hqPort: number;
  let tlsPort: number;
  let ca: Buffer;

  beforeAll(async () => {
    const { url } = await freshDatabase();
    const db = createDb({ connectionString: url, logger: createLogger('silent') });
    await staffService({ db, now: () => new Date() }).addUser({ login: 'awa', name: 'Awa Diop', role: 'admin', password: PASSWORD });
    await db.close();

    hqPort = await freePort();
    // As deploy/install.sh --hq writes it: 127.0.0.1 by default, Caddy on loopback trusted.
    hq = startServer({ DATABASE_URL: url, PORT: String(hqPort), DATA_DIR: path.join(work, 'hq'), TRUST_PROXY: 'loopback', COMPTOIR_HQ_ADMIN_TOKEN: 'caddy-test-admin-token' }, ['--hq']);
    await waitHealthy(hqPort, hq);

    // The deployed Caddyfile itself, imported under test-only globals: no admin port, no port 80, no system trust store.
    tlsPort = await freePort();
    const storage = path.join(work, 'caddy');
    fs.writeFileSync(path.join(work, 'Caddyfile'), `{\n\tadmin off\n\tskip_install_trust\n\tauto_https disable_redirects\n\tstorage file_system ${storage}\n}\nimport ${path.join(repoRoot, 'deploy/caddy/Caddyfile')}\n`);
    caddy = spawn('caddy', ['run', '--config', path.join(work, 'Caddyfile'), '--adapter', 'caddyfile'], {
      env: { ...process.env, HQ_DOMAIN: `localhost:${tlsPort}`, COMPTOIR_HQ_UPSTREAM: `127.0.0.1:${hqPort}`, CADDY_LOG: path.join(work, 'access.log'), XDG_DATA_HOME: storage, XDG_CONFIG_HOME: storage },
      stdio: 'ignore',
    });
    const root = path.join(storage, 'pki/authorities/local/root.crt');
    await until(async () => fs.existsSync(root));
    ca = fs.readFileSync(root);
    await until(async () => (await over(`https://localhost:${tlsPort}/healthz`, ca).catch(() => ({ status: 0 }))).status === 200);
  });

  afterAll(async () => {
    caddy?.kill('SIGTERM');
    if (hq && hq.child.exitCode === null) hq.child.kill('SIGTERM');
    await hq?.exited;
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('serves its pages with HSTS and signs in with a Secure cookie', async () => {
    const page = await over(`https://localhost:${tlsPort}/connexion`, ca);
    expect(page.status).toBe(200);
    expect(page.headers['strict-transport-security']).toBe('max-age=31536000');
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    const login = await over(`https://localhost:${tlsPort}/connexion`, ca, { method: 'POST', form: { login: 'awa', password: PASSWORD } });
    expect(login.status).toBe(303);
    expect(String(login.headers['set-cookie'])).toMatch(/comptoir_siege=[^;]+;.*Secure/);
  });

  it('answers on 127.0.0.1 itself only in plain http, without HSTS: the cookie Secure comes from Caddy’s word', async () => {
    const res = await fetch(`http://127.0.0.1:${hqPort}/connexion`, {
      method: 'POST', body: new URLSearchParams({ login: 'awa', password: PASSWORD }), redirect: 'manual',
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('set-cookie')).not.toContain('Secure');
    expect(res.headers.get('strict-transport-security')).toBeNull();
  });
});
