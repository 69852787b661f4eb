/**
 * Stock à risque's cover at its edge: SQL says « more than 180 days of
 * cover » in integers (q × 56 ≥ (2 × 180 + 1) × sold / 2), the domain with
 * Math.round(q × 56 / sold) > 180. Both must agree where the cover is
 * exactly half a day past or short of the limit, which random figures
 * almost never hit.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { addDays } from '../../server/domain/dates.js';
import { DEFAULT_RISK, stockRisk } from '../../server/domain/stock-risk.js';
import { newId } from '../../server/ids.js';
import { keepProductStock, replaceDay, stockWithSales } from '../../server/reports/queries.js';
import { reportsAtHq } from '../../server/reports/service.js';
import { seedProduct, testShop, type TestShop } from '../support/harness.js';

let t: TestShop;
const today = new Date().toISOString().slice(0, 10);
const shop = { id: newId(), code: 'CVR01', name: 'Couverture', timezone: 'Africa/Dakar' };
beforeAll(async () => {
  t = await testShop();
  await t.db.exec(`insert into shops (id, code, name, timezone) values ($1, $2, $3, $4)`, [shop.id, shop.code, shop.name, shop.timezone]);
});

describe('Stock à risque at the cover limit', () => {
  it('lists as overstock a product of 180.5 days of cover (rounded to 181) and not one of 179.5 days (180) nor one of 178.9, as the domain rule does', async () => {
    // 112 units sold over the last 56 days (2 a day): 361 in stock is 180.5 days, 359 is 179.5; 361 with one more sold is 178.9.
    const cases = [
      { name: 'Juste au-delà', quantity: 361, sold: 112 },
      { name: 'Juste en deçà', quantity: 359, sold: 112 },
      { name: 'Arrondi en deçà', quantity: 361, sold: 112 + 1 },
    ];
    const ids: string[] = [];
    const lots: string[] = [];
    for (const c of cases) {
      const p = await seedProduct(t, { name: c.name });
      ids.push(p.id);
      lots.push(newId());
      await t.db.exec(
        `insert into product_batches (id, shop_id, product_id, lot_number, expiration_date, initial_qty, quantity, unit_cost, received_date, hlc)
         values ($1, $2, $3, $4, '2030-01-31', $5, $5, 100, $6, '001700000000000:000000:CVR01')`,
        [lots.at(-1), shop.id, p.id, `C-${c.name}`, c.quantity, addDays(today, -200)],
      );
    }
    // Written here as a push would have: its stock kept with it.
    await keepProductStock(t.db, lots);
    // 56 days of 2 units each, and the third product one unit more on the last day.
    for (let k = 0; k < 56; k++) {
      const day = addDays(today, -k);
      const margins = cases.map((c, i) => {
        const quantity = 2 + (k === 0 ? c.sold - 112 : 0);
        return { productId: ids[i]!, quantity, takings: quantity * 500, cost: quantity * 100, knownTakings: quantity * 500, unknownCostQty: 0 };
      });
      await t.db.withTransaction((tx) => replaceDay(tx, { shopId: shop.id, day, margins, hours: [] }));
    }
    const rules = { ...DEFAULT_RISK, today };
    const risk = await reportsAtHq({ db: t.db }).stockRisk({ ...rules, shopId: shop.id, limit: 10 });
    const domain = stockRisk(await stockWithSales(t.db, { today, shopId: shop.id }), rules);
    expect(risk.overstock.map((r) => [r.productName, r.cover])).toEqual([['Juste au-delà', 181]]);
    expect(domain.overstock.map((r) => [r.productName, r.cover])).toEqual([['Juste au-delà', 181]]);
    expect(risk.overstockCount).toBe(1);
    expect(risk.deadCount).toBe(0);
  });
});
