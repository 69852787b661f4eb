import fs from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll } from 'vitest';
import type { ChangeBus } from '../../server/events.js';
import { attachLiveHub } from '../../server/live/hub.js';
import { loadViews } from '../../server/web/views.js';
import type { TestShop } from './harness.js';
import { repoRoot } from './process.js';

export const screenshotsDir = path.join(repoRoot, 'test/e2e/screenshots');

/** The shop's app and its live hub on a real port, as a till's browser reaches them. */
export async function serveShop(t: TestShop): Promise<{ url: string; hub: ReturnType<typeof attachLiveHub> }> {
  const server: Server = t.app.listen(0, '127.0.0.1');
  await new Promise<void>((r) => server.once('listening', r));
  const hub = attachLiveHub(server, { services: t.services, views: loadViews(), bus: t.deps.bus as ChangeBus, logger: t.deps.logger, timezone: t.shop.timezone });
  afterAll(async () => {
    await hub.close();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hub };
}

/** Debian's Chromium, driven by playwright-core (a fresh profile each launch); never a downloaded browser. */
export async function launchChromium(): Promise<Browser> {
  fs.mkdirSync(screenshotsDir, { recursive: true });
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
  });
  afterAll(() => browser.close());
  return browser;
}

/** What the browser refused under the page's CSP, and any script error, as they happen: a test expects it to stay empty. */
export function watchRefusals(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused to/.test(m.text())) problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(e.message));
  return problems;
}

/**
 * Opens the sign-in page and types the PIN as a cashier would, without clicking the field first: the page's
 * autofocus must put the caret there. Chromium applies autofocus on a later frame than `load`, so on a busy
 * machine typing at once lost the PIN; waiting for the focus keeps that check and drops the race.
 */
export async function signInByKeyboard(page: Page, base: string, pin: string): Promise<void> {
  await page.goto(`${base}/connexion`);
  await page.waitForFunction(() => document.activeElement?.id === 'pin', undefined, { timeout: 10_000 });
  await page.keyboard.type(pin);
  await page.keyboard.press('Enter');
  await page.waitForURL('**/caisse');
}
