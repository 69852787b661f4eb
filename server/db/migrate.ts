import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { t } from '../i18n/fr.js';
import type { Logger } from '../logger.js';

export const migrationsDir = fileURLToPath(new URL('../../migrations/', import.meta.url));

// Any constant works; it only has to be the same for every Comptoir process.
const MIGRATION_LOCK = 7_320_001;

export class MigrationError extends Error {}

interface MigrationFile {
  id: string;
  sql: string;
  checksum: string;
}

export function migrationFiles(dir = migrationsDir): MigrationFile[] {
  return fs
    .readdirSync(dir)
    .filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((f) => {
      const sql = fs.readFileSync(path.join(dir, f), 'utf8');
      return { id: f.replace(/\.sql$/, ''), sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

/**
 * Applies every numbered SQL file not yet recorded, each in its own
 * transaction with its row written first. Refuses to go on when an applied
 * file was edited since: migrations are forward only.
 */
export async function migrate(connectionString: string, logger: Logger, dir = migrationsDir): Promise<string[]> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  const applied: string[] = [];
  try {
    // Two processes starting together: the second waits, then finds nothing to do.
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await client.query(`create table if not exists schema_migrations (
      id text primary key,
      checksum text not null,
      applied_at timestamptz not null default now()
    )`);
    const done = new Map(
      (await client.query<{ id: string; checksum: string }>('select id, checksum from schema_migrations')).rows.map(
        (r) => [r.id, r.checksum],
      ),
    );
    for (const file of migrationFiles(dir)) {
      const recorded = done.get(file.id);
      if (recorded !== undefined) {
        if (recorded !== file.checksum) {
          throw new MigrationError(t('ops.migration_edited', { id: file.id }));
        }
        continue;
      }
      try {
        await client.query('BEGIN');
        await client.query('insert into schema_migrations (id, checksum) values ($1, $2)', [file.id, file.checksum]);
        await client.query(file.sql);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw new MigrationError(t('ops.migration_failed', { id: file.id, reason: (err as Error).message }));
      }
      logger.info({ migration: file.id }, 'migration applied');
      applied.push(file.id);
    }
  } finally {
    await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    await client.end();
  }
  return applied;
}
