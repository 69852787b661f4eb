import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { addDays } from '../../server/domain/dates.js';
import { staffService } from '../../server/staff/service.js';
import { launchChromium, screenshotsDir } from '../support/browser.js';
import { cashierActor, seedBatch, seedProduct, testHq, testShop, type TestHq, type TestShop } from '../support/harness.js';
import { requireTool } from '../support/tools.js';

const chromiumTool = requireTool('chromium', 'chromium');
const PASSWORD = 'siege-de-dakar-2026';
const today = new Date().toISOString().slice(0, 10);

let hq: TestHq;
let shops: TestShop[];
let page: Page;

async function signIn(login: string) {
  await page.goto(`${hq.url}/connexion`);
  await page.fill('input[name=login]', login);
  await page.fill('input[name=password]', PASSWORD);
  await page.press('input[name=password]', 'Enter');
  await page.waitForURL('**/boutiques');
}

describe.skipIf(!chromiumTool.available)('head office in a real browser', () => {
  beforeAll(async () => {
    hq = await testHq();
    await hq.listen();
    const staff = staffService({ db: hq.db, now: () => new Date() });
    await staff.addUser({ login: 'fatou', name: 'Fatou Sow', role: 'admin', password: PASSWORD });
    shops = [];
    for (const code of ['DKR01', 'THS02']) {
      const shop = await testShop({ code, hq: { url: hq.url, token: await hq.registerShop(code) } });
      const p = await seedProduct(shop, { name: 'Paracétamol 1 g', unitPrice: 900, sku: `PARA-${code}`, gtin: '3400930000014' });
      await seedBatch(shop, { productId: p.id, lotNumber: 'PARA-42', expirationDate: addDays(today, 40), quantity: 50 });
      await shop.services.sales.recordSale({ lines: [{ productId: p.id, quantity: 3 }], payment: { method: 'cash', tendered: 5000 } }, cashierActor(shop));
      await shop.services.sync.runNow({ force: true });
      shops.push(shop);
    }
    const browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true, locale: 'fr-FR' });
    page = await context.newPage();
  });

  it('signs an owner in and shows every shop’s day on Boutiques', async () => {
    await page.goto(`${hq.url}/boutiques`);
    await page.waitForURL('**/connexion');
    await page.fill('input[name=login]', 'fatou');
    await page.fill('input[name=password]', 'pas-le-bon-mot');
    await page.press('input[name=password]', 'Enter');
    await expect.poll(() => page.locator('#login-form .error').textContent()).toContain('Identifiant ou mot de passe incorrect.');
    await signIn('fatou');
    for (const code of ['DKR01', 'THS02']) {
      await expect.poll(() => page.locator(`tr[data-shop="${code}"] .badge`).textContent()).toBe('à jour');
    }
    expect(await page.locator('.tiles').textContent()).toContain('5\u00a0400\u00a0FCFA');
    await page.screenshot({ path: path.join(screenshotsDir, 'hq-boutiques.png'), fullPage: true });
  });

  it('Ventes filters by shop without a reload and downloads the CSV', async () => {
    await page.goto(`${hq.url}/ventes`);
    expect(await page.locator('#takings table.by-shop tbody tr').count()).toBe(2);
    expect(await page.locator('#takings table.by-day tbody tr').count()).toBe(1);
    await page.screenshot({ path: path.join(screenshotsDir, 'hq-ventes.png'), fullPage: true });
    await page.selectOption('select[name=boutique]', 'THS02');
    await expect.poll(() => page.locator('#takings table.by-shop').count()).toBe(0);
    expect(await page.locator('#takings tbody tr').count()).toBe(1);
    expect(page.url()).toContain('boutique=THS02');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('a[href^="/ventes/export.csv"]')]);
    const file = await download.path();
    const text = fs.readFileSync(file!, 'utf8');
    expect(text.charCodeAt(0)).toBe(0xfeff);
    expect(text).toContain('THS02;Boutique THS02;1;2700');
    expect(text).not.toContain('DKR01');
    await page.click('#takings tbody a');
    await page.waitForURL(`**/ventes/THS02/${today}`);
    await page.click('#sales-day a[href^="/ventes/vente/"]');
    await expect.poll(() => page.locator('#sale').textContent()).toContain('PARA-42');
  });

  it('Rappels: the owner recalls a lot, both shops apply it, and the page says so', async () => {
    await page.goto(`${hq.url}/rappels`);
    await page.fill('input[name=product]', '3400930000014');
    await page.fill('input[name=lotNumber]', 'PARA-42');
    await page.fill('input[name=reason]', 'Défaut de conditionnement');
    page.once('dialog', (d) => void d.accept());
    await page.click('#recalls button.danger');
    await expect.poll(() => page.locator('#recalls [role=status]').textContent()).toContain('PARA-42');
    for (const shop of shops) {
      await shop.services.sync.pullNow({ force: true });
      await shop.services.sync.pullNow({ force: true });
      expect(await shop.db.one(`select status from product_batches where lot_number = 'PARA-42'`)).toEqual({ status: 'recalled' });
    }
    await page.reload();
    const recall = page.locator('article.recall[data-lot="PARA-42"]');
    expect(await recall.locator('.badge-ok').count()).toBe(2);
    expect(await recall.textContent()).toContain('Appliqué dans 2 boutique(s) sur 2');
    expect(await recall.textContent()).toContain('94 unité(s)');
    await page.screenshot({ path: path.join(screenshotsDir, 'hq-rappels.png'), fullPage: true });
  });

  it('Conflits reads as French sentences and marks a row as reviewed', async () => {
    // Two shops name the same SKU for different products: head office logs why one was renamed.
    for (const shop of shops) await seedProduct(shop, { name: `Crème ${shop.shop.code}`, sku: 'CREME-MAISON', gtin: null });
    for (const shop of shops) await shop.services.sync.pushNow({ force: true });
    await page.goto(`${hq.url}/conflits`);
    const row = page.locator('#conflict-list tr.to-review').first();
    expect(await row.textContent()).toContain('la référence');
    await row.locator('input[type=checkbox]').check();
    await page.click('#conflict-list button.primary');
    await expect.poll(() => page.locator('#conflict-list tr.reviewed').count()).toBeGreaterThan(0);
    await page.screenshot({ path: path.join(screenshotsDir, 'hq-conflits.png'), fullPage: true });
  });
});
