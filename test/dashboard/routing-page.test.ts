// The Routing page in headless Chromium against the real gateway: a route inserted with plain SQL
// appears within 1 s without a reload, a weight change made with SQL updates the shown share, the
// explain view picks the same target as the admin explain API, the per-arm comparison counts the
// requests sent through the route (strict OpenAI mock upstream) with the sample-ratio verdict, and
// an open breaker is shown with its end. Runs on PGlite, and on Postgres when DATABASE_URL is set.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { sampleRatioVerdict } from '../../web/src/sample-ratio.js';
import type { ArmComparison, RouteExplanation } from '../../web/src/types.js';
import { type BrowserWindow, skipWithoutChromium } from './browser.js';
import { DASH_ENV_VAR, insertRouteSql, type DashboardStack } from './dashboard-stack.js';
import { startSeededSession, type SeededSession } from './seeded-session.js';

describe('the Routing page in a browser', { skip: skipWithoutChromium() }, () => {
  let session: SeededSession;
  let stack: DashboardStack;
  let page: Page;
  let apiKey = '';

  before(async () => {
    session = await startSeededSession();
    ({ stack, page, apiKey } = session);
  });

  after(async () => {
    await session?.close();
  });

  const share = (route: string, model: string) => page.locator(`section[data-route="${route}"] tr[data-target="${model}"] td[data-share]`);

  test('a route inserted with plain SQL appears without a reload (live; its delay logged), with its tiers, weights and shares', async () => {
    await page.goto(`${stack.origin}/admin/#/routing`);
    await page.locator('section[data-route="ab"]').waitFor();
    await page.getByText('Live', { exact: true }).waitFor();
    await page.evaluate(() => ((globalThis as unknown as BrowserWindow).marker = 7));
    const started = Date.now();
    await insertRouteSql(stack.db, 'exp', [['model-a', 3, 0, 'old'], ['model-b', 1, 0, 'new']]);
    // Milliseconds over LISTEN; the 10 s wait is for a busy CI machine, the delay is only logged.
    await page.locator('section[data-route="exp"]').waitFor({ timeout: 10_000 });
    console.log(`the SQL-inserted route appeared after ${Date.now() - started} ms`);
    assert.equal(await page.evaluate(() => (globalThis as unknown as BrowserWindow).marker), 7, 'no reload');
    assert.equal(await share('exp', 'model-a').innerText(), '75%');
    assert.equal(await share('exp', 'model-b').innerText(), '25%');
    const card = await page.locator('section[data-route="exp"]').innerText();
    assert.match(card, /global/);
    assert.match(card, /active/);
    assert.match(card, /weighted, version \d+/);
    // The ab route's tier-1 fallback has its own tier: 100% of tier 1.
    assert.equal(await share('ab', 'model-c').innerText(), '100%');
    assert.equal(await share('ab', 'model-b').innerText(), '10%');
  });

  test('a weight change made with SQL updates the shown share (and the version) without a reload', async () => {
    const version = Number(await page.locator('section[data-route="exp"]').getAttribute('data-version'));
    await stack.db.query(
      `update public.ai_route_targets set weight = 1
        where route_id = (select id from public.ai_routes where name = 'exp') and model_id = (select id from public.ai_models where name = 'model-a')`,
    );
    await share('exp', 'model-a').filter({ hasText: /^50%$/ }).waitFor({ timeout: 1000 });
    assert.equal(await share('exp', 'model-b').innerText(), '50%');
    assert.equal(await page.locator('section[data-route="exp"]').getAttribute('data-version'), String(version + 1));
    assert.equal(await page.evaluate(() => (globalThis as unknown as BrowserWindow).marker), 7, 'no reload');
  });

  test('the explain view shows the same target as the admin explain API for each key', async () => {
    await page.goto(`${stack.origin}/admin/#/routing?route=ab`);
    const form = page.getByRole('form', { name: 'Explain ab' });
    const picks = new Set<string>();
    for (const key of ['user-1', 'user-2', 'user-3', 'user-4', 'user-5', 'user-6', 'user-42']) {
      const expected = await stack.admin<RouteExplanation>('POST', '/routes/ab/explain', { key });
      assert.ok(expected.pick, JSON.stringify(expected));
      await form.getByLabel('Sticky key').fill(key);
      await form.getByRole('button', { name: 'Explain' }).click();
      const pick = page.getByTestId('explain-pick');
      await pick.filter({ hasText: key }).waitFor();
      assert.equal(await pick.getAttribute('data-model'), expected.pick.model, key);
      assert.match(await pick.innerText(), new RegExp(`gets ${expected.pick.model} \\(arm ${expected.pick.arm}, tier 0\\)`));
      picks.add(expected.pick.model);
    }
    assert.ok(picks.size >= 1);
    // Without a key: weighted random, said plainly.
    await form.getByLabel('Sticky key').fill('');
    await form.getByRole('button', { name: 'Explain' }).click();
    await page.getByTestId('explain-pick').filter({ hasText: 'each request is drawn by weight' }).waitFor();
  });

  test('the per-arm comparison counts the requests sent through the route, with the sample-ratio verdict', async () => {
    await page.goto(`${stack.origin}/admin/#/routing?route=ab&window=24h`);
    await page.getByTestId('sample-ratio').waitFor();
    const client = stack.client(apiKey);
    const served = new Map<string, number>();
    for (let index = 0; index < 24; index++) {
      const { data, response } = await client.chat.completions
        .create({ model: 'ab', messages: [{ role: 'user', content: `hello ${index}` }], user: `visitor-${index}`, max_tokens: 16 })
        .withResponse();
      assert.ok(data.choices[0]?.message.content);
      const arm = response.headers.get('x-switchboard-arm') ?? '';
      served.set(arm, (served.get(arm) ?? 0) + 1);
    }
    await stack.switchboard.service.usage?.flush();
    // The page hears `usage` and refetches; the assigned counts add up to the 24 requests.
    const assigned = page.getByTestId('arms-assigned');
    await page.waitForFunction(
      () => {
        const browser = globalThis as unknown as { document: { querySelectorAll(selector: string): ArrayLike<{ dataset: Record<string, string | undefined> }> } };
        const rows = Array.from(browser.document.querySelectorAll('[data-testid="arms-assigned"] tbody tr'));
        return rows.reduce((sum, row) => sum + Number(row.dataset['requests'] ?? 0), 0) === 24;
      },
      undefined,
      { timeout: 5000 },
    );
    const comparison = await stack.admin<ArmComparison>('GET', '/routes/ab/comparison?since=24h');
    for (const arm of comparison.by_arm_assigned) {
      assert.equal(await assigned.locator(`tr[data-arm="${arm.arm}"]`).getAttribute('data-requests'), String(arm.requests), arm.arm);
      assert.equal(arm.requests, served.get(arm.arm) ?? 0, `${arm.arm}: every request was answered by its assigned arm`);
    }
    const row = await assigned.locator('tr[data-arm="control"]').innerText();
    assert.match(row, /90%/, 'expected share of control');
    assert.match(row, /100%/, 'success rate');
    const servedTable = page.getByTestId('arms-served');
    assert.equal(await servedTable.locator('tr[data-arm="control"]').getAttribute('data-requests'), String(served.get('control') ?? 0));
    const verdict = await page.getByTestId('sample-ratio').innerText();
    assert.equal(verdict, `Sample-ratio check: ${sampleRatioVerdict(comparison.sample_ratio)}`);
    assert.match(verdict, /counts match the weights \(p=|sample ratio mismatch, p=/);
  });

  test('an open breaker is shown with when it ends', async () => {
    await stack.admin('POST', '/providers', { name: 'dash-dead', provider_class: 'OpenAIProvider', api_base_url: 'http://127.0.0.1:9/v1', required_env_vars: [DASH_ENV_VAR] });
    await stack.admin('POST', '/models', { name: 'model-dead', provider: 'dash-dead', model_id: 'gpt-4o-mini' });
    await insertRouteSql(stack.db, 'guarded', [['model-dead', 1, 0, 'primary'], ['model-a', 1, 1, 'backup']], { breaker_failures: 1 });
    await stack.switchboard.reload();
    await page.goto(`${stack.origin}/admin/#/routing?route=guarded`);
    const breaker = page.locator('section[data-route="guarded"] tr[data-target="model-dead"]');
    await breaker.filter({ hasText: 'closed' }).waitFor();
    const { response } = await stack.client(apiKey).chat.completions.create({ model: 'guarded', messages: [{ role: 'user', content: 'hi' }], max_tokens: 16 }).withResponse();
    assert.equal(response.headers.get('x-switchboard-target'), 'model-a', 'the dead target failed over');
    await breaker.filter({ hasText: /open until/ }).waitFor({ timeout: 2000 });
    assert.match(await page.locator('section[data-route="guarded"] tr[data-target="model-a"]').innerText(), /closed/);
  });
});
