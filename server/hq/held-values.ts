import type { Db } from '../db/pool.js';
import { formatDateTimeFr } from '../domain/dates.js';
import { decodeHlc, encodeHlc, parseHlc } from '../domain/hlc.js';
import { FAR_FUTURE_MS } from '../domain/merge.js';
import { AppError, notFound } from '../errors.js';
import type { Logger } from '../logger.js';
import { stampTransaction } from '../outbox/clock.js';
import { securityService } from '../security/service.js';
import { decideHeldValue, heldValues, lockHeldValue, type HeldValueRow } from './held-queries.js';
import { applyPush } from './push.js';
import { lockShopPushes } from './queries.js';
import { changeSchema } from './schemas.js';

/** Keys of a held payload that are not held fields. */
const NOT_FIELDS = new Set(['id', 'productId', 'fieldClocks', 'baseClocks']);

/** One held field as head office lists it (GET /api/held-values, « Valeurs retenues »). */
export interface HeldValue {
  id: string;
  shop: string;
  shopName: string;
  entity: string;
  entityId: string;
  field: string;
  value: unknown;
  /** The shop's clock the value was written under, and its wall time. */
  clock: string;
  clockAt: string;
  clockAtText: string;
  receivedAt: Date;
  status: HeldValueRow['status'];
  decidedAt: Date | null;
  decidedBy: string | null;
}

const fieldsOf = (row: HeldValueRow) => Object.keys(row.payload).filter((k) => !NOT_FIELDS.has(k));
const wallOf = (clock: string | undefined) => parseHlc(clock)?.wall ?? Number.POSITIVE_INFINITY;

/**
 * Values a shop wrote under a clock more than a day ahead of head office's
 * (design.md §5: never let a far-future clock win; log and hold). Each is
 * applied by itself once its clock comes within the tolerance (checked when
 * they are listed and each night), or an administrator accepts it now or
 * discards it. Every outcome is kept on the row (status, when, who) and
 * written to the security log: a held value never silently disappears.
 */
export function heldValuesService({ db, logger, now }: { db: Db; logger: Logger; now: () => Date }) {
  const security = securityService({ db, logger, now });
  const log = logger.child({ component: 'held-values' });

  /** Applied as the shop's push would apply it now; `restamp`: under head office's clock of this moment (an acceptance). */
  async function apply(id: string, how: { by: string; restamp: boolean; onlyIfDue?: number }): Promise<HeldValueRow | undefined> {
    const at = now();
    const receivedClock = await db.withTransaction((tx) => stampTransaction(tx, at));
    return db.withTransaction(async (tx) => {
      const row = await lockHeldValue(tx, id);
      if (!row) throw notFound('hq.held_value.not_found');
      if (row.status !== 'held') {
        if (how.onlyIfDue !== undefined) return undefined;
        throw new AppError(409, 'held_decided', 'hq.held_value.decided');
      }
      const fields = fieldsOf(row);
      const clocks = { ...row.payload.fieldClocks };
      if (how.onlyIfDue !== undefined && fields.some((f) => wallOf(clocks[f]) > how.onlyIfDue!)) return undefined;
      await lockShopPushes(tx, row.shopId);
      if (how.restamp) {
        const stamp = encodeHlc({ ...decodeHlc(receivedClock), node: row.shopCode });
        for (const f of fields) clocks[f] = stamp;
      }
      const hlc = fields.map((f) => clocks[f]!).reduce((a, b) => (b > a ? b : a));
      const change = changeSchema.parse({ seq: 1, kind: `${row.entity}:update`, id: row.entityId, hlc, data: { ...row.payload, fieldClocks: clocks } });
      const shop = { id: row.shopId, code: row.shopCode, name: row.shopName, timezone: row.timezone };
      const applied = await applyPush(tx, shop, { receivedAt: decodeHlc(receivedClock), receivedClock, nowWall: at.getTime() }, [change], { lastReceipt: 0, release: true });
      const refusal = applied.refused[0];
      if (refusal) throw new AppError(409, 'held_refused', 'hq.held_value.refused', { reason: refusal.message });
      await decideHeldValue(tx, id, { status: 'applied', by: how.by });
      const action = how.restamp ? 'held_value_accepted' : 'held_value_applied';
      await security.audit(tx, { actor: how.by, action, target: `${row.entity} ${row.entityId} (${row.shopCode})`, detail: { fields: Object.fromEntries(fields.map((f) => [f, row.payload[f]])) } });
      log.info({ id, shop: row.shopCode, entity: row.entity, entityId: row.entityId, fields, by: how.by }, action);
      return row;
    });
  }

  const service = {
    /** Every held value whose clock is now within the tolerance is applied (by `siège (horloge)`); how many. */
    async applyDue(): Promise<number> {
      const due = now().getTime() + FAR_FUTURE_MS;
      let n = 0;
      for (const row of await heldValues(db, { limit: 1000 })) {
        if (fieldsOf(row).some((f) => wallOf(row.payload.fieldClocks[f]) > due)) continue;
        if (await apply(row.id, { by: 'siège (horloge)', restamp: false, onlyIfDue: due })) n++;
      }
      return n;
    },

    /** Listed one line per field, the due ones applied first; `all`: decided ones too, with their outcome. */
    async list(q: { shopId?: string | undefined; all?: boolean } = {}): Promise<HeldValue[]> {
      await service.applyDue();
      const rows = await heldValues(db, { ...q, limit: 500 });
      return rows.flatMap((row) =>
        fieldsOf(row).map((field) => {
          const clock = row.payload.fieldClocks[field] ?? row.hlc;
          const wall = wallOf(clock);
          const clockAt = Number.isFinite(wall) ? new Date(wall) : row.receivedAt;
          return {
            id: row.id, shop: row.shopCode, shopName: row.shopName, entity: row.entity, entityId: row.entityId, field, value: row.payload[field],
            clock, clockAt: clockAt.toISOString(), clockAtText: formatDateTimeFr(clockAt, row.timezone), receivedAt: row.receivedAt,
            status: row.status, decidedAt: row.decidedAt, decidedBy: row.decidedBy,
          };
        }),
      );
    },

    /** An administrator takes the value now, as if written at this moment. */
    accept: async (id: string, by: string) => (await apply(id, { by, restamp: true }))!,

    /** An administrator drops the value: never applied, kept on the row and in the log. */
    async discard(id: string, by: string): Promise<HeldValueRow> {
      return db.withTransaction(async (tx) => {
        const row = await lockHeldValue(tx, id);
        if (!row) throw notFound('hq.held_value.not_found');
        if (row.status !== 'held') throw new AppError(409, 'held_decided', 'hq.held_value.decided');
        await decideHeldValue(tx, id, { status: 'discarded', by });
        const fields = fieldsOf(row);
        await security.audit(tx, { actor: by, action: 'held_value_discarded', target: `${row.entity} ${row.entityId} (${row.shopCode})`, detail: { fields: Object.fromEntries(fields.map((f) => [f, row.payload[f]])) } });
        log.warn({ id, shop: row.shopCode, entity: row.entity, entityId: row.entityId, fields, by }, 'held value discarded');
        return row;
      });
    },
  };
  return service;
}

export type HeldValuesService = ReturnType<typeof heldValuesService>;
