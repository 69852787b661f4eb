import type { Request, RequestHandler, Response } from 'express';
import { parse } from '../http/validate.js';
import { t } from '../i18n/fr.js';
import { show } from '../web/respond.js';
import { sendTable, type Column } from '../web/table-export.js';
import type { Views } from '../web/views.js';
import { hqPurchasingPageSchema } from './schemas.js';
import type { PurchasingAtHq } from './service.js';
import { supplierHqPages } from '../suppliers/hq-pages.js';
import type { SuppliersAtHq } from '../suppliers/service.js';

type Handler = (req: Request, res: Response) => Promise<void>;
const page = (h: Handler): RequestHandler => h as RequestHandler;
const ORDER_STATES = ['sent', 'partially_received', 'received', 'cancelled'] as const;

/** Head office's « Achats »: every shop's orders and deliveries, filtered by shop, supplier, period and state, and the credits still expected. */
export function purchasingHqPages(seat: PurchasingAtHq, shopChoices: () => Promise<{ code: string; name: string }[]>, views: Views, suppliers: SuppliersAtHq) {
  const filterOf = (req: Request) => {
    const q = parse(hqPurchasingPageSchema, req.query);
    return { query: q, filter: { shopCode: q.boutique, supplierId: q.fournisseur, from: q.du, to: q.au, status: q.etat } };
  };
  const exportQuery = (req: Request) => new URLSearchParams(Object.entries(req.query).filter((e): e is [string, string] => typeof e[1] === 'string' && e[1] !== '')).toString();
  const fileName = (kind: string, q: ReturnType<typeof filterOf>['query']) => [t(`buying.hq.file.${kind as 'orders'}`), q.boutique, q.du, q.au].filter(Boolean).join('-');

  return {
    /** The chain's suppliers, under Achats. */
    suppliers: supplierHqPages(suppliers, views),

    page: page(async (req, res) => {
      const { query, filter } = filterOf(req);
      const data = await seat.overview(filter);
      show(views, req, res, {
        page: 'hq-purchasing', fragment: 'purchasing/hq-purchasing',
        data: {
          title: t('buying.hq.title'), ...data, shops: await shopChoices(), suppliers: await seat.suppliers(), shop: query.boutique, supplier: query.fournisseur,
          from: query.du, to: query.au, state: query.etat, states: ORDER_STATES.map((value) => ({ value, label: t(`purchase.status.${value}`) })),
          exportQuery: exportQuery(req),
        },
      });
    }),

    /** The same filters as a file: the orders, the deliveries or the pending credits (CSV, or XLSX by the extension). */
    export: (kind: 'orders' | 'deliveries' | 'credits' | 'by_supplier') => page(async (req, res) => {
      const { query, filter } = filterOf(req);
      const data = await seat.overview(filter);
      const col = (k: string, type: Column['type']): Column => ({ header: t(`buying.hq.csv.${k as 'shop'}`), type });
      const table = kind === 'orders'
        ? {
            columns: [col('shop', 'text'), col('number', 'text'), col('day', 'date'), col('supplier', 'text'), col('state', 'text'), col('lines', 'int'),
              col('ordered_qty', 'int'), col('received_qty', 'int'), col('ordered_value', 'money'), col('received_value', 'money')],
            rows: data.orders.map((o) => [o.shopCode, o.number, o.day, o.supplierName, o.statusText, o.lineCount, o.orderedQty, o.receivedQty, o.orderedValue, o.receivedValue]),
          }
        : kind === 'deliveries'
          ? {
              columns: [col('shop', 'text'), col('number', 'text'), col('day', 'date'), col('supplier', 'text'), col('order', 'text'), col('delivery_note', 'text'),
                col('invoice', 'text'), col('lines', 'int'), col('received_qty', 'int'), col('received_value', 'money'), col('invoice_total', 'money'), col('invoice_gap', 'money')],
              rows: data.deliveries.map((d) => [d.shopCode, d.number, d.day, d.supplierName, d.orderNumber, d.deliveryNote, d.invoiceNumber, d.lineCount, d.receivedQty,
                d.receivedValue, d.invoiceTotal, d.invoiceGap]),
            }
          : kind === 'by_supplier'
            ? {
                columns: [col('supplier', 'text'), col('month', 'text'), col('deliveries', 'int'), col('shops', 'int'), col('received_qty', 'int'), col('received_value', 'money')],
                rows: data.bySupplier.map((r) => [r.supplierName, r.month, r.deliveryCount, r.shopCount, r.receivedQty, r.receivedValue]),
              }
            : {
              columns: [col('shop', 'text'), col('number', 'text'), col('sent_day', 'date'), col('supplier', 'text'), col('state', 'text'), col('expected_credit', 'money'),
                col('age_days', 'int'), col('dispute', 'text')],
              rows: data.credits.map((c) => [c.shopCode, c.number, c.day, c.supplierName, c.statusText, c.expectedCredit, c.ageDays, c.disputeNote]),
            };
      await sendTable(req, res, { filename: fileName(kind, query), columns: table.columns, sheets: [{ name: t(`buying.hq.file.${kind}`), rows: table.rows }] });
    }),
  };
}
