import type { RequestHandler } from 'express';
import { z } from 'zod';
import { createProductSchema } from './schemas.js';
import { idParam } from '../http/params.js';
import { actorOf } from '../http/session.js';
import { formNumber, parse } from '../http/validate.js';
import { t } from '../i18n/fr.js';
import type { Services } from '../services.js';
import type { ShopContext } from '../context.js';
import type { Db } from '../db/pool.js';
import { onRefusal } from '../web/errors.js';
import { show } from '../web/respond.js';
import type { Views } from '../web/views.js';


/** Produits: search, create, change a price. */
export function catalogPages(s: Services, views: Views, deps: { db: Db; shop: ShopContext; now: () => Date }) {

  return {
    products: (async (req, res) => {
      const q = String(req.query.q ?? '');
      show(views, req, res, {
        page: 'products', fragment: 'catalog/list',
        data: { title: t('ui.nav.products'), q, products: await s.catalog.searchProducts(q, 200, true), canCreate: req.actor?.role !== 'cashier', form: {} },
      });
    }) satisfies RequestHandler,

    createProduct: (async (req, res) => {
      const b = req.body as Record<string, unknown>;
      const form = { name: b.name, sku: b.sku, gtin: b.gtin, unitPrice: b.unitPrice };
      onRefusal(res, (err) => ({ page: 'products', fragment: 'catalog/form', data: { title: t('ui.nav.products'), products: [], form, error: err.message } }));
      const p = await s.catalog.createProduct(parse(createProductSchema, { ...form, unitPrice: formNumber(b.unitPrice) }), actorOf(req));
      show(views, req, res, { page: 'products', fragment: 'catalog/form', data: { title: t('ui.nav.products'), products: [], form: {}, created: t('ui.products.created', { name: p.name }) } });
    }) satisfies RequestHandler,

    updatePrice: (async (req, res) => {
      const id = idParam(req);
      const rowOf = async (extra: Record<string, unknown> = {}) => {
        const product = await s.catalog.productWithStock(id);
        return { page: 'products', fragment: 'catalog/row', data: { title: t('ui.nav.products'), products: [], product, ...extra } };
      };
      onRefusal(res, (err) => rowOf({ error: err.message }));
      await s.catalog.updateProduct(id, parse(z.object({ unitPrice: z.number().int().min(0) }), { unitPrice: formNumber((req.body as Record<string, unknown>).unitPrice) }), actorOf(req));
      // Head office's product: the manager is told the price is this shop's only, until head office accepts it.
      show(views, req, res, await rowOf((await s.catalog.isChainProduct(id)) ? { notice: t('ui.products.chain_local') } : {}));
    }) satisfies RequestHandler,
  };
}
