import type { RequestHandler } from 'express';
import { actorOf } from '../http/session.js';
import { idParam } from '../http/params.js';
import { parse } from '../http/validate.js';
import { createRequisitionSchema, requisitionListSchema } from './schemas.js';
import type { RequisitionsService } from './service.js';

export function requisitionsRoutes(requisitions: RequisitionsService) {
  return {
    create: (async (req, res) => {
      const { requisition, created } = await requisitions.create(parse(createRequisitionSchema, req.body), actorOf(req));
      res.status(created ? 201 : 200).json(requisition);
    }) satisfies RequestHandler,
    list: (async (req, res) => {
      res.json(await requisitions.list(parse(requisitionListSchema, req.query).direction ?? 'all'));
    }) satisfies RequestHandler,
    get: (async (req, res) => {
      res.json(await requisitions.get(idParam(req)));
    }) satisfies RequestHandler,
    cancel: (async (req, res) => {
      res.json(await requisitions.cancel(idParam(req), actorOf(req)));
    }) satisfies RequestHandler,
    answer: (async (req, res) => {
      res.status(201).json(await requisitions.answer(idParam(req), actorOf(req)));
    }) satisfies RequestHandler,
  };
}
