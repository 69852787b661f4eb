import type { RequestHandler } from 'express';
import { actorOf } from '../http/session.js';
import { idParam } from '../http/params.js';
import { sendPdf } from '../http/pdf.js';
import { parse } from '../http/validate.js';
import { sendCsv } from '../web/csv.js';
import type { DeliveriesService } from './deliveries.js';
import {
  createDeliverySchema,
  createOrderSchema,
  createReturnSchema,
  creditSchema,
  deliveryLineSchema,
  disputeSchema,
  recalledLotSchema,
  suggestionsQuerySchema,
  updateDeliverySchema,
  updateOrderSchema,
  validateDeliverySchema,
} from './schemas.js';
import type { PurchaseOrdersService } from './service.js';
import type { SupplierReturnsService } from './supplier-returns.js';

/** Creating calls answer 201 the first time and 200 with the same document when the caller's id is sent again. */
export function purchasingRoutes(orders: PurchaseOrdersService, deliveries: DeliveriesService, returns: SupplierReturnsService) {
  return {
    suggestions: (async (req, res) => {
      res.json(await orders.suggestions(parse(suggestionsQuerySchema, req.query)));
    }) satisfies RequestHandler,
    listOrders: (async (_req, res) => {
      res.json(await orders.list());
    }) satisfies RequestHandler,
    createOrder: (async (req, res) => {
      const { order, created } = await orders.create(parse(createOrderSchema, req.body), actorOf(req));
      res.status(created ? 201 : 200).json(order);
    }) satisfies RequestHandler,
    getOrder: (async (req, res) => {
      res.json(await orders.view(idParam(req)));
    }) satisfies RequestHandler,
    updateOrder: (async (req, res) => {
      res.json(await orders.update(idParam(req), parse(updateOrderSchema, req.body), actorOf(req)));
    }) satisfies RequestHandler,
    orderCsv: (async (req, res) => {
      const { filename, csv } = await orders.csv(idParam(req));
      sendCsv(res, filename, csv);
    }) satisfies RequestHandler,
    orderPdf: (async (req, res) => {
      const { filename, pdf } = await orders.pdf(idParam(req));
      sendPdf(res, pdf, filename);
    }) satisfies RequestHandler,
    returnPdf: (async (req, res) => {
      const { filename, pdf } = await returns.notePdf(idParam(req));
      sendPdf(res, pdf, filename);
    }) satisfies RequestHandler,
    sendOrder: (async (req, res) => {
      res.json(await orders.send(idParam(req), actorOf(req)));
    }) satisfies RequestHandler,
    cancelOrder: (async (req, res) => {
      res.json(await orders.cancel(idParam(req), actorOf(req)));
    }) satisfies RequestHandler,

    listDeliveries: (async (_req, res) => {
      res.json(await deliveries.list());
    }) satisfies RequestHandler,
    createDelivery: (async (req, res) => {
      const { delivery, created } = await deliveries.create(parse(createDeliverySchema, req.body), actorOf(req));
      res.status(created ? 201 : 200).json(delivery);
    }) satisfies RequestHandler,
    getDelivery: (async (req, res) => {
      res.json(await deliveries.view(idParam(req)));
    }) satisfies RequestHandler,
    updateDelivery: (async (req, res) => {
      res.json(await deliveries.update(idParam(req), parse(updateDeliverySchema, req.body)));
    }) satisfies RequestHandler,
    addDeliveryLine: (async (req, res) => {
      res.status(201).json(await deliveries.addLine(idParam(req), parse(deliveryLineSchema, req.body)));
    }) satisfies RequestHandler,
    removeDeliveryLine: (async (req, res) => {
      res.json(await deliveries.removeLine(idParam(req), idParam(req, 'lineId')));
    }) satisfies RequestHandler,
    validateDelivery: (async (req, res) => {
      res.json(await deliveries.validate(idParam(req), parse(validateDeliverySchema, req.body ?? {}), actorOf(req)));
    }) satisfies RequestHandler,

    createReturn: (async (req, res) => {
      const { supplierReturn, created } = await returns.create(parse(createReturnSchema, req.body), actorOf(req));
      res.status(created ? 201 : 200).json(supplierReturn);
    }) satisfies RequestHandler,
    returnRecalledLot: (async (req, res) => {
      const { supplierReturn, created } = await returns.returnRecalledLot(parse(recalledLotSchema, req.body), actorOf(req));
      res.status(created ? 201 : 200).json(supplierReturn);
    }) satisfies RequestHandler,
    getReturn: (async (req, res) => {
      res.json(await returns.view(idParam(req)));
    }) satisfies RequestHandler,
    validateReturn: (async (req, res) => {
      res.json(await returns.validate(idParam(req), actorOf(req)));
    }) satisfies RequestHandler,
    creditReturn: (async (req, res) => {
      res.json(await returns.credit(idParam(req), parse(creditSchema, req.body), actorOf(req)));
    }) satisfies RequestHandler,
    disputeReturn: (async (req, res) => {
      res.json(await returns.dispute(idParam(req), parse(disputeSchema, req.body).note, actorOf(req)));
    }) satisfies RequestHandler,
  };
}
