import { newestOwnClock } from '../domain/hlc.js';
import type { Covered } from '../outbox/coverage.js';
import { CatalogMerge } from './merge.js';
import { productsMadeBy, productsPage, type ProductRow } from './queries.js';

/**
 * Products: the whole catalogue comes back with a rebuild; a product the shop
 * created goes again before the lots that name it (head office restored from
 * an older backup would otherwise set those lots, and their sales, aside).
 * Not digested per day: head office dates a shop's product when it receives
 * it, so the two ends would not agree on its day; its lots are digested.
 */
export const productCoverage: Covered = {
  entity: 'product',
  byIds: async (db, q, ids) =>
    (await productsMadeBy(db, q.shopId, ids)).map((p) => {
      const { hlc, fieldClocks, originShopId: _o, searchText: _s, fieldOrigins: _f, claimedGtin: _c, ...product } = p;
      return {
        entity: 'product', id: p.id, needs: [],
        entries: [{ entity: 'product', entityId: p.id, op: 'insert', payload: product, hlc: newestOwnClock([hlc, ...Object.values(fieldClocks)], q.node) ?? q.ownClock }],
      };
    }),
  snapshot: [
    {
      part: 'products',
      page: (db, _shopId, after, limit) => productsPage(db, after, limit),
      restore: (run, rows: ProductRow[]) => new CatalogMerge(run).restore(rows),
      clocks: (p: ProductRow) => [p.hlc],
    },
  ],
};
