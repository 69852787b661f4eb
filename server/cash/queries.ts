import type { Queryable } from '../db/pool.js';
import type { PerMethod } from '../domain/cash-report.js';

export interface TillSession {
  id: string;
  shopId: string;
  terminal: string;
  cashierId: string;
  cashierName: string;
  openedAt: Date;
  openingFloat: number;
  openingCounts: Record<string, number> | null;
  status: 'open' | 'closed';
  closedAt: Date | null;
  closedBy: string | null;
  closedByName: string | null;
  zNumber: string | null;
  expected: PerMethod | null;
  counted: PerMethod | null;
  cashVariance: number | null;
  closingComment: string | null;
  hlc: string;
}

export interface CashMovement {
  id: string;
  shopId: string;
  sessionId: string;
  kind: 'in' | 'out';
  amount: number;
  reason: string;
  userId: string;
  userName: string;
  /** The manager whose PIN allowed a cash-out above what a cashier takes alone. */
  approvedBy: string | null;
  approvedByName: string | null;
  hlc: string;
  createdAt: Date;
}

const sessionColumns = `s.id, s.shop_id, s.terminal, s.cashier_id, s.cashier_name, s.opened_at, s.opening_float, s.opening_counts,
  s.status, s.closed_at, s.closed_by, s.closed_by_name, s.z_number, s.expected, s.counted, s.cash_variance, s.closing_comment, s.hlc`;
const movementColumns = 'm.id, m.shop_id, m.session_id, m.kind, m.amount, m.reason, m.user_id, m.user_name, m.approved_by, m.approved_by_name, m.hlc, m.created_at';

type Lock = '' | ' for share' | ' for update';

export type SessionOpening = Pick<TillSession, 'id' | 'shopId' | 'terminal' | 'cashierId' | 'cashierName' | 'openedAt' | 'openingFloat' | 'openingCounts' | 'hlc'>;

/** Opens a session unless this cashier already has one open at this terminal; returns it when new. */
export async function insertSession(db: Queryable, s: SessionOpening): Promise<TillSession | undefined> {
  return db.one<TillSession>(
    `insert into till_sessions as s (id, shop_id, terminal, cashier_id, cashier_name, opened_at, opening_float, opening_counts, hlc)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     on conflict (shop_id, cashier_id, terminal) where status = 'open' do nothing
     returning ${sessionColumns}`,
    [s.id, s.shopId, s.terminal, s.cashierId, s.cashierName, s.openedAt, s.openingFloat, s.openingCounts ? JSON.stringify(s.openingCounts) : null, s.hlc],
  );
}

/** The open session of a cashier at a terminal; locked for share, a sale keeps it from closing until the sale commits. */
export async function openSessionOf(db: Queryable, shopId: string, cashierId: string, terminal: string, lock: Lock = ''): Promise<TillSession | undefined> {
  return db.one<TillSession>(
    `select ${sessionColumns} from till_sessions s where s.shop_id = $1 and s.cashier_id = $2 and s.terminal = $3 and s.status = 'open'${lock}`,
    [shopId, cashierId, terminal],
  );
}

export async function sessionById(db: Queryable, shopId: string, id: string, lock: Lock = ''): Promise<TillSession | undefined> {
  return db.one<TillSession>(`select ${sessionColumns} from till_sessions s where s.shop_id = $1 and s.id = $2${lock}`, [shopId, id]);
}

export async function openSessions(db: Queryable, shopId: string): Promise<TillSession[]> {
  return db.rows<TillSession>(`select ${sessionColumns} from till_sessions s where s.shop_id = $1 and s.status = 'open' order by s.opened_at`, [shopId]);
}

export async function closedSessions(db: Queryable, shopId: string, limit: number): Promise<TillSession[]> {
  return db.rows<TillSession>(
    `select ${sessionColumns} from till_sessions s where s.shop_id = $1 and s.status = 'closed' order by s.closed_at desc limit $2`,
    [shopId, limit],
  );
}

export async function markClosed(
  db: Queryable,
  id: string,
  c: { closedAt: Date; closedBy: string; closedByName: string; zNumber: string; expected: PerMethod; counted: PerMethod; cashVariance: number; comment: string | null; hlc: string },
): Promise<TillSession> {
  return (await db.one<TillSession>(
    `update till_sessions s set status = 'closed', closed_at = $2, closed_by = $3, closed_by_name = $4, z_number = $5, expected = $6,
       counted = $7, cash_variance = $8, closing_comment = $9, hlc = $10
     where s.id = $1 returning ${sessionColumns}`,
    [id, c.closedAt, c.closedBy, c.closedByName, c.zNumber, JSON.stringify(c.expected), JSON.stringify(c.counted), c.cashVariance, c.comment, c.hlc],
  ))!;
}

export async function saveZPdf(db: Queryable, id: string, pdf: Buffer): Promise<void> {
  await db.exec('update till_sessions set z_pdf = $2 where id = $1', [id, pdf]);
}

