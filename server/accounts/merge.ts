import type { CashMerge } from '../cash/merge.js';
import { foldForSearch } from '../domain/search.js';
import type { MergeRun } from '../outbox/merge-run.js';
import type { SalesMerge } from '../sales/merge.js';
import { forbidden, unknownEntity } from '../stock/merge.js';
import { z } from 'zod';
import type { Tx } from '../db/pool.js';
import {
  customerAnyShop, entriesByIds, insertCustomerIfAbsent, insertEntryIfAbsent, pendingLimitOf, takeLimitFromHq, updateCustomer, type AccountEntry, type Customer,
} from './queries.js';

export type CustomerWire = Omit<Customer, 'hlc' | 'limitByHq' | 'createdAt' | 'updatedAt'> & { createdAt: string };
export type EntryWire = Omit<AccountEntry, 'hlc' | 'createdAt'> & { createdAt: string };

const searchTextOf = (c: { name: string; phone: string | null }) => foldForSearch(`${c.name} ${c.phone ?? ''}`);

/**
 * Customers and their ledgers belong to the shop that opened them: head
 * office inserts each entry once (an entry is never edited: corrections are
 * new entries), and takes the shop's edits of a customer, except that a
 * credit limit head office set is never raised by a shop (logged).
 */
export class AccountsMerge {
  constructor(
    private readonly run: MergeRun,
    private readonly sales: SalesMerge,
    private readonly cash: CashMerge,
  ) {}

  private get hq() {
    const seat = this.run.seat;
    if (seat.role !== 'hq' || !seat.shopId) throw new Error('head office, for one shop');
    return { ...seat, shopId: seat.shopId };
  }

  private async own(id: string): Promise<Customer> {
    const c = await customerAnyShop(this.run.tx, id, ' for update');
    if (!c) throw unknownEntity('customer', id);
    if (c.shopId !== this.hq.shopId) throw forbidden(this.hq.shopCode);
    return c;
  }

  async customerInserted(d: CustomerWire, hlc: string): Promise<void> {
    if (d.shopId !== this.hq.shopId) throw forbidden(this.hq.shopCode);
    const inserted = await insertCustomerIfAbsent(this.run.tx, { ...d, searchText: searchTextOf(d), hlc, createdAt: new Date(d.createdAt) });
    if (!inserted) await this.own(d.id);
  }

  async customerUpdated(d: CustomerWire, hlc: string): Promise<void> {
    if (d.shopId !== this.hq.shopId) throw forbidden(this.hq.shopCode);
    const held = await this.own(d.id);
    // The same edit again, or an older one arriving after a newer: the shop's own clock orders its edits.
    if (held.hlc.endsWith(`:${this.hq.shopCode}`) && hlc <= held.hlc) return;
    let creditLimit = d.creditLimit;
    if (held.limitByHq && d.creditLimit > held.creditLimit) {
      this.run.log('customer', d.id, {
        field: 'creditLimit', localValue: held.creditLimit, remoteValue: d.creditLimit, localClock: held.hlc, remoteClock: hlc, winner: 'local', reason: 'limit_by_hq',
      });
      creditLimit = held.creditLimit;
      // The shop's till holds the raised limit: head office's goes down its feed again.
      this.run.emit({ shopId: held.shopId, originShopId: null, entity: 'customer_limit', entityId: d.id, hlc: held.hlc, payload: { id: d.id, creditLimit } });
    }
    await updateCustomer(this.run.tx, d.id, { ...d, creditLimit, searchText: searchTextOf(d), hlc });
  }

  async entryInserted(d: EntryWire, hlc: string): Promise<void> {
    if (d.shopId !== this.hq.shopId) throw forbidden(this.hq.shopCode);
    await this.own(d.customerId);
    if (d.saleId) {
      await this.sales.ownSale(d.saleId);
      // A credit sale's entry travels with its sale, which this push may hold staged: written first, for the foreign key.
      await this.sales.flush();
    }
    if (d.returnId) await this.sales.ownReturn(d.returnId);
    await this.cash.ownSession(d.sessionId);
    if (await insertEntryIfAbsent(this.run.tx, { ...d, hlc, createdAt: new Date(d.createdAt) })) return;
    const [existing] = await entriesByIds(this.run.tx, [d.id]);
    if (existing && existing.shopId !== this.hq.shopId) throw forbidden(this.hq.shopCode);
  }
}

/** What head office sends a shop of a limit it set (`customer_limit` in the feed). */
export interface CustomerLimitWire {
  id: string;
  creditLimit: number;
}

/**
 * The shop takes head office's credit limit for one of its customers, and
 * its till checks against it; unless a lower limit the shop set is still on
 * its way up (head office takes a lower one: both ends end on it).
 */
const pulledLimitSchema = z.object({ id: z.uuid(), creditLimit: z.number().int().min(0) });

export async function customerLimitPulled(tx: Tx, shopId: string, data: CustomerLimitWire, hlc: string): Promise<void> {
  const d = pulledLimitSchema.parse(data);
  const c = await customerAnyShop(tx, d.id, ' for update');
  if (!c || c.shopId !== shopId) return;
  const pending = await pendingLimitOf(tx, d.id);
  if (pending !== undefined && pending < d.creditLimit) return;
  await takeLimitFromHq(tx, d.id, d.creditLimit, hlc);
}
