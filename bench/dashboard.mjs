#!/usr/bin/env node
// The dashboard's Usage view on a large ledger: `npm run bench:dashboard`
// (= node --import tsx bench/dashboard.mjs; builds the dashboard if web/ changed).
//
// Starts the stack the dashboard tests use (test/dashboard/dashboard-stack.ts: a fresh migrated
// PGlite, or Postgres with DATABASE_URL; the gateway with the admin API; the strict OpenAI mock),
// seeds DASHBOARD_BENCH_ROWS (default 100,000) ledger rows over 29 days, and prints, as medians of
// DASHBOARD_BENCH_RUNS (default 3):
//   - each admin usage endpoint's answer time (the calls test/admin/dashboard-usage.test.ts makes);
//   - the Usage page's first render in headless Chromium (/usr/bin/chromium through playwright-core):
//     the view's own work (from asking for its data to chart and table rendered, the page's
//     `switchboard:usage-*` marks) and the whole load from navigation start;
//   - a filter change (Model, then Status): asked for → rendered.
// The tests assert what keeps these fast (rollups, keyset pages, request counts, bytes); this
// reports the times. Wall time on a shared machine: compare runs taken back to back.
// Stops by itself: every wait is bounded, and the whole run gives up after DASHBOARD_BENCH_LIMIT_S
// (default 600) seconds with exit code 1.
import { fetch } from 'undici';
import { ensureDashboardBuilt, launchBrowser, signIn, skipWithoutChromium } from '../test/dashboard/browser.ts';
import { generateLedger, startDashboardStack } from '../test/dashboard/dashboard-stack.ts';
import { usageViewLoaded } from '../test/dashboard/usage-view.ts';

const ROWS = Number(process.env.DASHBOARD_BENCH_ROWS ?? 100_000);
const RUNS = Number(process.env.DASHBOARD_BENCH_RUNS ?? 3);
const LIMIT_S = Number(process.env.DASHBOARD_BENCH_LIMIT_S ?? 600);
const ENDPOINTS = [
  '/usage/series?bucket=hour',
  '/usage/series?bucket=day&tz=Europe/Paris',
  '/usage/series?bucket=day&since=30d&project=load&status=5xx',
  '/usage/series?bucket=hour&since=90d&tz=Asia/Kolkata',
  '/usage/requests?limit=200',
  '/usage/requests?project=load&limit=200',
  '/usage/requests?model=claude-sonnet-4-5&status=4xx&limit=200',
  '/usage/requests?since=7d&until=6d&limit=200',
];

const watchdog = setTimeout(() => {
  console.error(`bench:dashboard: gave up after ${LIMIT_S} s`);
  process.exit(1);
}, LIMIT_S * 1000);
watchdog.unref();

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};
const ms = (value) => `${value.toFixed(0).padStart(6)} ms`;

const skip = skipWithoutChromium();
if (skip) {
  console.error(skip);
  process.exit(1);
}
ensureDashboardBuilt();
const [stack, browser] = await Promise.all([startDashboardStack(), launchBrowser()]);
try {
  const database = stack.db.url === undefined ? 'PGlite' : 'Postgres';
  const project = await stack.admin('POST', '/projects', { name: 'load' });
  let started = performance.now();
  await generateLedger(stack.db, project.id, ROWS);
  await stack.db.exec('analyze public.ai_usage; analyze public.ai_usage_hourly');
  console.log(`${database}, ${ROWS.toLocaleString('en')} ledger rows seeded in ${((performance.now() - started) / 1000).toFixed(1)} s; medians of ${RUNS} runs`);

  console.log('\nadmin API (one call at a time, bearer token):');
  for (const path of ENDPOINTS) {
    const times = [];
    for (let run = 0; run < RUNS; run++) {
      started = performance.now();
      const response = await fetch(`${stack.origin}/admin/v1${path}`, { headers: { authorization: `Bearer ${stack.adminToken}` }, signal: AbortSignal.timeout(60_000) });
      const body = await response.text();
      times.push(performance.now() - started);
      if (response.status !== 200) throw new Error(`${path}: ${response.status} ${body.slice(0, 200)}`);
    }
    console.log(`  ${ms(median(times))}  ${path}`);
  }

  const page = await browser.newPage(1280);
  await signIn(page, stack.origin, stack.adminToken);
  const first = { view: [], load: [] };
  const filters = { model: [], status: [] };
  for (let run = 0; run < RUNS; run++) {
    // A real page load (a goto that only changes the hash would not reload): marks count from it.
    await page.goto('about:blank');
    await page.goto(`${stack.origin}/admin/#/usage?window=30d&bucket=day&tz=UTC`);
    const view = await usageViewLoaded(page);
    first.view.push(view.rendered - view.query);
    first.load.push(view.rendered);
    await page.getByLabel('Model').selectOption('claude-sonnet-4-5', { timeout: 10_000 });
    const model = await usageViewLoaded(page, 'claude-sonnet-4-5');
    filters.model.push(model.rendered - model.query);
    await page.getByLabel('Status').selectOption('5xx', { timeout: 10_000 });
    const status = await usageViewLoaded(page, '5xx');
    filters.status.push(status.rendered - status.query);
  }
  console.log('\nUsage page (30 days by day, headless Chromium):');
  console.log(`  ${ms(median(first.view))}  first render: the view's data asked for → chart and table rendered`);
  console.log(`  ${ms(median(first.load))}  first render: navigation start → rendered`);
  console.log(`  ${ms(median(filters.model))}  filter change (Model): asked for → rendered`);
  console.log(`  ${ms(median(filters.status))}  filter change (Status): asked for → rendered`);
} finally {
  await browser.close();
  await stack.close();
}
process.exit(0);
