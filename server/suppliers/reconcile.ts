import type { Covered } from '../outbox/coverage.js';
import { SupplierMerge } from './merge.js';
import { linksPage, suppliersPage, type LinkRow, type SupplierRow } from './queries.js';

/**
 * Suppliers and their product links are the chain's (merged like products):
 * a rebuild brings them all back, clocks included. Not digested per day
 * (chain-wide descriptive rows, not a shop's documents).
 */
export const supplierCoverage: Covered = {
  entity: 'supplier',
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
