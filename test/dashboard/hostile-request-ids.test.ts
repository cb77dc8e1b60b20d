// A key holder names its requests (`x-request-id`), and the Usage page opens a request's detail at
// `v1/usage/requests/<id>`. An id of `.` or `..` is a dot segment there: the browser resolves
// `usage/requests/..` to `usage/`, so the drawer asked another route (the usage report, the request
// list) and the page threw on its answer (`attempts` undefined): the operator's click on a tenant's
// row broke the page. Now the gateway does not take `.` or `..` as a request id (it names the request
// itself, as for any id it does not take), and a row recorded under such an id before (or by a
// library caller) gets a message in the drawer, not another route's answer. Headless Chromium,
// PGlite, and Postgres with DATABASE_URL.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { ensureDashboardBuilt, launchBrowser, signIn, skipWithoutChromium, type TestBrowser } from './browser.js';
import { DASH_ENV_VAR, startDashboardStack, type DashboardStack } from './dashboard-stack.js';

describe('Usage page: request ids that are URL dot segments', { skip: skipWithoutChromium() }, () => {
  let stack: DashboardStack;
  let browser: TestBrowser;
  let page: Page;
  let apiKey = '';
  let projectId = '';

  before(async () => {
    ensureDashboardBuilt();
    [stack, browser] = await Promise.all([startDashboardStack(), launchBrowser()]);
    await stack.admin('POST', '/providers', { name: 'dots-openai', provider_class: 'OpenAIProvider', api_base_url: stack.upstreamBaseUrl, required_env_vars: [DASH_ENV_VAR] });
    await stack.admin('POST', '/models', { name: 'dots-model', provider: 'dots-openai', model_id: 'gpt-4o-mini' });
    projectId = (await stack.admin<{ id: string }>('POST', '/projects', { name: 'dots' })).id;
    apiKey = (await stack.admin<{ key: string }>('POST', '/api-keys', { project: 'dots' })).key;
    page = await browser.newPage(1280);
    await signIn(page, stack.origin, stack.adminToken);
  });

  after(async () => {
    await browser?.close();
    await stack?.close();
  });

  const chat = async (requestId: string): Promise<string> => {
    const response = await fetch(`${stack.origin}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', 'x-request-id': requestId },
      body: JSON.stringify({ model: 'dots-model', messages: [{ role: 'user', content: 'hi' }] }),
    });
    assert.equal(response.status, 200, await response.clone().text());
    await response.arrayBuffer();
    return response.headers.get('x-request-id') ?? '';
  };

  /** Opens the Usage page, waits for the request `id` in the list and opens its detail. */
  const openDetail = async (id: string): Promise<string> => {
    await page.goto('about:blank');
    await page.goto(`${stack.origin}/admin/#/usage?window=24h&tz=UTC`);
    const button = page.getByRole('button', { name: new RegExp(`details of request ${id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) });
    await button.waitFor({ timeout: 15_000 });
    await button.click();
    const drawer = page.getByRole('dialog', { name: 'Request detail' });
    await drawer.locator('section.attempt, .notice').first().waitFor();
    const text = await drawer.innerText();
    await page.keyboard.press('Escape');
    await drawer.waitFor({ state: 'hidden' });
    return text;
  };

  for (const sent of ['..', '.']) {
    test(`a key holder's x-request-id '${sent}' names no request: the gateway's own id does, and its detail opens`, async () => {
      browser.problems.length = 0;
      const id = await chat(sent);
      assert.notEqual(id, sent, 'the gateway answered under the dot-segment id');
      assert.match(id, /^[0-9a-f-]{36}$/);
      const text = await openDetail(id);
      assert.match(text, /Attempt 1/);
      assert.match(text, /dots-model/);
      assert.deepEqual(browser.problems, []);
    });
  }

  test('a row recorded under such an id gets a message in the drawer, and the page keeps working', async () => {
    for (const id of ['..', '.']) {
      await stack.db.query(
        `insert into public.ai_usage (request_id, attempt, started_at, ended_at, project_id, requested_model, model_name, provider_name,
           endpoint, streamed, status, input_tokens, output_tokens, usage_source, overhead_ms, upstream_ms, cost_usd)
         values ($1, 1, now(), now() + interval '5 milliseconds', $2::uuid, 'dots-model', 'dots-model', 'dots-openai',
                 '/v1/chat/completions', false, 200, 10, 2, 'provider', 1, 4, 0.000001)`,
        [id, projectId],
      );
      browser.problems.length = 0;
      const text = await openDetail(id);
      assert.match(text, /cannot be looked up/);
      assert.doesNotMatch(text, /Attempt/);
      assert.deepEqual(browser.problems, []);
      // The page still answers: the list is there and another request's detail opens.
      const other = await chat(`dots-after-${id.length}`);
      assert.match(await openDetail(other), /Attempt 1/);
    }
  });
});
