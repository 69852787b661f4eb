import type { PerMethod } from '../domain/cash-report.js';
import { pickFields } from '../domain/merge.js';
import type { MergeRun } from '../outbox/merge-run.js';
import { forbidden, unknownEntity } from '../stock/merge.js';
import { cashMovementsByIds, insertCashMovementIfAbsent, insertSessionIfAbsent, markClosed, sessionById, type CashMovement, type SessionOpening, type TillSession } from './queries.js';

export type SessionInsert = Omit<SessionOpening, 'openedAt' | 'hlc'> & { openedAt: string };
export type SessionClosing = SessionInsert & {
  closedAt: string; closedBy: string; closedByName: string; zNumber: string; expected: PerMethod; counted: PerMethod;
  cashVariance: number; closingComment: string | null;
};
export type CashMovementInsert = Omit<CashMovement, 'createdAt' | 'hlc'> & { createdAt: string };

const CLOSING_FIELDS = ['zNumber', 'counted', 'expected', 'cashVariance', 'closingComment'] as const;

/** Cash sessions belong to the shop that opened them: head office inserts them once, closes them once, never edits them. */
export class CashMerge {
  /** Sessions found to be this shop's in this run: a push's hundreds of sales name the same few. */
  private readonly owned = new Set<string>();

  constructor(private readonly run: MergeRun) {}

  private get hq() {
    const seat = this.run.seat;
    if (seat.role !== 'hq' || !seat.shopId) throw new Error('head office, for one shop');
    return { ...seat, shopId: seat.shopId };
  }

  /** A sale or a return names its session: it must be this shop's, and already received. */
  async ownSession(id: string | null): Promise<void> {
    if (!id || this.owned.has(id)) return;
    await this.own(id);
    this.owned.add(id);
  }

  private async own(id: string): Promise<TillSession> {
    const session = await sessionById(this.run.tx, this.hq.shopId, id);
    if (!session) {
      // Held under another shop, or never received: neither is this push's to write.
      if ((await this.run.tx.one('select 1 from till_sessions where id = $1', [id])) !== undefined) throw forbidden(this.hq.shopCode);
      throw unknownEntity('till_session', id);
    }
    return session;
  }

  async opened(d: SessionInsert, hlc: string): Promise<void> {
    if (d.shopId !== this.hq.shopId) throw forbidden(this.hq.shopCode);
    if (!(await insertSessionIfAbsent(this.run.tx, { ...d, openedAt: new Date(d.openedAt), hlc }))) await this.own(d.id);
  }

  async closed(d: SessionClosing, hlc: string): Promise<void> {
    await this.opened(d, hlc);
    const session = await this.own(d.id);
    if (session.status === 'open') {
      await markClosed(this.run.tx, d.id, {
        closedAt: new Date(d.closedAt), closedBy: d.closedBy, closedByName: d.closedByName, zNumber: d.zNumber, expected: d.expected,
        counted: d.counted, cashVariance: d.cashVariance, comment: d.closingComment, hlc,
      });
      return;
    }
    const here = { ...session, closingComment: session.closingComment };
    const differs = CLOSING_FIELDS.filter((f) => JSON.stringify(here[f] ?? null) !== JSON.stringify(d[f] ?? null));
    if (differs.length > 0) {
      this.run.log('till_session', d.id, { field: differs.join(','), localValue: pickFields(here, differs), remoteValue: pickFields(d, differs), localClock: session.hlc, remoteClock: hlc, winner: 'local', reason: 'duplicate_differs' });
    }
  }

  async moved(d: CashMovementInsert, hlc: string): Promise<void> {
    if (d.shopId !== this.hq.shopId) throw forbidden(this.hq.shopCode);
    await this.own(d.sessionId);
    if (await insertCashMovementIfAbsent(this.run.tx, { ...d, createdAt: new Date(d.createdAt), hlc })) return;
    const [existing] = await cashMovementsByIds(this.run.tx, [d.id]);
    if (existing && existing.shopId !== this.hq.shopId) throw forbidden(this.hq.shopCode);
  }
}
