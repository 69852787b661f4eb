import { newestOwnClock } from '../domain/hlc.js';
import { foldForSearch } from '../domain/search.js';
import type { Covered, ResendQuery, Unit } from '../outbox/coverage.js';
import {
  customersByIds, customersDigest, customersOfDay, customersPage, entriesDigest, entriesOfDay, entriesPage, raiseReglementCounter, restoreCustomers,
  restoreEntries, type AccountEntry, type Customer, type EntryRow,
} from './queries.js';

const clockOf = (hlc: string, q: ResendQuery) => newestOwnClock([hlc], q.node) ?? q.ownClock;

/**
 * A customer as it travels: its insert, then its whole row as an update (a
 * lost edit comes back; head office applies it by the shop's clock, and a
 * limit it set is not raised). A row whose last clock is head office's (its
 * limit came down the feed) goes under the shop's current clock.
 */
const customerUnit = (q: ResendQuery) => (c: Customer): Unit => {
  const { hlc: _h, limitByHq: _l, ...row } = c;
  const hlc = clockOf(c.hlc, q);
  return {
    entity: 'customer',
    id: c.id,
    entries: [
      { entity: 'customer', entityId: c.id, op: 'insert', payload: row, hlc },
      { entity: 'customer', entityId: c.id, op: 'update', payload: row, hlc },
    ],
    needs: [],
  };
};

/** Customers the shop opened, by the day it opened them; a rebuilt shop gets them back with head office's limits. */
export const customerCoverage: Covered = {
  entity: 'customer',
  digest: customersDigest,
  ofDay: async (db, q) => (await customersOfDay(db, q)).map(customerUnit(q)),
  byIds: async (db, q, ids) => (await customersByIds(db, q.shopId, ids)).map(customerUnit(q)),
  snapshot: [
    {
      part: 'customers',
      page: customersPage,
      restore: (run, rows: Customer[]) => restoreCustomers(run.tx, rows.map((c) => ({ ...c, searchText: foldForSearch(`${c.name} ${c.phone ?? ''}`) }))),
      clocks: (c: Customer) => [c.hlc],
    },
  ],
};

const entryUnit = (q: ResendQuery) => ({ hlc, ...e }: AccountEntry): Unit => ({
  entity: 'account_entry',
  id: e.id,
  entries: [{ entity: 'account_entry', entityId: e.id, op: 'insert', payload: e, hlc: clockOf(hlc, q) }],
  // The customer, the credit sale, the return and the drawer it names go before it.
  needs: [
    { entity: 'customer', id: e.customerId },
    ...(e.saleId ? [{ entity: 'sale', id: e.saleId }] : []),
    ...(e.returnId ? [{ entity: 'sale_return', id: e.returnId }] : []),
    ...(e.sessionId ? [{ entity: 'till_session', id: e.sessionId }] : []),
  ],
});

const reglementOf = (number: string | null) => Number(/-RG(\d+)$/.exec(number ?? '')?.[1] ?? 0);

/** The ledger of customer accounts, by the day each entry was written; payment-receipt numbers continue after a rebuild. */
export const accountEntryCoverage: Covered = {
  entity: 'account_entry',
  digest: entriesDigest,
  ofDay: async (db, q) => (await entriesOfDay(db, q)).map(entryUnit(q)),
  snapshot: [
    {
      part: 'account-entries',
      page: entriesPage,
      async restore(run, rows: EntryRow[], head) {
        await restoreEntries(run.tx, rows);
        const last = rows.reduce((max, e) => Math.max(max, reglementOf(e.number)), 0);
        // No payment ever taken: no counter row (the first payment makes it, as at a new shop).
        if (last > 0) await raiseReglementCounter(run.tx, head.shopId, last);
      },
      clocks: (e: EntryRow) => [e.hlc],
    },
  ],
};
