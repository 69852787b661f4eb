import type { RequestHandler } from 'express';
import { z } from 'zod';
import { createProductSchema, packSchema, updatePackSchema } from './schemas.js';
import { boxOf } from './lookup.js';
import type { ProductWithStock } from './queries.js';
import { formatUnits } from '../domain/packs.js';
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


/** A product as the list shows it: its sellable stock said in packs when it has some. */
function listed(p: ProductWithStock) {
  const box = boxOf(p);
  return { ...p, stockLabel: box ? formatUnits(p.sellableQuantity, { baseUnit: p.baseUnit, box }) : null };
}

/** A pack form's checkboxes: present (ticked) or absent (unticked). */
const ticked = (b: Record<string, unknown>, name: string) => b[name] === 'on' || b[name] === 'true';

/** Produits: search, create, change a price, a product's packs. */
export function catalogPages(s: Services, views: Views, deps: { db: Db; shop: ShopContext; now: () => Date }) {
  const rowOf = async (id: string, extra: Record<string, unknown> = {}) => {
    const product = listed(await s.catalog.productWithStock(id));
    return { page: 'products', fragment: 'catalog/row', data: { title: t('ui.nav.products'), products: [], product, ...extra } };
  };

  return {
    products: (async (req, res) => {
      const q = String(req.query.q ?? '');
      show(views, req, res, {
        page: 'products', fragment: 'catalog/list',
        data: { title: t('ui.nav.products'), q, products: (await s.catalog.searchProducts(q, 200, true)).map(listed), canCreate: req.actor?.role !== 'cashier', form: {} },
      });
    }) satisfies RequestHandler,

    createProduct: (async (req, res) => {
      const b = req.body as Record<string, unknown>;
      const form = { name: b.name, sku: b.sku, gtin: b.gtin, unitPrice: b.unitPrice, baseUnit: b.baseUnit || undefined };
      onRefusal(res, (err) => ({ page: 'products', fragment: 'catalog/form', data: { title: t('ui.nav.products'), products: [], form, error: err.message } }));
      const p = await s.catalog.createProduct(parse(createProductSchema, { ...form, unitPrice: formNumber(b.unitPrice) }), actorOf(req));
      show(views, req, res, { page: 'products', fragment: 'catalog/form', data: { title: t('ui.nav.products'), products: [], form: {}, created: t('ui.products.created', { name: p.name }) } });
    }) satisfies RequestHandler,

    updatePrice: (async (req, res) => {
      const id = idParam(req);
      onRefusal(res, (err) => rowOf(id, { error: err.message }));
      await s.catalog.updateProduct(id, parse(z.object({ unitPrice: z.number().int().min(0) }), { unitPrice: formNumber((req.body as Record<string, unknown>).unitPrice) }), actorOf(req));
      // Head office's product: the manager is told the price is this shop's only, until head office accepts it.
      show(views, req, res, await rowOf(id, (await s.catalog.isChainProduct(id)) ? { notice: t('ui.products.chain_local') } : {}));
    }) satisfies RequestHandler,

    /** A new pack of the product (« Boîte de 30 »), from its row. */
    addPack: (async (req, res) => {
      const id = idParam(req);
      const b = req.body as Record<string, unknown>;
      onRefusal(res, (err) => rowOf(id, { error: err.message }));
      const { pack } = await s.catalog.addPack(id, parse(packSchema, {
        name: b.name, units: formNumber(b.units), unitPrice: formNumber(b.unitPrice), gtin: b.gtin || null,
      }), actorOf(req));
      show(views, req, res, await rowOf(id, { notice: t('ui.packs.added', { name: pack.name }) }));
    }) satisfies RequestHandler,

    /** A pack's price, whether it is sold, whether it is retired. */
    updatePack: (async (req, res) => {
      const id = idParam(req);
      const b = req.body as Record<string, unknown>;
      onRefusal(res, (err) => rowOf(id, { error: err.message }));
      await s.catalog.updatePack(id, idParam(req, 'packId'), parse(updatePackSchema, {
        unitPrice: formNumber(b.unitPrice), sellable: ticked(b, 'sellable'), retired: ticked(b, 'retired'),
      }), actorOf(req));
      show(views, req, res, await rowOf(id));
    }) satisfies RequestHandler,
  };
}
