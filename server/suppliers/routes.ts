import type { RequestHandler } from 'express';
import { actorOf } from '../http/session.js';
import { idParam } from '../http/params.js';
import { parse } from '../http/validate.js';
import { createSupplierSchema, linkSchema, updateSupplierSchema } from './schemas.js';
import type { SuppliersService } from './service.js';

export function suppliersRoutes(suppliers: SuppliersService) {
  return {
    list: (async (_req, res) => {
      res.json(await suppliers.list());
    }) satisfies RequestHandler,
    get: (async (req, res) => {
      res.json(await suppliers.get(idParam(req)));
    }) satisfies RequestHandler,
    /** The same id twice creates one supplier: 201, then 200 with the same row. */
    create: (async (req, res) => {
      const { supplier, created } = await suppliers.create(parse(createSupplierSchema, req.body), actorOf(req));
      res.status(created ? 201 : 200).json(supplier);
    }) satisfies RequestHandler,
    update: (async (req, res) => {
      res.json(await suppliers.update(idParam(req), parse(updateSupplierSchema, req.body), actorOf(req)));
    }) satisfies RequestHandler,
    putLink: (async (req, res) => {
      res.json(await suppliers.putLink(idParam(req), idParam(req, 'productId'), parse(linkSchema, req.body), actorOf(req)));
    }) satisfies RequestHandler,
  };
}
