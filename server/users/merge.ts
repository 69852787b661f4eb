import { z } from 'zod';
import type { Tx } from '../db/pool.js';
import { DUMMY_HASH } from './pin.js';
import { deleteSessionsOf, upsertUserFromHq, type User } from './queries.js';

/** A person as this shop pushes them (head office's `StaffUpWire`): never a PIN nor its hash. */
export const staffUp = (user: User) => ({
  id: user.id, shopId: user.shopId, name: user.name, role: user.role, active: user.active, createdAt: user.createdAt.toISOString(),
});

/** A person as head office's feed carries them to this shop: never a PIN nor a hash. */
export const pulledStaffSchema = z.object({
  id: z.uuid(),
  name: z.string().min(1).max(80),
  role: z.enum(['cashier', 'pharmacist', 'manager', 'admin']),
  active: z.boolean(),
  /** A one-time code for the person's first PIN (its SHA-256 only), handed out by head office. */
  // A rebuild's page says null for none.
  firstPinCode: z.object({ hash: z.string().regex(/^[0-9a-f]{64}$/), expiresAt: z.iso.datetime({ offset: true }) }).nullish().transform((c) => c ?? undefined),
  /** This shop made them: its nightly run compares them with head office and resends them (absent from an older head office). */
  madeHere: z.boolean().optional(),
});

export type PulledStaff = z.infer<typeof pulledStaffSchema>;

type Audit = (tx: Tx, e: { actor: string; action: string; target: string; detail?: Record<string, unknown> }) => Promise<void>;

/**
 * Head office's name, role and active are the person's: a deactivation there
 * wins over whatever was edited here meanwhile, and ends the person's sessions
 * at this shop at once (logged in the security log, as a manager's would be).
 */
export async function staffPulled(tx: Tx, shopId: string, data: unknown, audit: Audit): Promise<void> {
  const s = pulledStaffSchema.parse(data);
  const { wasActive } = await upsertUserFromHq(tx, { ...s, shopId, dummyHash: DUMMY_HASH });
  if (wasActive && !s.active) {
    const sessionsEnded = await deleteSessionsOf(tx, s.id);
    await audit(tx, { actor: 'siège', action: 'user_disabled_by_hq', target: `${s.name} (${s.id})`, detail: { sessionsEnded } });
  }
}

/**
 * People brought back by a rebuild: as head office holds them, without a PIN
 * (a person already here keeps theirs). Nothing goes to the outbox.
 */
export async function staffRestored(tx: Tx, shopId: string, rows: readonly PulledStaff[]): Promise<void> {
  for (const row of rows) await upsertUserFromHq(tx, { ...pulledStaffSchema.parse(row), shopId, dummyHash: DUMMY_HASH });
}
