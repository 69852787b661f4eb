import type { Queryable, Tx } from '../db/pool.js';
import type { ProposalStatus } from '../domain/proposal.js';

/** A shop's proposed change of one field of a chain product, as head office's pages and API show it. */
export interface Proposal {
  id: string;
  shopId: string;
  shopCode: string;
  shopName: string;
  productId: string;
  productName: string;
  sku: string;
  field: 'name' | 'unitPrice' | 'active';
  proposedValue: unknown;
  /** Head office's value when the proposal arrived. */
  valueThen: unknown;
  /** Head office's value now. */
  currentValue: unknown;
  shopClock: string;
  status: ProposalStatus;
  receivedAt: Date;
  decidedAt: Date | null;
  /** Who accepted or refused it; null for the administration token and for a replaced proposal. */
  decidedBy: string | null;
}

const select = `select c.id, c.shop_id, s.code as shop_code, s.name as shop_name, c.product_id, p.name as product_name, p.sku, c.field,
    c.proposed_value, c.value_then,
    case c.field when 'name' then to_jsonb(p.name) when 'unitPrice' then to_jsonb(p.unit_price) else to_jsonb(p.active) end as current_value,
    c.shop_clock, c.status, c.received_at, c.decided_at, u.name as decided_by
  from catalogue_proposals c
  join shops s on s.id = c.shop_id
  join products p on p.id = c.product_id
  left join hq_users u on u.id = c.decided_by`;

/** This shop's open proposal of the field, and any proposal it made with this very clock (a replay), locked. */
export async function proposalsOfField(
  tx: Tx,
  q: { shopId: string; productId: string; field: string; clock: string },
): Promise<{ id: string; shopClock: string; status: ProposalStatus }[]> {
  return tx.rows(
    `select id, shop_clock, status from catalogue_proposals
     where shop_id = $1 and product_id = $2 and field = $3 and (status = 'pending' or shop_clock = $4)
     for update`,
    [q.shopId, q.productId, q.field, q.clock],
  );
}

export async function insertProposal(
  tx: Tx,
  p: { id: string; shopId: string; productId: string; field: string; proposedValue: unknown; valueThen: unknown; shopClock: string; status: 'pending' | 'superseded' },
): Promise<void> {
  await tx.exec(
    `insert into catalogue_proposals (id, shop_id, product_id, field, proposed_value, value_then, shop_clock, status, decided_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, case when $8 = 'pending' then null else now() end)`,
    [p.id, p.shopId, p.productId, p.field, JSON.stringify(p.proposedValue), JSON.stringify(p.valueThen ?? null), p.shopClock, p.status],
  );
}

/** Open proposals that no longer stand: replaced by a newer one, or by head office's own edit of the field. */
export async function supersedeProposals(tx: Tx, q: { ids?: readonly string[]; productId?: string; fields?: readonly string[]; exceptId?: string }): Promise<number> {
  return tx.exec(
    `update catalogue_proposals set status = 'superseded', decided_at = now()
     where status = 'pending'
       and ($1::uuid[] is null or id = any($1::uuid[]))
       and ($2::uuid is null or (product_id = $2 and field = any($3::text[])))
       and ($4::uuid is null or id <> $4)`,
    [q.ids ?? null, q.productId ?? null, q.fields ?? [], q.exceptId ?? null],
  );
}

export async function proposalById(db: Queryable, id: string): Promise<Proposal | undefined> {
  return db.one<Proposal>(`${select} where c.id = $1`, [id]);
}

/** The proposal, locked for its decision. */
export async function lockProposal(
  tx: Tx,
  id: string,
): Promise<{ id: string; productId: string; shopId: string; field: string; proposedValue: unknown; shopClock: string; status: ProposalStatus } | undefined> {
  return tx.one('select id, product_id, shop_id, field, proposed_value, shop_clock, status from catalogue_proposals where id = $1 for update', [id]);
}

export async function decideProposal(tx: Tx, id: string, d: { status: 'accepted' | 'refused'; decidedBy: string | null }): Promise<void> {
  await tx.exec(`update catalogue_proposals set status = $2, decided_at = now(), decided_by = $3 where id = $1`, [id, d.status, d.decidedBy]);
}

/** Newest first; `pending` for the Catalogue page, every status for the record. */
export async function listProposals(db: Queryable, q: { status: ProposalStatus | 'all'; limit: number }): Promise<Proposal[]> {
  return db.rows<Proposal>(`${select} where ($1 = 'all' or c.status = $1) order by c.received_at desc, c.id limit $2`, [q.status, q.limit]);
}