export async function zPdfOf(db: Queryable, shopId: string, id: string): Promise<{ zNumber: string; pdf: Buffer | null } | undefined> {
  return db.one('select z_number, z_pdf as pdf from till_sessions where shop_id = $1 and id = $2 and status = $3', [shopId, id, 'closed']);
}

/** The next Z number of the shop, without gaps: the counter row stays locked until the closing commits. */
export async function takeZNumber(db: Queryable, shopId: string): Promise<number> {
  return (await db.one<{ lastNumber: number }>(
    `insert into shop_counters as c (shop_id, kind, last_number) values ($1, 'z', 1)
     on conflict (shop_id, kind) do update set last_number = c.last_number + 1 returning last_number`,
    [shopId],
  ))!.lastNumber;
}

export async function insertCashMovement(db: Queryable, m: Omit<CashMovement, 'createdAt'> & { createdAt: Date }): Promise<CashMovement> {
  return (await db.one<CashMovement>(
    `insert into cash_movements as m (id, shop_id, session_id, kind, amount, reason, user_id, user_name, hlc, created_at, approved_by, approved_by_name)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) returning ${movementColumns}`,
    [m.id, m.shopId, m.sessionId, m.kind, m.amount, m.reason, m.userId, m.userName, m.hlc, m.createdAt, m.approvedBy, m.approvedByName],
  ))!;
}

export async function movementsOfSession(db: Queryable, sessionId: string): Promise<CashMovement[]> {
  return db.rows<CashMovement>(`select ${movementColumns} from cash_movements m where m.session_id = $1 order by m.created_at, m.id`, [sessionId]);
}

// Head office: each row as the shop made it, once.

export async function insertSessionIfAbsent(db: Queryable, s: SessionOpening): Promise<boolean> {
  return (await db.exec(
    `insert into till_sessions (id, shop_id, terminal, cashier_id, cashier_name, opened_at, opening_float, opening_counts, hlc, received_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, now()) on conflict (id) do nothing`,
    [s.id, s.shopId, s.terminal, s.cashierId, s.cashierName, s.openedAt, s.openingFloat, s.openingCounts ? JSON.stringify(s.openingCounts) : null, s.hlc],
  )) > 0;
}

export async function insertCashMovementIfAbsent(db: Queryable, m: Omit<CashMovement, 'createdAt'> & { createdAt: Date }): Promise<boolean> {
  return (await db.exec(
    `insert into cash_movements (id, shop_id, session_id, kind, amount, reason, user_id, user_name, hlc, created_at, approved_by, approved_by_name)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) on conflict (id) do nothing`,
    [m.id, m.shopId, m.sessionId, m.kind, m.amount, m.reason, m.userId, m.userName, m.hlc, m.createdAt, m.approvedBy, m.approvedByName],
  )) > 0;
}

export async function cashMovementsByIds(db: Queryable, ids: readonly string[]): Promise<CashMovement[]> {
  return db.rows<CashMovement>(`select ${movementColumns} from cash_movements m where m.id = any($1::uuid[])`, [ids]);
}

/** Head office: a shop's latest sessions, open ones first. */
export async function sessionsOfShop(db: Queryable, shopId: string, limit: number): Promise<TillSession[]> {
  return db.rows<TillSession>(
    `select ${sessionColumns} from till_sessions s where s.shop_id = $1 order by (s.status = 'open') desc, s.opened_at desc limit $2`,
    [shopId, limit],
  );
}

/** A cash movement as head office shows it: with the session it came out of (terminal, Z number once closed). */
export interface CashMovementAtHq extends Omit<CashMovement, 'hlc'> {
  terminal: string;
  cashierName: string;
  zNumber: string | null;
}

/** Head office: a shop's cash movements on its calendar days from..to (its time zone), newest first. */
export async function cashMovementsBetween(
  db: Queryable,
  q: { shopId: string; from: string; to: string; timezone: string; limit: number },
): Promise<CashMovementAtHq[]> {
  return db.rows<CashMovementAtHq>(
    `select m.id, m.shop_id, m.session_id, m.kind, m.amount, m.reason, m.user_id, m.user_name, m.created_at,
       s.terminal, s.cashier_name, s.z_number
     from cash_movements m join till_sessions s on s.id = m.session_id
     where m.shop_id = $1
       and m.created_at >= ($2::date::timestamp at time zone $4)
       and m.created_at < (($3::date + 1)::timestamp at time zone $4)
     order by m.created_at desc, m.id limit $5`,
    [q.shopId, q.from, q.to, q.timezone, q.limit],
  );
}

/** Head office: a shop's sessions opened on its calendar days from..to (its time zone), newest first. */
export async function sessionsBetween(
  db: Queryable,
  q: { shopId: string; from: string; to: string; timezone: string; limit: number },
): Promise<TillSession[]> {
  return db.rows<TillSession>(
    `select ${sessionColumns} from till_sessions s
     where s.shop_id = $1
       and s.opened_at >= ($2::date::timestamp at time zone $4)
       and s.opened_at < (($3::date + 1)::timestamp at time zone $4)
     order by s.opened_at desc, s.id limit $5`,
    [q.shopId, q.from, q.to, q.timezone, q.limit],
  );
}
