import { newestOwnClock } from '../domain/hlc.js';
import type { Covered } from '../outbox/coverage.js';
import { SupplierMerge } from './merge.js';
import { linksPage, suppliersMadeBy, suppliersPage, type LinkRow, type SupplierRow } from './queries.js';
import { publicSupplier } from './service.js';

/**
 * Suppliers and their product links are the chain's (merged like products):
 * a rebuild brings them all back, clocks included. Not digested per day
 * (chain-wide descriptive rows, not a shop's documents). A supplier the shop
 * created goes again, as its insert, before the purchase documents that name
 * it (head office restored from an older backup may lack it).
 */
export const supplierCoverage: Covered = {
  entity: 'supplier',
  byIds: async (db, q, ids) =>
    (await suppliersMadeBy(db, q.shopId, ids)).map((row) => ({
      entity: 'supplier', id: row.id, needs: [],
      entries: [{
        entity: 'supplier', entityId: row.id, op: 'insert', payload: { ...publicSupplier(row), fieldClocks: row.fieldClocks },
        hlc: newestOwnClock([row.hlc, ...Object.values(row.fieldClocks)], q.node) ?? q.ownClock,
      }],
    })),
  snapshot: [
    {
      part: 'suppliers',
      page: (db, _shopId, after, limit) => suppliersPage(db, after, limit),
      restore: (run, rows: SupplierRow[]) => new SupplierMerge(run).restore({ suppliers: rows, links: [] }),
      clocks: (s: SupplierRow) => [s.hlc],
    },
    {
      part: 'supplier-links',
      page: (db, _shopId, after, limit) => linksPage(db, after, limit),
      restore: (run, rows: LinkRow[]) => new SupplierMerge(run).restore({ suppliers: [], links: rows }),
      clocks: (l: LinkRow) => [l.hlc],
    },
  ],
};
