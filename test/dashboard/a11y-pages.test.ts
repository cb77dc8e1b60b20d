// The dashboard in headless Chromium for people who use a keyboard or assistive technology: the
// skip link, navigation and the drawer by keyboard only; axe (WCAG 2.1 A/AA) finds nothing on any
// page at 1280 and 390 px, no page scrolls sideways, no console error or CSP violation; each page is
// screenshotted at both widths into .tmp/dashboard-screenshots. One browser for the file. Seeded so
// Routing (a route with traffic and an explain result) and Budgets (a budget, a rate limit) show content.
// Runs on PGlite, and on Postgres when DATABASE_URL is set.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { axeViolations, type BrowserWindow, ensureDashboardBuilt, launchBrowser, screenshot, signIn, skipWithoutChromium, type TestBrowser } from './browser.js';
import { seedRoutingAndBudgets, startDashboardStack, type DashboardStack } from './dashboard-stack.js';

const PAGES = ['overview', 'providers', 'projects', 'usage', 'budgets', 'routing', 'history', 'playground'];
/** Chromium logs every 4xx fetch as a console error; the pages answer those on purpose (a 404 shell). */
const expectedNetworkNoise = /Failed to load resource: the server responded with a status of 40[14]/;

describe('dashboard accessibility in a browser', { skip: skipWithoutChromium() }, () => {
  let stack: DashboardStack;
  let browser: TestBrowser;
  let page: Page;

  before(async () => {
    ensureDashboardBuilt();
    [stack, browser] = await Promise.all([startDashboardStack(), launchBrowser()]);
    // Content for every page: a route with traffic (Routing's arms), a budget and a rate limit.
    const { apiKey } = await seedRoutingAndBudgets(stack);
    for (let index = 0; index < 3; index++) {
      await stack.client(apiKey).chat.completions.create({ model: 'ab', messages: [{ role: 'user', content: 'hi' }], user: `a11y-${index}`, max_tokens: 16 });
    }
    await stack.switchboard.service.usage?.flush();
    page = await browser.newPage(1280);
    await signIn(page, stack.origin, stack.adminToken);
  });

  after(async () => {
    await browser?.close();
    await stack?.close();
  });

  test('keyboard only: skip link, navigation links, the drawer opens with Enter, closes with Escape and gives focus back', async () => {
    // A fresh load, so focus starts at the top of the document.
    await page.goto('about:blank');
    await page.goto(`${stack.origin}/admin/#/overview`);
    await page.locator('main h1').waitFor();
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { textContent: string } | null } }).document.activeElement?.textContent), 'Skip to content');
    await page.getByRole('link', { name: 'Providers & models' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Providers & models', level: 1 }).waitFor();
    const add = page.getByRole('button', { name: 'Add provider' });
    await add.focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Add provider' });
    await dialog.waitFor();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    assert.equal(await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { textContent: string } | null } }).document.activeElement?.textContent), 'Add provider');
  });

  test('axe finds no violation on any page, at 1280 and 390 px; screenshots written; no console errors', async () => {
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: width < 600 ? 844 : 900 });
      for (const id of PAGES) {
        await page.goto(`${stack.origin}/admin/#/${id}${id === 'projects' ? '?project=dash' : ''}`);
        await page.locator('main h1').waitFor();
        await page.waitForFunction(() => !(globalThis as unknown as BrowserWindow).document.body.innerText.includes('Loading…'));
        if (id === 'routing') {
          // The explain result's table too.
          await page.getByLabel('Sticky key').fill('user-1');
          await page.getByRole('button', { name: 'Explain' }).click();
          await page.getByTestId('explain-pick').waitFor();
        }
        if (id === 'budgets') await page.locator('.chart canvas').first().waitFor();
        const violations = await axeViolations(page);
        assert.deepEqual(violations, [], `${id} at ${width} px`);
        const scrollWidth = await page.evaluate(() => (globalThis as unknown as BrowserWindow).document.documentElement.scrollWidth);
        assert.ok(scrollWidth <= width + 1, `${id} at ${width} px is ${scrollWidth} px wide`);
        await screenshot(page, `${id}-${width}`);
      }
    }
    assert.deepEqual(browser.problems.filter((problem) => !expectedNetworkNoise.test(problem)), []);
  });
});
