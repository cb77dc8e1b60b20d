// The live feed when the admin token changes on the server (a restart with a new
// SWITCHBOARD_ADMIN_TOKEN): the feed's reconnect gets 401, and the page goes back to the sign-in
// form, as every other admin call does, instead of showing "Connecting…" forever.
// Runs on PGlite, and on Postgres when DATABASE_URL is set.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { loadConfig, type Config } from '../../src/config.js';
import { createGateway, type Gateway } from '../../src/server/app.js';
import { adminServiceFor } from '../../src/service/admin/admin-for-switchboard.js';
import { ensureDashboardBuilt, launchBrowser, signIn, skipWithoutChromium, type TestBrowser } from './browser.js';
import { DASH_ENV_VAR, startDashboardStack, type DashboardStack } from './dashboard-stack.js';

describe('dashboard live feed after the admin token changed', { skip: skipWithoutChromium() }, () => {
  let stack: DashboardStack;
  let browser: TestBrowser;
  let restarted: Gateway | undefined;

  before(async () => {
    ensureDashboardBuilt();
    [stack, browser] = await Promise.all([startDashboardStack(), launchBrowser()]);
  });

  after(async () => {
    await browser?.close();
    await restarted?.close();
    await stack?.close();
  });

  test('a 401 on reconnect signs out instead of connecting forever', async () => {
    const page = await browser.newPage(1280);
    await signIn(page, stack.origin, stack.adminToken);
    const status = page.getByRole('status').filter({ hasText: /^(Live|Connecting…|Offline|No live feed)$/ });
    await status.getByText('Live', { exact: true }).waitFor({ timeout: 10_000 });

    // The same database and admin service behind a new gateway on the same port, with a new token.
    const port = Number(new URL(stack.origin).port);
    await stack.gateway.close();
    const config: Config = Object.freeze({
      ...loadConfig({}),
      env: Object.freeze({ [DASH_ENV_VAR]: 'unused' }),
      adminToken: `sba-new-${randomBytes(16).toString('hex')}`,
    });
    restarted = createGateway({ service: stack.switchboard.service, snapshot: () => stack.switchboard.watcher.snapshot, config, admin: adminServiceFor(stack.switchboard) });
    await restarted.listen(port, '127.0.0.1');

    await page.getByLabel('Admin token').waitFor({ timeout: 15_000 });
    const stored = await page.evaluate(() => (globalThis as unknown as { sessionStorage: { length: number } }).sessionStorage.length);
    assert.equal(stored, 0, 'the refused token is forgotten');
    assert.deepEqual(browser.problems.filter((problem) => !problem.includes('401')), []);
  });
});
