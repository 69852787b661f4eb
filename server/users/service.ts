import { createHash, randomBytes } from 'node:crypto';
import type { Actor, Deps } from '../context.js';
import type { Queryable } from '../db/pool.js';
import { addressKey, POLICIES } from '../domain/backoff.js';
import { hasRole, type UserRole } from '../domain/roles.js';
import { AppError, notFound } from '../errors.js';
import { newId } from '../ids.js';
import { securityService, type Bucket, type SecurityService } from '../security/service.js';
import { DUMMY_HASH, generatePin, hashPin, verifyPin } from './pin.js';
import { stampTransaction } from '../outbox/clock.js';
import { appendOutbox } from '../outbox/queries.js';
import { staffUp } from './merge.js';
import type { Tx } from '../db/pool.js';
import {
  activeUsersWithSecrets,
  countUsers,
  deleteSession,
  deleteSessionById,
  deleteSessionsOf,
  hasSignableManager,
  insertSession,
  managerForRebuild,
  useFirstPinCode,
  userOfFirstPinCode,
  insertUser,
  listUsers,
  openSessions,
  otherActiveManagers,
  purgeStaleLogins,
  setPinHash,
  setUserActive,
  userById,
  userOfSession,
  userWithSecret,
  type User,
} from './queries.js';

export const SESSION_HOURS = 12;

/** Sessions are stored by the SHA-256 of their token; the cart is kept under the same hash. */
export const sessionHash = (token: string) => createHash('sha256').update(token).digest('hex');
const hashToken = sessionHash;

/** A first-PIN code as head office hashes it: its digits only (typed with or without spaces). */
export const firstPinCodeHash = (code: string) => createHash('sha256').update(code.replace(/\D/g, '')).digest('hex');

/** The one answer to a wrong PIN, whichever account it named (or none, or one that does not exist or is disabled). */
const wrongPin = () => new AppError(401, 'pin_wrong', 'auth.pin_wrong');
/** The one answer to an approval refused: a wrong PIN and a valid PIN that is not a manager's alike. */
const approvalRefused = () => new AppError(401, 'pin_wrong', 'auth.approval_wrong');

