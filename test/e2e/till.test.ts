import path from 'node:path';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { addDays } from '../../server/domain/dates.js';
import { gtinCheckDigit } from '../../server/domain/gtin.js';
import { launchChromium, screenshotsDir, serveShop, signInByKeyboard } from '../support/browser.js';
import { PINS, managerActor, seedBatch, testShop, type TestShop } from '../support/harness.js';
import { requireTool } from '../support/tools.js';

const chromiumTool = requireTool('chromium', 'chromium');
const gtin = (n: number) => {
  const body = `34009${String(4_100_000 + n).padStart(7, '0')}`;
  return body + gtinCheckDigit(body);
};
const yymmdd = (iso: string) => iso.slice(2).replace(/-/g, '');

let t: TestShop;
let base: string;
let hub: Awaited<ReturnType<typeof serveShop>>['hub'];
const today = new Date().toISOString().slice(0, 10);
const soon = addDays(today, 10);
const products: Record<string, { id: string; gtin: string }> = {};

async function product(key: string, name: string, unitPrice: number) {
  const g = gtin(Object.keys(products).length + 1);
  const p = await t.services.catalog.createProduct({ sku: key, gtin: g, name, unitPrice }, managerActor(t));
  products[key] = { id: p.id, gtin: g };
  return p;
}

async function login(page: Page, pin: string, withPad = false) {
  if (!withPad) return signInByKeyboard(page, base, pin);
  await page.goto(`${base}/connexion`);
  for (const d of pin) await page.click(`.key[data-digit="${d}"]`);
  await page.click('.key.ok');
  await page.waitForURL('**/caisse');
}

/** What a scanner does: types the code, then Enter. */
async function scan(page: Page, code: string) {
  await page.locator('#scan').focus();
  for (const part of code.split('\u001d')) {
    if (part !== code.split('\u001d')[0]) await page.keyboard.press('Control+BracketRight');
    await page.keyboard.type(part);
  }
  const answered = page.waitForResponse((r) => r.url().endsWith('/caisse/scan'));
  await page.keyboard.press('Enter');
  await answered;
  await page.waitForTimeout(50);
}

