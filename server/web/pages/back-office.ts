import type { Request, RequestHandler } from 'express';
import { z } from 'zod';
import { createProductSchema } from '../../catalog/schemas.js';
import { dateInZone } from '../../domain/dates.js';
import { isIsoDate } from '../../domain/dates.js';
import { parseScan } from '../../domain/scan.js';
import { backupReport } from '../../ops/service.js';
import { movementSchema } from '../../stock/schemas.js';
import { idParam } from '../../http/params.js';
import { actorOf } from '../../http/session.js';
import { parse } from '../../http/validate.js';
import { t } from '../../i18n/fr.js';
import type { Services } from '../../services.js';
import { settingsSchema } from '../../shops/schemas.js';
import { createUserSchema } from '../../users/schemas.js';
import type { ShopContext } from '../../context.js';
import type { Db } from '../../db/pool.js';
import { onRefusal } from '../errors.js';
import { show } from '../respond.js';
import type { Views } from '../views.js';

const int = (v: unknown) => (v === '' || v === undefined ? undefined : Number(v));
const FILTERS = ['all', 'expired', '30', '60', '90'] as const;
const asArray = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)]);

/** Ventes, Stock, Produits, Tableau de bord, Paramètres: pages over the same services as the JSON API. */
export function backOfficePages(s: Services, views: Views, deps: { db: Db; shop: ShopContext; now: () => Date }) {
  const today = () => dateInZone(deps.now(), deps.shop.timezone);

  const salesData = async (date: string) => ({
    title: t('ui.nav.sales'),
    day: date,
    sales: await s.sales.listSales({ from: date, to: date, limit: 500 }),
    takings: await s.sales.takings(date),
  });

  const lotsData = async (filter: (typeof FILTERS)[number]) => ({
    title: t('ui.nav.stock'),
    lots: await s.stock.lotsByExpiry(filter === 'all' || filter === 'expired' ? filter : (Number(filter) as 30 | 60 | 90)),
    filters: FILTERS.map((value) => ({ value, label: t(`ui.stock.filter_${value}`), active: value === filter })),
    rows: [{}],
  });
  const filterOf = (req: Request) => (FILTERS as readonly string[]).includes(String(req.query.filtre)) ? (String(req.query.filtre) as (typeof FILTERS)[number]) : 'all';

  const settingsData = async () => ({
    title: t('ui.nav.settings'), settings: await s.settings.get(), users: await s.users.listUsers(), sync: await s.sync.status(), refused: await s.sync.refused(),
    backup: await backupReport(deps.db),
  });

  return {
    sales: (async (req, res) => {
      const date = isIsoDate(String(req.query.date)) ? String(req.query.date) : today();
      show(views, req, res, { page: 'sales', fragment: 'sales-list', data: await salesData(date) });
    }) satisfies RequestHandler,

    voidSale: (async (req, res) => {
      const id = idParam(req);
      onRefusal(res, async (err) => ({ page: 'sales', fragment: 'sale-row', data: { ...(await salesData(today())), sale: await s.sales.getSale(id), error: err.message } }));
      const sale = await s.sales.voidSale(id, actorOf(req));
      show(views, req, res, { page: 'sales', fragment: 'sale-row', data: { ...(await salesData(today())), sale } });
    }) satisfies RequestHandler,

    stock: (async (req, res) => {
      show(views, req, res, { page: 'stock', fragment: 'lots-list', data: await lotsData(filterOf(req)) });
    }) satisfies RequestHandler,

    /** A reception row, filled from a scanned GS1 code when there is one. */
    receptionRow: (async (req, res) => {
      const code = String((req.body as Record<string, unknown>).scan ?? '');
      const scan = code ? parseScan(code) : undefined;
      const row = scan?.kind === 'gs1' ? { product: scan.gtin.replace(/^0+(?=\d{13})/, ''), lotNumber: scan.lot ?? '', expirationDate: scan.expiry ?? '' }
        : scan?.kind === 'gtin' ? { product: scan.gtin } : scan?.kind === 'text' ? { product: scan.text } : {};
      res.type('html').send(views.fragment('reception-row', row));
    }) satisfies RequestHandler,

    receive: (async (req, res) => {
      const b = req.body as Record<string, unknown>;
      const products = asArray(b.product);
      const rows = products.map((product, i) => ({
        product,
        lotNumber: asArray(b.lotNumber)[i] ?? '',
        expirationDate: asArray(b.expirationDate)[i] ?? '',
        quantity: int(asArray(b.quantity)[i]),
        unitCost: int(asArray(b.unitCost)[i]) ?? null,
      }));
      const formRows = rows.map((r) => ({ ...r }));
      onRefusal(res, async (err) => ({ page: 'stock', fragment: 'reception', data: { ...(await lotsData('all')), rows: formRows, error: err.message, open: true } }));
      const schema = z.array(z.object({
        product: z.string().trim().min(1), lotNumber: z.string().trim().min(1).max(64), expirationDate: z.string().refine(isIsoDate, 'AAAA-MM-JJ'),
        quantity: z.number().int().min(1).max(1_000_000), unitCost: z.number().int().min(0).nullable(),
      })).min(1);
      const received = await s.stock.receiveDelivery(parse(schema, rows), actorOf(req));
      show(views, req, res, { page: 'stock', fragment: 'reception', data: { ...(await lotsData('all')), rows: [{}], open: true, done: t('ui.reception.done', { n: received.length }) } });
    }) satisfies RequestHandler,

    movement: (async (req, res) => {
      const id = idParam(req);
      const b = req.body as Record<string, unknown>;
      const rowOf = async (extra: Record<string, unknown> = {}) => ({
        page: 'stock', fragment: 'lot-row', data: { ...(await lotsData('all')), lot: await s.stock.lot(id), ...extra },
      });
      onRefusal(res, (err) => rowOf({ error: err.message }));
      const value = int(b.value);
      const input = b.kind === 'count' ? { kind: 'count' as const, countedQty: value, reason: b.reason } : { kind: 'adjustment' as const, delta: value, reason: b.reason };
      await s.stock.recordMovement(id, parse(movementSchema, input), actorOf(req));
      show(views, req, res, await rowOf());
    }) satisfies RequestHandler,

    products: (async (req, res) => {
      const q = String(req.query.q ?? '');
      show(views, req, res, {
        page: 'products', fragment: 'product-list',
        data: { title: t('ui.nav.products'), q, products: await s.catalog.searchProducts(q, 200, true), canCreate: req.actor?.role !== 'cashier', form: {} },
      });
    }) satisfies RequestHandler,

    createProduct: (async (req, res) => {
      const b = req.body as Record<string, unknown>;
      const form = { name: b.name, sku: b.sku, gtin: b.gtin, unitPrice: b.unitPrice };
      onRefusal(res, (err) => ({ page: 'products', fragment: 'product-form', data: { title: t('ui.nav.products'), products: [], form, error: err.message } }));
      const p = await s.catalog.createProduct(parse(createProductSchema, { ...form, unitPrice: int(b.unitPrice) }), actorOf(req));
      show(views, req, res, { page: 'products', fragment: 'product-form', data: { title: t('ui.nav.products'), products: [], form: {}, created: t('ui.products.created', { name: p.name }) } });
    }) satisfies RequestHandler,

    updatePrice: (async (req, res) => {
      const id = idParam(req);
      const rowOf = async (extra: Record<string, unknown> = {}) => {
        const product = await s.catalog.productWithStock(id);
        return { page: 'products', fragment: 'product-row', data: { title: t('ui.nav.products'), products: [], product, ...extra } };
      };
      onRefusal(res, (err) => rowOf({ error: err.message }));
      await s.catalog.updateProduct(id, parse(z.object({ unitPrice: z.number().int().min(0) }), { unitPrice: int((req.body as Record<string, unknown>).unitPrice) }), actorOf(req));
      show(views, req, res, await rowOf());
    }) satisfies RequestHandler,

    dashboard: (async (req, res) => {
      show(views, req, res, {
        page: 'dashboard', fragment: 'sync-panel',
        data: {
          title: t('ui.nav.dashboard'),
          takings: await s.sales.takings(),
          alerts: await s.stock.expiryAlerts(),
        },
      });
    }) satisfies RequestHandler,

    settings: (async (req, res) => {
      show(views, req, res, { page: 'settings', fragment: 'sync-panel', data: await settingsData() });
    }) satisfies RequestHandler,

    saveSettings: (async (req, res) => {
      const b = req.body as Record<string, unknown>;
      onRefusal(res, async (err) => ({ page: 'settings', fragment: 'shop-settings', data: { ...(await settingsData()), settings: { ...(await s.settings.get()), ...b }, error: err.message } }));
      const { _csrf: _c, ...fields } = b;
      const input = parse(settingsSchema, { ...fields, receiptWidthMm: int(b.receiptWidthMm) });
      await s.settings.update(input);
      show(views, req, res, { page: 'settings', fragment: 'shop-settings', data: { ...(await settingsData()), saved: true } });
    }) satisfies RequestHandler,

    addUser: (async (req, res) => {
      onRefusal(res, async (err) => ({ page: 'settings', fragment: 'users', data: { ...(await settingsData()), error: err.message } }));
      const { _csrf: _c, ...body } = req.body as Record<string, unknown>;
      const user = await s.users.createUser(parse(createUserSchema, body));
      show(views, req, res, { page: 'settings', fragment: 'users', data: { ...(await settingsData()), created: t('ui.settings.user_created', { name: user.name }) } });
    }) satisfies RequestHandler,

    /** Actualiser les données (pull) or Synchroniser maintenant (push then pull), then the panel. */
    syncNow: (which: 'pull' | 'run'): RequestHandler => async (req, res) => {
      onRefusal(res, async (err) => ({ page: 'settings', fragment: 'sync-panel', data: { ...(await settingsData()), message: err.message } }));
      s.sync.assertConfigured();
      const message = await (which === 'pull' ? s.sync.pullNow({ force: true }) : s.sync.runNow({ force: true }))
        .then(() => t('ui.sync.done'))
        .catch(() => undefined);
      show(views, req, res, { page: 'settings', fragment: 'sync-panel', data: { ...(await settingsData()), message } });
    },
  };
}
