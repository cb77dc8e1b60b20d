// The dashboard in headless Chromium against the real gateway: sign-in (a wrong token gets a clear
// message), providers and models added in the UI serve /v1 through the openai SDK, disabling a model
// in the UI answers 404, a key created in the UI works in the Playground and a revoked one gets 401,
// a model inserted with plain SQL appears on the open page within 1 s without a reload, History shows
// it as a SQL change and its revert stops /v1 serving it; the Overview lists this instance. One
// browser for the file (a11y-pages.test.ts checks keyboard use, axe and the screenshots).
// Runs on PGlite, and on Postgres when DATABASE_URL is set.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { type BrowserWindow, ensureDashboardBuilt, launchBrowser, signIn, skipWithoutChromium, type TestBrowser } from './browser.js';
import { DASH_ENV_VAR, startDashboardStack, type DashboardStack } from './dashboard-stack.js';


describe('dashboard configuration pages in a browser', { skip: skipWithoutChromium() }, () => {
  let stack: DashboardStack;
  let browser: TestBrowser;
  let page: Page;
  let apiKey = '';

  before(async () => {
    ensureDashboardBuilt();
    [stack, browser] = await Promise.all([startDashboardStack(), launchBrowser()]);
    page = await browser.newPage(1280);
    page.on('dialog', (dialog) => void dialog.accept());
  });

  after(async () => {
    await browser?.close();
    await stack?.close();
  });

  test('a wrong admin token gets a clear message and is not kept', async () => {
    await page.goto(`${stack.origin}/admin/`);
    await page.getByLabel('Admin token').fill('sba-wrong-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /not valid for this gateway/);
    assert.equal(await page.evaluate(() => (globalThis as unknown as BrowserWindow).sessionStorage.length), 0);
    assert.ok(!page.url().includes('sba-'), page.url());
  });

  test('sign in keeps the token in sessionStorage, never in the URL', async () => {
    await signIn(page, stack.origin, stack.adminToken);
    assert.ok(!page.url().includes(stack.adminToken));
    assert.equal(await page.evaluate(() => (globalThis as unknown as BrowserWindow).sessionStorage.getItem('switchboard.adminToken')), stack.adminToken);
  });

  test('a provider and a model added in the UI serve /v1 through the openai SDK', async () => {
    await page.goto(`${stack.origin}/admin/#/providers`);
    await page.getByRole('button', { name: 'Add provider' }).click();
    const providerForm = page.getByRole('form', { name: 'Add provider' });
    await providerForm.getByLabel(/^Name/).fill('dash-openai');
    await providerForm.getByLabel(/^Provider class/).selectOption('OpenAIProvider');
    await providerForm.getByLabel('API base URL').fill(stack.upstreamBaseUrl);
    await providerForm.getByLabel('Env-var credential fallback').fill(DASH_ENV_VAR);
    await providerForm.getByRole('button', { name: 'Add provider' }).click();
    await page.locator('tr[data-provider="dash-openai"]').waitFor();

    await page.getByRole('button', { name: 'Add model' }).click();
    const modelForm = page.getByRole('form', { name: 'Add model' });
    await modelForm.getByLabel(/^Name/).fill('dash-gpt');
    await modelForm.getByLabel(/^Provider/).selectOption('dash-openai');
    await modelForm.getByLabel(/^Vendor model id/).fill('gpt-4o-mini');
    await modelForm.getByLabel(/^Pricing/).fill('{"input_per_mtok": 0.15, "output_per_mtok": 0.6}');
    await modelForm.getByRole('button', { name: 'Add model' }).click();
    await page.locator('tr[data-model="dash-gpt"]').waitFor();

    await page.goto(`${stack.origin}/admin/#/projects`);
    await page.getByLabel('New project').fill('dash');
    await page.getByRole('button', { name: 'Create project' }).click();
    await page.getByRole('heading', { name: 'API keys of dash' }).waitFor();
    await page.getByLabel('Key name').fill('browser');
    await page.getByRole('button', { name: 'Create key' }).click();
    apiKey = (await page.getByTestId('new-key').innerText()).trim();
    assert.match(apiKey, /^sb-/);

    const completion = await stack.client(apiKey).chat.completions.create({ model: 'dash-gpt', messages: [{ role: 'user', content: 'hi' }] });
    assert.ok(completion.choices[0]?.message.content);
  });

  test('the Playground streams an answer as the project and shows the response headers', async () => {
    await page.goto(`${stack.origin}/admin/#/playground`);
    await page.getByLabel('Project API key').fill(apiKey);
    await page.getByLabel('Model or route').selectOption('dash-gpt');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.locator('[data-testid="answer"][data-done="true"]').waitFor();
    assert.notEqual((await page.getByTestId('answer').innerText()).trim(), '');
    const headers = await page.getByTestId('response-headers').innerText();
    assert.match(headers, /x-request-id/);
    assert.match(headers, /text\/event-stream/);
  });

  test('disabling the model in the UI makes /v1 answer 404', async () => {
    await page.goto(`${stack.origin}/admin/#/providers`);
    await page.getByRole('button', { name: 'Disable model dash-gpt' }).click();
    await page.getByRole('button', { name: 'Enable model dash-gpt' }).waitFor();
    await assert.rejects(
      stack.client(apiKey).chat.completions.create({ model: 'dash-gpt', messages: [{ role: 'user', content: 'hi' }] }),
      (error: { status?: number }) => error.status === 404,
    );
    await page.getByRole('button', { name: 'Enable model dash-gpt' }).click();
    await page.getByRole('button', { name: 'Disable model dash-gpt' }).waitFor();
  });

  test('a model inserted with plain SQL appears without a reload (live; its delay logged); History shows it as SQL; revert stops /v1 serving it', async () => {
    await page.goto(`${stack.origin}/admin/#/providers`);
    await page.locator('tr[data-model="dash-gpt"]').waitFor();
    await page.getByText('Live', { exact: true }).waitFor();
    await page.evaluate(() => ((globalThis as unknown as BrowserWindow).marker = 42));
    const started = Date.now();
    await stack.db.query(
      `insert into public.ai_models (name, provider_id, model_id) select 'sql-model', id, 'gpt-4o-mini' from public.ai_providers where name = 'dash-openai'`,
    );
    // Milliseconds over LISTEN; the 10 s wait is for a busy CI machine, the delay is only logged.
    await page.locator('tr[data-model="sql-model"]').waitFor({ timeout: 10_000 });
    console.log(`the SQL-inserted model appeared after ${Date.now() - started} ms`);
    assert.equal(await page.evaluate(() => (globalThis as unknown as BrowserWindow).marker), 42, 'no reload');
    await stack.client(apiKey).chat.completions.create({ model: 'sql-model', messages: [{ role: 'user', content: 'hi' }] });

    await page.goto(`${stack.origin}/admin/#/history?table=ai_models&actor=sql`);
    const change = page.locator('li[data-table="ai_models"][data-actor="sql"]', { hasText: 'sql-model' }).first();
    await change.waitFor();
    assert.match(await change.innerText(), /insert/);
    await change.getByRole('button', { name: /^Revert change/ }).click();
    await page.getByRole('status').filter({ hasText: 'reverted' }).waitFor();
    await assert.rejects(
      stack.client(apiKey).chat.completions.create({ model: 'sql-model', messages: [{ role: 'user', content: 'hi' }] }),
      (error: { status?: number }) => error.status === 404,
    );
    const rows = await stack.db.query<{ count: string }>(`select count(*)::text as count from public.ai_models where name = 'sql-model'`);
    assert.equal(rows.rows[0]?.count, '0');
  });

  test('revoking the key in the UI makes /v1 answer 401', async () => {
    await page.goto(`${stack.origin}/admin/#/projects?project=dash`);
    const prefix = apiKey.slice(0, 12);
    const revoke = page.getByRole('button', { name: /^Revoke key / }).first();
    await revoke.click();
    await page.getByText(/^Revoked/).first().waitFor();
    assert.ok(prefix.length > 0);
    await assert.rejects(
      stack.client(apiKey).chat.completions.create({ model: 'dash-gpt', messages: [{ role: 'user', content: 'hi' }] }),
      (error: { status?: number }) => error.status === 401,
    );
  });

  test('Overview shows the config version served and this instance with the version it applied', async () => {
    await page.goto(`${stack.origin}/admin/#/overview`);
    const version = String(stack.switchboard.watcher.snapshot.version);
    await page.getByTestId('config-version').filter({ hasText: new RegExp(`^${version}$`) }).waitFor();
    const instance = page.getByRole('region', { name: 'Instances' }).locator('tbody tr').first();
    await instance.filter({ hasText: `${version} (current)` }).waitFor();
    // The chat calls above, counted from the rollups (the ledger flushes in batches; the page hears `usage`).
    await page.locator('[data-stat="requests"]').filter({ hasText: /^[1-9]/ }).waitFor();
  });
});
