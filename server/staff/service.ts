import { randomBytes } from 'node:crypto';
import type { Db } from '../db/pool.js';
import { uniqueViolation } from '../db/errors.js';
import type { StaffRole } from '../domain/roles.js';
import { AppError } from '../errors.js';
import { lockThrottle, takeThrottleSlot } from '../http/throttle.js';
import { newId } from '../ids.js';
import { hashPin as hashSecret, verifyPin as verifySecret } from '../users/pin.js';
import { sessionHash } from '../users/service.js';
import {
  countStaff, deleteStaffSession, forgiveStaffAttempts, insertStaff, insertStaffSession, listStaff, lockStaff, staffByLogin, staffOfSession,
  takeStaffAttempt, type StaffUser,
} from './queries.js';

export const MAX_PASSWORD_FAILURES = 5;
export const LOCK_MINUTES = 15;
export const SESSION_HOURS = 10;
export const MIN_PASSWORD_LENGTH = 10;

function locked(until: Date, now: Date): AppError {
  const minutes = Math.max(1, Math.round((until.getTime() - now.getTime()) / 60_000));
  return new AppError(429, 'locked', 'auth.locked', { minutes }, { lockedUntil: until.toISOString() });
}

/** The same refusal whether the login or the password is wrong: an attacker learns nothing of who exists. */
const wrongCredentials = () => new AppError(401, 'credentials_wrong', 'staff.credentials_wrong');

/**
 * Head office's people: a login and a password (scrypt, as PINs), sessions
 * by cookie, five wrong passwords lock the account for 15 minutes; wrong
 * logins are counted per client address the same way.
 */
export function staffService({ db, now }: { db: Db; now: () => Date }) {
  return {
    async addUser(input: { login: string; name: string; role: StaffRole; password: string }): Promise<StaffUser> {
      if (input.password.length < MIN_PASSWORD_LENGTH) throw new AppError(400, 'password_short', 'staff.password_short', { min: MIN_PASSWORD_LENGTH });
      try {
        return await insertStaff(db, { id: newId(), login: input.login, name: input.name, role: input.role, passwordHash: await hashSecret(input.password) });
      } catch (err) {
        if (uniqueViolation(err)) throw new AppError(409, 'login_taken', 'staff.login_taken', { login: input.login });
        throw err;
      }
    },

    list: () => listStaff(db),
    count: () => countStaff(db),

    async login(input: { login: string; password: string }, client: string): Promise<{ token: string; user: StaffUser; expiresAt: Date }> {
      const at = now();
      const candidate = await staffByLogin(db, input.login.trim().toLowerCase());
      const subject = `hq:${client}`;
      // Every attempt takes its slot before the password is checked: a burst of parallel guesses cannot outrun the count.
      const { slot, lockedUntil } = candidate ? await takeStaffAttempt(db, candidate.id) : await takeThrottleSlot(db, subject);
      const lock = () => (candidate ? lockStaff(db, candidate.id, LOCK_MINUTES) : lockThrottle(db, subject, LOCK_MINUTES));
      if (lockedUntil && lockedUntil > at) throw locked(lockedUntil, at);
      if (slot > MAX_PASSWORD_FAILURES) throw locked(await lock(), at);
      const ok = candidate ? candidate.active && (await verifySecret(input.password, candidate.passwordHash)) : (await verifySecret(input.password, DUMMY), false);
      if (!ok || !candidate) {
        if (slot >= MAX_PASSWORD_FAILURES) throw locked(await lock(), at);
        throw wrongCredentials();
      }
      await forgiveStaffAttempts(db, candidate.id, slot);
      const token = randomBytes(32).toString('base64url');
      const expiresAt = new Date(at.getTime() + SESSION_HOURS * 3_600_000);
      await insertStaffSession(db, sessionHash(token), candidate.id, expiresAt);
      const { passwordHash: _p, ...user } = candidate;
      return { token, user, expiresAt };
    },

    userOfSession: async (token: string) => {
      const u = await staffOfSession(db, sessionHash(token));
      return u ? { id: u.id, name: u.name, role: u.role } : undefined;
    },
    logout: (token: string) => deleteStaffSession(db, sessionHash(token)),
  };
}

// An unknown login costs the same scrypt as a known one: timing says nothing of who exists.
const DUMMY = 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';

export type StaffService = ReturnType<typeof staffService>;
