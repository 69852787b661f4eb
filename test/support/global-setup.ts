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
    pgAdminUrl: string;
    pgTemplate: string;
  }
}

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
  let adminUrl = process.env.TEST_DATABASE_URL;
  let embedded: EmbeddedPostgres | undefined;
  let dir: string | undefined;
  if (!adminUrl) {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'comptoir-test-'));
    fs.chmodSync(dir, 0o755); // the cluster runs as `postgres` when we are root
    embedded = await startEmbeddedPostgres({ dataDir: dir, port: await freePort(), database: 'postgres', logger });
    adminUrl = embedded.adminConnectionString;
  }
  const template = `comptoir_template_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`drop database if exists ${template}`);
  await admin.query(`create database ${template}`);
  await migrate(withDatabase(adminUrl, template), logger);
  await admin.end();

  project.provide('pgAdminUrl', adminUrl);
  project.provide('pgTemplate', template);

  return async () => {
    if (embedded) await embedded.stop();
    else {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      const left = await c.query<{ datname: string }>(
        `select datname from pg_database where datname like $1 or datname = $2`,
        [`${template}\\_%`, template],
      );
      for (const { datname } of left.rows) await c.query(`drop database if exists ${datname} with (force)`);
      await c.end();
    }
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  };
}
