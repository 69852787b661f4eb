import type { Request, RequestHandler, Response } from 'express';
import { idParam } from '../http/params.js';
import { parse } from '../http/validate.js';
import { t } from '../i18n/fr.js';
import { newId } from '../ids.js';
import { onRefusal } from '../web/errors.js';
import { redirect, show } from '../web/respond.js';
import type { Views } from '../web/views.js';
import { supplierForm } from './pages.js';
import { createSupplierSchema, updateSupplierSchema } from './schemas.js';
import type { SuppliersAtHq } from './service.js';

type Handler = (req: Request, res: Response) => Promise<void>;
const page = (h: Handler): RequestHandler => h as RequestHandler;

/**
 * Head office's « Fournisseurs de la chaîne » (under Achats): every supplier,
 * made here or at a shop; head office's own are made and edited here and go
 * down to every shop; a shop's supplier is that shop's to edit.
 */
export function supplierHqPages(seat: SuppliersAtHq, views: Views) {
  const listData = async (extra: Record<string, unknown> = {}) => ({
    title: t('buying.hq.suppliers'), suppliers: await seat.listWithOrigin(), form: { id: newId(), leadTimeDays: 1 }, ...extra,
  });
  const oneData = async (id: string, extra: Record<string, unknown> = {}) => {
    const supplier = (await seat.listWithOrigin()).find((s) => s.id === id) ?? (await seat.get(id));
    return { title: supplier.name, supplier, form: supplier, editable: !supplier.originShopId, ...extra };
  };
  return {
    list: page(async (req, res) => show(views, req, res, { page: 'hq-suppliers', fragment: 'purchasing/hq-supplier-list', data: await listData() })),

    create: page(async (req, res) => {
      const form = { ...supplierForm(req), id: String((req.body as Record<string, unknown>).id ?? '') };
      onRefusal(res, async (err) => ({ page: 'hq-suppliers', fragment: 'purchasing/hq-supplier-list', data: await listData({ form, error: err.message }) }));
      const { supplier } = await seat.create(parse(createSupplierSchema, form));
      redirect(req, res, `/achats/fournisseurs/${supplier.id}?ok=1`);
    }),

    one: page(async (req, res) => {
      show(views, req, res, { page: 'hq-supplier', fragment: 'purchasing/hq-supplier-form', data: await oneData(idParam(req), { saved: req.query.ok === '1' }) });
    }),

    update: page(async (req, res) => {
      const id = idParam(req);
      const form = { ...supplierForm(req), active: (req.body as Record<string, unknown>).active === 'on' };
      onRefusal(res, async (err) => ({ page: 'hq-supplier', fragment: 'purchasing/hq-supplier-form', data: await oneData(id, { form: { id, ...form }, error: err.message }) }));
      await seat.update(id, parse(updateSupplierSchema, form));
      redirect(req, res, `/achats/fournisseurs/${id}?ok=1`);
    }),
  };
}
