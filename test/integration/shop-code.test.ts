import fs from 'node:fs';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { freshDatabase } from '../support/harness.js';
import { freePort, startServer, tempDataDir, waitHealthy, type RunningServer } from '../support/process.js';

/*
 * Issue 24: a shop's data belongs to one shop. Started with another SHOP_CODE
 * it refuses to start, in French, and writes nothing (no second shop row).
 */

const dirs: string[] = [];
const running: RunningServer[] = [];
afterAll(async () => {
  for (const s of running) if (s.child.exitCode === null) s.child.kill('SIGTERM');
  await Promise.all(running.map((s) => s.exited));
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

async function rows<T>(url: string, sql: string): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(sql)).rows as T[];
  } finally {
    await c.end();
  }
}

describe('a shop started with the SHOP_CODE of another shop', () => {
  it('refuses to start with a French sentence naming both codes, and makes no second shop', { timeout: 90_000 }, async () => {
    const { url } = await freshDatabase();
    const dataDir = tempDataDir('comptoir-shopcode-');
    dirs.push(dataDir);
    const env = { DATABASE_URL: url, DATA_DIR: dataDir, COMPTOIR_ADMIN_PIN: '246810', SHOP_CODE: 'DKR01' };

    const port = await freePort();
    const first = startServer({ ...env, PORT: String(port) });
    running.push(first);
    await waitHealthy(port, first);
    first.child.kill('SIGTERM');
    await first.exited;
    const before = await rows<{ code: string; id: string }>(url, 'select id, code from shops');
    expect(before.map((s) => s.code)).toEqual(['DKR01']);
    const users = await rows(url, 'select id from users');

    const wrong = startServer({ ...env, SHOP_CODE: 'THS01', PORT: String(await freePort()) });
    running.push(wrong);
    expect(await wrong.exited).toBe(1);
    expect(wrong.output()).toContain(
      'Comptoir n’a pas pu démarrer : Ce dossier de données appartient à la boutique DKR01, mais SHOP_CODE vaut THS01.',
    );
    expect(wrong.output()).toContain('remettez SHOP_CODE=DKR01');
    expect(wrong.output()).not.toMatch(/at .*\.ts:\d+/); // one plain sentence, no stack
    expect(await rows(url, 'select id, code from shops')).toEqual(before);
    expect(await rows(url, 'select id from users')).toEqual(users);

    // The right code still starts.
    const again = startServer({ ...env, PORT: String(port) });
    running.push(again);
    await waitHealthy(port, again);
  });
});
