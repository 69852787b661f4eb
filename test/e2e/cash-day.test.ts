import path from 'node:path';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { gtinCheckDigit } from '../../server/domain/gtin.js';
import { launchChromium, screenshotsDir, serveShop, signInByKeyboard } from '../support/browser.js';
import { PINS, managerActor, seedBatch, testShop, type TestShop } from '../support/harness.js';
import { pdfText, requireTool } from '../support/tools.js';

const chromiumTool = requireTool('chromium', 'chromium');
const poppler = requireTool('pdftotext', 'poppler-utils');
const body = '3400941299990';
const smectaGtin = body.slice(0, 12) + gtinCheckDigit(body.slice(0, 12));
const recalledGtin = '340094129998' + gtinCheckDigit('340094129998');

let t: TestShop;
let base: string;
let lotId: string;

async function login(page: Page, pin: string) {
  await signInByKeyboard(page, base, pin);
}

async function scan(page: Page, code: string) {
  await page.locator('#scan').focus();
  await page.keyboard.type(code);
  const answered = page.waitForResponse((r) => r.url().endsWith('/caisse/scan'));
  await page.keyboard.press('Enter');
  await answered;
}

describe.skipIf(!chromiumTool.available)('a whole day at the till in a real browser', () => {
  beforeAll(async () => {
    t = await testShop({ code: 'E2E02', now: new Date() });
    ({ url: base } = await serveShop(t));
    const p = await t.services.catalog.createProduct({ sku: 'SMEC', gtin: smectaGtin, name: 'Smecta 3 g', unitPrice: 4200 }, managerActor(t));
    lotId = (await seedBatch(t, { productId: p.id, lotNumber: 'S-1', expirationDate: '2028-06-30', quantity: 10 })).id;
    const recalled = await t.services.catalog.createProduct({ sku: 'EFFA', gtin: recalledGtin, name: 'Efferalgan 1 g', unitPrice: 1500 }, managerActor(t));
    const lot = await seedBatch(t, { productId: recalled.id, lotNumber: 'EF-9', expirationDate: '2028-06-30', quantity: 10 });
    await t.services.stock.correctBatch(lot.id, { status: 'recalled', statusReason: 'Rappel ANSM : défaut de dosage' }, managerActor(t));
  });

  it('opens the drawer, sells with a split payment and a discount a manager allows, takes a return back into its lot, pays out cash, closes with a variance and prints the Z', { timeout: 120_000 }, async () => {
    const browser = await launchChromium();
    const page = await (await browser.newContext({ viewport: { width: 1024, height: 768 } })).newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await login(page, PINS.cashier);

    // Opening: the till says no session is open; the cashier opens one with a 5 000 FCFA float.
    expect(await page.locator('#session-badge').innerText()).toContain('Aucune session');
    await page.goto(`${base}/caisse/session`);
    await page.locator('#open-terminal').fill('Caisse 3');
    await page.locator('#open-float').focus();
    await page.keyboard.type('5000');
    await page.keyboard.press('Enter');
    await page.waitForURL('**/caisse');
    expect(await page.locator('#session-badge').innerText()).toContain('Caisse 3 · Test cashier');

    // A product whose only lot is recalled is refused at the scan, with the recall's reason; the cart stays empty.
    await scan(page, recalledGtin);
    await expect.poll(() => page.locator('#till-feedback').innerText()).toContain('Rappel ANSM : défaut de dosage');
    expect(await page.locator('#cart').innerText()).toContain('(0)');

    // Two boxes scanned (8 400), 20 % off the ticket (F7), 5 000 by Orange Money (F6), cash for the rest (F4).
    await scan(page, smectaGtin);
    await scan(page, smectaGtin);
    await expect.poll(() => page.locator('#cart h2').innerText()).toContain('(2)');
    await page.keyboard.press('F7');
    await page.keyboard.type('20');
    await page.locator('#discount-reason').fill('fidélité');
    await page.keyboard.press('F6');
    await page.keyboard.type('5000');
    await page.locator('#mm-reference').fill('OM-77');
    await page.keyboard.press('F4');
    await page.keyboard.type('2000');
    expect(await page.locator('#cash-due').innerText()).toBe('1\u00a0720\u00a0FCFA');
    expect(await page.locator('#change-preview').innerText()).toBe('280\u00a0FCFA');

    // Above the 10 % a cashier may give: the till asks for a manager's PIN, and keeps what was typed.
    await page.keyboard.press('F2');
    await expect.poll(() => page.locator('#payment .error').innerText()).toContain('PIN d’un responsable');
    expect(await page.locator('#discount-value').inputValue()).toBe('20');
    expect(await page.locator('#tendered').inputValue()).toBe('2000');
    await page.locator('#manager-pin').focus();
    await page.keyboard.type(PINS.manager);
    await page.keyboard.press('F2');
    await expect.poll(() => page.locator('#cart').innerText()).toContain('enregistrée');
    const number = /E2E02-\d{6}/.exec(await page.locator('#cart h2').innerText())![0];
    const receipt = await page.locator('.receipt-preview').innerText();
    for (const line of ['Remise 20 % — fidélité', '-1\u00a0680\u00a0FCFA', 'Orange Money (réf. OM-77)', '5\u00a0000\u00a0FCFA', 'Monnaie rendue', '280\u00a0FCFA']) expect(receipt).toContain(line);
    expect(await page.locator('#change-due').innerText()).toBe('280\u00a0FCFA');
    expect(await t.db.one('select quantity from product_batches where id = $1', [lotId])).toEqual({ quantity: 8 });

    // A customer brings one box back: found by its receipt number (what its QR holds), back into lot S-1.
    await page.goto(`${base}/retours`);
    await page.locator('#return-q').focus();
    await page.keyboard.type(number);
    await page.keyboard.press('Enter');
    await page.waitForSelector('.return-lines');
    await page.locator('.return-lines input[type="number"]').first().fill('1');
    // In cash, beyond the 1 720 FCFA the sale took in cash: a manager's PIN allows it.
    await page.locator('#refund-method').selectOption('cash');
    await page.locator('#return-manager-pin').fill(PINS.manager);
    await page.locator('#return-submit').click();
    await expect.poll(() => page.locator('#return-done').innerText()).toContain('3\u00a0360\u00a0FCFA remboursés');
    expect(await page.locator('.receipt-preview').innerText()).toContain('AVOIR E2E02-AV000001');
    expect(await t.db.one('select quantity from product_batches where id = $1', [lotId])).toEqual({ quantity: 9 });

    // Cash out for a purchase, then the X report: 5 000 + 1 720 − 3 360 − 1 000 = 2 360 expected.
    await page.goto(`${base}/caisse/session`);
    await page.locator('#move-amount').fill('1000');
    await page.locator('#move-reason').fill('Achat sacs');
    await page.locator('#move-reason').press('Enter');
    await expect.poll(() => page.locator('#expected-cash').innerText()).toBe('2\u00a0360\u00a0FCFA');

    // Closing 560 short: refused without a comment, then closed with one; the Z is shown and kept as PDF.
    await page.locator('#count-cash').fill('1800');
    await page.locator('#close-submit').click();
    await expect.poll(() => page.locator('.cash-close .error').innerText()).toContain('un commentaire est obligatoire');
    await page.locator('#close-comment').fill('Pièce de 500 introuvable');
    await page.locator('#close-submit').click();
    await expect.poll(() => page.locator('#session-closed').innerText()).toContain('E2E02-Z00001');
    await page.screenshot({ path: path.join(screenshotsDir, 'z-report.png') });
    const z = await page.request.get(`${base}${await page.locator('#z-pdf').getAttribute('href')}`);
    expect(z.headers()['content-type']).toBe('application/pdf');
    if (poppler.available) {
      const text = pdfText(await z.body());
      for (const expected of ['Z n° E2E02-Z00001', 'Poste : Caisse 3', 'Espèces attendues', '2 360 FCFA', 'Achat sacs', 'Écart Espèces', '-560 FCFA',
        'Pièce de 500 introuvable', 'Retours (1)', '-3 360 FCFA', 'Remises', '-1 680 FCFA', 'Espèces compté', '1 800 FCFA', 'dont retours']) {
        expect(text).toContain(expected);
      }
    }
    expect(errors).toEqual([]);
  });
});
