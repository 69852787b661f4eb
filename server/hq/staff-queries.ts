import type { Queryable } from '../db/pool.js';
import type { UserRole } from '../domain/roles.js';

/** A person as head office keeps them: never a PIN nor any hash of one. */
export interface HqStaffRow {
  id: string;
  name: string;
  role: UserRole;
  shopIds: string[];
  active: boolean;
  /** Head office made, edited or deactivated them: their role, shops and active are its own. */
  setByHq: boolean;
  /** The clock of the last change taken from a shop (null: head office's own). */
  hlc: string | null;
  /** The shop whose push first brought them (null: made at head office): the only shop that resends them each night. */
  originShopId: string | null;
  createdAt: Date;
  updatedAt: Date;
}

const columns = 's.id, s.name, s.role, s.shop_ids, s.active, s.set_by_hq, s.hlc, s.origin_shop_id, s.created_at, s.updated_at';

/** Inserts unless the id exists; undefined when it did (the caller answers the existing row). */
export async function insertHqStaff(db: Queryable, s: { id: string; name: string; role: UserRole; shopIds: string[] }): Promise<HqStaffRow | undefined> {
  return db.one<HqStaffRow>(
    `insert into hq_staff as s (id, name, role, shop_ids) values ($1, $2, $3, $4::uuid[])
     on conflict (id) do nothing returning ${columns}`,
    [s.id, s.name, s.role, s.shopIds],
  );
}

export async function hqStaffById(db: Queryable, id: string, lock = false): Promise<HqStaffRow | undefined> {
  return db.one<HqStaffRow>(`select ${columns} from hq_staff s where s.id = $1${lock ? ' for update' : ''}`, [id]);
}

/** Everyone, or the people of one shop. */
export async function listHqStaff(db: Queryable, shopId?: string): Promise<HqStaffRow[]> {
  return shopId
    ? db.rows<HqStaffRow>(`select ${columns} from hq_staff s where $1::uuid = any(s.shop_ids) order by s.name collate french, s.id`, [shopId])
    : db.rows<HqStaffRow>(`select ${columns} from hq_staff s order by s.name collate french, s.id`);
}

export async function deactivateHqStaff(db: Queryable, id: string): Promise<HqStaffRow> {
  return (await db.one<HqStaffRow>(`update hq_staff as s set active = false, set_by_hq = true where id = $1 returning ${columns}`, [id]))!;
}

/** A person a shop made, as its push first brings them: that shop's to edit until head office sets them. */
export async function insertStaffFromShop(
  db: Queryable,
  s: { id: string; name: string; role: UserRole; shopId: string; active: boolean; hlc: string; createdAt: Date },
): Promise<void> {
  await db.exec(
    `insert into hq_staff (id, name, role, shop_ids, active, set_by_hq, hlc, created_at, origin_shop_id)
     values ($1, $2, $3, array[$4::uuid], $5, false, $6, $7, $4) on conflict (id) do nothing`,
    [s.id, s.name, s.role, s.shopId, s.active, s.hlc, s.createdAt],
  );
}

/** A shop's edit of its own person (not set by head office). */
export async function updateStaffFromShop(db: Queryable, s: { id: string; name: string; role: UserRole; active: boolean; hlc: string }): Promise<void> {
  await db.exec('update hq_staff set name = $2, role = $3, active = $4, hlc = $5 where id = $1', [s.id, s.name, s.role, s.active, s.hlc]);
}

/** Head office's edit of a person: from now on their role, shops and active are its own. */
export async function updateHqStaff(db: Queryable, id: string, s: { name: string; role: UserRole; shopIds: string[] }): Promise<HqStaffRow> {
  return (await db.one<HqStaffRow>(
    `update hq_staff as s set name = $2, role = $3, shop_ids = $4::uuid[], set_by_hq = true where id = $1 returning ${columns}`,
    [id, s.name, s.role, s.shopIds],
  ))!;
}

/**
 * A page of one shop's people as a rebuild reads them: id order, never a PIN (head office holds none),
 * whether that shop made them (its nightly run then compares and resends them), and the first-PIN code
 * head office last handed out for them, while it has not expired (its SHA-256 and expiry, as the feed
 * carried them to that shop: a rebuild must not make a code handed out the day before useless).
 */
export async function staffPage(
  db: Queryable, shopId: string, after: string, limit: number,
): Promise<{ id: string; name: string; role: UserRole; active: boolean; madeHere: boolean; firstPinCode: { hash: string; expiresAt: string } | null }[]> {
  return db.rows(
    `select s.id, s.name, s.role, s.active, s.origin_shop_id is not distinct from $1::uuid as made_here,
       case when s.active and (f.payload #>> '{firstPinCode,expiresAt}')::timestamptz > now() then f.payload -> 'firstPinCode' end as first_pin_code
     from hq_staff s
     left join lateral (
       select c.payload from change_feed c
       where c.entity = 'staff' and c.shop_id = $1::uuid and c.entity_id = s.id and c.payload ? 'firstPinCode'
       order by c.id desc limit 1
     ) f on true
     where $1::uuid = any(s.shop_ids) and s.id > $2::uuid order by s.id limit $3`,
    [shopId, after, limit],
  );
}

/**
 * The nightly digest of the people a shop made, by the day the shop made them
 * (head office keeps the shop's date from the wire), as that shop holds them:
 * active there only while they still work there (head office sends a person
 * it moves away inactive to the shop they left). The same sums as the shop's
 * (server/users/queries.ts, `staffMadeHereDigest`).
 */
export async function staffOriginDigest(db: Queryable, q: { shopId: string; timezone: string; from: string; to: string }) {
  return db.rows<{ day: string; count: number; sum: number; hash: string }>(
    `select to_char(s.created_at at time zone $2, 'YYYY-MM-DD') as day, count(*)::int as count,
       count(*) filter (where s.active and $1::uuid = any(s.shop_ids))::float8 as sum,
       md5(string_agg(s.id::text || ':' || s.role || ':' || (s.active and $1::uuid = any(s.shop_ids))::text, ',' order by s.id)) as hash
     from hq_staff s where s.origin_shop_id = $1
       and s.created_at >= ($3::date)::timestamp at time zone $2 and s.created_at < ($4::date + 1)::timestamp at time zone $2
     group by 1`,
    [q.shopId, q.timezone, q.from, q.to],
  );
}
