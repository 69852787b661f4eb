import path from 'node:path';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { staffService } from '../../server/staff/service.js';
import { launchChromium, watchRefusals as watch, screenshotsDir } from '../support/browser.js';
import { cashierActor, managerActor, seedProduct, testHq, testShop, type TestHq } from '../support/harness.js';
import { requireTool } from '../support/tools.js';

const chromiumTool = requireTool('chromium', 'chromium');
const PASSWORD = 'chiffres-du-patron-2026';

describe.skipIf(!chromiumTool.available)('the owner’s pages in a real browser', () => {
  let hq: TestHq;

  beforeAll(async () => {
    hq = await testHq();
    await hq.listen();
    await staffService({ db: hq.db, now: () => new Date() }).addUser({ login: 'ndeye', name: 'Ndeye Sarr', role: 'lecture', password: PASSWORD });
    const shop = await testShop({ code: 'RPT01', hq: { url: hq.url, token: await hq.registerShop('RPT01') } });
    const names = ['Doliprane 1000 mg', 'Smecta', 'Vogalène', 'Efferalgan 500 mg', 'Amoxicilline 1 g'];
    for (const [k, name] of names.entries()) {
      const p = await seedProduct(shop, { name, unitPrice: 800 + 400 * k });
      await shop.services.stock.receiveBatch({ productId: p.id, lotNumber: `R-${k}`, expirationDate: `2027-0${(k % 6) + 1}-28`, quantity: 200, unitCost: k === 4 ? null : 500 + 200 * k }, managerActor(shop));
      for (let n = 0; n <= k; n++) await shop.services.sales.recordSale({ lines: [{ productId: p.id, quantity: 1 + n }], payment: { method: n % 2 ? 'card' : 'cash', tendered: 100_000 } }, cashierActor(shop));
    }
    await shop.services.sync.pushNow({ force: true });
    await shop.services.sync.pushNow({ force: true });
  });

  it('shows Tableau de bord, Marges and Valeur du stock with their charts at 1280×800 and on a 10-inch tablet, nothing refused by the CSP', { timeout: 90_000 }, async () => {
    const browser = await launchChromium();
    for (const [name, viewport] of [['desktop', { width: 1280, height: 800 }], ['tablet', { width: 800, height: 1280 }]] as const) {
      const page = await (await browser.newContext({ viewport })).newPage();
      const problems = watch(page);
      await page.goto(`${hq.url}/connexion`);
      await page.fill('input[name=login]', 'ndeye');
      await page.fill('input[name=password]', PASSWORD);
      await page.press('input[name=password]', 'Enter');
      await page.waitForURL('**/boutiques');
      await page.goto(`${hq.url}/tableau-de-bord?boutique=RPT01`);
      for (const chart of ['days', 'hours', 'methods', 'top-takings', 'top-margin', 'expiring', 'stock-value']) {
        const box = await page.locator(`[data-chart="${chart}"] svg`).boundingBox();
        // Drawn, and within the screen's width (no sideways scrolling).
        expect(box!.width, chart).toBeGreaterThan(200);
        expect(box!.x + box!.width, chart).toBeLessThanOrEqual(viewport.width);
      }
      expect(await page.locator('[data-chart="top-takings"] svg text', { hasText: 'Amoxicilline 1 g' }).count()).toBe(1);
      await page.screenshot({ path: path.join(screenshotsDir, `hq-dashboard-${name}.png`), fullPage: true });
      // A filter change goes over htmx and redraws.
      const answered = page.waitForResponse((r) => r.url().includes('/tableau-de-bord?') && r.request().headers()['hx-request'] === 'true');
      await page.selectOption('select[name=boutique]', '');
      expect((await answered).status()).toBe(200);
      await page.goto(`${hq.url}/marges?boutique=RPT01`);
      expect(await page.locator('table.margins tbody tr').count()).toBe(5);
      await page.screenshot({ path: path.join(screenshotsDir, `hq-margins-${name}.png`), fullPage: true });
      await page.goto(`${hq.url}/valeur-stock?boutique=RPT01`);
      expect(await page.locator('table.valuation-lots tbody tr').count()).toBe(5);
      await page.screenshot({ path: path.join(screenshotsDir, `hq-valuation-${name}.png`), fullPage: true });
      expect(problems).toEqual([]);
    }
  });
});
