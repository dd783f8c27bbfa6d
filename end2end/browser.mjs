// What every browser test shares: the address of the server under test, and Debian's Chromium
// launched once per test file with the flags that keep it from reaching any other host.
import { after, before } from 'node:test';
import { chromium } from 'playwright-core';

export const BASE = process.env.BASE_URL ?? 'http://127.0.0.1:3000';

/** Launches Chromium before the file's tests and closes it after; returns a getter. */
export function useBrowser() {
  let browser;
  before(async () => {
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });
  after(async () => {
    await browser?.close();
  });
  return () => browser;
}

/** A phone-sized browsing context. */
export function phone(browser) {
  return browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 });
}

/** Waits until the app on `page` has hydrated. */
export async function hydrated(page) {
  await page.waitForSelector('main[data-hydrated="true"]', { timeout: 30_000 });
}
