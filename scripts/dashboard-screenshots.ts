// `npm run screenshots`: regenerates docs/images/dashboard-*.png from the real dashboard on a
// throwaway embedded database (seeded: a provider on a local mock, a project with a key, a few real
// chat calls, 20,000 generated ledger rows, one plain-SQL change for History, a 90/10 route with
// traffic for Routing, and budgets with spend and a rate limit for Budgets).
// Needs /usr/bin/chromium (Debian's `chromium` package).
import path from 'node:path';
import { ensureDashboardBuilt, launchBrowser, signIn, skipWithoutChromium } from '../test/dashboard/browser.js';
import { DASH_ENV_VAR, generateLedger, insertRouteSql, startDashboardStack } from '../test/dashboard/dashboard-stack.js';

const OUT = path.resolve(import.meta.dirname, '..', 'docs', 'images');
const SHOTS: { page: string; widths: number[] }[] = [
  { page: 'overview', widths: [1280, 390] },
  { page: 'providers', widths: [1280] },
  { page: 'projects?project=acme', widths: [1280] },
  { page: 'usage?window=30d&bucket=day', widths: [1280, 390] },
  { page: 'routing?route=chat-default', widths: [1280, 390] },
  { page: 'budgets?budget=acme-chat-default-day', widths: [1280] },
  { page: 'history', widths: [1280] },
  { page: 'playground', widths: [1280] },
];

const skip = skipWithoutChromium();
if (skip) {
  console.error(skip);
  process.exit(1);
}
ensureDashboardBuilt();
const stack = await startDashboardStack();
const browser = await launchBrowser();
try {
  await stack.admin('POST', '/providers', {
    name: 'local-openai', provider_class: 'OpenAIProvider', api_base_url: stack.upstreamBaseUrl, required_env_vars: [DASH_ENV_VAR],
  });
  await stack.admin('POST', '/models', {
    name: 'house-gpt', provider: 'local-openai', model_id: 'gpt-4o-mini', pricing: { input_per_mtok: 0.15, output_per_mtok: 0.6 },
  });
  const project = await stack.admin<{ id: string }>('POST', '/projects', { name: 'acme' });
  const key = await stack.admin<{ key: string }>('POST', '/api-keys', { project: 'acme', name: 'backend' });
  for (let index = 0; index < 3; index++) {
    await stack.client(key.key).chat.completions.create({ model: 'house-gpt', messages: [{ role: 'user', content: `hello ${index}` }] });
  }
  await generateLedger(stack.db, project.id, 20_000);
  // Routing: an experiment on house-gpt, and traffic through it. Budgets: a budget on the route
  // for a fixed day that began two hours ago (so it runs out), a monthly one and a rate limit.
  await stack.admin('POST', '/models', {
    name: 'house-gpt-large', provider: 'local-openai', model_id: 'gpt-4o', pricing: { input_per_mtok: 2.5, output_per_mtok: 10 },
  });
  await insertRouteSql(stack.db, 'chat-default', [['house-gpt', 90, 0, 'control'], ['house-gpt-large', 10, 0, 'candidate']]);
  const now = Date.now();
  await stack.admin('PUT', '/budgets/acme-chat-default-day', {
    project: 'acme', model_name: 'chat-default', limit_usd: 0.002, period: 'fixed', starts_at: new Date(now - 2 * 3_600_000).toISOString(),
    ends_at: new Date(now + 22 * 3_600_000).toISOString(), soft_threshold: 0.8,
  });
  await stack.admin('PUT', '/budgets/acme-month', { project: 'acme', limit_usd: 250, period: 'month' });
  await stack.admin('PUT', '/rate-limits/acme-rpm', { project: 'acme', requests_per_minute: 600, tokens_per_minute: 200_000 });
  await stack.switchboard.reload();
  for (let index = 0; index < 40; index++) {
    await stack.client(key.key).chat.completions.create({ model: 'chat-default', messages: [{ role: 'user', content: `hi ${index}` }], user: `user-${index}`, max_tokens: 16 });
  }
  await stack.switchboard.service.usage?.flush();
  await new Promise((resolve) => setTimeout(resolve, 1500));
  await stack.db.query(`update public.ai_models set max_tokens = 8192 where name = 'house-gpt'`);

  const page = await browser.newPage(1280);
  await signIn(page, stack.origin, stack.adminToken);
  for (const shot of SHOTS) {
    for (const width of shot.widths) {
      await page.setViewportSize({ width, height: width < 600 ? 844 : 860 });
      await page.goto(`${stack.origin}/admin/#/${shot.page}`);
      await page.locator('main h1').waitFor();
      await page.waitForFunction(() => !(globalThis as unknown as { document: { body: { innerText: string } } }).document.body.innerText.includes('Loading…'));
      if (shot.page.startsWith('routing')) {
        await page.getByLabel('Sticky key').fill('user-42');
        await page.getByRole('button', { name: 'Explain' }).click();
        await page.getByTestId('explain-pick').waitFor();
      }
      await page.waitForTimeout(400);
      const name = shot.page.replace(/\?.*/, '');
      const file = path.join(OUT, `dashboard-${name}${width < 600 ? '-mobile' : ''}.png`);
      await page.screenshot({ path: file });
      console.log(`wrote ${path.relative(process.cwd(), file)}`);
    }
  }
} finally {
  await browser.close();
  await stack.close();
}
