// The public dashboard in Debian's Chromium: a reader opens the world, sorts and filters the
// countries, walks down to a province and a US county, and switches a chart to log scale.
// Every figure checked on a page is compared with what the JSON API says.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, hydrated, phone, useBrowser } from '../browser.mjs';

const browser = useBrowser();

/** Opens a page on a phone-sized screen and waits until the app has hydrated. */
async function open(path) {
  const context = await phone(browser());
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(BASE + path);
  await hydrated(page);
  return { page, errors, close: () => context.close() };
}

async function api(path) {
  const response = await fetch(BASE + path);
  assert.equal(response.status, 200, `${path} answered ${response.status}`);
  return response.json();
}

const grouped = (n) => n.toLocaleString('en-US');

/** The names in the first column of the sub-region table, in order. */
async function tableNames(page) {
  return page.locator('table.regions tbody th a').allTextContents();
}

describe('the world page', () => {
  test('shows the world totals the API reports', async () => {
    const summary = await api('/api/v1/summary');
    const { page, errors, close } = await open('/');
    assert.equal(await page.locator('#total-confirmed').textContent(), grouped(summary.confirmed));
    assert.equal(await page.locator('#total-deaths').textContent(), grouped(summary.deaths));
    assert.equal(await page.locator('.data-date').textContent(), summary.date);
    assert.match(await page.locator('footer').textContent(), /Johns Hopkins University/);
    assert.deepEqual(errors, []);
    await close();
  });

  test('sorts the countries by a column and back', async () => {
    const { page, close } = await open('/');
    const header = page.locator('th:has(a[data-sort="name"])');

    await page.click('a[data-sort="name"]');
    await page.waitForFunction(() => document.querySelector('th:has(a[data-sort="name"])')?.getAttribute('aria-sort') === 'ascending');
    const ascending = await tableNames(page);
    assert.deepEqual(ascending, [...ascending].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase())));

    await page.click('a[data-sort="name"]');
    await page.waitForFunction(() => document.querySelector('th:has(a[data-sort="name"])')?.getAttribute('aria-sort') === 'descending');
    const descending = await tableNames(page);
    assert.equal(descending[0], ascending[ascending.length - 1]);
    assert.equal(await header.getAttribute('aria-sort'), 'descending');
    assert.match(page.url(), /sort=name&dir=desc/);

    await page.click('a[data-sort="deaths"]');
    await page.waitForFunction(() => document.querySelector('th:has(a[data-sort="deaths"])')?.getAttribute('aria-sort') === 'descending');
    const world = await api('/api/v1/regions/world');
    const mostDeaths = [...world.children].sort((a, b) => (b.deaths ?? -1) - (a.deaths ?? -1))[0];
    assert.equal((await tableNames(page))[0], mostDeaths.name);
    await close();
  });

  test('filters the countries by name as the reader types', async () => {
    const { page, close } = await open('/');
    await page.fill('#region-filter', 'fran');
    await page.waitForFunction(() => document.querySelectorAll('table.regions tbody tr').length === 1);
    assert.deepEqual(await tableNames(page), ['France']);
    await close();
  });
});

describe('a country and its regions', () => {
  test('opens France from the table, then Reunion below it', async () => {
    const { page, errors, close } = await open('/');
    await page.fill('#region-filter', 'France');
    await page.click('table.regions tbody th a:text-is("France")');
    await page.waitForURL(/\/region\/france$/);
    await page.waitForSelector('h1:text-is("France")');
    const france = await api('/api/v1/regions/france');
    assert.equal(await page.locator('#total-confirmed').textContent(), grouped(france.region.confirmed));

    await page.click('table.regions tbody th a:text-is("Reunion")');
    await page.waitForURL(/\/region\/france\/reunion$/);
    await page.waitForSelector('h1:text-is("Reunion")');
    const reunion = await api('/api/v1/regions/france/reunion');
    assert.equal(await page.locator('#total-deaths').textContent(), grouped(reunion.region.deaths));
    assert.equal(await page.locator('.breadcrumbs a:text-is("France")').count(), 1);
    assert.deepEqual(errors, []);
    await close();
  });

  test('switches a chart to a log scale and a shorter range in the browser', async () => {
    const { page, close } = await open('/region/france');
    const chart = page.locator('#chart-cases');
    const linear = await chart.locator('.chart-svg').innerHTML();
    assert.equal(await chart.getAttribute('data-scale'), 'linear');

    await page.click('button:text-is("Log")');
    await page.waitForFunction(() => document.querySelector('#chart-cases')?.getAttribute('data-scale') === 'log');
    const log = await chart.locator('.chart-svg').innerHTML();
    assert.notEqual(log, linear, 'the chart is redrawn');
    assert.equal(await page.locator('button:text-is("Log")').getAttribute('aria-pressed'), 'true');

    await page.click('button:text-is("90 days")');
    await page.waitForFunction(() => /from \d{4}-\d{2}-\d{2}/.test(document.querySelector('#chart-cases figcaption')?.textContent ?? ''));
    const caption = await chart.locator('figcaption').textContent();
    const series = await api('/api/v1/regions/france/series');
    const start = series[Math.max(0, series.length - 90)].date;
    assert.ok(caption.includes(`from ${start} to ${series[series.length - 1].date}`), caption);
    await close();
  });

  test('walks down to a US county and says how far county data runs', async () => {
    const { page, close } = await open('/region/united-states');
    const us = await api('/api/v1/regions/united-states');
    assert.ok(us.children_until, 'the states end before the national series');
    assert.match(await page.locator('.note').textContent(), new RegExp(`until ${us.children_until}`));

    await page.fill('#region-filter', 'New York');
    await page.click('table.regions tbody th a:text-is("New York")');
    await page.waitForSelector('h1:text-is("New York")');
    await page.fill('#region-filter', 'Kings');
    await page.click('table.regions tbody th a:text-is("Kings")');
    await page.waitForSelector('h1:text-is("Kings")');
    const kings = await api('/api/v1/regions/united-states/new-york/kings');
    assert.equal(await page.locator('#total-confirmed').textContent(), grouped(kings.region.confirmed));
    assert.equal(await page.locator('#chart-deaths svg').count(), 1);
    await close();
  });

  test('answers an unknown region with a helpful page and a 404', async () => {
    const response = await fetch(BASE + '/region/atlantis');
    assert.equal(response.status, 404);
    const { page, close } = await open('/region/atlantis');
    assert.match(await page.locator('h1').textContent(), /no region at this address/);
    await close();
  });
});
