import { beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, serveShop, signInByKeyboard } from '../support/browser.js';
import { PINS, seedBatch, seedProduct, testShop, type TestShop } from '../support/harness.js';
import { requireTool } from '../support/tools.js';

const chromiumTool = requireTool('chromium', 'chromium');
let t: TestShop;
let base: string;

describe.skipIf(!chromiumTool.available)('live updates at the till', () => {
  beforeAll(async () => {
    t = await testShop({ code: 'LIV01', now: new Date() });
    ({ url: base } = await serveShop(t));
  });

  it('never redraw a quantity the cashier is typing, and catch up once the field is left', async () => {
    const p = await seedProduct(t, { name: 'Efferalgan 1 g', unitPrice: 1500 });
    await seedBatch(t, { productId: p.id, lotNumber: 'E-1', expirationDate: '2030-01-31', quantity: 20 });
    const browser = await launchChromium();
    const page = await (await browser.newContext({ viewport: { width: 1024, height: 768 } })).newPage();
    await signInByKeyboard(page, base, PINS.cashier);
    await page.locator('#scan').fill('Efferalgan');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#cart h2').innerText()).toContain('Panier (1)');

    const quantity = page.locator('.cart-line input[name="quantity"]');
    await quantity.click();
    await quantity.fill('12'); // typing, not yet left: no change sent
    // Another till's delivery: every till's cart is redrawn live, but not the field being typed in.
    await seedBatch(t, { productId: p.id, lotNumber: 'E-0', expirationDate: '2029-01-31', quantity: 5 });
    await page.waitForTimeout(800);
    expect(await quantity.inputValue()).toBe('12');
    expect(await page.locator('#cart').innerText()).not.toContain('E-0');

    await page.keyboard.press('Tab'); // leaving the field sends it
    await expect.poll(() => page.locator('#cart h2').innerText()).toContain('Panier (12)');
    expect(await page.locator('#cart').innerText()).toContain('E-0'); // and the cart shows the new lot, taken first
  });
});
