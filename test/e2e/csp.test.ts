import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { staffService } from '../../server/staff/service.js';
import { launchChromium, watchRefusals as watch, serveShop } from '../support/browser.js';
import { PINS, seedBatch, seedProduct, testHq, testShop, type TestHq, type TestShop } from '../support/harness.js';
import { requireTool } from '../support/tools.js';

const chromiumTool = requireTool('chromium', 'chromium');
const PASSWORD = 'siege-sous-csp-2026';

describe.skipIf(!chromiumTool.available)('the pages under their Content-Security-Policy, in a real browser', () => {
  let shop: TestShop;
  let base: string;
  let hub: Awaited<ReturnType<typeof serveShop>>['hub'];
  let hq: TestHq;

  beforeAll(async () => {
    shop = await testShop({ code: 'CSP01', now: new Date() });
    ({ url: base, hub } = await serveShop(shop));
    const p = await seedProduct(shop, { name: 'Doliprane 1000 mg', unitPrice: 1500, sku: 'CSP-DOLI' });
    await seedBatch(shop, { productId: p.id, lotNumber: 'C-1', expirationDate: '2030-01-31', quantity: 10 });
    hq = await testHq();
    await hq.listen();
    await staffService({ db: hq.db, now: () => new Date() }).addUser({ login: 'khady', name: 'Khady Fall', role: 'admin', password: PASSWORD });
  });

  it('the till signs in with the PIN pad, sells over htmx, holds its live socket, adds a delivery line with Enter and signs out, with nothing refused', { timeout: 90_000 }, async () => {
    const browser = await launchChromium();
    const page = await (await browser.newContext({ viewport: { width: 1024, height: 768 } })).newPage();
    const problems = watch(page);

    await page.goto(`${base}/connexion`);
    for (const d of PINS.manager) await page.click(`.key[data-digit="${d}"]`);
    await page.click('.key.ok');
    await page.waitForURL('**/caisse');
    await expect.poll(() => hub.clients()).toBe(1); // the ws socket, allowed by connect-src 'self'

    await page.locator('#scan').fill('Doliprane');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#cart h2').innerText()).toContain('Panier (1)');
    // Another till's delivery reaches this one over the socket.
    await seedBatch(shop, { productId: (await shop.services.catalog.searchProducts('Doliprane', 1, true))[0]!.id, lotNumber: 'C-0', expirationDate: '2029-01-31', quantity: 5 });
    await expect.poll(() => page.locator('#cart').innerText()).toContain('C-0');

    await page.goto(`${base}/stock`);
    await page.click('#reception summary');
    const before = await page.locator('#reception-rows tr').count();
    await page.locator('#reception-scan').fill('3400930000014');
    await page.locator('#reception-scan').press('Enter');
    await expect.poll(() => page.locator('#reception-rows tr').count()).toBe(before + 1);
    expect(page.url()).toContain('/stock');

    // A plain form post (no htmx): its Origin must still be this shop under Referrer-Policy same-origin.
    await page.click('form[action="/deconnexion"] button');
    await page.waitForURL('**/connexion');
    expect(problems).toEqual([]);
  });

  it('head office signs in, filters a list over htmx and signs out, with nothing refused', { timeout: 60_000 }, async () => {
    const browser = await launchChromium();
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    const problems = watch(page);
    await page.goto(`${hq.url}/connexion`);
    await page.fill('input[name=login]', 'khady');
    await page.fill('input[name=password]', PASSWORD);
    await page.press('input[name=password]', 'Enter');
    await page.waitForURL('**/boutiques');
    await page.goto(`${hq.url}/catalogue`);
    const answered = page.waitForResponse((r) => r.url().includes('/catalogue?') && r.request().headers()['hx-request'] === 'true');
    await page.locator('input[name=q]').fill('zzz');
    await page.locator('input[name=q]').press('z');
    await answered;
    await page.click('form[action="/deconnexion"] button');
    await page.waitForURL('**/connexion');
    expect(problems).toEqual([]);
  });
});
