import { createHash, randomInt } from 'node:crypto';
import type { Db, Tx } from '../db/pool.js';
import type { UserRole } from '../domain/roles.js';
import { AppError, notFound } from '../errors.js';
import type { Logger } from '../logger.js';
import { stampTransaction } from '../outbox/clock.js';
import { appendFeed } from '../outbox/queries.js';
import { securityService } from '../security/service.js';
import { shopByCode, allShops } from './queries.js';
import { deactivateHqStaff, hqStaffById, insertHqStaff, listHqStaff, updateHqStaff, type HqStaffRow } from './staff-queries.js';

/** What head office answers and sends down of a person: their shops by code, never a PIN or a hash. */
export interface StaffMember {
  id: string;
  name: string;
  role: UserRole;
  shops: string[];
  active: boolean;
  /** Made or changed at head office: a shop's push no longer changes them. False for a person a shop made and pushed. */
  setByHq: boolean;
  createdAt: Date;
  updatedAt: Date;
}

/** What a shop receives on its pull: the person as that shop knows them. */
export interface StaffWire {
  id: string;
  name: string;
  role: UserRole;
  active: boolean;
  /** A one-time code for the first PIN: its SHA-256 only (the code is shown once at head office, never stored). */
  firstPinCode?: { hash: string; expiresAt: string };
  /** That shop made them: its nightly run compares and resends them (head office's own people are not). */
  madeHere: boolean;
}

/** A person as one shop receives them on its pull. */
export const staffWire = (row: HqStaffRow, shopId: string, firstPinCode?: { hash: string; expiresAt: string }): StaffWire => ({
  id: row.id, name: row.name, role: row.role, active: row.active, ...(firstPinCode ? { firstPinCode } : {}), madeHere: row.originShopId === shopId,
});

/** How long a first-PIN code may wait to be used. */
export const FIRST_PIN_CODE_DAYS = 7;

/**
 * Head office's staff: one identity per person, the shops they work at. Each
 * creation or deactivation is fed to the person's shops only (one feed row per
 * shop), so a shop's pull never carries another shop's people.
 */
