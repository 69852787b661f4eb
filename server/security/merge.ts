import type { MergeRun } from '../outbox/merge-run.js';
import { forbidden } from '../stock/merge.js';
import { alertById, insertAlert, type AlertKind, type AlertScope } from './queries.js';

export interface AlertInsert {
  id: string;
  shopId: string;
  kind: AlertKind;
  scope: AlertScope;
  subject: string;
  failures: number;
  since: string;
  createdAt: string;
}

/** A shop's security alerts are its own events: head office inserts each once, with the time it arrived, and never edits them. */
export class SecurityMerge {
  constructor(private readonly run: MergeRun) {}

  async alertReceived(d: AlertInsert, hlc: string): Promise<void> {
    const seat = this.run.seat;
    if (seat.role !== 'hq' || !seat.shopId) throw new Error('head office, for one shop');
    if (d.shopId !== seat.shopId) throw forbidden(seat.shopCode);
    const row = { ...d, since: new Date(d.since), createdAt: new Date(d.createdAt), receivedAt: new Date(seat.nowWall), hlc };
    if (await insertAlert(this.run.tx, row)) return;
    const existing = await alertById(this.run.tx, d.id);
    if (existing && existing.shopId !== seat.shopId) throw forbidden(seat.shopCode);
  }
}
