/**
 * The CLI as a real process: exit codes and stderr end to end for the errors a user meets first.
 * Spawns node with tsx running `main(process.argv.slice(1))` (no build needed).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { commands } from '../../src/cli/commands/index.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const entry = `import('./src/cli/main.ts').then((m) => m.main(process.argv.slice(1))).then((code) => process.exit(code))`;

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

function switchboard(args: string[], env: Record<string, string>): Promise<Exit> {
  // Only what node needs: nothing of the test runner's DATABASE_URL or SWITCHBOARD_* leaks in.
  const base: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? os.tmpdir() };
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', entry, '--', ...args], {
    cwd: repoRoot,
    env: { ...base, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function assertOneLineFailure(result: Exit, pattern: RegExp): void {
  assert.equal(result.code, 1, `exit code; stderr: ${result.stderr}`);
  assert.equal(result.stdout, '');
  assert.match(result.stderr, /^switchboard: [^\n]+\n$/, `not one line: ${JSON.stringify(result.stderr)}`);
  assert.match(result.stderr, pattern);
}

describe('the switchboard process', { concurrency: true }, () => {
  let root: string;
  let dataDir: string;
  before(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'switchboard-cli-bin-'));
    dataDir = path.join(root, 'db');
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  test('an unknown command exits 1 with one line on stderr and opens no database', async () => {
    const result = await switchboard(['frobnicate', '--json'], { SWITCHBOARD_DATA_DIR: dataDir });
    assertOneLineFailure(result, /unknown command 'frobnicate' \(run switchboard --help\)/);
    assert.equal(existsSync(dataDir), false);
  });

  test('a malformed DATABASE_URL exits 1 with one line that never shows the password', async () => {
    const result = await switchboard(['migrate'], { DATABASE_URL: 'postgres://admin:hunter2-secret@[not-a-host/db', SWITCHBOARD_DATA_DIR: dataDir });
    assertOneLineFailure(result, /malformed database URL/);
    assert.equal(result.stderr.includes('hunter2'), false, 'password in the error');
    assert.equal(existsSync(dataDir), false, 'fell back to the embedded database');
  });

  test('an unreachable database exits 1 quickly with one line naming where it tried', async () => {
    const started = Date.now();
    const result = await switchboard(['sql', 'select 1'], { DATABASE_URL: 'postgres://postgres:pw-secret@127.0.0.1:1/x' });
    assertOneLineFailure(result, /cannot connect to Postgres at 127\.0\.0\.1:1\/x/);
    assert.equal(result.stderr.includes('pw-secret'), false, 'password in the error');
    assert.ok(Date.now() - started < 30_000, 'took too long to give up on a refused connection');
  });

  test('--help exits 0 with the command list on stdout and nothing on stderr', async () => {
    const result = await switchboard(['--help'], { SWITCHBOARD_DATA_DIR: dataDir });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, '');
    assert.match(result.stdout, /^Usage: switchboard /);
    for (const command of commands) assert.match(result.stdout, new RegExp(`^ {2}${command.name} `, 'm'));
  });
});
