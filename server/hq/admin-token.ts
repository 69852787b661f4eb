import { randomBytes } from 'node:crypto';
import type { Db } from '../db/pool.js';
import { adminTokenHash, saveAdminTokenHash } from './queries.js';
import { hashToken } from '../http/bearer.js';

/**
 * COMPTOIR_HQ_ADMIN_TOKEN when set; otherwise the one generated on the first
 * start, whose hash is kept and whose value is shown once.
 */
export async function resolveAdminToken(db: Db, fromEnv: string | undefined): Promise<{ hash: string; generated?: string }> {
  if (fromEnv) return { hash: hashToken(fromEnv) };
  const stored = await adminTokenHash(db);
  if (stored) return { hash: stored };
  const token = randomBytes(24).toString('base64url');
  await saveAdminTokenHash(db, hashToken(token));
  return { hash: hashToken(token), generated: token };
}
