import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { addDays } from '../../server/domain/dates.js';
import { gtinCheckDigit } from '../../server/domain/gtin.js';
import { launchChromium, serveShop, signInByKeyboard } from '../support/browser.js';
import { PINS, seedProduct, testShop, type TestShop } from '../support/harness.js';
import { requireTool } from '../support/tools.js';

const chromiumTool = requireTool('chromium', 'chromium');
const gtin = (n: number) => {
  const body = `34009${String(4_200_000 + n).padStart(7, '0')}`;
  return body + gtinCheckDigit(body);
};
const yymmdd = (iso: string) => iso.slice(2).replace(/-/g, '');
const today = new Date().toISOString().slice(0, 10);
const shortDated = addDays(today, 60);

let t: TestShop;
let base: string;
let orderId: string;
const amox = { gtin: gtin(1), id: '' };
const doli = { gtin: gtin(2), id: '' };

/** What a scanner does in the delivery's scan field: the code (Ctrl+] for the group separator), then Enter. */
async function scan(page: Page, deliveryId: string, code: string) {
  await page.locator('#reception-scan').focus();
  const parts = code.split('\u001d');
  for (const [i, part] of parts.entries()) {
    if (i > 0) await page.keyboard.press('Control+BracketRight');
    await page.keyboard.type(part);
  }
  const answered = page.waitForResponse((r) => r.url().endsWith(`/receptions/${deliveryId}/scan`));
  await page.keyboard.press('Enter');
  await answered;
}

describe.skipIf(!chromiumTool.available)('a delivery received in a real browser', () => {
  beforeAll(async () => {
    t = await testShop({ code: 'E2E02', now: new Date() });
    ({ url: base } = await serveShop(t));
    amox.id = (await seedProduct(t, { name: 'Amoxicilline 500 mg', sku: 'AMX', gtin: amox.gtin })).id;
    doli.id = (await seedProduct(t, { name: 'Doliprane 1000 mg', sku: 'DOL', gtin: doli.gtin })).id;
    const actor = { id: t.userIds.pharmacist, name: 'Test pharmacist', role: 'pharmacist' as const };
    const supplierId = (await t.services.suppliers.create({ name: 'Laborex Sénégal' }, actor)).supplier.id;
    const { order } = await t.services.purchaseOrders.create({ supplierId, note: null, lines: [{ productId: amox.id, quantity: 20, unitCost: 1800 }, { productId: doli.id, quantity: 10, unitCost: 900 }] }, actor);
    await t.services.purchaseOrders.send(order.id, actor);
    orderId = order.id;
  });

  it('receives a two-line delivery note by scanner and keyboard, a pharmacist confirming the short-dated lot', { timeout: 120_000 }, async () => {
    const browser = await launchChromium();
    const page = await (await browser.newContext({ viewport: { width: 1024, height: 768 } })).newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    // The refused validation's 422 is logged by the browser as a failed load: expected; anything else (a CSP refusal) is not.
    page.on('console', (m) => { if (m.type() === 'error' && !m.text().includes('status of 422')) errors.push(m.text()); });

    await signInByKeyboard(page, base, PINS.pharmacist);
    await page.click('text=Achats');
    await page.waitForURL('**/commandes');
    await page.click(`a[href="/commandes/${orderId}"]`);
    await page.click('button:has-text("Recevoir la livraison")');
    await page.waitForURL('**/receptions/*');
    const deliveryId = page.url().split('/').at(-1)!;

    // Line 1: a DataMatrix (GTIN, expiry, lot); the cursor lands on the quantity.
    await scan(page, deliveryId, `01${amox.gtin.padStart(14, '0')}17${yymmdd('2029-06-30')}10AMX-77`);
    await expect.poll(() => page.locator('#delivery-line input[name="lotNumber"]').inputValue()).toBe('AMX-77');
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('name'))).toBe('quantity');
    await page.keyboard.type('20');
    await page.locator('#delivery-line input[name="unitCost"]').fill('1800');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('.delivery-lines tbody').innerText()).toContain('AMX-77');

    // Line 2: short-dated, with a group separator after the lot.
    await scan(page, deliveryId, `01${doli.gtin.padStart(14, '0')}10DOL-5\u001d17${yymmdd(shortDated)}`);
    await expect.poll(() => page.locator('#delivery-line input[name="lotNumber"]').inputValue()).toBe('DOL-5');
    expect(await page.locator('#delivery-line input[name="expirationDate"]').inputValue()).toBe(shortDated);
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('name'))).toBe('quantity');
    await page.keyboard.type('8');
    await page.locator('#delivery-line input[name="unitCost"]').fill('900');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('.delivery-lines tbody').innerText()).toContain('date courte');
    expect(await page.locator('.discrepancies').innerText()).toMatch(/Doliprane 1000 mg DOL-5\s+Commandée\s+10\s+8/);

    // Without the tick the pharmacist is told why; with it the delivery goes into stock.
    await page.click('button:has-text("Valider la réception")');
    await expect.poll(() => page.locator('#delivery [role="alert"]').innerText()).toContain('un pharmacien doit confirmer cette date courte');
    await page.check('input[name="confirm"]');
    await page.click('button:has-text("Valider la réception")');
    await expect.poll(() => page.locator('#delivery [role="status"]').innerText()).toContain('validée : 2 ligne(s) entrée(s) en stock');

    expect(await t.db.rows('select lot_number, quantity, unit_cost from product_batches order by lot_number'))
      .toEqual([{ lotNumber: 'AMX-77', quantity: 20, unitCost: 1800 }, { lotNumber: 'DOL-5', quantity: 8, unitCost: 900 }]);
    expect(await t.db.one('select status from purchase_orders where id = $1', [orderId])).toEqual({ status: 'partially_received' });
    expect(errors).toEqual([]);
  });
});
