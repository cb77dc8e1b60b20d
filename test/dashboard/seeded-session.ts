/**
 * One browser signed in to a real gateway seeded with seedRoutingAndBudgets (a route, models on
 * the OpenAI mock, a project with a key, a budget and a rate limit): the set-up of the Routing and
 * Budgets page tests.
 *
 * @module
 */
import type { Page } from 'playwright-core';
import { ensureDashboardBuilt, launchBrowser, signIn, type TestBrowser } from './browser.js';
import { seedRoutingAndBudgets, startDashboardStack, type DashboardStack } from './dashboard-stack.js';

export interface SeededSession {
  stack: DashboardStack;
  browser: TestBrowser;
  page: Page;
  /** The seeded project's API key (project `dash`). */
  apiKey: string;
  close(): Promise<void>;
}

export async function startSeededSession(): Promise<SeededSession> {
  ensureDashboardBuilt();
  const [stack, browser] = await Promise.all([startDashboardStack(), launchBrowser()]);
  const { apiKey } = await seedRoutingAndBudgets(stack);
  const page = await browser.newPage(1280);
  await signIn(page, stack.origin, stack.adminToken);
  return {
    stack,
    browser,
    page,
    apiKey,
    close: async () => {
      await browser.close();
      await stack.close();
    },
  };
}
