/**
 * A migrated database for a benchmark: an embedded PostgreSQL in a fresh
 * temporary folder (or TEST_DATABASE_URL), dropped with its folder at the end.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDb, type Db } from '../../server/db/pool.js';
import { startEmbeddedPostgres } from '../../server/db/embedded.js';
import { migrate } from '../../server/db/migrate.js';
import type { Logger } from '../../server/logger.js';
import { freePort } from '../support/process.js';

export async function benchDatabase(name: string, logger: Logger): Promise<{ db: Db; url: string; stop(): Promise<void> }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `comptoir-bench-${name}-`));
  fs.chmodSync(dir, 0o755); // the embedded PostgreSQL runs as `postgres` when we are root
  const external = process.env.TEST_DATABASE_URL;
  const pg = external ? undefined : await startEmbeddedPostgres({ dataDir: dir, port: await freePort(), database: 'bench', logger });
  const url = external ?? pg!.connectionString;
  await migrate(url, logger);
  const db = createDb({ connectionString: url, logger });
  return {
    db, url,
    async stop() {
      await db.close();
      await pg?.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