export function usersService(deps: Deps, security: SecurityService = securityService(deps)) {
  const { db, shop, now } = deps;

  async function assertPinFree(pin: string, exceptId?: string): Promise<void> {
    const users = (await activeUsersWithSecrets(db, shop.id)).filter((u) => u.id !== exceptId);
    const matches = await Promise.all(users.map((u) => verifyPin(pin, u.pinHash)));
    if (matches.some(Boolean)) throw new AppError(409, 'pin_taken', 'user.pin_taken');
  }

  /** The active user whose PIN this is: every active user's hash is checked, so the time taken says nothing of who matched. */
  async function matchPin(pin: string) {
    const users = await activeUsersWithSecrets(db, shop.id);
    const matches = await Promise.all(users.map((u) => verifyPin(pin, u.pinHash)));
    return users[matches.indexOf(true)];
  }

  /**
   * What a PIN typed here is counted under: its address (an IPv6 by its /64)
   * and the whole shop, so that a walk spread over many addresses is slowed
   * too. A right PIN gives back only its own attempt: the wrong PINs around it
   * matched nobody, so nobody's success can forgive them.
   */
  function pinBuckets(address: string): Bucket[] {
    return [
      { subject: `pin:addr:${address}`, policy: POLICIES.pinAddress, alert: { kind: 'pin', scope: 'address', label: address } },
      { subject: 'pin:shop', policy: POLICIES.pinShop, alert: { kind: 'pin', scope: 'shop', label: shop.code } },
    ];
  }
  /** One account's PINs from one address: the only counter a success of that account forgives. */
  const accountSubject = (userId: string, address: string) => `pin:user:${userId}@${address}`;

  async function openSession(user: User, address: string): Promise<{ token: string; user: User; expiresAt: Date }> {
    await purgeStaleLogins(db);
    const token = randomBytes(32).toString('base64url');
    // Sessions are checked against the database's clock: their end is on the wall clock, not the shop's business clock.
    const expiresAt = new Date(Date.now() + SESSION_HOURS * 3_600_000);
    await insertSession(db, { id: newId(), tokenHash: hashToken(token), userId: user.id, expiresAt, client: address });
    const { id, shopId, name, role, active, pinSet, createdAt, updatedAt } = user;
    return { token, user: { id, shopId, name, role, active, pinSet, createdAt, updatedAt }, expiresAt };
  }

  const ensureUser = async (q: Queryable, id: string, lock = false) => {
    const user = await userById(q, shop.id, id, lock);
    if (!user) throw notFound('user.not_found');
    return user;
  };

  /**
   * A person made or changed here travels up to head office (never a PIN nor
   * its hash): `staff:insert` once, then `staff:update` with the whole person.
   * People head office sent are changed by the pull, which writes no outbox.
   */
  async function travel(tx: Tx, user: User, op: 'insert' | 'update'): Promise<void> {
    const hlc = await stampTransaction(tx, now());
    await appendOutbox(tx, [{ entity: 'staff', entityId: user.id, op, payload: staffUp(user), hlc }]);
  }

  async function insertTravelling(input: { name: string; role: UserRole; pinHash: string }): Promise<User> {
    return db.withTransaction(async (tx) => {
      const user = await insertUser(tx, { id: newId(), shopId: shop.id, ...input });
      await travel(tx, user, 'insert');
      return user;
    });
  }

  return {
    /** PINs are unique in a shop: a PIN alone says who is at the till. */
    async createUser(input: { name: string; role: UserRole; pin: string }): Promise<User> {
      await assertPinFree(input.pin);
      return insertTravelling({ name: input.name, role: input.role, pinHash: await hashPin(input.pin) });
    },

    listUsers: () => listUsers(db, shop.id),

    /**
     * The first start of a shop makes its manager; a generated PIN is returned to be shown once. A shop whose
     * people all came from head office without a PIN (and no manager among them) gets one too: never a shop no one can open.
     */
    async ensureFirstManager(pin: string | undefined): Promise<{ created: boolean; generatedPin?: string }> {
      if ((await countUsers(db, shop.id)) > 0 && ((await hasSignableManager(db, shop.id)) || (await managerForRebuild(db, shop.id)))) return { created: false };
      const chosen = pin ?? generatePin();
      await insertTravelling({ name: 'Responsable', role: 'manager', pinHash: await hashPin(chosen) });
      return pin ? { created: true } : { created: true, generatedPin: chosen };
    },

    /**
     * A PIN alone, or with a chosen user. Counted per address and for the
     * shop, and with a user also per (user, address): naming someone slows
     * down whoever names them from there, never locks that person out.
     * Unknown, disabled and wrong are one answer; so is "wait".
     */
    async login(input: { pin: string; userId?: string | undefined }, client: string): Promise<{ token: string; user: User; expiresAt: Date }> {
      const address = addressKey(client);
      const buckets = pinBuckets(address);
      const named = input.userId ? await userWithSecret(db, shop.id, input.userId) : undefined;
      if (input.userId) {
        const label = `${named?.name ?? input.userId} (${address})`;
        buckets.push({ subject: accountSubject(input.userId, address), policy: POLICIES.pinAccount, alert: { kind: 'pin', scope: 'account', label } });
      }
      const attempt = await security.attempt(buckets);
      let user;
      if (input.userId) {
        const ok = await verifyPin(input.pin, named?.active ? named.pinHash : DUMMY_HASH);
        user = ok && named?.active ? named : undefined;
      } else {
        user = await matchPin(input.pin);
      }
      if (!user) {
        await attempt.failed();
        throw wrongPin();
      }
      await attempt.succeeded([accountSubject(user.id, address)]);
      return openSession(user, address);
    },

    /**
     * A manager's PIN typed at the till, to allow what a cashier may not do
     * alone (a large discount). Counted like a sign-in PIN (address, shop),
     * and per person asking: their own PIN, however often typed, forgives
     * none of it. A wrong PIN and a valid PIN that is not a manager's get the
     * same answer and both count.
     */
    async approver(pin: string, client: string, askedBy?: Actor): Promise<Actor> {
      const address = addressKey(client);
      const buckets = pinBuckets(address);
      const approvalSubject = askedBy ? `pin:approval:${askedBy.id}` : undefined;
      if (askedBy && approvalSubject) {
        buckets.push({ subject: approvalSubject, policy: POLICIES.pinApproval, alert: { kind: 'pin', scope: 'approval', label: `${askedBy.name} (${address})` } });
      }
      const attempt = await security.attempt(buckets);
      const user = await matchPin(pin);
      if (!user || !hasRole(user.role, 'manager')) {
        await attempt.failed();
        throw approvalRefused();
      }
      // Only a manager's own PIN gets here: what it forgives, no cashier can make it forgive.
      await attempt.succeeded([accountSubject(user.id, address), ...(approvalSubject ? [approvalSubject] : [])]);
      return { id: user.id, name: user.name, role: user.role };
    },

    /**
     * After `shop init-from-hq`: the people came back without PINs; the first manager among them gets the
     * operator's PIN (COMPTOIR_ADMIN_PIN) or a generated one, returned to be shown once. Nothing when a manager
     * here already has a PIN, or none came back (the first start then makes one).
     */
    async managerPinAfterRebuild(pin: string | undefined): Promise<{ name: string; generatedPin?: string } | undefined> {
      const manager = await managerForRebuild(db, shop.id);
      if (!manager || manager.pinSet) return undefined;
      const chosen = pin ?? generatePin();
      await assertPinFree(chosen);
      await db.withTransaction(async (tx) => {
        await setPinHash(tx, manager.id, await hashPin(chosen));
        await security.audit(tx, { actor: 'init-from-hq', action: 'user_pin_changed', target: `${manager.name} (${manager.id})`, detail: { rebuild: true } });
      });
      return pin ? { name: manager.name } : { name: manager.name, generatedPin: chosen };
    },

    /**
     * A person head office made signs in for the first time with the one-time code it handed out and the PIN
     * they choose: counted like any PIN typed here (a wrong code is a wrong PIN), the code used once, expired
     * after its date; the PIN unique in the shop as always. Opens their session.
     */
    async firstPin(input: { code: string; pin: string }, client: string): Promise<{ token: string; user: User; expiresAt: Date }> {
      const address = addressKey(client);
      const attempt = await security.attempt(pinBuckets(address));
      const codeHash = firstPinCodeHash(input.code);
      const person = await userOfFirstPinCode(db, shop.id, codeHash);
      if (!person) {
        await attempt.failed();
        throw new AppError(401, 'first_pin_code_wrong', 'auth.first_pin_code_wrong');
      }
      await assertPinFree(input.pin);
      const pinHash = await hashPin(input.pin);
      const used = await db.withTransaction(async (tx) => {
        if (!(await useFirstPinCode(tx, person.id, codeHash, pinHash))) return false;
        await security.audit(tx, { actor: person.name, action: 'user_first_pin', target: `${person.name} (${person.id})` });
        return true;
      });
      if (!used) {
        await attempt.failed();
        throw new AppError(401, 'first_pin_code_wrong', 'auth.first_pin_code_wrong');
      }
      await attempt.succeeded([]);
      return openSession({ ...person, pinSet: true }, address);
    },

    userOfSession: (token: string) => userOfSession(db, hashToken(token)),
    logout: (token: string) => deleteSession(db, hashToken(token)),

    /**
     * Disables or enables a person. Disabling ends their sessions at once
     * (the cart of each goes with it); the shop's last active manager stays.
     */
    async setActive(userId: string, active: boolean, by: string): Promise<{ user: User; sessionsEnded: number }> {
      return db.withTransaction(async (tx) => {
        const before = await ensureUser(tx, userId, true);
        if (!active && hasRole(before.role, 'manager') && before.active && (await otherActiveManagers(tx, shop.id, userId)) === 0) {
          throw new AppError(409, 'last_manager', 'user.last_manager');
        }
        const user = await setUserActive(tx, userId, active);
        if (user.active !== before.active) await travel(tx, user, 'update');
        const sessionsEnded = active ? 0 : await deleteSessionsOf(tx, userId);
        await security.audit(tx, { actor: by, action: active ? 'user_enabled' : 'user_disabled', target: `${user.name} (${user.id})`, detail: { sessionsEnded } });
        return { user, sessionsEnded };
      });
    },

    /** A new PIN (unique in the shop, as always); whoever knew the old one is signed out everywhere. */
    async changePin(userId: string, pin: string, by: string): Promise<{ user: User; sessionsEnded: number }> {
      const user = await ensureUser(db, userId);
      await assertPinFree(pin, userId);
      const hash = await hashPin(pin);
      return db.withTransaction(async (tx) => {
        await setPinHash(tx, userId, hash);
        const sessionsEnded = await deleteSessionsOf(tx, userId);
        await security.audit(tx, { actor: by, action: 'user_pin_changed', target: `${user.name} (${user.id})`, detail: { sessionsEnded } });
        return { user, sessionsEnded };
      });
    },

    listSessions: () => openSessions(db, shop.id, new Date()),

    /** Ends one session, named by its id (`session list`). */
    async endSession(id: string, by: string): Promise<void> {
      await db.withTransaction(async (tx) => {
        const ended = await deleteSessionById(tx, id);
        if (!ended) throw notFound('signin.not_found');
        await security.audit(tx, { actor: by, action: 'session_ended', target: id, detail: { userId: ended.userId } });
      });
    },

    /** Ends every session of one person. */
    async endSessionsOf(userId: string, by: string): Promise<number> {
      const user = await ensureUser(db, userId);
      return db.withTransaction(async (tx) => {
        const n = await deleteSessionsOf(tx, userId);
        await security.audit(tx, { actor: by, action: 'sessions_ended', target: `${user.name} (${user.id})`, detail: { sessionsEnded: n } });
        return n;
      });
    },

    auditLog: (limit?: number) => security.auditLog(limit),
    securityAlerts: () => security.recentAlerts(),
  };
}

export type UsersService = ReturnType<typeof usersService>;
