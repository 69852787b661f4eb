import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../server/db/embedded.js';
import { migrate } from '../../server/db/migrate.js';
import { createLogger } from '../../server/logger.js';
import { freePort } from './process.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** One cluster per worker (test/support/harness.ts `adminUrl`). */
    pgAdminUrls: string[];
    pgTemplate: string;
  }
}

/**
 * Two files run at once (vitest.config.ts), each on a cluster of its own:
 * head office's feed serves only what is older than the oldest transaction
 * in flight in the whole cluster, so a file sharing the cluster with another
 * file's open transactions saw its pulls come back empty.
 */
export const TEST_CLUSTERS = 2;

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/**
 * One PostgreSQL for the whole run (embedded, or TEST_DATABASE_URL), one
 * migrated template; each test file clones it in milliseconds.
 */
export default async function setup(project: TestProject) {
  const logger = createLogger('warn');
  const external = process.env.TEST_DATABASE_URL;
  const dirs: string[] = [];
  const clusters: EmbeddedPostgres[] = [];
  const adminUrls: string[] = [];
  if (external) adminUrls.push(external);
  else {
    await Promise.all(Array.from({ length: TEST_CLUSTERS }, async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'comptoir-test-'));
      fs.chmodSync(dir, 0o755); // the cluster runs as `postgres` when we are root
      dirs.push(dir);
      // Throwaway clusters of 130 short-lived databases: autovacuum would visit each in turn for nothing, and no fsync
      // (commits still wait for the WAL's write: synchronous_commit stays on, as statements.test.ts checks).
      const embedded = await startEmbeddedPostgres({
        dataDir: dir, port: await freePort(), database: 'postgres', logger, settings: ['autovacuum=off', 'fsync=off', 'full_page_writes=off'],
      });
      clusters.push(embedded);
      adminUrls.push(embedded.adminConnectionString);
    }));
  }
  const template = `comptoir_template_${process.pid}`;
  await Promise.all(adminUrls.map(async (adminUrl) => {
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`drop database if exists ${template}`);
    await admin.query(`create database ${template}`);
    await migrate(withDatabase(adminUrl, template), logger);
    await admin.end();
  }));

  project.provide('pgAdminUrls', adminUrls);
  project.provide('pgTemplate', template);

  return async () => {
    for (const embedded of clusters) await embedded.stop();
    if (external) {
      const c = new pg.Client({ connectionString: external });
      await c.connect();
      const left = await c.query<{ datname: string }>(
        `select datname from pg_database where datname like $1 or datname = $2`,
        [`${template}\\_%`, template],
      );
      for (const { datname } of left.rows) await c.query(`drop database if exists ${datname} with (force)`);
      await c.end();
    }
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  };
}
