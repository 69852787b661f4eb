import { createHash, randomBytes } from 'node:crypto';
import type { Actor, Deps } from '../context.js';
import { hasRole, type UserRole } from '../domain/roles.js';
import { AppError } from '../errors.js';
import { newId } from '../ids.js';
import { forgiveThrottle, lockThrottle, takeThrottleSlot } from '../http/throttle.js';
import { generatePin, hashPin, verifyPin } from './pin.js';
import {
  activeUsersWithSecrets,
  forgiveUserAttempts,
  countUsers,
  deleteSession,
  insertSession,
  insertUser,
  listUsers,
  purgeStaleLogins,
  lockUser,
  takeUserAttempt,
  userOfSession,
  userWithSecret,
  type User,
} from './queries.js';

export const MAX_PIN_FAILURES = 5;
export const LOCK_MINUTES = 5;
export const SESSION_HOURS = 12;

/** Sessions are stored by the SHA-256 of their token; the cart is kept under the same hash. */
export const sessionHash = (token: string) => createHash('sha256').update(token).digest('hex');
const hashToken = sessionHash;

function lockedError(until: Date, now: Date): AppError {
  const minutes = Math.max(1, Math.round((until.getTime() - now.getTime()) / 60_000));
  return new AppError(429, 'locked', 'auth.locked', { minutes }, { lockedUntil: until.toISOString() });
}

function wrongPin(failures: number): AppError {
  const remaining = MAX_PIN_FAILURES - failures;
  return new AppError(401, 'pin_wrong', 'auth.pin_wrong_remaining', { remaining });
}

export function usersService({ db, shop }: Deps) {
  async function assertPinFree(pin: string): Promise<void> {
    const users = await activeUsersWithSecrets(db, shop.id);
    const matches = await Promise.all(users.map((u) => verifyPin(pin, u.pinHash)));
    if (matches.some(Boolean)) throw new AppError(409, 'pin_taken', 'user.pin_taken');
  }

  /** The active user whose PIN this is; wrong PINs count against the terminal (five lock it for five minutes). */
  async function byPin(pin: string, terminal: string, now: Date) {
    const subject = `terminal:${terminal}`;
    const { slot, lockedUntil } = await takeThrottleSlot(db, subject);
    if (lockedUntil && lockedUntil > now) throw lockedError(lockedUntil, now);
    if (slot > MAX_PIN_FAILURES) throw lockedError(await lockThrottle(db, subject, LOCK_MINUTES), now);
    const users = await activeUsersWithSecrets(db, shop.id);
    const matches = await Promise.all(users.map((u) => verifyPin(pin, u.pinHash)));
    const found = users[matches.indexOf(true)];
    if (!found) throw slot >= MAX_PIN_FAILURES ? lockedError(await lockThrottle(db, subject, LOCK_MINUTES), now) : wrongPin(slot);
    if (found.lockedUntil && found.lockedUntil > now) throw lockedError(found.lockedUntil, now);
    await forgiveThrottle(db, subject, slot);
    return found;
  }

  return {
    /** PINs are unique in a shop: a PIN alone says who is at the till. */
    async createUser(input: { name: string; role: UserRole; pin: string }): Promise<User> {
      await assertPinFree(input.pin);
      return insertUser(db, { id: newId(), shopId: shop.id, name: input.name, role: input.role, pinHash: await hashPin(input.pin) });
    },

    listUsers: () => listUsers(db, shop.id),

    /** The first start of a shop makes its manager; a generated PIN is returned to be shown once. */
    async ensureFirstManager(pin: string | undefined): Promise<{ created: boolean; generatedPin?: string }> {
      if ((await countUsers(db, shop.id)) > 0) return { created: false };
      const chosen = pin ?? generatePin();
      await insertUser(db, { id: newId(), shopId: shop.id, name: 'Responsable', role: 'manager', pinHash: await hashPin(chosen) });
      return pin ? { created: true } : { created: true, generatedPin: chosen };
    },

    /**
     * With a user chosen, wrong PINs count against that user; with the PIN
     * alone, against the terminal. Five wrong ones lock for five minutes.
     */
    async login(input: { pin: string; userId?: string | undefined }, terminal: string): Promise<{ token: string; user: User; expiresAt: Date }> {
      const now = new Date();
      // Every attempt takes its slot before the PIN is checked: a burst of parallel guesses cannot outrun the count.
      const attempt = async (take: () => Promise<{ slot: number; lockedUntil: Date | null }>, lock: () => Promise<Date>) => {
        const { slot, lockedUntil } = await take();
        if (lockedUntil && lockedUntil > now) throw lockedError(lockedUntil, now);
        if (slot > MAX_PIN_FAILURES) throw lockedError(await lock(), now);
        /** The refusal of this attempt: the last one allowed locks. */
        return { slot, refuse: async (): Promise<AppError> => (slot >= MAX_PIN_FAILURES ? lockedError(await lock(), now) : wrongPin(slot)) };
      };
      let user: User | undefined;
      if (input.userId) {
        const candidate = await userWithSecret(db, shop.id, input.userId);
        if (!candidate) throw new AppError(401, 'pin_wrong', 'auth.pin_wrong');
        if (!candidate.active) throw new AppError(403, 'user_inactive', 'auth.user_inactive');
        const { slot, refuse } = await attempt(() => takeUserAttempt(db, candidate.id), () => lockUser(db, candidate.id, LOCK_MINUTES));
        if (!(await verifyPin(input.pin, candidate.pinHash))) throw await refuse();
        await forgiveUserAttempts(db, candidate.id, slot);
        user = candidate;
      } else {
        user = await byPin(input.pin, terminal, now);
      }
      await purgeStaleLogins(db);
      const token = randomBytes(32).toString('base64url');
      const expiresAt = new Date(now.getTime() + SESSION_HOURS * 3_600_000);
      await insertSession(db, hashToken(token), user.id, expiresAt);
      const { id, shopId, name, role, active, createdAt, updatedAt } = user;
      return { token, user: { id, shopId, name, role, active, createdAt, updatedAt }, expiresAt };
    },

    /** A manager's PIN typed at the till, to allow what a cashier may not do alone (a large discount). */
    async approver(pin: string, client: string): Promise<Actor> {
      const user = await byPin(pin, client, new Date());
      if (!hasRole(user.role, 'manager')) throw new AppError(403, 'manager_required', 'auth.manager_required');
      return { id: user.id, name: user.name, role: user.role };
    },

    userOfSession: (token: string) => userOfSession(db, hashToken(token)),
    logout: (token: string) => deleteSession(db, hashToken(token)),
  };
}

export type UsersService = ReturnType<typeof usersService>;
