import type { RequestHandler } from 'express';
import { actorOf } from '../http/session.js';
import { idParam } from '../http/params.js';
import { parse } from '../http/validate.js';
import { correctBatchSchema, movementSchema, receiveBatchSchema } from './schemas.js';
import type { StockService } from './service.js';

export function stockRoutes(stock: StockService) {
  return {
    receive: (async (req, res) => {
      res.status(201).json(await stock.receiveBatch(parse(receiveBatchSchema, req.body), actorOf(req)));
    }) satisfies RequestHandler,
    ofProduct: (async (req, res) => {
      res.json(await stock.batchesOfProduct(idParam(req)));
    }) satisfies RequestHandler,
    get: (async (req, res) => {
      res.json(await stock.getBatch(idParam(req)));
    }) satisfies RequestHandler,
    correct: (async (req, res) => {
      res.json(await stock.correctBatch(idParam(req), parse(correctBatchSchema, req.body), actorOf(req)));
    }) satisfies RequestHandler,
    movement: (async (req, res) => {
      res.status(201).json(await stock.recordMovement(idParam(req), parse(movementSchema, req.body), actorOf(req)));
    }) satisfies RequestHandler,
  };
}
