import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { repoRoot, tempDataDir } from '../support/process.js';
import { testHq } from '../support/harness.js';

// Issue 19, item 6: `hq user add` took the password on the command line (shell history, `ps`) and made admins by default.

function comptoir(args: string[], env: Record<string, string>, stdin: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/comptoir.js', ...args], { cwd: repoRoot, env: { ...process.env, LOG_LEVEL: 'silent', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, out }));
    child.stdin.end(stdin);
  });
}

describe('npx comptoir hq user add', () => {
  it('refuses a password on the command line, reads it from stdin, and makes a read-only account unless told otherwise', { timeout: 60_000 }, async () => {
    const hq = await testHq();
    const env = { DATABASE_URL: hq.dbUrl, DATA_DIR: tempDataDir('comptoir-cli-') };
    const inline = await comptoir(['hq', 'user', 'add', '--login', 'fatou', '--password', 'un-long-mot-de-passe'], env, '');
    expect(inline.code).toBe(2);
    expect(inline.out).toContain('Le mot de passe ne se donne pas en argument');
    expect(await hq.count('hq_users')).toBe(0);

    const piped = await comptoir(['hq', 'user', 'add', '--login', 'fatou', '--name', 'Fatou Sarr'], env, 'un-long-mot-de-passe\n');
    expect(piped.out).toContain('Compte du siège créé : fatou (lecture seule).');
    expect(piped.code).toBe(0);
    expect(await hq.db.rows('select login, name, role from hq_users')).toEqual([{ login: 'fatou', name: 'Fatou Sarr', role: 'lecture' }]);
    expect(await hq.db.rows('select actor, action, target from access_audit')).toEqual([{ actor: expect.stringMatching(/^cli:/), action: 'staff_added', target: 'fatou' }]);

    const empty = await comptoir(['hq', 'user', 'add', '--login', 'awa', '--role', 'admin'], env, '');
    expect(empty.code).toBe(1);
    expect(empty.out).toContain('Aucun mot de passe lu');
    expect(await hq.count('hq_users')).toBe(1);
  });
});
