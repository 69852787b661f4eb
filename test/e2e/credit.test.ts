import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gtinCheckDigit } from '../../server/domain/gtin.js';
import { launchChromium, serveShop, signInByKeyboard } from '../support/browser.js';
import { PINS, managerActor, seedBatch, testShop, type TestShop } from '../support/harness.js';
import { pdfText, requireTool } from '../support/tools.js';

const chromiumTool = requireTool('chromium', 'chromium');
const poppler = requireTool('pdftotext', 'poppler-utils');
const gtin = '340094129997'.slice(0, 12) + gtinCheckDigit('340094129997');

let t: TestShop;
let base: string;
let browser: Browser;
let customerId: string;

async function login(page: Page, pin: string) {
  await signInByKeyboard(page, base, pin);
}

describe.skipIf(!chromiumTool.available)('a customer on credit in a real browser', () => {
  beforeAll(async () => {
    t = await testShop({ code: 'E2E03', now: new Date() });
    ({ url: base } = await serveShop(t));
    const p = await t.services.catalog.createProduct({ sku: 'DOLI', gtin, name: 'Doliprane 1000', unitPrice: 2500 }, managerActor(t));
    await seedBatch(t, { productId: p.id, lotNumber: 'D-1', expirationDate: '2028-06-30', quantity: 20 });
    customerId = (await t.services.accounts.createCustomer({ name: 'Ndèye Sow', phone: '77 555 66 77', creditLimit: 50_000 }, managerActor(t))).customer.id;
    browser = await launchChromium();
  });
  afterAll(async () => browser?.close());

  it('sells on credit with a cash deposit, takes a payment on account at another till, and prints a statement with the right balance', { timeout: 120_000 }, async () => {
    const errors: string[] = [];
    const till = await (await browser.newContext({ viewport: { width: 1024, height: 768 } })).newPage();
    till.on('pageerror', (e) => errors.push(e.message));
    await login(till, PINS.cashier);
    for (let i = 0; i < 3; i++) {
      await till.locator('#scan').focus();
      await till.keyboard.type(gtin);
      const answered = till.waitForResponse((r) => r.url().endsWith('/caisse/scan'));
      await till.keyboard.press('Enter');
      await answered;
    }
    await expect.poll(() => till.locator('#cart h2').innerText()).toContain('(3)');
    // « Crédit client », the customer found by her phone, 2 000 FCFA handed over as a deposit.
    await till.locator('#method-credit').check();
    await till.locator('.credit-customer summary').click();
    const found = till.waitForResponse((r) => r.url().includes('/caisse/clients'));
    await till.locator('#credit-search').fill('555 66');
    await found;
    await till.locator(`input[name="customerId"][value="${customerId}"]`).check();
    await till.locator('#tendered').fill('2000');
    await till.locator('#pay').click();
    await expect.poll(() => till.locator('#cart').innerText()).toContain('enregistrée');
    expect(await till.locator('#credit-due').innerText()).toContain('5\u00a0500\u00a0FCFA');
    expect(await till.locator('#credit-due').innerText()).toContain('Nouveau solde de Ndèye Sow 5\u00a0500\u00a0FCFA');

    // Another till, another cashier: the payment on account goes into that drawer.
    const other = await (await browser.newContext({ viewport: { width: 1024, height: 768 } })).newPage();
    other.on('pageerror', (e) => errors.push(e.message));
    await login(other, PINS.pharmacist);
    await other.goto(`${base}/clients/${customerId}`);
    expect(await other.locator('#customer-balance').innerText()).toBe('5\u00a0500\u00a0FCFA');
    await other.locator('#payment-amount').fill('3000');
    await other.locator('#take-payment').click();
    await expect.poll(() => other.locator('#payment-done').innerText()).toContain('Règlement enregistré');
    expect(await other.locator('#customer-balance').innerText()).toBe('2\u00a0500\u00a0FCFA');
    const pharmacistSession = await t.db.one<{ sessionId: string }>("select session_id from account_entries where kind = 'payment'");
    const session = await t.services.cash.session(pharmacistSession!.sessionId);
    expect(session.cashierId).toBe(t.userIds.pharmacist);

    const pdf = await other.request.get(`${base}/api/customers/${customerId}/statement.pdf`);
    expect(pdf.status()).toBe(200);
    if (poppler.available) expect(pdfText(await pdf.body())).toMatch(/Solde à la fin de la période\s+2 500 FCFA/);
    expect(errors).toEqual([]);
  });
});
