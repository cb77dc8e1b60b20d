/**
 * Headless Debian chromium driven by playwright-core (no browser download): one browser per test
 * file with a fresh profile directory, axe-core injected from node_modules, screenshots written to
 * the test output folder, and every console error and CSP violation collected so tests can assert
 * there were none.
 *
 * @module
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
const ROOT = path.resolve(import.meta.dirname, '../..');
/** Screenshots of the test runs (kept out of git; `npm run screenshots` writes docs/images). */
export const SCREENSHOT_DIR = path.join(ROOT, '.tmp', 'dashboard-screenshots');

/** The reason to skip browser tests, or false when chromium is there. */
export function skipWithoutChromium(): string | false {
  return existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing (apt-get install chromium; .ci/run installs it): browser tests skipped`;
}

function newest(dir: string): number {
  let latest = 0;
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    const stat = statSync(full);
    latest = Math.max(latest, stat.isDirectory() ? newest(full) : stat.mtimeMs);
  }
  return latest;
}

/** Builds dist/dashboard when it is missing or older than web/ (CI built it in `npm ci`). */
export function ensureDashboardBuilt(): void {
  const index = path.join(ROOT, 'dist', 'dashboard', 'index.html');
  if (existsSync(index) && statSync(index).mtimeMs >= newest(path.join(ROOT, 'web'))) return;
  const result = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', 'web/vite.config.ts', '--logLevel', 'warn'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  if (result.status !== 0) throw new Error('vite build of the dashboard failed');
}

/** The browser globals the page functions below use (the test program has no DOM lib; types only). */
export interface BrowserWindow {
  document: {
    querySelector(selector: string): { dataset: Record<string, string | undefined> } | null;
    body: { innerText: string };
    documentElement: { scrollWidth: number };
  };
  sessionStorage: { length: number; getItem(key: string): string | null };
  marker?: number;
  axe: { run(context: unknown, options: unknown): Promise<{ violations: AxeViolation[] }> };
}

export interface TestBrowser {
  context: BrowserContext;
  /** Console errors, page errors and failed requests seen so far (CSP violations included). */
  problems: string[];
  newPage(width?: number): Promise<Page>;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<TestBrowser> {
  const profile = mkdtempSync(path.join(tmpdir(), 'switchboard-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 900 },
  });
  const problems: string[] = [];
  const watch = (page: Page): void => {
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  };
  context.on('page', watch);
  context.pages().forEach(watch);
  return {
    context,
    problems,
    newPage: async (width = 1280) => {
      const page = context.pages().find((candidate) => candidate.url() === 'about:blank') ?? (await context.newPage());
      await page.setViewportSize({ width, height: width < 600 ? 844 : 900 });
      return page;
    },
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[] }[];
}

/** Runs axe (WCAG 2.x A and AA rules) on the page; returns its violations, readable. */
export async function axeViolations(page: Page): Promise<string[]> {
  // Injected through the DevTools protocol (addScriptTag would be an inline script the CSP refuses).
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const browser = globalThis as unknown as BrowserWindow;
    const result = await browser.axe.run(browser.document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return result.violations.map((violation) => ({ id: violation.id, impact: violation.impact, help: violation.help, nodes: violation.nodes.map((node) => ({ target: node.target })) }));
  });
  return violations.map((violation) => `${violation.id} (${violation.impact ?? '?'}): ${violation.help} at ${violation.nodes.map((node) => JSON.stringify(node.target)).slice(0, 5).join(', ')}`);
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** Signs in through the form (the token goes to sessionStorage, never the URL). */
export async function signIn(page: Page, origin: string, token: string): Promise<void> {
  await page.goto(`${origin}/admin/`);
  await page.getByLabel('Admin token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'Pages' }).waitFor();
}
