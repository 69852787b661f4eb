import type { RequestHandler } from 'express';
import { actorOf } from '../http/session.js';
import { parse } from '../http/validate.js';
import { idParam } from '../http/params.js';
import { createProductSchema, searchProductsSchema, updateProductSchema } from './schemas.js';
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
    create: (async (req, res) => {
      res.status(201).json(await catalog.createProduct(parse(createProductSchema, req.body), actorOf(req)));
    }) satisfies RequestHandler,
    update: (async (req, res) => {
      res.json(await catalog.updateProduct(idParam(req), parse(updateProductSchema, req.body), actorOf(req)));
    }) satisfies RequestHandler,
  };
}
