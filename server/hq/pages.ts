import type { Request, RequestHandler, Response } from 'express';
import { shown } from '../domain/conflict-text.js';
import { formatDateFr, formatDateTimeFr } from '../domain/dates.js';
import { actorOf, clearSessionCookie, setSessionCookie, STAFF_COOKIE } from '../http/session.js';
import { idParam } from '../http/params.js';
import { formNumber, parse } from '../http/validate.js';
import { createProductSchema, packSchema, updatePackSchema, updateProductSchema } from '../catalog/schemas.js';
import { notFound } from '../errors.js';
import { t, type MessageKey } from '../i18n/fr.js';
import type { StaffService } from '../staff/service.js';
import { sendTable, type Column } from '../web/table-export.js';
import { onRefusal } from '../web/errors.js';
import { redirect, show, type ViewSpec } from '../web/respond.js';
import type { Views } from '../web/views.js';
import { methodsOf, type HeadOffice } from './office.js';
import { catalogSearchSchema, conflictFilterSchema, hqCustomerLimitSchema, expirySchema, periodSchema, recallFormSchema, reviewSchema, staffLoginSchema } from './schemas.js';
import { isIsoDate } from '../domain/dates.js';
import { PAYMENT_METHODS } from '../domain/tender.js';
import { formatFcfa as formatFcfaText } from '../domain/money.js';

type Handler = (req: Request, res: Response) => Promise<void> | void;
const fieldLabel = (field: string) => t(`conflict.field.${field}` as MessageKey);
const page = (h: Handler): RequestHandler => h as RequestHandler;

/** A query string as the filters' links need it again (CSV export, pagination). */
const queryOf = (q: Record<string, unknown>) =>
  new URLSearchParams(Object.entries(q).filter(([, v]) => v !== undefined && v !== '' && v !== null).map(([k, v]) => [k, String(v)])).toString();