describe.skipIf(!chromiumTool.available)('the till in a real browser', () => {
  beforeAll(async () => {
    t = await testShop({ code: 'E2E01', now: new Date() });
    ({ url: base, hub } = await serveShop(t));
    await product('DOLI', 'Doliprane 500 mg', 1200);
    await seedBatch(t, { productId: products.DOLI!.id, lotNumber: 'D-SOON', expirationDate: soon, quantity: 2 });
    await seedBatch(t, { productId: products.DOLI!.id, lotNumber: 'D-LATE', expirationDate: '2028-06-30', quantity: 10 });
    await product('SMEC', 'Smecta 3 g', 4200);
    await seedBatch(t, { productId: products.SMEC!.id, lotNumber: 'S-EARLY', expirationDate: '2027-06-30', quantity: 5 });
    await seedBatch(t, { productId: products.SMEC!.id, lotNumber: 'S-LATER', expirationDate: '2027-09-30', quantity: 5 });
    await product('BIAF', 'Biafine émulsion', 4300);
    await seedBatch(t, { productId: products.BIAF!.id, lotNumber: 'B-1', expirationDate: '2028-01-31', quantity: 8 });
    await product('OLD', 'Sirop périmé', 900);
    await seedBatch(t, { productId: products.OLD!.id, lotNumber: 'OLD-1', expirationDate: '2024-01-31', quantity: 3 });
  });

  it('sells with a scanner and the keyboard alone, across two lots, while another till sees the stock move; then a manager voids it', { timeout: 120_000 }, async () => {
    const browser = await launchChromium();
    const till = await browser.newContext({ viewport: { width: 1024, height: 768 } });
    const other = await browser.newContext({ viewport: { width: 1024, height: 768 } });
    const page = await till.newPage();
    const page2 = await other.newPage();
    const errors: string[] = [];
    for (const p of [page, page2]) p.on('pageerror', (e) => errors.push(e.message));

    await login(page, PINS.cashier, true); // the PIN pad, with the mouse
    await login(page2, PINS.pharmacist); // the keyboard
    await scan(page2, products.DOLI!.gtin);
    await expect.poll(() => page2.locator('#cart').innerText()).toContain('D-SOON');

    // Three lines, scanner only: a GTIN three times, a DataMatrix with a group separator, a plain EAN.
    for (let i = 0; i < 3; i++) await scan(page, products.DOLI!.gtin);
    await scan(page, `]d201${products.SMEC!.gtin.padStart(14, '0')}17${yymmdd('2027-09-30')}10S-LATER\u001d21SN00012345`);
    await expect.poll(() => page.locator('#till-feedback').innerText()).toContain('lot S-LATER, ajouté');
    expect(await page.locator('#till-feedback').innerText()).toContain('le lot S-EARLY de ce produit expire plus tôt');
    await scan(page, products.BIAF!.gtin);
    await expect.poll(() => page.locator('#cart h2').innerText()).toContain('Panier (5)');

    const cart = await page.locator('#cart').innerText();
    expect(cart).toContain('Panier (5)');
    expect(cart).toMatch(/Lot D-SOON · exp\. \d\d\/\d\d\/\d{4} · 2\s*expire bientôt/);
    expect(cart).toContain('Lot D-LATE · exp. 30/06/2028 · 1');
    expect(cart).toContain('Lot S-LATER · exp. 30/09/2027 · 1');

    // Refused scans: an expired lot, and a DataMatrix whose separators were lost.
    await scan(page, `01${products.OLD!.gtin.padStart(14, '0')}17${yymmdd('2024-01-31')}10OLD-1`);
    await expect.poll(() => page.locator('#till-feedback').innerText()).toContain('Lot OLD-1 de « Sirop périmé » périmé depuis le 31/01/2024');
    await scan(page, `01${products.SMEC!.gtin.padStart(14, '0')}17${yymmdd('2027-09-30')}10S-LATER21SN00012345`);
    await expect.poll(() => page.locator('#till-feedback').innerText()).toContain('séparateurs de groupe (GS) ont été perdus');
    expect(await page.locator('#cart').innerText()).toContain('Panier (5)'); // nothing lost from the cart
    await page.screenshot({ path: path.join(screenshotsDir, 'till.png') });

    // The other till types the amount tendered (F4: one key to it) and keeps it while this till sells.
    await page2.keyboard.press('F4');
    await page2.keyboard.type('10000');

    // F2 pays (cash, exact); no new tab: the receipt is shown in the page, to print from there.
    let tabs = 0;
    till.on('page', () => tabs++);
    await page.keyboard.press('F2');
    await expect.poll(() => page.locator('#cart').innerText()).toContain('enregistrée');
    const sold = await page.locator('#cart h2').innerText();
    const number = /E2E01-\d{6}/.exec(sold)![0];
    expect(await page.locator('.receipt-preview').innerText()).toContain(number);
    expect(await page.locator('#print-receipt').isVisible()).toBe(true);
    // The refusal shown before the sale is gone; the sale's message stands alone.
    expect(await page.locator('#till-feedback').innerText()).not.toContain('séparateurs');
    const pdf = await page.request.get(`${base}${await page.locator('#receipt-link').getAttribute('href')}`);
    expect(pdf.headers()['content-type']).toBe('application/pdf');
    expect(tabs).toBe(0);
    await page.screenshot({ path: path.join(screenshotsDir, 'till-sale-done.png') });

    // The other till's cart now takes Doliprane from the later lot: live, without a reload.
    await expect.poll(() => page2.locator('#cart').innerText(), { timeout: 5000 }).toContain('D-LATE');
    expect(await page2.locator('#cart').innerText()).not.toContain('D-SOON');
    // … and what its cashier typed is still there, with the change computed from it.
    expect(await page2.locator('#tendered').inputValue()).toBe('10000');
    expect(await page2.locator('#change-preview').innerText()).not.toBe('—');

    // The link drops; the page reconnects by itself and still hears of the next change.
    hub.dropConnections();
    await expect.poll(() => hub.clients(), { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
    await seedBatch(t, { productId: products.DOLI!.id, lotNumber: 'D-NEW', expirationDate: soon, quantity: 4 });
    await expect.poll(() => page2.locator('#cart').innerText(), { timeout: 5000 }).toContain('D-NEW');

    // Quantity with the touch buttons, Esc to clear.
    await scan(page, products.BIAF!.gtin);
    await page.locator('.cart-line .step[data-step="1"]').first().click();
    await expect.poll(() => page.locator('#cart h2').innerText()).toContain('Panier (2)');

    // Two quick changes on two lines whose answers arrive out of order: the older never replaces the newer.
    await scan(page, products.SMEC!.gtin);
    await expect.poll(() => page.locator('#cart h2').innerText()).toContain('Panier (3)');
    let held = true;
    await page.route('**/caisse/panier/*', async (route) => {
      if (!held) return route.continue();
      held = false;
      const answer = await route.fetch(); // applied at the server now, answered late
      await new Promise((r) => setTimeout(r, 700));
      await route.fulfill({ response: answer }).catch(() => undefined);
    });
    const plus = page.locator('.cart-line .step[data-step="1"]');
    await plus.nth(0).click(); // held: 3 + 1
    await page.waitForTimeout(150);
    await plus.nth(1).click(); // answered at once: 3 + 2
    await expect.poll(() => page.locator('#cart h2').innerText()).toContain('Panier (5)');
    await page.waitForTimeout(900); // the held answer (Panier (4)) arrives now, and is not shown
    expect(await page.locator('#cart h2').innerText()).toContain('Panier (5)');
    await page.unroute('**/caisse/panier/*');
    // The same line twice, quickly: the second change replaces the first request, it is never dropped.
    await plus.nth(1).click();
    await plus.nth(1).click();
    await expect.poll(() => page.locator('#cart h2').innerText()).toContain('Panier (7)');
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('#cart').innerText()).toContain('Panier vide');

    // Next customer: change due; the thermal printer is off, which the till says, and the sale stands.
    await t.services.settings.update({ printerKind: 'escpos', printerTarget: 'tcp://127.0.0.1:9' });
    await scan(page, products.BIAF!.gtin);
    await page.locator('#tendered').fill('5000');
    await page.keyboard.press('F2');
    await expect.poll(() => page.locator('#change-due').innerText()).toBe('700\u00a0FCFA');
    await expect.poll(() => page.locator('#till-feedback').innerText(), { timeout: 10_000 }).toContain('Impression du ticket');
    await t.services.settings.update({ printerKind: 'none', printerTarget: '' });

    // Ventes: the sale with its lots; a manager voids it and the stock comes back.
    const manager = await (await browser.newContext({ viewport: { width: 1024, height: 768 } })).newPage();
    await login(manager, PINS.manager);
    await manager.goto(`${base}/ventes`);
    const row = manager.locator('article.sale', { hasText: number });
    expect(await row.innerText()).toContain('D-SOON');
    manager.on('dialog', (d) => void d.accept());
    await row.getByRole('button', { name: 'Annuler la vente' }).click();
    await expect.poll(() => manager.locator('article.sale', { hasText: number }).innerText()).toContain('ANNULÉE');
    await manager.goto(`${base}/stock?filtre=30`);
    expect(await manager.locator('#lots').innerText()).not.toContain('OLD-1'); // expired lots have their own filter
    await expect.poll(() => manager.locator('#lots').innerText()).toContain('D-SOON');
    expect(await manager.locator('tr', { hasText: 'D-SOON' }).locator('td.qty').innerText()).toBe('2');
    await manager.screenshot({ path: path.join(screenshotsDir, 'lots.png') });
    await manager.goto(`${base}/tableau-de-bord`);
    await manager.screenshot({ path: path.join(screenshotsDir, 'dashboard.png') });

    expect(errors).toEqual([]);
  });
});
