// The Budgets page and the History time filters in headless Chromium against the real gateway: a
// budget with spend (real calls through /v1, settled by governance) shows its spent figure and the
// run-out the pure function gives (web/src/burn-down.ts) with a burn-down chart, and whether it
// refuses unpriced models; rate limits are listed; History's since/until filters (kept in the URL)
// narrow the list.
// Runs on PGlite, and on Postgres when DATABASE_URL is set.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { budgetRunOut, describeRunOut } from '../../web/src/burn-down.js';
import { formatUsd } from '../../web/src/format.js';
import type { BudgetRow, HistoryEntry, Page as ApiPage } from '../../web/src/types.js';
import { skipWithoutChromium } from './browser.js';
import type { DashboardStack } from './dashboard-stack.js';
import { startSeededSession, type SeededSession } from './seeded-session.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('the Budgets page and History time filters in a browser', { skip: skipWithoutChromium() }, () => {
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

  /** Reads the budget until its settled spend stops moving (instances report every 250 ms). */
  async function settledBudget(name: string): Promise<BudgetRow> {
    let last = '';
    for (let attempt = 0; attempt < 40; attempt++) {
      const budget = (await stack.admin<BudgetRow[]>('GET', '/budgets')).find((row) => row.name === name);
      assert.ok(budget, name);
      if (Number(budget.spent_usd) > 0 && budget.spent_usd === last && Number(budget.reserved_usd) === 0) return budget;
      last = budget.spent_usd;
      await sleep(300);
    }
    throw new Error(`budget ${name} never settled (last spent ${last})`);
  }

  test('a budget with spend shows spent, remaining and the run-out the pure function gives, with a burn-down chart', async () => {
    // A fixed window that started 10 minutes ago: a few calls make a rate that runs out within it.
    const now = Date.now();
    // It refuses unpriced models: model-a is priced, so its calls pass and spend.
    await stack.admin('PUT', '/budgets/dash-window', {
      project: 'dash', limit_usd: 0.1, period: 'fixed', starts_at: new Date(now - 600_000).toISOString(), ends_at: new Date(now + 86_400_000).toISOString(),
      unpriced: 'refuse',
    });
    const client = stack.client(apiKey);
    for (let index = 0; index < 4; index++) {
      await client.chat.completions.create({ model: 'model-a', messages: [{ role: 'user', content: `spend ${index}` }], max_tokens: 16 });
    }
    await stack.switchboard.service.usage?.flush();
    const budget = await settledBudget('dash-window');

    await page.goto(`${stack.origin}/admin/#/budgets?budget=dash-window`);
    const row = page.locator('tr[data-budget="dash-window"]');
    await row.locator('[data-field="spent"]').filter({ hasText: formatUsd(budget.spent_usd) }).waitFor();
    // Read in one go: a live refresh re-renders the page with a newer "now".
    const shown = await page.evaluate(() => {
      const document = (globalThis as unknown as { document: { querySelector(selector: string): { innerText: string; dataset: Record<string, string | undefined> } | null } }).document;
      const row = document.querySelector('tr[data-budget="dash-window"]');
      return {
        now: row?.dataset['now'] ?? '',
        row: row?.innerText ?? '',
        runOut: document.querySelector('tr[data-budget="dash-window"] [data-field="run-out"]')?.innerText ?? '',
        summary: document.querySelector('[data-testid="burn-down-verdict"]')?.innerText ?? '',
      };
    });
    const verdict = budgetRunOut(
      {
        limitUsd: Number(budget.limit_usd), spentUsd: Number(budget.spent_usd), reservedUsd: Number(budget.reserved_usd),
        periodStart: new Date(budget.period_start as string), periodEnd: new Date(budget.period_end as string),
      },
      new Date(shown.now),
    );
    assert.equal(verdict.kind, 'runs-out', JSON.stringify({ budget, verdict }));
    assert.equal(shown.runOut, describeRunOut(verdict));
    assert.match(shown.row, /fixed/);
    assert.ok(shown.summary.includes(describeRunOut(verdict)), shown.summary);
    assert.ok(shown.summary.startsWith(`${formatUsd(budget.spent_usd)} of $0.10 spent this window`), shown.summary);
    await page.locator('.chart canvas').first().waitFor();

    // The unpriced setting of each budget.
    assert.equal(await row.locator('[data-field="unpriced"]').innerText(), 'refused');
    assert.equal(await page.locator('tr[data-budget="dash-month"] [data-field="unpriced"]').innerText(), 'allowed at $0');

    // The month budget with no spend says so; the rate limit is listed with RPM and TPM.
    assert.match(await page.locator('tr[data-budget="dash-month"] [data-field="run-out"]').innerText(), /no spend yet this period|will not run out/);
    const limits = await page.getByRole('region', { name: 'Rate limits table' }).innerText();
    assert.match(limits, /dash-rpm/);
    assert.match(limits, /RPM \(requests\)\s+600/);
    assert.match(limits, /TPM \(tokens\)\s+200,000/);
  });

  /** Waits until History lists `count` entries; on timeout says what the page showed instead. */
  async function historyShows(count: number): Promise<void> {
    const seen = async () => page.evaluate(() => {
      const document = (globalThis as unknown as { document: { querySelectorAll(selector: string): { length: number }; querySelector(selector: string): { innerText: string } | null } }).document;
      return {
        count: document.querySelectorAll('ol.history > li').length,
        hash: (globalThis as unknown as { location: { hash: string } }).location.hash,
        alert: document.querySelector('[role="alert"]')?.innerText ?? '',
        first: document.querySelector('ol.history > li h2')?.innerText ?? '',
      };
    });
    const deadline = Date.now() + 30_000;
    let last = await seen();
    while (last.count !== count && Date.now() < deadline) {
      await sleep(100);
      last = await seen();
    }
    assert.equal(last.count, count, `History never listed ${String(count)} entries: ${JSON.stringify(last)}`);
  }

  test('History since/until filters narrow the list and stay in the URL', async () => {
    await sleep(50);
    const boundary = new Date().toISOString();
    await sleep(50);
    await stack.db.query(`update public.ai_models set max_tokens = 1024 where name = 'model-b'`);
    const all = await stack.admin<ApiPage<HistoryEntry>>('GET', '/history?limit=200');
    const newer = all.data.filter((entry) => entry.changed_at >= boundary);
    assert.equal(newer.length, 1, JSON.stringify(newer));
    assert.ok(all.data.length > 3);

    await page.goto(`${stack.origin}/admin/#/history`);
    const items = page.locator('ol.history > li');
    await items.nth(3).waitFor();
    await page.getByLabel('Since').fill(boundary);
    await page.getByLabel('Since').press('Enter');
    await page.waitForFunction((expected) => (globalThis as unknown as { location: { hash: string } }).location.hash.includes(`since=${encodeURIComponent(expected)}`), boundary);
    await historyShows(1);
    assert.match(await items.first().innerText(), /update ai_models model-b/);

    // until: the same boundary from the other side, from a bookmarked URL.
    await page.goto(`${stack.origin}/admin/#/history?until=${encodeURIComponent(boundary)}`);
    // A new hash on the same page: the list from before is still there while the route re-renders,
    // so wait for the field to take the bound (reading it at once raced the render).
    const until = page.getByLabel('Until');
    const filled = Date.now() + 10_000;
    while ((await until.inputValue()) !== boundary && Date.now() < filled) await sleep(50);
    assert.equal(await until.inputValue(), boundary);
    await historyShows(Math.min(50, all.data.length - 1));
    assert.doesNotMatch(await page.locator('ol.history').innerText(), /max_tokens[\s\S]*1024/);

    // A bad bound gets the API's clear message naming the field.
    await page.goto(`${stack.origin}/admin/#/history?since=yesterday`);
    assert.match(await page.getByRole('alert').innerText(), /field: since/);
    // The failed load for the new filters leaves no rows of the previous view on show.
    await historyShows(0);
  });
  test('a live reload while a filter is being typed keeps what was typed', async () => {
    await page.goto(`${stack.origin}/admin/#/history`);
    const items = page.locator('ol.history > li');
    await items.nth(3).waitFor();
    const shown = await items.count();
    const boundary = new Date().toISOString();
    await page.getByLabel('Since').fill(boundary);
    // A configuration change: the page hears the event and reloads History under the typing.
    await stack.db.query(`update public.ai_models set max_tokens = 2048 where name = 'model-b'`);
    await historyShows(Math.min(50, shown + 1));
    assert.equal(await page.getByLabel('Since').inputValue(), boundary, 'the typed bound survived the reload');
    await page.getByLabel('Since').press('Enter');
    await page.waitForFunction((expected) => (globalThis as unknown as { location: { hash: string } }).location.hash.includes(`since=${encodeURIComponent(expected)}`), boundary);
    await historyShows(1);
  });
});
