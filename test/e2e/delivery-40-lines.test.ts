import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { addDays } from '../../server/domain/dates.js';
import { gtinCheckDigit } from '../../server/domain/gtin.js';
import { launchChromium, serveShop, signInByKeyboard, watchRefusals } from '../support/browser.js';
import { PINS, seedBatch, seedProduct, testShop, type TestShop } from '../support/harness.js';
import { requireTool } from '../support/tools.js';

// Issue 21: a wholesaler's 40-line delivery note received from its order by scanner and keyboard at 1024×768,
// with one short-dated lot, one substitution and one line missing; the discrepancy sheet; the lots sold FEFO at the till.
const chromiumTool = requireTool('chromium', 'chromium');
const gtin = (n: number) => {
  const body = `34009${String(4_300_000 + n).padStart(7, '0')}`;
  return body + gtinCheckDigit(body);
};
const yymmdd = (iso: string) => iso.slice(2).replace(/-/g, '');
const today = new Date().toISOString().slice(0, 10);
const shortDated = addDays(today, 75);
const name = (n: number) => `Produit ${String(n).padStart(2, '0')}`;

let t: TestShop;
let base: string;
let orderId: string;
const ids: string[] = [];

async function scan(page: Page, deliveryId: string, code: string) {
  await page.locator('#reception-scan').focus();
  await page.keyboard.type(code);
  const answered = page.waitForResponse((r) => r.url().endsWith(`/receptions/${deliveryId}/scan`));
  await page.keyboard.press('Enter');
  await answered;
}

describe.skipIf(!chromiumTool.available)('a 40-line delivery note received in a real browser', () => {
  beforeAll(async () => {
    t = await testShop({ code: 'E2E40', now: new Date() });
    ({ url: base } = await serveShop(t));
    // 42 products: 41 ordered; number 42 comes instead of number 40, and number 41 does not come.
    for (let n = 1; n <= 42; n++) ids[n] = (await seedProduct(t, { name: name(n), sku: `P${n}`, gtin: gtin(n) })).id;
    // Product 2 already has a lot that expires later than the one delivered.
    await seedBatch(t, { productId: ids[2]!, lotNumber: 'P2-OLD', expirationDate: '2031-12-31', quantity: 5 });
    const actor = { id: t.userIds.pharmacist, name: 'Test pharmacist', role: 'pharmacist' as const };
    const supplierId = (await t.services.suppliers.create({ name: 'Ubipharm' }, actor)).supplier.id;
    const lines = Array.from({ length: 41 }, (_, i) => ({ productId: ids[i + 1]!, quantity: 10, unitCost: 500 + i }));
    const { order } = await t.services.purchaseOrders.create({ supplierId, note: null, lines }, actor);
    await t.services.purchaseOrders.send(order.id, actor);
    orderId = order.id;
  });

  it('takes 40 lines by scanner and keyboard, shows what is short, substituted and missing, and the new lots sell first-expired-first-out', { timeout: 240_000 }, async () => {
    const browser = await launchChromium();
    try {
      const page = await (await browser.newContext({ viewport: { width: 1024, height: 768 } })).newPage();
      const errors = watchRefusals(page);
      page.on('pageerror', (e) => errors.push(e.message));

      await signInByKeyboard(page, base, PINS.pharmacist);
      await page.goto(`${base}/commandes/${orderId}`);
      await page.click('button:has-text("Recevoir la livraison")');
      await page.waitForURL('**/receptions/*');
      const deliveryId = page.url().split('/').at(-1)!;

      for (let n = 1; n <= 40; n++) {
        const product = n === 40 ? 42 : n;
        const expiry = n === 7 ? shortDated : '2029-03-31';
        await scan(page, deliveryId, `01${gtin(product).padStart(14, '0')}17${yymmdd(expiry)}10L-${product}`);
        await expect.poll(() => page.locator('#delivery-line input[name="lotNumber"]').inputValue()).toBe(`L-${product}`);
        await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('name'))).toBe('quantity');
        // Product 5: 8 of the 10 ordered came.
        await page.keyboard.type(n === 5 ? '8' : '10');
        await page.locator('#delivery-line input[name="unitCost"]').fill(String(500 + n - 1));
        // Product 42 stands for product 40's order line.
        if (n === 40) await page.locator('#delivery-line select[name="purchaseOrderLineId"]').selectOption({ label: `${name(40)} (reste 10)` });
        const added = page.waitForResponse((r) => r.url().endsWith(`/receptions/${deliveryId}/lignes`));
        await page.keyboard.press('Enter');
        await added;
        await expect.poll(() => page.locator('.delivery-lines tbody tr').count()).toBe(n);
      }

      const sheet = await page.locator('.discrepancies').innerText();
      expect(sheet).toMatch(new RegExp(`${name(5)} L-5\\s+Commandée\\s+10\\s+8`));
      expect(sheet).toMatch(new RegExp(`${name(42)} L-42\\s+Substitution\\s+10\\s+10`));
      expect(sheet).toMatch(new RegExp(`${name(41)}\\s+Manquante\\s+10\\s+0\\s+—\\s+manque 10`));

      // The short-dated lot waits for the pharmacist's tick.
      await page.click('button:has-text("Valider la réception")');
      await expect.poll(() => page.locator('#delivery [role="alert"]').innerText()).toContain('un pharmacien doit confirmer cette date courte');
      await page.check('input[name="confirm"]');
      await page.click('button:has-text("Valider la réception")');
      await expect.poll(() => page.locator('#delivery [role="status"]').innerText(), { timeout: 20_000 }).toContain('validée : 40 ligne(s) entrée(s) en stock');

      expect(await t.db.one('select count(*)::int as n, sum(quantity)::int as units from product_batches where lot_number like $1', ['L-%'])).toEqual({ n: 40, units: 398 });
      expect(await t.db.one('select status from purchase_orders where id = $1', [orderId])).toEqual({ status: 'partially_received' });
      expect(await t.db.one<{ receivedQty: number }>('select received_qty from purchase_order_lines where order_id = $1 and product_id = $2', [orderId, ids[40]])).toEqual({ receivedQty: 10 });

      // At the till, product 2 is sold from the lot just delivered (it expires first), not from the older one.
      await page.goto(`${base}/caisse`);
      await page.locator('#scan').focus();
      await page.keyboard.type(gtin(2));
      const answered = page.waitForResponse((r) => r.url().endsWith('/caisse/scan'));
      await page.keyboard.press('Enter');
      await answered;
      await expect.poll(() => page.locator('#cart').innerText()).toContain('Lot L-2 · exp. 31/03/2029 · 1');
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
