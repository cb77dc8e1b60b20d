/**
 * `--help` everywhere and usage errors, in-process. None of these may touch a database: the env
 * points at a data dir that must still not exist afterwards.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { commands } from '../../src/cli/commands/index.js';
import { lines, runCli, type CliResult } from './cli-harness.js';

describe('switchboard --help and usage errors', () => {
  let root: string;
  let env: Record<string, string>;
  before(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'switchboard-cli-help-'));
    env = { SWITCHBOARD_DATA_DIR: path.join(root, 'db') };
  });
  after(async () => {
    assert.equal(existsSync(path.join(root, 'db')), false, 'a help or usage error opened the database');
    await rm(root, { recursive: true, force: true });
  });

  const assertUsageError = (result: CliResult, pattern: RegExp): void => {
    assert.equal(result.code, 1, result.stdout);
    assert.equal(result.stdout, '');
    assert.equal(lines(result.stderr).length, 1, result.stderr);
    assert.match(result.stderr, /^switchboard: /);
    assert.match(result.stderr, pattern);
  };

  test('--database-url with a password warns on stderr (process list, shell history) without repeating it', async () => {
    const secret = 'argv-db-password-5e1f';
    const warned = await runCli(['--database-url', `postgres://owner:${secret}@127.0.0.1:9/app`, '--help'], { env });
    assert.equal(warned.code, 0);
    assert.match(warned.stderr, /^switchboard: warning: --database-url put the database password in your shell history and in the process list \(ps\)[^\n]*DATABASE_URL[^\n]*\n$/);
    assert.equal(warned.stderr.includes(secret) || warned.stdout.includes(secret), false);
    const quiet = await runCli(['--database-url=postgres://owner@127.0.0.1:9/app', '--help'], { env });
    assert.equal(quiet.stderr, '', 'no password, no warning');
    // The driver takes a password from the query string too.
    const query = await runCli(['--database-url', `postgres://owner@127.0.0.1:9/app?sslmode=disable&password=${secret}`, '--help'], { env });
    assert.match(query.stderr, /^switchboard: warning: --database-url put the database password/);
    assert.equal(query.stderr.includes(secret), false);
  });

  test("bench-serve's --usage-database-url and --governance-database-url with a password warn too, without repeating it", async () => {
    const secret = 'argv-bench-password-77c1';
    for (const flag of ['--usage-database-url', '--governance-database-url']) {
      // An invalid --port stops it right after the warning.
      const result = await runCli(['bench-serve', '--upstream', 'http://127.0.0.1:9/v1', '--key', 'k', '--port', 'none', flag, `postgres://owner:${secret}@127.0.0.1:9/bench`], { env });
      assert.equal(result.code, 1);
      assert.match(result.stderr, new RegExp(`^switchboard: warning: ${flag} put the database password in your shell history[^\\n]*PGPASSWORD[^\\n]*\\nswitchboard: --port must be`));
      assert.equal(result.stderr.includes(secret), false);
    }
  });

  test('--help, -h and help print the command list on stdout and exit 0', async () => {
    for (const args of [['--help'], ['-h'], ['help']]) {
      const result = await runCli(args, { env });
      assert.equal(result.code, 0, args.join(' '));
      assert.equal(result.stderr, '');
      assert.match(result.stdout, /^Usage: switchboard /);
      for (const command of commands) {
        assert.match(result.stdout, new RegExp(`^ {2}${command.name} +${command.summary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
      }
      for (const flag of ['--database-url', '--data-dir', '--json']) assert.ok(result.stdout.includes(flag), `${flag} missing from help`);
    }
  });

  test('no command at all is a usage error: help on stderr, exit 1', async () => {
    const result = await runCli([], { env });
    assert.equal(result.code, 1);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /^Usage: switchboard /);
  });

  test('every command answers --help (before or after its arguments) with its usage', async () => {
    for (const command of commands) {
      for (const args of [[command.name, '--help'], ['--help', command.name], [command.name, 'list', '-h'], ['help', command.name]]) {
        const result = await runCli(args, { env });
        assert.equal(result.code, 0, args.join(' '));
        assert.equal(result.stderr, '');
        assert.equal(result.stdout, `${command.usage}\n`);
        assert.match(result.stdout, /Usage/);
      }
    }
  });

  test('unknown commands, actions and options are one-line errors with exit 1', async () => {
    assertUsageError(await runCli(['frobnicate'], { env }), /unknown command 'frobnicate' \(run switchboard --help\)/);
    assertUsageError(await runCli(['providers'], { env }), /providers needs .*list.* \(got ''\)/);
    assertUsageError(await runCli(['models', 'show'], { env }), /models needs .*list.* \(got 'show'\)/);
    assertUsageError(await runCli(['projects', 'delete', 'x'], { env }), /projects needs .*create.*list.* \(got 'delete'\)/);
    assertUsageError(await runCli(['keys', 'rotate'], { env }), /keys needs .*create.*list.*revoke.* \(got 'rotate'\)/);
    assertUsageError(await runCli(['projects', 'list', '--bogus'], { env }), /--bogus/);
    assertUsageError(await runCli(['migrate', 'now'], { env }), /now/);
    assertUsageError(await runCli(['keys', 'create', '--project'], { env }), /--project/);
  });

  test('a number option takes decimal digits only: empty, blank, hex, binary and exponent values are one-line errors naming the flag', async () => {
    // Number() reads '' and ' ' as 0 (serve --port '' listened on a random port) and 0x10 as 16.
    const cases: [string[], RegExp][] = [
      [['models', 'update', 'gpt-4o', '--max-tokens', '0x10'], /--max-tokens must be/],
      [['models', 'add', 'm1', '--provider', 'openai', '--model-id', 'x', '--context-window', ' '], /--context-window must be/],
      [['limits', 'set', 'l1', '--project', 'p', '--rpm', '0x10'], /--rpm must be/],
      [['limits', 'set', 'l1', '--project', 'p', '--tpm', '1e3'], /--tpm must be/],
      [['routes', 'add', 'r1', 'gpt-4o=1', '--max-attempts', ''], /--max-attempts must be/],
      [['routes', 'update', 'r1', '--breaker-failure-rate', '0b1'], /--breaker-failure-rate must be/],
      [['budgets', 'set', 'b1', '--project', 'p', '--limit-usd', '5', '--soft', ''], /--soft must be/],
      [['budgets', 'set', 'b1', '--project', 'p', '--limit-usd', '5', '--soft', 'half'], /--soft must be/],
      // Last: before the fix these two started a gateway that served until stopped.
      [['serve', '--port', '0x50'], /--port must be/],
      [['serve', '--port', ''], /--port must be/],
    ];
    for (const [args, pattern] of cases) {
      const result = await runCli(args, { env });
      assertUsageError(result, pattern);
      assert.ok(result.stderr.includes(`got '${args.at(-1)}'`), result.stderr);
    }
  });

  test('a malformed --database-url is a one-line error without the password, and no fallback to the embedded database', async () => {
    for (const url of ['mysql://root:hunter2-secret@db/app', 'not a url', 'postgres://root:hunter2-secret@[db/app', 'postgres://root@db/%E0%A4%A']) {
      const result = await runCli(['--database-url', url, 'projects', 'list'], { env });
      assertUsageError(result, /malformed database URL/);
      assert.equal(result.stderr.includes('hunter2'), false, 'password in the error');
    }
  });

  test('routes status and explain --server take an http(s) URL without user info; one unreachable is named in the error', async () => {
    const withToken = { ...env, SWITCHBOARD_ADMIN_TOKEN: 'cli-usage-admin-token-0123456789abcdef' };
    for (const server of ['not a url', 'ftp://127.0.0.1:9', 'http://admin:hunter2-secret@127.0.0.1:9']) {
      const result = await runCli(['routes', 'status', '--server', server], { env: withToken });
      assertUsageError(result, /--server must be an http\(s\) URL without user info, such as http:\/\/127\.0\.0\.1:4141/);
      assert.equal(result.stderr.includes('hunter2'), false);
    }
    const unreachable = await runCli(['routes', 'explain', 'r1', '--server', 'http://127.0.0.1:9'], { env: withToken });
    assertUsageError(unreachable, /cannot reach the gateway at http:\/\/127\.0\.0\.1:9 \(.*ECONNREFUSED/);
  });
});
