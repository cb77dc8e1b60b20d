// The dashboard's static serving at /admin/ on the real gateway: the redirect, the strict CSP and
// security headers, immutable hashed assets and a revalidated index.html, ETags, and that nothing
// outside the manifest read at start can be fetched (traversal, encoded dots, other methods).
// Runs on PGlite, and on Postgres when DATABASE_URL is set.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadDashboardAssets } from '../../src/server/dashboard/dashboard-assets.js';
import { ensureDashboardBuilt } from './browser.js';
import { startDashboardStack, type DashboardStack } from './dashboard-stack.js';

interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw request (fetch would normalize `..` out of the path before sending it). */
function raw(origin: string, method: string, rawPath: string, headers: Record<string, string> = {}): Promise<RawAnswer> {
  const url = new URL(origin);
  return new Promise((resolve, reject) => {
    const outgoing = request({ host: url.hostname, port: url.port, method, path: rawPath, headers }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

describe('dashboard static files at /admin/', () => {
  let stack: DashboardStack;
  let asset: string;

  before(async () => {
    ensureDashboardBuilt();
    stack = await startDashboardStack();
    const index = await raw(stack.origin, 'GET', '/admin/');
    const match = /src="\.\/(assets\/[^"]+\.js)"/.exec(index.body);
    assert.ok(match, index.body);
    asset = match[1] as string;
  });

  after(async () => {
    await stack?.close();
  });

  test('/admin redirects to /admin/ with a relative location (works under a path prefix)', async () => {
    const answer = await raw(stack.origin, 'GET', '/admin');
    assert.equal(answer.status, 308);
    assert.equal(answer.headers['location'], 'admin/');
  });

  test('index.html: strict CSP, nosniff, never framed, not cached, relative asset URLs', async () => {
    const answer = await raw(stack.origin, 'GET', '/admin/');
    assert.equal(answer.status, 200);
    assert.match(String(answer.headers['content-type']), /^text\/html/);
    const csp = String(answer.headers['content-security-policy']);
    for (const directive of ["default-src 'self'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "frame-ancestors 'none'", "object-src 'none'"]) {
      assert.ok(csp.includes(directive), `${directive} in ${csp}`);
    }
    assert.ok(!csp.includes('unsafe-inline') && !csp.includes('unsafe-eval'), csp);
    assert.equal(answer.headers['x-content-type-options'], 'nosniff');
    assert.equal(answer.headers['x-frame-options'], 'DENY');
    assert.equal(answer.headers['cache-control'], 'no-cache');
    assert.doesNotMatch(answer.body, /<script(?![^>]*\bsrc=)[^>]*>/, 'no inline script');
    assert.doesNotMatch(answer.body, /<style|style="/, 'no inline style');
    assert.doesNotMatch(answer.body, /(src|href)="\//, 'no absolute asset URL');
  });

  test('hashed assets are immutable for a year; ETag answers 304; HEAD has no body', async () => {
    const answer = await raw(stack.origin, 'GET', `/admin/${asset}`);
    assert.equal(answer.status, 200);
    assert.match(String(answer.headers['content-type']), /^text\/javascript/);
    assert.equal(answer.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal(answer.headers['x-content-type-options'], 'nosniff');
    const etag = String(answer.headers['etag']);
    const again = await raw(stack.origin, 'GET', `/admin/${asset}`, { 'if-none-match': etag });
    assert.equal(again.status, 304);
    assert.equal(again.body, '');
    const head = await raw(stack.origin, 'HEAD', '/admin/');
    assert.equal(head.status, 200);
    assert.equal(head.body, '');
  });

  test('only manifest files: traversal, encoded dots, unknown files and writes are refused', async () => {
    for (const attempt of [
      '/admin/../package.json',
      '/admin/%2e%2e/package.json',
      '/admin/assets/../../package.json',
      '/admin/..%2f..%2fpackage.json',
      '/admin/assets/missing.js',
      '/admin/index.html/',
      '/admin//etc/passwd',
      '/admin/src/main.tsx',
    ]) {
      const answer = await raw(stack.origin, 'GET', attempt);
      assert.equal(answer.status, 404, `${attempt}: ${answer.status}`);
      assert.ok(!answer.body.includes('"name": "switchboard"'), attempt);
    }
    const post = await raw(stack.origin, 'POST', '/admin/');
    assert.equal(post.status, 405);
  });

  test('the JSON admin API stays at /admin/v1 behind the token', async () => {
    const answer = await raw(stack.origin, 'GET', '/admin/v1/providers');
    assert.equal(answer.status, 401);
    assert.match(answer.body, /"error"/);
  });

  test('the manifest holds regular files only: a symlink in the build folder is never served', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'switchboard-dashboard-'));
    try {
      writeFileSync(path.join(dir, 'index.html'), '<!doctype html>');
      mkdirSync(path.join(dir, 'assets'));
      writeFileSync(path.join(dir, 'assets', 'app-abc.js'), 'export {};');
      writeFileSync(path.join(dir, 'notes.exe'), 'x');
      symlinkSync('/etc/passwd', path.join(dir, 'assets', 'passwd.js'));
      const assets = loadDashboardAssets(dir);
      assert.deepEqual([...assets.files.keys()].sort(), ['assets/app-abc.js', 'index.html']);
      assert.equal(assets.files.get('assets/app-abc.js')?.immutable, true);
      assert.equal(assets.files.get('index.html')?.immutable, false);
      assert.equal(loadDashboardAssets(path.join(dir, 'missing')).dir, undefined);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
