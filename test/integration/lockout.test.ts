import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../server/errors.js';
import { staffService } from '../../server/staff/service.js';
import { testHq, type TestHq } from '../support/harness.js';

// Issue 19, item 8: anyone could lock a head-office account for 15 minutes, and the lock told which logins exist.

let hq: TestHq;
let staff: ReturnType<typeof staffService>;
const PASSWORD = 'un-mot-de-passe-solide';

beforeAll(async () => {
  hq = await testHq();
  staff = staffService({ db: hq.db, now: hq.clock.now });
  await staff.addUser({ login: 'cible', name: 'Compte visé', role: 'admin', password: PASSWORD });
  await staff.addUser({ login: 'partie', name: 'Partie', role: 'lecture', password: PASSWORD });
});

const later = (ms: number) => hq.clock.set(new Date(hq.clock.now().getTime() + ms));

async function answer(login: string, password: string, address: string): Promise<[number, string]> {
  try {
    await staff.login({ login, password }, address);
    return [200, ''];
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    return [err.status, err.message];
  }
}

describe('wrong passwords at head office', () => {
  it('slow down the address that sends them and leave the account open to its owner elsewhere', async () => {
    later(86_400_000);
    for (let i = 0; i < 20; i++) await answer('cible', `devine-moi-${i}`, '203.0.113.7');
    expect(await answer('cible', PASSWORD, '203.0.113.7')).toEqual([429, expect.stringMatching(/^Trop d’essais incorrects\. Réessayez dans \d+ (s|min)\.$/)]);
    // The owner, at the office, is let in at once.
    expect((await answer('cible', PASSWORD, '198.51.100.20'))[0]).toBe(200);
  });

  it('answer an unknown login exactly as a known one, wrong or waiting', async () => {
    later(86_400_000);
    const sequence = async (login: string) => {
      const seen: [number, string][] = [];
      for (let i = 0; i < 5; i++) seen.push(await answer(login, 'faux-mot-de-passe', '203.0.113.8'));
      seen.push(await answer(login, PASSWORD, '203.0.113.8'));
      // From another address, at once: a lock on the account would show here, and say the login exists.
      seen.push(await answer(login, 'faux-mot-de-passe', '203.0.113.9'));
      return seen;
    };
    const known = await sequence('cible');
    later(86_400_000);
    const unknown = await sequence('personne-inconnue');
    expect(known).toEqual(unknown);
    expect(known.map(([s]) => s)).toEqual([401, 401, 401, 401, 401, 429, 401]);
    expect(known[0]![1]).toBe('Identifiant ou mot de passe incorrect.');
  });

  it('answer a disabled account’s right password as a wrong one', async () => {
    later(86_400_000);
    await staff.setActive('partie', false, 'test');
    expect(await answer('partie', PASSWORD, '198.51.100.30')).toEqual([401, 'Identifiant ou mot de passe incorrect.']);
    await staff.setActive('partie', true, 'test');
    expect((await answer('partie', PASSWORD, '198.51.100.30'))[0]).toBe(200);
  });

  it('through the sign-in page: forty at once are refused after five, and the page answers known and unknown logins alike', async () => {
    later(86_400_000);
    const tries = await Promise.all(
      Array.from({ length: 40 }, () => request(hq.app).post('/connexion').type('form').send({ login: 'cible', password: 'devine-moi-1234' })),
    );
    expect(tries.filter((r) => r.status === 401).length).toBe(5);
    expect(tries.filter((r) => r.status === 429).length).toBe(35);
    later(86_400_000);
    const ghosts = await Promise.all(
      Array.from({ length: 40 }, () => request(hq.app).post('/connexion').type('form').send({ login: 'fantome', password: 'devine-moi-1234' })),
    );
    expect(ghosts.filter((r) => r.status === 401).length).toBe(5);
    expect(ghosts.filter((r) => r.status === 429).length).toBe(35);
    expect(ghosts.find((r) => r.status === 429)!.text).toContain('Trop d’essais incorrects');
    // No account row carries a lock any more.
    expect(await hq.db.rows(`select column_name from information_schema.columns where table_name = 'hq_users' and column_name in ('locked_until', 'failed_attempts')`)).toEqual([]);
  });
});