/** Head office's pages (French URLs): handlers parse, call head office's use cases, render. */
export function hqPages(office: HeadOffice, staff: StaffService, views: Views, timezone: string) {
  const loginForm = (error?: string, login?: string): ViewSpec => ({
    page: 'hq-login', fragment: 'hq/login-form', layout: 'bare', data: { title: t('hq.login.title'), error, login },
  });
  /** The open proposals, each value as a person reads it (1 250 FCFA, oui/non, « nom »). */
  const proposalsShown = async () =>
    (await office.proposals()).map((p) => ({ ...p, fieldLabel: fieldLabel(p.field), currentText: shown(p.field, p.currentValue), proposedText: shown(p.field, p.proposedValue) }));
  const recallsView = async (data: Record<string, unknown> = {}): Promise<ViewSpec> => ({
    page: 'hq-recalls', fragment: 'hq/recall-form', data: { title: t('hq.nav.recalls'), recalls: await office.recalls(), form: {}, ...data },
  });

  return {
    login: {
      page: page((req, res) => (req.actor ? redirect(req, res, '/boutiques') : show(views, req, res, loginForm()))),
      submit: page(async (req, res) => {
        const login = typeof req.body?.login === 'string' ? req.body.login : '';
        onRefusal(res, (err) => loginForm(err.message, login));
        const input = parse(staffLoginSchema, req.body);
        const session = await staff.login(input, req.ip ?? 'unknown');
        setSessionCookie(res, session.token, session.expiresAt, STAFF_COOKIE);
        redirect(req, res, '/boutiques');
      }),
      logout: page(async (req, res) => {
        if (req.sessionToken) await staff.logout(req.sessionToken);
        clearSessionCookie(res, STAFF_COOKIE);
        redirect(req, res, '/connexion');
      }),
    },

    shops: page(async (req, res) => {
      show(views, req, res, { page: 'hq-shops', fragment: 'hq/shop-list', data: { title: t('hq.nav.shops'), ...(await office.shops()) } });
    }),

    shop: page(async (req, res) => {
      const data = await office.shop(String(req.params.code));
      show(views, req, res, { page: 'hq-shop', fragment: 'hq/shop-detail', data: { title: `${data.shop.code} — ${data.shop.name}`, ...data } });
    }),

    takings: page(async (req, res) => {
      const q = parse(periodSchema, req.query);
      const data = await office.takings({ from: q.du, to: q.au, shop: q.boutique });
      const shops = await office.shopChoices();
      const csvQuery = queryOf({ du: data.from, au: data.to, boutique: data.shop });
      show(views, req, res, { page: 'hq-sales', fragment: 'hq/takings', data: { title: t('hq.nav.sales'), ...data, shops, csvQuery } });
    }),

    /** The same table as CSV (export.csv) or as a spreadsheet (export.xlsx, or ?format=xlsx). */
    takingsCsv: page(async (req, res) => {
      const q = parse(periodSchema, req.query);
      const data = await office.takings({ from: q.du, to: q.au, shop: q.boutique });
      // The first nine columns are as they always were (gross takings); refunds and net follow, so a sheet built on the old ones still reads.
      const methods = PAYMENT_METHODS.map((m) => t(`payment.${m}`));
      const money = (header: string): Column => ({ header, type: 'money' });
      const columns: Column[] = [
        { header: t('hq.csv.day'), type: 'date' }, { header: t('hq.csv.shop_code'), type: 'text' }, { header: t('hq.csv.shop'), type: 'text' },
        { header: t('hq.csv.sales'), type: 'int' }, money(t('hq.csv.total')), ...methods.map(money), { header: t('hq.csv.voided'), type: 'int' },
        { header: t('hq.csv.returns'), type: 'int' }, money(t('hq.csv.refunds')), money(t('hq.csv.net')),
        ...methods.map((method) => money(t('hq.csv.refunds_of', { method }))), ...methods.map((method) => money(t('hq.csv.net_of', { method }))),
        money(t('hq.csv.voided_total')),
      ];
      const rows = data.rows.map((r) => {
        const byMethod = methodsOf(r);
        return [
          r.day, r.shopCode, r.shopName, r.sales, r.total, ...byMethod.map((m) => m.takings), r.voided,
          r.returns, r.refunds, r.total - r.refunds, ...byMethod.map((m) => m.refunds), ...byMethod.map((m) => m.net),
          r.voidedTotal,
        ];
      });
      const filename = `${t('hq.csv.file_sales')}-${data.from}-${data.to}${data.shop ? `-${data.shop}` : ''}`;
      await sendTable(req, res, { filename, columns, sheets: [{ name: t('hq.nav.sales'), rows }] });
    }),

    salesOfDay: page(async (req, res) => {
      const day = String(req.params.day);
      if (!isIsoDate(day)) throw notFound();
      const data = await office.salesOfDay(String(req.params.code), day);
      // Times are the shop's: the day is its calendar day.
      show(views, req, res, { page: 'hq-sales-day', fragment: 'hq/sales-day', data: { title: `${data.shop.code} — ${formatDateFr(day)}`, ...data, timezone: data.shop.timezone } });
    }),

    sale: page(async (req, res) => {
      const sale = await office.sale(idParam(req));
      const at = formatDateTimeFr(sale.createdAt, sale.timezone);
      const refunded = sale.returns.reduce((n, r) => n + r.refunded, 0);
      const kept = sale.total + sale.rounding - refunded;
      show(views, req, res, {
        page: 'hq-sale', fragment: 'hq/sale',
        data: { title: t('hq.sale.title', { number: sale.number }), sale, at, refunded, kept, timezone: sale.timezone },
      });
    }),

    expiring: page(async (req, res) => {
      const q = parse(expirySchema, req.query);
      const data = await office.expiring({ horizon: q.horizon, shop: q.boutique, product: q.produit });
      const shops = await office.shopChoices();
      const csvQuery = queryOf({ horizon: q.horizon, boutique: q.boutique, produit: q.produit });
      show(views, req, res, { page: 'hq-expiry', fragment: 'hq/expiry-list', data: { title: t('hq.nav.expiry'), ...data, shops, csvQuery, today: office.today() } });
    }),

    expiringCsv: page(async (req, res) => {
      const q = parse(expirySchema, req.query);
      const data = await office.expiring({ horizon: q.horizon, shop: q.boutique, product: q.produit });
      const text = (header: string): Column => ({ header, type: 'text' });
      const columns: Column[] = [
        text(t('hq.csv.shop_code')), text(t('hq.csv.shop')), text(t('hq.csv.product')), text(t('hq.csv.sku')), text(t('hq.csv.lot')),
        { header: t('hq.csv.expiry'), type: 'date' }, { header: t('hq.csv.quantity'), type: 'int' }, { header: t('hq.csv.unit_cost'), type: 'money' },
        { header: t('hq.csv.value'), type: 'money' }, text(t('hq.csv.status')),
      ];
      const rows = data.lots.map((l) => [l.shopCode, l.shopName, l.productName, l.sku, l.lotNumber, l.expirationDate, l.quantity, l.unitCost, l.value, t(`conflict.status.${l.status}`)]);
      await sendTable(req, res, { filename: `${t('hq.csv.file_expiry')}-${q.horizon}-${office.today()}`, columns, sheets: [{ name: t('hq.nav.expiry'), rows }] });
    }),

    recalls: page(async (req, res) => show(views, req, res, await recallsView())),

    /** The list alone, as the page refreshes it while a recall reaches the shops. */
    recallList: page(async (req, res) => show(views, req, res, { ...(await recallsView()), fragment: 'hq/recall-list' })),

    recall: page(async (req, res) => {
      const form = req.body as Record<string, unknown>;
      onRefusal(res, (err) => recallsView({ error: err.message, form }));
      const input = parse(recallFormSchema, req.body);
      const done = await office.recall(input);
      show(views, req, res, await recallsView({ notice: t('hq.recall.done', { lot: input.lotNumber, name: done.product.name, lots: done.batchesRecalled }) }));
    }),

    catalog: page(async (req, res) => {
      const { q } = parse(catalogSearchSchema, req.query);
      show(views, req, res, { page: 'hq-catalog', fragment: 'hq/product-list', data: { title: t('hq.nav.catalog'), q, products: await office.catalog(q), proposals: await proposalsShown() } });
    }),

    createProduct: page(async (req, res) => {
      const body = req.body as Record<string, string>;
      const view = async (data: Record<string, unknown>): Promise<ViewSpec> => ({
        page: 'hq-catalog', fragment: 'hq/product-create',
        data: { title: t('hq.nav.catalog'), q: '', products: await office.catalog(''), proposals: await proposalsShown(), form: body, ...data },
      });
      onRefusal(res, (err) => view({ error: err.message }));
      const product = await office.createProduct(parse(createProductSchema, {
        sku: body.sku, name: body.name, gtin: body.gtin || null, unitPrice: formNumber(body.unitPrice), baseUnit: body.baseUnit || undefined,
      }));
      show(views, req, res, await view({ form: {}, notice: t('hq.catalog.created', { name: product.name }) }));
    }),

    updateProduct: page(async (req, res) => {
      const id = idParam(req);
      const body = req.body as Record<string, string>;
      const row = (product: unknown, error?: string): ViewSpec => ({ page: 'hq-catalog', fragment: 'hq/product-row', data: { product, error } });
      onRefusal(res, (err) => row({ id, ...body, unitPrice: formNumber(body.unitPrice), active: body.active === 'on' }, err.message));
      const input = parse(updateProductSchema, { name: body.name, unitPrice: formNumber(body.unitPrice), active: body.active === 'on' });
      show(views, req, res, row({ ...(await office.updateProduct(id, input)), saved: true }));
    }),

    /** A new pack of head office's product, from its row: it goes down to every shop. */
    addPack: page(async (req, res) => {
      const id = idParam(req);
      const body = req.body as Record<string, string>;
      const row = async (error?: string): Promise<ViewSpec> => ({ page: 'hq-catalog', fragment: 'hq/product-row', data: { product: await office.productWithPacks(id), error } });
      onRefusal(res, (err) => row(err.message));
      await office.addPack(id, parse(packSchema, { name: body.name, units: formNumber(body.units), unitPrice: formNumber(body.unitPrice), gtin: body.gtin || null }));
      show(views, req, res, await row());
    }),

    /** A pack's price, whether it is sold, whether it is retired. */
    updatePack: page(async (req, res) => {
      const id = idParam(req);
      const body = req.body as Record<string, string>;
      const row = async (error?: string): Promise<ViewSpec> => ({ page: 'hq-catalog', fragment: 'hq/product-row', data: { product: await office.productWithPacks(id), error } });
      onRefusal(res, (err) => row(err.message));
      await office.updatePack(id, idParam(req, 'packId'), parse(updatePackSchema, {
        unitPrice: formNumber(body.unitPrice), sellable: body.sellable === 'on', retired: body.retired === 'on',
      }));
      show(views, req, res, await row());
    }),

    /** Accepter / Refuser a shop's proposal: the list again with what was done, and the product's row out of band. */
    decideProposal: (decision: 'accept' | 'refuse') =>
      page(async (req, res) => {
        const id = idParam(req);
        const listView = async (data: Record<string, unknown>): Promise<ViewSpec> => ({
          page: 'hq-catalog', fragment: 'hq/proposal-list',
          data: { title: t('hq.nav.catalog'), q: '', products: await office.catalog(''), proposals: await proposalsShown(), ...data },
        });
        onRefusal(res, (err) => listView({ proposalError: err.message }));
        const by = actorOf(req).id;
        const done = decision === 'accept' ? await office.acceptProposal(id, by) : await office.refuseProposal(id, by);
        const notice = t(decision === 'accept' ? 'hq.proposals.accepted' : 'hq.proposals.refused', {
          product: done.productName, field: fieldLabel(done.field), shop: done.shopCode, value: shown(done.field, done.currentValue),
        });
        const product = await office.product(done.productId);
        show(views, req, res, { ...(await listView({ proposalNotice: notice })), oob: [{ fragment: 'hq/product-row', data: { product } }] });
      }),

    conflicts: page(async (req, res) => {
      const q = parse(conflictFilterSchema, req.query);
      const filter = { shop: q.boutique, entity: q.entite, field: q.champ, reason: q.motif, from: q.du, to: q.au, unreviewed: q['a-revoir'] === '1', page: q.page };
      const data = await office.conflicts(filter);
      const shops = await office.shopChoices();
      const base = { boutique: q.boutique, entite: q.entite, champ: q.champ, motif: q.motif, du: q.du, au: q.au, 'a-revoir': q['a-revoir'] };
      const nextQuery = data.hasMore ? queryOf({ ...base, page: q.page + 1 }) : undefined;
      show(views, req, res, {
        page: 'hq-conflicts', fragment: 'conflicts/list',
        data: { title: t('hq.nav.conflicts'), ...data, q, shops, nextQuery, action: '/conflits/revus', canReview: req.actor?.role === 'admin', showShop: true, reasons: REASONS, timezone },
      });
    }),

    /** Boutiques → a shop → Ventes retenues: an administrator accepts or discards a held group, then the shop's page again. */
    decideHeld: (decision: 'release' | 'discard') =>
      page(async (req, res) => {
        const code = String(req.params.code);
        const who = req.actor?.name ?? 'admin';
        const done = decision === 'release' ? await office.releaseHeldSales(idParam(req), who) : await office.discardHeldSales(idParam(req), who);
        const data = await office.shop(code);
        const notice = t(decision === 'release' ? 'hq.held.released' : 'hq.held.discarded', { numbers: done.numbers.join(', ') });
        show(views, req, res, { page: 'hq-shop', fragment: 'hq/shop-detail', data: { title: `${data.shop.code} — ${data.shop.name}`, ...data, notice } });
      }),

    /** Head office sets a customer's credit limit from the shop's page. */
    customerLimit: page(async (req, res) => {
      const code = String(req.params.code);
      const shopPage = async (extra: Record<string, unknown>) => {
        const data = await office.shop(code);
        return { page: 'hq-shop', fragment: 'hq/shop-detail', data: { title: `${data.shop.code} — ${data.shop.name}`, ...data, ...extra } } as const;
      };
      onRefusal(res, async (err) => shopPage({ error: err.message }));
      const { creditLimit } = parse(hqCustomerLimitSchema, { creditLimit: formNumber(req.body?.creditLimit) });
      const c = await office.setCustomerLimit(code, idParam(req), creditLimit);
      show(views, req, res, await shopPage({ notice: t('hq.credit.limit_set', { name: c.name, limit: formatFcfaText(creditLimit) }) }));
    }),

    review: page(async (req, res) => {
      const { ids } = parse(reviewSchema, req.body);
      await office.markReviewed(ids);
      const back = typeof req.body?.back === 'string' && req.body.back.startsWith('/conflits') ? req.body.back : '/conflits';
      redirect(req, res, back);
    }),
  };
}

/** The reasons a conflict is logged for, as the filter lists them. */
export const REASONS = [
  'newer_clock', 'older_clock', 'clock_far_ahead', 'recall_final', 'recall_wins', 'decided_by_hq', 'chain_product_edit', 'duplicate_differs',
  'sku_taken', 'gtin_taken', 'number_reused', 'negative_stock', 'ledger_drift',
] as const;
