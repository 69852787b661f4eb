import type { RequestHandler } from 'express';
import { AppError } from '../errors.js';
import { actorOf } from '../http/session.js';
import { parse } from '../http/validate.js';
import { idParam } from '../http/params.js';
import { createProductSchema, packSchema, searchProductsSchema, updatePackSchema, updateProductSchema } from './schemas.js';
import type { CatalogService } from './service.js';

export function catalogRoutes(catalog: CatalogService) {
  return {
    search: (async (req, res) => {
      const q = parse(searchProductsSchema, req.query);
      res.json(await catalog.searchProducts(q.q, q.limit, q.all === '1'));
    }) satisfies RequestHandler,
    get: (async (req, res) => {
      res.json(await catalog.getProduct(idParam(req)));
    }) satisfies RequestHandler,
    /** 201 with the product made; 200 with the same product when its `id` was sent before. */
    create: (async (req, res) => {
      const { product, created } = await catalog.createProductOnce(parse(createProductSchema, req.body), actorOf(req));
      res.status(created ? 201 : 200).json(product);
    }) satisfies RequestHandler,
    update: (async (req, res) => {
      res.json(await catalog.updateProduct(idParam(req), parse(updateProductSchema, req.body), actorOf(req)));
    }) satisfies RequestHandler,
    addPack: (async (req, res) => {
      const { pack, created } = await catalog.addPack(idParam(req), parse(packSchema, req.body), actorOf(req));
      res.status(created ? 201 : 200).json(pack);
    }) satisfies RequestHandler,
    updatePack: (async (req, res) => {
      // A pack's size is refused with its own reason, not as an unknown field.
      if (req.body && typeof req.body === 'object' && 'units' in req.body) throw new AppError(422, 'pack_units_fixed', 'pack.units_fixed');
      res.json(await catalog.updatePack(idParam(req), idParam(req, 'packId'), parse(updatePackSchema, req.body), actorOf(req)));
    }) satisfies RequestHandler,
  };
}
