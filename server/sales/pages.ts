import type { RequestHandler } from 'express';
import { dateInZone } from '../domain/dates.js';
import { isIsoDate } from '../domain/dates.js';
import { idParam } from '../http/params.js';
import { actorOf } from '../http/session.js';
import { t } from '../i18n/fr.js';
import type { Services } from '../services.js';
import type { ShopContext } from '../context.js';
import type { Db } from '../db/pool.js';
import { onRefusal } from '../web/errors.js';
import { show } from '../web/respond.js';
import type { Views } from '../web/views.js';


/** Ventes: the day's sales, and a manager's void. */
export function salesPages(s: Services, views: Views, deps: { db: Db; shop: ShopContext; now: () => Date }) {
  const today = () => dateInZone(deps.now(), deps.shop.timezone);

  const salesData = async (date: string) => ({
    title: t('ui.nav.sales'),
    day: date,
    sales: await s.sales.listSales({ from: date, to: date, limit: 500 }),
    takings: await s.sales.takings(date),
  });

  return {
    sales: (async (req, res) => {
      const date = isIsoDate(String(req.query.date)) ? String(req.query.date) : today();
      show(views, req, res, { page: 'sales', fragment: 'sales/list', data: await salesData(date) });
    }) satisfies RequestHandler,

    voidSale: (async (req, res) => {
      const id = idParam(req);
      onRefusal(res, async (err) => ({ page: 'sales', fragment: 'sales/row', data: { ...(await salesData(today())), sale: await s.sales.getSale(id), error: err.message } }));
      const sale = await s.sales.voidSale(id, actorOf(req));
      show(views, req, res, { page: 'sales', fragment: 'sales/row', data: { ...(await salesData(today())), sale } });
    }) satisfies RequestHandler,
  };
}
