import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { repoRoot, tempDataDir } from '../support/process.js';
import { freshDatabase, testHq, testShop } from '../support/harness.js';

// Issue 24: `npx comptoir shop init-from-hq` brings the people back without PINs and shows the first manager's PIN once.

function comptoir(args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/comptoir.js', ...args], { cwd: repoRoot, env: { ...process.env, LOG_LEVEL: 'silent', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, out }));
  });
}

describe('npx comptoir shop init-from-hq', () => {
  it('brings the shop’s people back and prints the first manager’s new PIN once, which then signs in', { timeout: 120_000 }, async () => {
    const hq = await testHq();
    await hq.listen();
    const token = await hq.registerShop('CLI01');
    const manager = randomUUID();
    await hq.admin('post', '/api/staff').send({ id: manager, name: 'Awa Sarr', role: 'manager', shops: ['CLI01'] }).expect(201);
    await hq.admin('post', '/api/staff').send({ id: randomUUID(), name: 'Modou Fall', role: 'cashier', shops: ['CLI01'] }).expect(201);
    const { url } = await freshDatabase();
    const env = { DATABASE_URL: url, DATA_DIR: tempDataDir('comptoir-cli-rebuild-'), SHOP_CODE: 'CLI01', HQ_URL: hq.url, HQ_TOKEN: token };

    const rebuilt = await comptoir(['shop', 'init-from-hq'], env);
    expect(rebuilt.out).toContain('Personnel revenu du siège : 2 personne(s), sans code PIN.');
    // Issue 23: the summary counts what moved between shops, requisitions included.
    expect(rebuilt.out).toContain('Et : 0 transfert(s) entre boutiques, 0 réception(s) de transfert, 0 demande(s) de produits, 0 inventaire(s) clôturé(s).');
    const pin = /Code PIN de Awa Sarr \(responsable\) : (\d{6})/.exec(rebuilt.out)?.[1];
    expect(pin, rebuilt.out).toBeDefined();
    expect(rebuilt.code).toBe(0);

    const shop = await testShop({ code: 'CLI01', url });
    const signed = await request(shop.app).post('/api/session').send({ pin }).expect(200);
    expect(signed.body.user).toMatchObject({ id: manager, name: 'Awa Sarr', role: 'manager' });
    expect(await shop.db.rows('select name, pin_set from users order by name')).toEqual([
      { name: 'Awa Sarr', pinSet: true },
      { name: 'Modou Fall', pinSet: false },
    ]);
    await hq.close();
  });
});
