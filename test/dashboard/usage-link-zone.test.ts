// The Usage page's filters live in the URL, and a URL is anyone's link (a page the operator visits
// can open one). A `tz` the browser does not know made every date format throw: the page went
// blank, and stayed blank on every reload until the link was edited by hand. Now the page says
// the zone is unknown and shows the times in the browser's zone. Headless Chromium, PGlite, and
// Postgres with DATABASE_URL.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { ensureDashboardBuilt, launchBrowser, signIn, skipWithoutChromium, type TestBrowser } from './browser.js';
import { generateLedger, startDashboardStack, type DashboardStack } from './dashboard-stack.js';
import { usageViewLoaded } from './usage-view.js';

describe('Usage page: a link with a time zone the browser does not know', { skip: skipWithoutChromium() }, () => {
  let stack: DashboardStack;
  let browser: TestBrowser;
  let page: Page;

  before(async () => {
    ensureDashboardBuilt();
    [stack, browser] = await Promise.all([startDashboardStack(), launchBrowser()]);
    const project = await stack.admin<{ id: string }>('POST', '/projects', { name: 'zones' });
    await generateLedger(stack.db, project.id, 20);
    page = await browser.newPage(1280);
    await signIn(page, stack.origin, stack.adminToken);
  });

  after(async () => {
    await browser?.close();
    await stack?.close();
  });

  for (const zone of ['Not/AZone', '<img src=x>']) {
    test(`tz=${zone}: a notice, and the page shows the usage in the browser's zone`, async () => {
      browser.problems.length = 0;
      await page.goto('about:blank');
      await page.goto(`${stack.origin}/admin/#/usage?window=30d&tz=${encodeURIComponent(zone)}`);
      const alert = page.getByRole('alert').filter({ hasText: 'Unknown time zone' });
      await alert.waitFor();
      assert.match(await alert.innerText(), new RegExp(`Unknown time zone '${zone.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}' in the link`));
      await usageViewLoaded(page);
      assert.equal(await page.locator('[data-testid="requests-table"] tbody tr').count(), 20);
      assert.deepEqual(browser.problems, []);
      // Choosing a zone writes a known one into the link, and the notice goes.
      await page.getByLabel('Time zone').selectOption('Asia/Tokyo');
      await page.waitForURL(/tz=Asia%2FTokyo/);
      await alert.waitFor({ state: 'detached' });
    });
  }
});
