import { randomBytes } from 'node:crypto';
import type { Db } from '../db/pool.js';
import { uniqueViolation } from '../db/errors.js';
import { addressKey, POLICIES } from '../domain/backoff.js';
import type { StaffRole } from '../domain/roles.js';
import { AppError, notFound } from '../errors.js';
import { newId } from '../ids.js';
import { createLogger, type Logger } from '../logger.js';
import { securityService } from '../security/service.js';
import { DUMMY_HASH, hashPin as hashSecret, verifyPin as verifySecret } from '../users/pin.js';
import { sessionHash } from '../users/service.js';
import {
  countStaff, deleteStaffSession, deleteStaffSessionById, deleteStaffSessionsOf, insertStaff, insertStaffSession, listStaff, openStaffSessions,
  otherActiveAdmins, setPasswordHash, setStaffActive, staffByLogin, staffByLoginForUpdate, staffOfSession, type StaffUser,
} from './queries.js';

export const SESSION_HOURS = 10;
export const MIN_PASSWORD_LENGTH = 10;

/** The same refusal whether the login is unknown, disabled or the password wrong: an attacker learns nothing of who exists. */
const wrongCredentials = () => new AppError(401, 'credentials_wrong', 'staff.credentials_wrong');

const normalLogin = (login: string) => login.trim().toLowerCase();

/**
 * Head office's people: a login and a password (scrypt, as PINs), sessions
 * by cookie. Wrong passwords slow down (exponential backoff) per client
 * address and per (login, address), known login or not alike: no count is
 * kept per account across addresses, so nobody can lock someone else out.
 */
export function staffService({ db, now, logger = createLogger() }: { db: Db; now: () => Date; logger?: Logger }) {
  const security = securityService({ db, logger, now });

  async function checkPassword(password: string): Promise<string> {
    if (password.length < MIN_PASSWORD_LENGTH) throw new AppError(400, 'password_short', 'staff.password_short', { min: MIN_PASSWORD_LENGTH });
    return hashSecret(password);
  }

  return {
    async addUser(input: { login: string; name: string; role: StaffRole; password: string }, by?: string): Promise<StaffUser> {
      const passwordHash = await checkPassword(input.password);
      try {
        return await db.withTransaction(async (tx) => {
          const user = await insertStaff(tx, { id: newId(), login: input.login, name: input.name, role: input.role, passwordHash });
          if (by) await security.audit(tx, { actor: by, action: 'staff_added', target: user.login, detail: { role: user.role } });
          return user;
        });
      } catch (err) {
        if (uniqueViolation(err)) throw new AppError(409, 'login_taken', 'staff.login_taken', { login: input.login });
        throw err;
      }
    },

    list: () => listStaff(db),
    count: () => countStaff(db),

    async login(input: { login: string; password: string }, client: string): Promise<{ token: string; user: StaffUser; expiresAt: Date }> {
      const login = normalLogin(input.login);
      const address = addressKey(client);
      const account = `pw:login:${login}@${address}`;
      // Every attempt takes its slot before the password is checked: a burst of parallel guesses cannot outrun the count.
      const attempt = await security.attempt([
        { subject: `pw:addr:${address}`, policy: POLICIES.passwordAddress, alert: { kind: 'password', scope: 'address', label: address } },
        { subject: account, policy: POLICIES.passwordAccount, alert: { kind: 'password', scope: 'account', label: `${login.slice(0, 60)} (${address})` } },
      ]);
      const candidate = await staffByLogin(db, login);
      const ok = await verifySecret(input.password, candidate?.active ? candidate.passwordHash : DUMMY_HASH);
      if (!ok || !candidate?.active) {
        await attempt.failed();
        throw wrongCredentials();
      }
      await attempt.succeeded([account]);
      const token = randomBytes(32).toString('base64url');
      const expiresAt = new Date(Date.now() + SESSION_HOURS * 3_600_000);
      await insertStaffSession(db, { id: newId(), tokenHash: sessionHash(token), userId: candidate.id, expiresAt, client: address });
      const { passwordHash: _p, ...user } = candidate;
      return { token, user, expiresAt };
    },

    userOfSession: async (token: string) => {
      const u = await staffOfSession(db, sessionHash(token));
      return u ? { id: u.id, name: u.name, role: u.role } : undefined;
    },
    logout: (token: string) => deleteStaffSession(db, sessionHash(token)),

    /** Disables or enables an account; disabling ends its sessions at once. Head office keeps one active admin. */
    async setActive(login: string, active: boolean, by: string): Promise<{ user: StaffUser; sessionsEnded: number }> {
      return db.withTransaction(async (tx) => {
        const before = await staffByLoginForUpdate(tx, normalLogin(login));
        if (!before) throw notFound('staff.not_found');
        if (!active && before.active && before.role === 'admin' && (await otherActiveAdmins(tx, before.id)) === 0) {
          throw new AppError(409, 'last_admin', 'staff.last_admin');
        }
        const user = await setStaffActive(tx, before.id, active);
        const sessionsEnded = active ? 0 : await deleteStaffSessionsOf(tx, user.id);
        await security.audit(tx, { actor: by, action: active ? 'staff_enabled' : 'staff_disabled', target: user.login, detail: { sessionsEnded } });
        return { user, sessionsEnded };
      });
    },

    /** A new password; every session of the account ends (whoever knew the old one is out). */
    async changePassword(login: string, password: string, by: string): Promise<{ user: StaffUser; sessionsEnded: number }> {
      const hash = await checkPassword(password);
      return db.withTransaction(async (tx) => {
        const user = await staffByLoginForUpdate(tx, normalLogin(login));
        if (!user) throw notFound('staff.not_found');
        await setPasswordHash(tx, user.id, hash);
        const sessionsEnded = await deleteStaffSessionsOf(tx, user.id);
        await security.audit(tx, { actor: by, action: 'staff_password_changed', target: user.login, detail: { sessionsEnded } });
        return { user, sessionsEnded };
      });
    },

    listSessions: () => openStaffSessions(db, new Date()),

    async endSession(id: string, by: string): Promise<void> {
      await db.withTransaction(async (tx) => {
        const ended = await deleteStaffSessionById(tx, id);
        if (!ended) throw notFound('signin.not_found');
        await security.audit(tx, { actor: by, action: 'staff_session_ended', target: id, detail: { userId: ended.userId } });
      });
    },

    async endSessionsOf(login: string, by: string): Promise<number> {
      return db.withTransaction(async (tx) => {
        const user = await staffByLoginForUpdate(tx, normalLogin(login));
        if (!user) throw notFound('staff.not_found');
        const n = await deleteStaffSessionsOf(tx, user.id);
        await security.audit(tx, { actor: by, action: 'staff_sessions_ended', target: user.login, detail: { sessionsEnded: n } });
        return n;
      });
    },

    auditLog: (limit?: number) => security.auditLog(limit),
    /** Head office's own bursts (passwords, tokens). */
    securityAlerts: () => security.recentAlerts(),
  };
}

export type StaffService = ReturnType<typeof staffService>;
