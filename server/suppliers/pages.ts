import type { Request, RequestHandler } from 'express';
import { idParam } from '../http/params.js';
import { actorOf } from '../http/session.js';
import { formNumber, parse } from '../http/validate.js';
import { t } from '../i18n/fr.js';
import { newId } from '../ids.js';
import type { Services } from '../services.js';
import { onRefusal } from '../web/errors.js';
import { redirect, show } from '../web/respond.js';
import type { Views } from '../web/views.js';
import { createSupplierSchema, linkSchema, updateSupplierSchema } from './schemas.js';

const TEXT_FIELDS = ['name', 'phone', 'email', 'address', 'taxId', 'deliveryDays', 'paymentTerms'] as const;

/** A supplier's form as the schemas take it: text trimmed by zod, the lead time a number, « actif » a checkbox. */
export function supplierForm(req: Request) {
  const b = req.body as Record<string, unknown>;
  const out: Record<string, unknown> = Object.fromEntries(TEXT_FIELDS.map((f) => [f, String(b[f] ?? '')]));
  const lead = formNumber(b.leadTimeDays);
  if (lead !== undefined) out.leadTimeDays = lead;
  return out;
}

/** Resolves what was typed or scanned for a product (GTIN, reference or name) to one product, or says why not. */
export async function productOf(s: Services, code: string) {
  const found = await s.catalog.searchProducts(code, 5, true);
  const exact = found.find((p) => p.gtin === code.trim() || p.sku.toLowerCase() === code.trim().toLowerCase());
  if (exact) return exact;
  if (found.length === 1) return found[0]!;
  return { error: found.length === 0 ? t('ui.purchasing.product_unknown', { code }) : t('ui.purchasing.product_ambiguous', { code, names: found.map((p) => p.name).join(', ') }) };
}

/** « Fournisseurs »: the chain's suppliers, one created here, one edited with the products it delivers. */
export function supplierPages(s: Services, views: Views) {
  const listData = async (extra: Record<string, unknown> = {}) => ({
    title: t('ui.nav.suppliers'), suppliers: await s.suppliers.list(), form: { id: newId(), leadTimeDays: 1 }, ...extra,
  });
  const oneData = async (id: string, extra: Record<string, unknown> = {}) => {
    const supplier = await s.suppliers.get(id);
    return { title: supplier.name, supplier, form: supplier, ...extra };
  };

  return {
    list: (async (req, res) => {
      show(views, req, res, { page: 'suppliers', fragment: 'purchasing/supplier-list', data: await listData() });
    }) satisfies RequestHandler,

    create: (async (req, res) => {
      const form = { ...supplierForm(req), id: String((req.body as Record<string, unknown>).id ?? '') };
      onRefusal(res, async (err) => ({ page: 'suppliers', fragment: 'purchasing/supplier-list', data: await listData({ form, error: err.message }) }));
      const { supplier } = await s.suppliers.create(parse(createSupplierSchema, form), actorOf(req));
      redirect(req, res, `/fournisseurs/${supplier.id}`);
    }) satisfies RequestHandler,

    one: (async (req, res) => {
      show(views, req, res, { page: 'supplier', fragment: 'purchasing/supplier-form', data: await oneData(idParam(req), { saved: req.query.ok === '1' }) });
    }) satisfies RequestHandler,

    update: (async (req, res) => {
      const id = idParam(req);
      const form = { ...supplierForm(req), active: (req.body as Record<string, unknown>).active === 'on' };
      onRefusal(res, async (err) => ({ page: 'supplier', fragment: 'purchasing/supplier-form', data: await oneData(id, { form: { id, ...form }, error: err.message }) }));
      await s.suppliers.update(id, parse(updateSupplierSchema, form), actorOf(req));
      redirect(req, res, `/fournisseurs/${id}?ok=1`);
    }) satisfies RequestHandler,

    /** Links a product (typed or scanned) with the supplier's code and carton, or edits the link. */
    link: (async (req, res) => {
      const id = idParam(req);
      const b = req.body as Record<string, unknown>;
      onRefusal(res, async (err) => ({ page: 'supplier', fragment: 'purchasing/supplier-form', data: await oneData(id, { linkError: err.message, link: b }) }));
      const product = await productOf(s, String(b.product ?? ''));
      if ('error' in product) {
        show(views, req, res, { page: 'supplier', fragment: 'purchasing/supplier-form', data: await oneData(id, { linkError: product.error, link: b }) }, 422);
        return;
      }
      const input = parse(linkSchema, {
        supplierCode: String(b.supplierCode ?? '').trim() || null, packUnits: formNumber(b.packUnits) ?? 1, preferred: b.preferred === 'on',
        ...(formNumber(b.lastCost) !== undefined ? { lastCost: formNumber(b.lastCost) } : {}),
      });
      await s.suppliers.putLink(id, product.id, input, actorOf(req));
      redirect(req, res, `/fournisseurs/${id}?ok=1`);
    }) satisfies RequestHandler,
  };
}
