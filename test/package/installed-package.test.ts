/**
 * The package as a user installs it: `npm pack`, unpacked into a consumer project outside the repo
 * (its runtime dependencies linked from the repo's node_modules, as npm would install them), then
 * tsc, node and the bin run there. Builds first only when dist/ is missing (CI's `npm ci` builds).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { minimumNode, satisfiesAll } from './node-range.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const manifest = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')) as {
  engines: { node: string };
  dependencies: Record<string, string>;
  optionalDependencies: Record<string, string>;
};
const tsc = path.join(repo, 'node_modules', 'typescript', 'bin', 'tsc');
const env = { PATH: process.env.PATH ?? '', HOME: os.tmpdir() };

let root: string;
let consumer: string;
let files: { path: string; mode: number }[];

function link(name: string): void {
  const from = path.join(repo, 'node_modules', name);
  if (!existsSync(from)) return;
  mkdirSync(path.dirname(path.join(consumer, 'node_modules', name)), { recursive: true });
  symlinkSync(from, path.join(consumer, 'node_modules', name));
}

function run(command: string, args: string[]): string {
  return execFileSync(command, args, { cwd: consumer, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

describe('the installed package', () => {
  before(() => {
    if (!existsSync(path.join(repo, 'dist', 'index.js')) || !existsSync(path.join(repo, 'dist', 'dashboard', 'index.html'))) {
      execFileSync('npm', ['run', 'build', '--silent'], { cwd: repo, stdio: 'ignore' });
    }
    root = mkdtempSync(path.join(os.tmpdir(), 'switchboard-package-'));
    const packed = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', root], { cwd: repo, encoding: 'utf8' });
    const [entry] = JSON.parse(packed) as { filename: string; files: { path: string; mode: number }[] }[];
    assert.ok(entry);
    files = entry.files;
    consumer = path.join(root, 'consumer');
    const installed = path.join(consumer, 'node_modules', 'switchboard');
    mkdirSync(installed, { recursive: true });
    execFileSync('tar', ['xzf', path.join(root, entry.filename), '-C', installed, '--strip-components=1']);
    for (const name of [...Object.keys(manifest.dependencies), ...Object.keys(manifest.optionalDependencies), '@types/node']) link(name);
    mkdirSync(path.join(consumer, 'node_modules', '.bin'));
    symlinkSync('../switchboard/bin/switchboard.js', path.join(consumer, 'node_modules', '.bin', 'switchboard'));
    writeFileSync(path.join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  test('the tarball holds what serve and migrate read at run time, and nothing of the build itself', () => {
    const paths = new Set(files.map((file) => file.path));
    for (const needed of ['LICENSE', 'bin/switchboard.js', 'dist/index.js', 'dist/index.d.ts', 'dist/cli/main.js', 'dist/dashboard/index.html']) assert.ok(paths.has(needed), needed);
    const migrations = readdirSync(path.join(repo, 'supabase', 'migrations')).filter((name) => name.endsWith('.sql'));
    for (const name of migrations) assert.ok(paths.has(`supabase/migrations/${name}`), name);
    assert.ok(((files.find((file) => file.path === 'bin/switchboard.js')?.mode ?? 0) & 0o111) !== 0, 'bin is not executable');
    assert.match(readFileSync(path.join(consumer, 'node_modules', 'switchboard', 'bin', 'switchboard.js'), 'utf8'), /^#!\/usr\/bin\/env node\n/);
    const stray = [...paths].filter((file) => /\.tsbuildinfo$|\.test\.|^(src|test|web|bench|\.switchboard)\//.test(file));
    assert.deepEqual(stray, []);
  });

  test("every relative link in the packed README and docs names a packed file", () => {
    const paths = new Set(files.map((file) => file.path));
    const documents = [...paths].filter((file) => file === 'README.md' || /^docs\/[^/]+\.md$/.test(file));
    assert.ok(documents.includes('README.md') && documents.length > 1, 'README.md and docs/*.md packed');
    const missing: string[] = [];
    for (const document of documents) {
      const text = readFileSync(path.join(consumer, 'node_modules', 'switchboard', document), 'utf8');
      for (const [, target] of text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
        if (target === undefined || /^[a-z]+:/.test(target)) continue;
        const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(document), target));
        if (!paths.has(resolved)) missing.push(`${document} -> ${target}`);
      }
    }
    assert.deepEqual(missing, []);
  });

  test("the README's library snippet compiles against the shipped types (node16, nodenext, bundler)", () => {
    const readme = readFileSync(path.join(repo, 'README.md'), 'utf8');
    const snippet = /## Library API\n[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    assert.ok(snippet, 'no ts block under "## Library API"');
    const given = "declare const projectId: string;\ndeclare const messages: import('switchboard').ChatMessage[];\n";
    writeFileSync(path.join(consumer, 'snippet.ts'), snippet.replace(/^(import .*\n)/, `$1${given}`));
    for (const [module, resolution] of [['node16', 'node16'], ['nodenext', 'nodenext'], ['esnext', 'bundler']] as const) {
      const flags = ['--noEmit', '--strict', '--target', 'es2022', '--module', module, '--moduleResolution', resolution, '--types', 'node', 'snippet.ts'];
      try {
        run(process.execPath, [tsc, ...flags]);
      } catch (error) {
        assert.fail(`${resolution}: ${(error as { stdout: string }).stdout}`);
      }
    }
  });

  test('import and require both load the entry', () => {
    assert.match(run(process.execPath, ['--input-type=module', '-e', "import('switchboard').then((m) => console.log(typeof m.createSwitchboard))"]), /^function/);
    assert.match(run(process.execPath, ['-e', "console.log(typeof require('switchboard').createSwitchboard)"]), /^function/);
  });

  test('engines allows no Node that a runtime dependency or require() of the package refuses', () => {
    const floor = minimumNode(manifest.engines.node);
    // require() of an ES module works without a flag from Node 20.19 (README "Library API").
    const ranges: Record<string, string> = { 'require(esm)': '>=20.19.0' };
    for (const name of Object.keys(manifest.dependencies)) {
      const engines = (JSON.parse(readFileSync(path.join(repo, 'node_modules', name, 'package.json'), 'utf8')) as { engines?: { node?: string } }).engines;
      if (engines?.node) ranges[name] = engines.node;
    }
    assert.deepEqual(satisfiesAll(floor, ranges), [], `engines.node ${manifest.engines.node}`);
  });

  test('the bin prints help, and serve starts on an embedded database in the cwd with the dashboard', async () => {
    assert.match(run(path.join(consumer, 'node_modules', '.bin', 'switchboard'), ['--help']), /^Usage: switchboard/);
    const child = spawn(path.join(consumer, 'node_modules', '.bin', 'switchboard'), ['serve', '--port', '0'], { cwd: consumer, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const closed = new Promise((resolve) => child.on('close', resolve));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`serve did not start: ${output}`)), 40_000);
        const read = (chunk: Buffer): void => {
          output += chunk.toString();
          const found = /Switchboard listening on (\S+) \(embedded database (\S+)\)/.exec(output);
          if (found && /memory reducer/.test(output)) {
            clearTimeout(timer);
            assert.equal(found[2], path.join(consumer, '.switchboard', 'db'));
            resolve(found[1] as string);
          }
        };
        child.stdout.on('data', read);
        child.stderr.on('data', read);
        child.on('close', () => reject(new Error(`serve exited: ${output}`)));
      });
      const page = await fetch(`${url}/admin/`);
      assert.equal(page.status, 200);
      assert.match(await page.text(), /<html/i);
      const script = /node --no-memory-reducer (\S+) serve/.exec(output)?.[1];
      assert.ok(script && existsSync(path.join(consumer, script)), `the memory reducer hint names ${script}, not a file from the cwd`);
    } finally {
      child.kill('SIGTERM');
      await closed;
    }
  });
});
