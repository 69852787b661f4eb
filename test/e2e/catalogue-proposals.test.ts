import path from 'node:path';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { staffService } from '../../server/staff/service.js';
import { launchChromium, screenshotsDir } from '../support/browser.js';
import { managerActor, testHq, testShop, type TestHq, type TestShop } from '../support/harness.js';
import { requireTool } from '../support/tools.js';

const chromiumTool = requireTool('chromium', 'chromium');
const PASSWORD = 'siege-de-dakar-2026';

let hq: TestHq;
let dakar: TestShop;
let thies: TestShop;
let page: Page;

describe.skipIf(!chromiumTool.available)('the shops’ proposals on head office’s Catalogue, in a real browser', () => {
  beforeAll(async () => {
    hq = await testHq();
    await hq.listen();
    await staffService({ db: hq.db, now: () => new Date() }).addUser({ login: 'fatou', name: 'Fatou Sow', role: 'admin', password: PASSWORD });
    dakar = await testShop({ code: 'DKR01', hq: { url: hq.url, token: await hq.registerShop('DKR01') } });
    thies = await testShop({ code: 'THS02', hq: { url: hq.url, token: await hq.registerShop('THS02') } });
    const browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'fr-FR' })).newPage();
    await page.goto(`${hq.url}/connexion`);
    await page.fill('input[name=login]', 'fatou');
    await page.fill('input[name=password]', PASSWORD);
    await page.press('input[name=password]', 'Enter');
    await page.waitForURL('**/boutiques');
  });

  it('accepts a shop’s price with one click: the list and the product’s row change in place, and the other shop gets it', async () => {
    const p = (await hq.admin('post', '/api/products').send({ sku: 'SERUM-5ML', name: 'Sérum physiologique', unitPrice: 350 }).expect(201)).body;
    for (const s of [dakar, thies]) await s.services.sync.runNow({ force: true });
    await dakar.services.catalog.updateProduct(p.id, { unitPrice: 400 }, managerActor(dakar));
    await dakar.services.sync.runNow({ force: true });

    await page.goto(`${hq.url}/catalogue`);
    const row = page.locator('#proposal-list tr[data-shop="DKR01"]');
    expect(await row.textContent()).toContain('400\u00a0FCFA');
    expect(await page.locator(`#product-${p.id} input[name=unitPrice]`).first().inputValue()).toBe('350');
    await page.screenshot({ path: path.join(screenshotsDir, 'hq-propositions.png'), fullPage: true });
    await row.getByRole('button', { name: 'Accepter' }).click();
    await expect.poll(() => page.locator('#proposal-list [role=status]').textContent()).toContain('Proposition acceptée');
    expect(await page.locator('#proposal-list tr[data-shop="DKR01"]').count()).toBe(0);
    expect(await page.locator(`#product-${p.id} input[name=unitPrice]`).first().inputValue()).toBe('400');

    await thies.services.sync.runNow({ force: true });
    expect((await thies.services.catalog.getProduct(p.id)).unitPrice).toBe(400);
  });
});