export function hqStaffService({ db, now, logger }: { db: Db; now: () => Date; logger: Logger }) {
  const security = securityService({ db, logger, now });

  async function codesById(): Promise<Map<string, string>> {
    return new Map((await allShops(db)).map((s) => [s.id, s.code]));
  }
  const present = (row: HqStaffRow, codes: Map<string, string>): StaffMember => {
    const { shopIds, hlc: _hlc, originShopId: _origin, ...rest } = row;
    return { ...rest, shops: shopIds.map((id) => codes.get(id) ?? id).sort() };
  };

  async function feed(tx: Tx, row: HqStaffRow, firstPinCode?: { hash: string; expiresAt: string }): Promise<void> {
    const hlc = await stampTransaction(tx, now());
    await appendFeed(tx, row.shopIds.map((shopId) => ({ shopId, originShopId: null, entity: 'staff' as const, entityId: row.id, hlc, payload: staffWire(row, shopId, firstPinCode) })));
  }

  async function shopIdsOf(codes: readonly string[]): Promise<string[]> {
    const ids: string[] = [];
    for (const code of [...new Set(codes)]) {
      const shop = await shopByCode(db, code);
      if (!shop) throw new AppError(422, 'staff_unknown_shop', 'hq_staff.unknown_shop', { code });
      ids.push(shop.id);
    }
    return ids;
  }

  return {
    /**
     * Head office sets a person's name, role or shops: from now on they are its own (a shop's push no longer
     * changes them). Fed to the person's shops; a shop they no longer work at is sent them inactive (their
     * sessions there end on its next pull).
     */
    async update(id: string, input: { name?: string | undefined; role?: UserRole | undefined; shops?: string[] | undefined }, by: string): Promise<StaffMember> {
      const shopIds = input.shops ? await shopIdsOf(input.shops) : undefined;
      const row = await db.withTransaction(async (tx) => {
        const before = await hqStaffById(tx, id, true);
        if (!before) throw notFound('hq_staff.not_found');
        const after = await updateHqStaff(tx, id, { name: input.name?.trim() ?? before.name, role: input.role ?? before.role, shopIds: shopIds ?? before.shopIds });
        await feed(tx, after);
        const left = before.shopIds.filter((s) => !after.shopIds.includes(s));
        if (left.length > 0) await feed(tx, { ...after, shopIds: left, active: false });
        await security.audit(tx, { actor: by, action: 'hq_staff_changed', target: `${after.name} (${after.id})`, detail: { role: after.role, shops: input.shops ?? null } });
        return after;
      });
      return present(row, await codesById());
    },

    /** Idempotent on the caller's id: the same body again answers the row made the first time (created false). */
    async create(input: { id: string; name: string; role: UserRole; shops: string[] }, by: string): Promise<{ created: boolean; member: StaffMember }> {
      const shopIds: string[] = [];
      for (const code of [...new Set(input.shops)]) {
        const shop = await shopByCode(db, code);
        if (!shop) throw new AppError(422, 'staff_unknown_shop', 'hq_staff.unknown_shop', { code });
        shopIds.push(shop.id);
      }
      const result = await db.withTransaction(async (tx) => {
        const made = await insertHqStaff(tx, { id: input.id, name: input.name.trim(), role: input.role, shopIds });
        if (!made) {
          const existing = (await hqStaffById(tx, input.id))!;
          const same = existing.name === input.name.trim() && existing.role === input.role && [...existing.shopIds].sort().join() === [...shopIds].sort().join();
          if (!same) throw new AppError(409, 'staff_id_taken', 'hq_staff.id_taken');
          return { created: false, row: existing };
        }
        await feed(tx, made);
        await security.audit(tx, { actor: by, action: 'hq_staff_added', target: `${made.name} (${made.id})`, detail: { role: made.role, shops: input.shops } });
        return { created: true, row: made };
      });
      return { created: result.created, member: present(result.row, await codesById()) };
    },

    async list(shopCode?: string): Promise<StaffMember[]> {
      let shopId: string | undefined;
      if (shopCode) {
        const shop = await shopByCode(db, shopCode);
        if (!shop) throw notFound('shop.not_found');
        shopId = shop.id;
      }
      const codes = await codesById();
      return (await listHqStaff(db, shopId)).map((r) => present(r, codes));
    },

    /**
     * A one-time code a person types at their shop with the PIN they choose (POST /api/session/first-pin):
     * 12 random digits, shown here once; only its SHA-256 goes down the feed to the person's shops, none is kept
     * here. A new code replaces the one before; the audit log says who handed one out, never the code.
     */
    async firstPinCode(id: string, by: string): Promise<{ member: StaffMember; code: string; expiresAt: Date }> {
      const code = Array.from({ length: 12 }, () => String(randomInt(10))).join('');
      const expiresAt = new Date(now().getTime() + FIRST_PIN_CODE_DAYS * 86_400_000);
      const row = await db.withTransaction(async (tx) => {
        const person = await hqStaffById(tx, id, true);
        if (!person) throw notFound('hq_staff.not_found');
        if (!person.active) throw new AppError(409, 'staff_inactive', 'hq_staff.inactive_no_code');
        await feed(tx, person, { hash: createHash('sha256').update(code).digest('hex'), expiresAt: expiresAt.toISOString() });
        await security.audit(tx, { actor: by, action: 'hq_staff_first_pin_code', target: `${person.name} (${person.id})`, detail: { expiresAt: expiresAt.toISOString() } });
        return person;
      });
      return { member: present(row, await codesById()), code: `${code.slice(0, 4)} ${code.slice(4, 8)} ${code.slice(8)}`, expiresAt };
    },

    /** The person's shops end their sessions on their next pull; deactivating twice is one deactivation. */
    async deactivate(id: string, by: string): Promise<StaffMember> {
      const row = await db.withTransaction(async (tx) => {
        const before = await hqStaffById(tx, id, true);
        if (!before) throw notFound('hq_staff.not_found');
        if (!before.active) return before;
        const after = await deactivateHqStaff(tx, id);
        await feed(tx, after);
        await security.audit(tx, { actor: by, action: 'hq_staff_disabled', target: `${after.name} (${after.id})` });
        return after;
      });
      return present(row, await codesById());
    },
  };
}

export type HqStaffService = ReturnType<typeof hqStaffService>;
