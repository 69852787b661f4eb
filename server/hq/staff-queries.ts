import type { Queryable } from '../db/pool.js';
import type { UserRole } from '../domain/roles.js';

/** A person as head office keeps them: never a PIN nor any hash of one. */
export interface HqStaffRow {
  id: string;
  name: string;
  role: UserRole;
  shopIds: string[];
  active: boolean;
  createdAt: Date;
  updatedAt: Date;
}

const columns = 's.id, s.name, s.role, s.shop_ids, s.active, s.created_at, s.updated_at';

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
  return (await db.one<HqStaffRow>(`update hq_staff as s set active = false where id = $1 returning ${columns}`, [id]))!;
}
