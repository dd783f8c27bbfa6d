// A person's whole journey in Debian's Chromium on a phone-sized screen: sign up, set the
// home location with the region picker, find the nearest hospitals, book dose 1, see it under
// "My vaccinations", log out and in again, and cancel it.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, hydrated, phone, useBrowser } from '../browser.mjs';

const PASSWORD = 'a long enough passphrase';
const browser = useBrowser();

describe('a person booking a vaccination', () => {
  test('signs up, sets a home region, books dose 1, logs out and in, and cancels it', async () => {
    const context = await phone(browser());
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (error) => errors.push(error.message));
    const email = `e2e-${Date.now()}@example.org`;

    // Sign up: the account is created and the person is sent on to the profile.
    await page.goto(`${BASE}/signup`);
    await hydrated(page);
    await page.fill('#email', email);
    await page.fill('#password', PASSWORD);
    await page.click('button:has-text("Create account")');
    await page.waitForURL(`${BASE}/account`);
    await page.waitForSelector('#full_name');

    // A wrong field keeps what was typed and says what is wrong next to it.
    await page.fill('#full_name', 'Ada Lovelace');
    await page.fill('#birth_date', '2999-01-01');
    await page.click('button:has-text("Save profile")');
    await page.waitForSelector('#birth_date-error');
    assert.match(await page.locator('#birth_date-error').textContent(), /future/);
    assert.equal(await page.inputValue('#full_name'), 'Ada Lovelace');

    // The home location from the region picker: France.
    await page.fill('#birth_date', '1985-12-10');
    await page.check('input[name="location_method"][value="region"]');
    await page.waitForSelector('#region-country option[value="france"]', { state: 'attached' });
    await page.selectOption('#region-country', 'france');
    await page.click('button:has-text("Save profile")');
    await page.waitForSelector('.form-ok');
    assert.match(await page.locator('.form-ok').textContent(), /saved/);

    // The nearest hospitals to home, nearest first, with a way to book.
    await page.goto(`${BASE}/hospitals?home=1`);
    await hydrated(page);
    const book = page.locator('a:has-text("Book here")').first();
    await book.waitFor({ timeout: 30_000 });
    const distances = await page.locator('[data-distance-km]').evaluateAll((nodes) =>
      nodes.map((n) => Number(n.getAttribute('data-distance-km'))),
    );
    assert.ok(distances.length > 0, 'hospitals are listed');
    assert.deepEqual(distances, [...distances].sort((a, b) => a - b), 'nearest first');
    assert.ok(await page.locator('svg.hospital-map').count(), 'a map is drawn');
    await book.click();

    // Book dose 1 on the first free day.
    await page.waitForURL(/\/vaccinations\?hospital=\d+/);
    await hydrated(page);
    await page.waitForSelector('#day option', { state: 'attached' });
    const day = await page.locator('#day option').first().getAttribute('value');
    await page.selectOption('#day', day);
    await page.click('button:has-text("Book")');
    await page.waitForSelector('.form-ok');
    const confirmation = await page.locator('.form-ok').textContent();
    const reference = confirmation.match(/VX-[0-9A-Z]{4}-[0-9A-Z]{4}/)?.[0];
    assert.ok(reference, confirmation);
    await page.waitForSelector(`table.bookings code:has-text("${reference}")`);

    // Log out, log in again: the booking is still there.
    await page.click('button:has-text("Log out")');
    await page.waitForURL(`${BASE}/login`);
    await hydrated(page);
    await page.fill('#email', email);
    await page.fill('#password', PASSWORD);
    await page.click('form button:has-text("Log in")');
    await page.waitForURL(`${BASE}/my`);
    await page.goto(`${BASE}/vaccinations`);
    await hydrated(page);
    const row = page.locator('table.bookings tr', { hasText: reference });
    assert.match(await row.textContent(), /Booked/);
    assert.match(await row.textContent(), new RegExp(day));

    // Cancel it.
    await row.locator('button:has-text("Cancel dose 1")').click();
    await page.waitForFunction(
      (ref) => [...document.querySelectorAll('table.bookings tr')].some((tr) => tr.textContent.includes(ref) && tr.textContent.includes('Cancelled')),
      reference,
    );

    assert.deepEqual(errors, []);
    await context.close();
  });
});
