/**
 * The admin token and the secret files a local install writes: a generated admin token never
 * reaches the log stream (stdout), only its 0600 file (and a terminal); a short admin token is
 * refused before anything starts; master.key, admin.token and switchboard.endpoint are 0600 even
 * under umask 000, and a stale or hand-made looser file is tightened; the CLI sends the admin token
 * only to an endpoint file its own user owns. Embedded data dirs only, so
 * this runs the same with or without DATABASE_URL.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { adminTokenFile, announceGeneratedAdminToken, resolveAdminToken } from '../../src/cli/commands/admin-token.js';
import { writeEndpoint } from '../../src/cli/commands/endpoint-file.js';
import { serverAdmin } from '../../src/cli/commands/server-admin.js';
import type { CliContext } from '../../src/cli/cli-context.js';
import { ADMIN_TOKEN_MIN_LENGTH, loadConfig } from '../../src/config.js';
import { loadKeyring } from '../../src/crypto/keyring.js';
import { openEmbeddedDb, type EmbeddedDb } from '../../src/db/pglite-adapter.js';
import { createEmbeddedTestDb } from '../helpers/test-db.js';
import { runCli } from './fixture.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const mode = (file: string): number => statSync(file).mode & 0o777;

function contextFor(dataDir: string, stderr: PassThrough): { context: CliContext; stdout: () => string; stderr: () => string } {
  const stdout = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
  const context: CliContext = { config: loadConfig({ SWITCHBOARD_DATA_DIR: dataDir }), json: false, stdout, stderr, stdin: new PassThrough() };
  return { context, stdout: () => out, stderr: () => err };
}

describe('admin token and local secret files', () => {
  let root: string;
  before(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'switchboard-admin-token-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('a SWITCHBOARD_ADMIN_TOKEN shorter than 32 characters is refused, without echoing it', async () => {
    const weak = 'hunter2-admin';
    assert.throws(() => loadConfig({ SWITCHBOARD_ADMIN_TOKEN: weak }), (error: Error) => {
      assert.match(error.message, /^SWITCHBOARD_ADMIN_TOKEN is too short \(13 characters\): use at least 32 random characters/);
      assert.equal(error.message.includes(weak), false);
      return true;
    });
    assert.throws(() => loadConfig({ SWITCHBOARD_ADMIN_TOKEN: 'a'.repeat(ADMIN_TOKEN_MIN_LENGTH - 1) }), /too short \(31 characters\)/);
    assert.equal(loadConfig({ SWITCHBOARD_ADMIN_TOKEN: 'a'.repeat(ADMIN_TOKEN_MIN_LENGTH) }).adminToken, 'a'.repeat(32));

    // `serve` refuses to start: one line, exit 1, no database opened.
    const dataDir = path.join(root, 'weak', 'db');
    const run = await runCli(['serve', '--port', '0'], { SWITCHBOARD_ADMIN_TOKEN: weak, SWITCHBOARD_DATA_DIR: dataDir });
    assert.equal(run.code, 1);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /^switchboard: SWITCHBOARD_ADMIN_TOKEN is too short \(13 characters\)[^\n]*\n$/);
    assert.equal(run.stderr.includes(weak), false);
    assert.equal(existsSync(dataDir), false);
  });

  it('an admin.token file that is too short is refused; one readable by others is made 0600 with a warning', () => {
    const dataDir = path.join(root, 'token-file', 'db');
    const config = loadConfig({ SWITCHBOARD_DATA_DIR: dataDir });
    const file = adminTokenFile(config);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, 'short-token\n');
    assert.throws(() => resolveAdminToken(config, { generate: true }), /the admin token in .*admin\.token is too short \(11 characters\)/);

    const token = `sba-${'x'.repeat(40)}`;
    writeFileSync(file, `${token}\n`);
    chmodSync(file, 0o644);
    const warnings: string[] = [];
    const resolved = resolveAdminToken(config, { generate: true, warn: (message) => warnings.push(message) });
    assert.equal(resolved.token, token);
    assert.equal(resolved.generated, false);
    assert.equal(mode(file), 0o600);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] ?? '', /admin\.token was readable by other users \(mode 644\); changed it to 600/);
    assert.equal(warnings[0]?.includes(token), false);
  });

  it('a master.key or admin.token owned by another user is refused (it could have been planted), naming the file only', { skip: process.getuid?.() === 0 ? false : 'needs root to chown' }, () => {
    const dataDir = path.join(root, 'planted', 'db');
    const config = loadConfig({ SWITCHBOARD_DATA_DIR: dataDir });
    const tokenFile = adminTokenFile(config);
    mkdirSync(dataDir, { recursive: true });
    const token = `sba-${'p'.repeat(40)}`;
    writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
    chownSync(tokenFile, 65534, 65534);
    assert.throws(() => resolveAdminToken(config, { generate: true }), (error: Error) => {
      assert.match(error.message, /admin\.token belongs to uid 65534, not to the user running Switchboard \(uid 0\): another user may have planted it/);
      assert.equal(error.message.includes(token), false);
      return true;
    });
    const keyFile = path.join(dataDir, 'master.key');
    writeFileSync(keyFile, `${Buffer.alloc(32, 7).toString('base64')}\n`, { mode: 0o600 });
    chownSync(keyFile, 65534, 65534);
    assert.throws(() => loadKeyring({}, { mode: 'embedded', dataDir }), /master\.key belongs to uid 65534[^]*sealed under a key they know/);
    chownSync(keyFile, 0, 0);
    assert.ok(loadKeyring({}, { mode: 'embedded', dataDir }), 'owned again: read');
  });

  it('master.key, admin.token and switchboard.endpoint are created 0600 (their folders 0700) even under umask 000', () => {
    const previous = process.umask(0o000);
    try {
      const dataDir = path.join(root, 'umask', '.switchboard', 'db');
      const keyring = loadKeyring({}, { mode: 'embedded', dataDir, warn: () => {} });
      assert.ok(keyring);
      assert.equal(mode(path.join(dataDir, 'master.key')), 0o600);
      assert.equal(mode(dataDir), 0o700);
      assert.equal(mode(path.dirname(dataDir)), 0o700);

      const resolved = resolveAdminToken(loadConfig({ SWITCHBOARD_DATA_DIR: dataDir }), { generate: true });
      assert.equal(resolved.generated, true);
      assert.ok((resolved.token ?? '').length >= ADMIN_TOKEN_MIN_LENGTH);
      assert.equal(mode(path.join(path.dirname(dataDir), 'admin.token')), 0o600);

      // A stale endpoint file left 0644 (older version, crash) is rewritten 0600.
      const endpoint = path.join(dataDir, 'switchboard.endpoint');
      writeFileSync(endpoint, '{"pid":1,"url":"http://127.0.0.1:1"}\n');
      chmodSync(endpoint, 0o644);
      const remove = writeEndpoint(dataDir, 'http://127.0.0.1:4141');
      assert.equal(mode(endpoint), 0o600);
      remove();
    } finally {
      process.umask(previous);
    }
  });

  it('a generated admin token goes to its file, and to stderr only when stderr is a terminal; stdout gets the path only', () => {
    const token = `sba-${'t'.repeat(43)}`;
    const file = path.join(root, 'announce', 'admin.token');

    const piped = contextFor(path.join(root, 'announce', 'db'), new PassThrough());
    announceGeneratedAdminToken(piped.context, file, token);
    assert.equal(piped.stdout(), `Admin API token generated and stored in ${file} (mode 0600, owner only); read it with: cat ${file}\n`);
    assert.equal(piped.stderr(), '');

    const terminal = Object.assign(new PassThrough(), { isTTY: true });
    const interactive = contextFor(path.join(root, 'announce', 'db'), terminal);
    announceGeneratedAdminToken(interactive.context, file, token);
    assert.equal(interactive.stdout().includes(token), false);
    assert.equal(interactive.stderr(), `Admin API token (shown once, not logged): ${token}\n`);
  });

  it('switchboard serve (embedded, no SWITCHBOARD_ADMIN_TOKEN) never writes the generated token to stdout or a piped stderr', async () => {
    const dataDir = path.join(root, 'serve', '.switchboard', 'db');
    // A migrated cluster, so the process only has to open it.
    const source = await createEmbeddedTestDb();
    const cluster = await (source as unknown as EmbeddedDb).dumpDataDir();
    await source.dispose();
    await (await openEmbeddedDb({ dataDir, loadDataDir: cluster, warn: () => {} })).close();

    const child = spawn(process.execPath, ['--import', 'tsx', path.join('test', 'helpers', 'serve-entry.ts'), 'serve', '--port', '0', '--host', '127.0.0.1'], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? os.tmpdir(), SWITCHBOARD_DATA_DIR: dataDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 90_000;
      while (!stdout.includes('Admin API token generated') && Date.now() < deadline && child.exitCode === null) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.match(stdout, /Admin API token generated and stored in \S+admin\.token \(mode 0600, owner only\)/, `stdout:\n${stdout}\nstderr:\n${stderr}`);
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0, stderr);
    const file = path.join(path.dirname(dataDir), 'admin.token');
    const token = readFileSync(file, 'utf8').trim();
    assert.ok(token.length >= ADMIN_TOKEN_MIN_LENGTH);
    assert.equal(mode(file), 0o600);
    assert.equal(stdout.includes(token), false, 'the admin token is in the log stream (stdout)');
    assert.equal(stderr.includes(token), false, 'the admin token reached a stderr that is not a terminal');
  });
  it('the CLI sends the admin token only to an endpoint file of its own user (a planted one would receive it)', async (t) => {
    if (typeof process.getuid !== 'function' || process.getuid() !== 0) return t.skip('needs root to give a file to another user');
    const seen: (string | undefined)[] = [];
    const server = createServer((request, response) => {
      seen.push(request.headers.authorization);
      response.setHeader('content-type', 'application/json');
      response.end('[]');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const dataDir = path.join(root, 'planted', 'db');
      mkdirSync(dataDir, { recursive: true });
      const file = path.join(dataDir, 'switchboard.endpoint');
      writeFileSync(file, `${JSON.stringify({ pid: process.pid, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })}\n`, { mode: 0o600 });
      const token = 'sba-planted-endpoint-0123456789abcdef';
      const context: CliContext = { config: loadConfig({ SWITCHBOARD_DATA_DIR: dataDir, SWITCHBOARD_ADMIN_TOKEN: token }), json: false, stdout: new PassThrough(), stderr: new PassThrough(), stdin: new PassThrough() };

      chownSync(file, 65534, 65534);
      assert.throws(() => serverAdmin(context), /belongs to uid 65534/);
      // The routes commands that ask the running gateway (status, explain) check it the same way.
      for (const args of [['routes', 'status'], ['routes', 'explain', 'any-route']]) {
        const run = await runCli(args, { SWITCHBOARD_DATA_DIR: dataDir, SWITCHBOARD_ADMIN_TOKEN: token });
        assert.notEqual(run.code, 0);
        assert.match(run.stderr, /belongs to uid 65534/);
      }
      assert.deepEqual(seen, []);

      chownSync(file, 0, 0);
      assert.deepEqual(await serverAdmin(context).call('GET', 'projects'), []);
      assert.deepEqual(seen, [`Bearer ${token}`]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
