import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { repoRoot, tempDataDir } from '../support/process.js';
import { testHq } from '../support/harness.js';

// Issue 24: `npx comptoir hq staff add|list|deactivate` keeps head office's staff, never a PIN.

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

describe('npx comptoir hq staff', () => {
  it('adds a person once for the same id, lists them by shop, deactivates them, and refuses an unknown shop writing nothing', { timeout: 90_000 }, async () => {
    const hq = await testHq();
    await hq.registerShop('DKR01');
    const env = { DATABASE_URL: hq.dbUrl, DATA_DIR: tempDataDir('comptoir-cli-staff-') };
    const id = '0b6f2a4e-2a63-4c1e-9a55-3f1e4d2b7c10';

    const unknown = await comptoir(['hq', 'staff', 'add', '--name', 'Awa Sarr', '--role', 'cashier', '--shops', 'XXX99'], env);
    expect(unknown.out).toContain('Boutique « XXX99 » inconnue du siège.');
    expect(unknown.code).toBe(1);
    expect(await hq.count('hq_staff')).toBe(0);

    const added = await comptoir(['hq', 'staff', 'add', '--id', id, '--name', 'Awa Sarr', '--role', 'pharmacist', '--shops', 'DKR01'], env);
    expect(added.out).toContain(`Personne Awa Sarr ajoutée (${id}), boutiques : DKR01.`);
    expect(added.code).toBe(0);
    const again = await comptoir(['hq', 'staff', 'add', '--id', id, '--name', 'Awa Sarr', '--role', 'pharmacist', '--shops', 'DKR01'], env);
    expect(again.out).toContain('déjà enregistrée');
    expect(await hq.db.rows('select name, role, active from hq_staff')).toEqual([{ name: 'Awa Sarr', role: 'pharmacist', active: true }]);

    const listed = await comptoir(['hq', 'staff', 'list', '--shop', 'DKR01'], env);
    expect(listed.out).toContain(`${id}  Awa Sarr  pharmacist  DKR01  actif`);

    const off = await comptoir(['hq', 'staff', 'deactivate', id], env);
    expect(off.out).toContain('Personne Awa Sarr désactivée');
    expect(await hq.db.rows('select active from hq_staff')).toEqual([{ active: false }]);
    expect((await hq.db.rows<{ action: string }>('select action from access_audit order by at')).map((r) => r.action)).toEqual(['hq_staff_added', 'hq_staff_disabled']);
    await hq.close();
  });
});
