/**
 * Reading the Usage view's state from the page, for its test and bench/dashboard.mjs: when a view
 * is loaded (its own performance marks) and how many bytes of admin API answers the page received.
 *
 * @module
 */
import type { Page } from 'playwright-core';
import type { BrowserWindow } from './browser.js';

interface Entry {
  name: string;
  startTime: number;
  detail: unknown;
  decodedBodySize: number;
}
type PagePerformance = { performance: { getEntriesByType(type: string): Entry[] } };

/**
 * Waits until the chart data and the requests table both show the view with `filter`, then reads
 * the page's own performance marks: when that view was asked for (`switchboard:usage-query`, the
 * first render of the new view) and when both were rendered (`switchboard:usage-rendered`), in ms
 * since the page's navigation start.
 */
export async function usageViewLoaded(page: Page, filter = ''): Promise<{ query: number; rendered: number }> {
  // No named inner function: tsx would wrap it in a `__name` helper the page does not have.
  const handle = await page.waitForFunction(
    (text) => {
      const { document } = globalThis as unknown as BrowserWindow;
      const chart = document.querySelector('.chart-grid')?.dataset;
      const table = document.querySelector('[data-testid="requests-table"]')?.dataset;
      if (!(chart?.['loaded'] === 'true' && table?.['loaded'] === 'true' && (chart['filters'] ?? '').includes(text) && (table['filters'] ?? '').includes(text))) return false;
      // …and the view's marks are there: a rendered mark after the last query mark for this view.
      const marks = (globalThis as unknown as PagePerformance).performance.getEntriesByType('mark').filter((mark) => String(mark.detail).includes(text));
      const query = marks.filter((mark) => mark.name === 'switchboard:usage-query').pop();
      const rendered = marks.filter((mark) => mark.name === 'switchboard:usage-rendered' && mark.startTime >= (query?.startTime ?? Infinity)).pop();
      return query && rendered ? { query: query.startTime, rendered: rendered.startTime } : false;
    },
    filter,
    { polling: 100, timeout: 10_000 },
  );
  return (await handle.jsonValue()) as { query: number; rendered: number };
}

/** Bytes of the admin API bodies the page received since `since` (ms since navigation start), the live feed aside. */
export async function adminBytesSince(page: Page, since: number): Promise<number> {
  return page.evaluate(
    (from) =>
      (globalThis as unknown as PagePerformance).performance
        .getEntriesByType('resource')
        .filter((entry) => entry.startTime >= from && entry.name.includes('/admin/v1/') && !entry.name.includes('/admin/v1/events'))
        .reduce((sum, entry) => sum + entry.decodedBodySize, 0),
    since,
  );
}
