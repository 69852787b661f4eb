import type { Browser, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { gtinCheckDigit } from '../../server/domain/gtin.js';
import { launchChromium, serveShop, signInByKeyboard } from '../support/browser.js';
import { PINS, seedBatch, seedProduct, testHq, testShop, type TestHq, type TestShop } from '../support/harness.js';
import { requireTool } from '../support/tools.js';

const chromiumTool = requireTool('chromium', 'chromium');
const gtin = (n: number) => {
  const body = `34009${String(4_300_000 + n).padStart(7, '0')}`;
  return body + gtinCheckDigit(body);
};
const yymmdd = (iso: string) => iso.slice(2).replace(/-/g, '');

let hq: TestHq;
let a: TestShop;
let b: TestShop;
let baseA: string;
let baseB: string;
let browser: Browser;

/** A terminal: its own browser context (cookies, session) at 1024×768, failing on any script error or CSP refusal. */
async function terminal(base: string, pin: string): Promise<{ page: Page; errors: string[] }> {
  const page = await (await browser.newContext({ viewport: { width: 1024, height: 768 } })).newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('dialog', (d) => void d.accept());
  await signInByKeyboard(page, base, pin);
  return { page, errors };
}

describe.skipIf(!chromiumTool.available)('stock moving between shops and counted, in a real browser', () => {
  beforeAll(async () => {
    hq = await testHq();
    await hq.listen();
    const tokens = { DKR01: await hq.registerShop('DKR01'), THS02: await hq.registerShop('THS02') };
    a = await testShop({ code: 'DKR01', hq: { url: hq.url, token: tokens.DKR01 }, now: new Date() });
    b = await testShop({ code: 'THS02', hq: { url: hq.url, token: tokens.THS02 }, now: new Date() });
    await a.services.sync.pullNow({ force: true });
    await b.services.sync.pullNow({ force: true });
    ({ url: baseA } = await serveShop(a));
    ({ url: baseB } = await serveShop(b));
    browser = await launchChromium();
  });

  it('dispatches a two-line transfer at one shop and receives it at the other with one line short', { timeout: 120_000 }, async () => {
    const p = await seedProduct(a, { name: 'Amoxicilline 500 mg', gtin: gtin(1) });
    const lot1 = await seedBatch(a, { productId: p.id, lotNumber: 'AMX-E1', expirationDate: '2027-03-31', quantity: 50 });
    const lot2 = await seedBatch(a, { productId: p.id, lotNumber: 'AMX-E2', expirationDate: '2027-09-30', quantity: 30 });
    await a.services.sync.runNow({ force: true });
    await b.services.sync.pullNow({ force: true });

    const { page, errors } = await terminal(baseA, PINS.pharmacist);
    await page.click('text=Transferts');
    await page.waitForURL('**/transferts');
    await page.click('summary:has-text("Préparer un transfert")');
    const form = page.locator('form[hx-post="/transferts"]');
    await form.locator('select[name="toShop"]').selectOption('THS02');
    await form.locator('select[name="batchId"]').nth(0).selectOption(lot1.id);
    await form.locator('input[name="quantity"]').nth(0).fill('20');
    await form.locator('select[name="batchId"]').nth(1).selectOption(lot2.id);
    await form.locator('input[name="quantity"]').nth(1).fill('10');
    await form.locator('input[name="reason"]').fill('Péremption proche');
    await form.locator('button[type="submit"]').click();
    await expect.poll(() => page.locator('#transfers .flash').innerText()).toMatch(/Transfert DKR01-TR00001 préparé/);
    await page.click('button:has-text("Expédier")');
    await expect.poll(() => page.locator('#transfers .flash').innerText()).toMatch(/Transfert DKR01-TR00001 expédié/);
    expect(await page.locator('#transfers').innerText()).toContain('30 unité(s) en transit');
    expect((await a.services.stock.getBatch(lot1.id)).quantity).toBe(30);
    await page.screenshot({ path: 'test/e2e/screenshots/transfer-shipped.png' });

    // Head office relays the shipment on B's next pull.
    await a.services.sync.runNow({ force: true });
    await b.services.sync.pullNow({ force: true });

    const atB = await terminal(baseB, PINS.pharmacist);
    await atB.page.click('text=Transferts');
    await atB.page.waitForURL('**/transferts');
    const receipt = atB.page.locator('form[hx-post$="/reception"]');
    await receipt.locator('input[name="receivedQty"]').nth(0).fill('20');
    await receipt.locator('input[name="receivedQty"]').nth(1).fill('7');
    await receipt.locator('input[name="note"]').nth(1).fill('3 boîtes manquantes');
    await receipt.locator('button[type="submit"]').click();
    await expect.poll(() => atB.page.locator('#transfers .flash').innerText()).toBe('Transfert DKR01-TR00001 réceptionné : 27 unité(s) reçue(s) sur 30.');
    await atB.page.screenshot({ path: 'test/e2e/screenshots/transfer-received.png' });
    const lotsAtB = await b.services.stock.batchesOfProduct(p.id);
    expect(lotsAtB.map((l) => [l.lotNumber, l.quantity])).toEqual([['AMX-E1', 20], ['AMX-E2', 7]]);

    // The short line is shown at the sender once B's receipt came back.
    await b.services.sync.runNow({ force: true });
    await a.services.sync.pullNow({ force: true });
    await page.reload();
    await expect.poll(() => page.locator('#transfers').innerText()).toContain('3 boîtes manquantes');
    expect(errors).toEqual([]);
    expect(atB.errors).toEqual([]);
  });

  it('counts a stocktake by scanner on two terminals while the shop sells, and finalises it', { timeout: 120_000 }, async () => {
    const doli = await seedProduct(a, { name: 'Doliprane 1000 mg', gtin: gtin(2) });
    const smecta = await seedProduct(a, { name: 'Smecta sachets', gtin: gtin(3) });
    const d1 = await seedBatch(a, { productId: doli.id, lotNumber: 'DOL-S1', expirationDate: '2027-06-30', quantity: 20 });
    const s1 = await seedBatch(a, { productId: smecta.id, lotNumber: 'SME-S1', expirationDate: '2027-11-30', quantity: 12 });

    const manager = await terminal(baseA, PINS.manager);
    await manager.page.click('text=Inventaires');
    await manager.page.waitForURL('**/inventaires');
    await manager.page.click('button:has-text("Ouvrir un inventaire de toute la boutique")');
    await expect.poll(() => manager.page.locator('#stocktake').innerText()).toContain('Clôturer l’inventaire');
    const second = await terminal(baseA, PINS.pharmacist);
    await second.page.click('text=Inventaires');
    await second.page.waitForURL('**/inventaires');

    /** A scanner types the DataMatrix into the focused scan field; the quantity is typed, then Enter. */
    async function count(page: Page, code: string, qty: number) {
      // The page settled first (autofocus lands on a later frame than `load`): keystrokes typed before it are lost, as on a real till.
      await page.waitForLoadState('networkidle');
      await page.waitForFunction(() => document.activeElement?.getAttribute('name') === 'scan', undefined, { timeout: 10_000 });
      await page.keyboard.type(code);
      await page.locator('#stocktake input[name="countedQty"]').fill(String(qty));
      const typed = await page.locator('#stocktake input[name="scan"]').inputValue();
      expect(typed).toBe(code);
      const answered = page.waitForResponse((r) => r.url().includes('/comptage'));
      await page.keyboard.press('Enter');
      const res = await answered;
      expect(res.status(), await page.locator('#stocktake').innerText()).toBe(200);
      await expect.poll(() => page.locator('#stocktake .flash').innerText()).toBe('Comptage enregistré.');
    }
    await count(manager.page, `01${doli.gtin!.padStart(14, '0')}17${yymmdd('2027-06-30')}10DOL-S1`, 18);
    await count(second.page, `01${smecta.gtin!.padStart(14, '0')}17${yymmdd('2027-11-30')}10SME-S1`, 12);

    // The shop keeps selling after Doliprane was counted: that sale applies on top of the count.
    const cashier = { id: a.userIds.cashier, name: 'Test cashier', role: 'cashier' as const };
    await a.services.sales.recordSale({ lines: [{ productId: doli.id, quantity: 2 }], payment: { method: 'card' } }, cashier);

    await manager.page.reload();
    await manager.page.click('button:has-text("Clôturer l’inventaire")');
    await expect.poll(() => manager.page.locator('#stocktake .flash').innerText()).toMatch(/Inventaire DKR01-INV0001 clôturé/);
    await manager.page.screenshot({ path: 'test/e2e/screenshots/stocktake-finalised.png' });
    expect((await a.services.stock.getBatch(d1.id)).quantity).toBe(16);
    expect((await a.services.stock.getBatch(s1.id)).quantity).toBe(12);
    expect(manager.errors).toEqual([]);
    expect(second.errors).toEqual([]);
  });
});
