// The README's quick start runs `npm start` (a `serve` that holds the embedded data dir) and then
// `switchboard credentials set`: the CLI commands a user runs beside a running server go through
// that server's admin API (found from `<data dir>/switchboard.endpoint`) instead of failing on the
// data dir's lock. The changes take effect on the running server at once; commands that cannot go
// through say where the same change can be made.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createEmbeddedTestDbAt, postgresUrl } from '../helpers/test-db.js';
import { startServeProcess, type ServeProcess } from '../helpers/serve-process.js';
import { startOpenAIMock, type OpenAIMock } from '../mock-vendors/openai.js';
import { runCli, type CliResult } from './cli-harness.js';

const VENDOR_KEY = 'sk-through-server-0123456789abcdef';

// Only the embedded database has a lock: on Postgres the CLI writes the database itself.
describe('CLI commands beside a running server on the embedded database', { skip: postgresUrl() !== undefined && 'embedded database only' }, () => {
  let dataDir: string;
  let openai: OpenAIMock;
  let serve: ServeProcess;
  let env: Record<string, string>;

  before(async () => {
    openai = await startOpenAIMock({ apiKeys: [VENDOR_KEY] });
    dataDir = path.join(await mkdtemp(path.join(tmpdir(), 'sb-cli-server-')), 'db');
    const db = await createEmbeddedTestDbAt(dataDir);
    try {
      await db.query(`update ai_providers set api_base_url = $1 where name = 'openai'`, [openai.baseUrl]);
    } finally {
      await db.close();
    }
    serve = await startServeProcess({ dataDir });
    env = { SWITCHBOARD_DATA_DIR: dataDir, SWITCHBOARD_ADMIN_TOKEN: serve.adminToken };
  });

  after(async () => {
    await serve?.stop().catch(() => {});
    await openai?.close();
    if (dataDir) await rm(path.dirname(dataDir), { recursive: true, force: true });
  });

  const cli = async (args: string[], stdin?: string): Promise<CliResult> => runCli(args, { env, ...(stdin === undefined ? {} : { stdin }) });
  const ok = (result: CliResult): CliResult => {
    assert.equal(result.code, 0, `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`);
    return result;
  };
  const chat = async (key: string, model = 'gpt-4o-mini'): Promise<{ status: number; body: Record<string, unknown> }> => {
    const response = await fetch(`${serve.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hello there' }] }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const errorCode = (body: Record<string, unknown>): unknown => (body['error'] as Record<string, unknown> | undefined)?.['code'];

  test('projects, keys and credentials are created, listed and removed through the server, which applies them at once', async () => {
    ok(await cli(['projects', 'create', 'team-x']));
    const projects = JSON.parse(ok(await cli(['--json', 'projects', 'list'])).stdout) as { name: string; id: string }[];
    assert.ok(projects.some((project) => project.name === 'team-x' && /^[0-9a-f-]{36}$/.test(project.id)), JSON.stringify(projects));
    assert.match((await cli(['projects', 'create', 'team-x'])).stderr, /already exists/);

    const created = JSON.parse(ok(await cli(['--json', 'keys', 'create', '--project', 'team-x', '--name', 'ci'])).stdout) as { id: string; key: string; project: string };
    assert.equal(created.project, 'team-x');
    // The new key authenticates on the running server (no vendor key yet: the call gets as far as credentials).
    const before = await chat(created.key);
    assert.equal(before.status, 400, JSON.stringify(before.body));
    assert.equal(errorCode(before.body), 'credential_missing');

    const stored = ok(await cli(['credentials', 'set', '--project', 'team-x', '--provider', 'openai', '--api-key-stdin'], `${VENDOR_KEY}\n`));
    assert.match(stored.stdout, /Stored the credential of project 'team-x' for provider 'openai' \(key \S*cdef\)/);
    assert.equal(stored.stdout.includes(VENDOR_KEY), false);
    // The server (its master key in SWITCHBOARD_MASTER_KEY) encrypted it: the CLI made no key file of its own.
    assert.equal(existsSync(path.join(path.dirname(dataDir), 'master.key')), false);
    const answered = await chat(created.key);
    assert.equal(answered.status, 200, JSON.stringify(answered.body));
    assert.equal(openai.requests.at(-1)?.headers['authorization'], `Bearer ${VENDOR_KEY}`);

    for (const args of [['--json', 'credentials', 'list', '--project', 'team-x'], ['--json', 'credentials', 'list']]) {
      const listed = JSON.parse(ok(await cli(args)).stdout) as { projectName: string; providerName: string; keyHint: string }[];
      const row = listed.find((entry) => entry.projectName === 'team-x' && entry.providerName === 'openai');
      assert.ok(row, JSON.stringify(listed));
      assert.equal(JSON.stringify(listed).includes(VENDOR_KEY), false);
    }
    const keys = JSON.parse(ok(await cli(['--json', 'keys', 'list', '--project', 'team-x'])).stdout) as { id: string; name: string; revokedAt: unknown }[];
    assert.deepEqual(keys.map((key) => [key.id, key.name, key.revokedAt]), [[created.id, 'ci', null]]);

    ok(await cli(['credentials', 'delete', '--project', 'team-x', '--provider', 'openai']));
    assert.equal(errorCode((await chat(created.key)).body), 'credential_missing');
    assert.match((await cli(['credentials', 'delete', '--project', 'team-x', '--provider', 'openai'])).stderr, /no stored credential/i);

    ok(await cli(['keys', 'revoke', created.id]));
    assert.equal((await chat(created.key)).status, 401);
  });

  test('providers and models list show the running server\'s rows and statuses', async () => {
    const providers = JSON.parse(ok(await cli(['--json', 'providers', 'list'])).stdout) as { name: string; class: string; baseUrl: string; status: string }[];
    const openaiRow = providers.find((row) => row.name === 'openai');
    assert.deepEqual([openaiRow?.class, openaiRow?.baseUrl, openaiRow?.status], ['OpenAIProvider', openai.baseUrl, 'available']);
    const models = JSON.parse(ok(await cli(['--json', 'models', 'list'])).stdout) as { name: string; provider: string; status: string }[];
    assert.ok(models.some((row) => row.name === 'gpt-4o-mini' && row.provider === 'openai' && row.status === 'available'), JSON.stringify(models));
  });

  test('routes, budgets, rate limits, model access and the usage report go through the server, which applies them at once', async () => {
    ok(await cli(['projects', 'create', 'team-y']));
    const { key } = JSON.parse(ok(await cli(['--json', 'keys', 'create', '--project', 'team-y'])).stdout) as { key: string };
    ok(await cli(['credentials', 'set', '--project', 'team-y', '--provider', 'openai', '--api-key-stdin'], VENDOR_KEY));

    // A route the running server serves at once: `model` names the route, the vendor gets its target.
    assert.match(ok(await cli(['routes', 'add', 'team-route', 'gpt-4o=1#only'])).stdout, /Added route team-route \(version \d+\): gpt-4o=1@0/);
    const routed = await chat(key, 'team-route');
    assert.equal(routed.status, 200, JSON.stringify(routed.body));
    assert.equal((openai.requests.at(-1)?.body as { model?: string }).model, 'gpt-4o');
    ok(await cli(['routes', 'targets', 'set', 'team-route', 'gpt-4o-mini=1#only']));
    const routes = JSON.parse(ok(await cli(['--json', 'routes', 'list'])).stdout) as { name: string; targets: { model: string }[] }[];
    assert.deepEqual(routes.find((route) => route.name === 'team-route')?.targets.map((target) => target.model), ['gpt-4o-mini']);
    // Explain and status ask the running gateway (its breakers, its route table).
    const explained = JSON.parse(ok(await cli(['--json', 'routes', 'explain', 'team-route', '--key', 'user-1'])).stdout) as { route: string; order: string[] };
    assert.deepEqual([explained.route, explained.order], ['team-route', ['gpt-4o-mini']]);
    const status = JSON.parse(ok(await cli(['--json', 'routes', 'status'])).stdout) as { instance: unknown; breakers: unknown[] };
    assert.ok(typeof status.instance === 'string' && Array.isArray(status.breakers), JSON.stringify(status));
    ok(await cli(['routes', 'remove', 'team-route']));
    assert.equal((await chat(key, 'team-route')).status, 404);

    // Model access: the project may call gpt-4o only.
    ok(await cli(['access', 'set', '--project', 'team-y', '--models', 'gpt-4o']));
    assert.equal(errorCode((await chat(key)).body), 'model_not_allowed');
    const access = JSON.parse(ok(await cli(['--json', 'access', 'list'])).stdout) as { project: string; allowedModels: string[] | null }[];
    assert.deepEqual(access.find((row) => row.project === 'team-y')?.allowedModels, ['gpt-4o']);
    ok(await cli(['access', 'set', '--project', 'team-y', '--all']));
    assert.equal((await chat(key)).status, 200);

    // A rate limit of one request per minute: the next call is refused by the running server.
    ok(await cli(['limits', 'set', 'team-y-rpm', '--project', 'team-y', '--rpm', '1']));
    const limits = JSON.parse(ok(await cli(['--json', 'limits', 'list'])).stdout) as { name: string }[];
    assert.ok(limits.some((limit) => limit.name === 'team-y-rpm'), JSON.stringify(limits));
    const statuses = [(await chat(key)).status, (await chat(key)).status];
    assert.ok(statuses.includes(429), `statuses ${statuses.join(', ')}`);
    ok(await cli(['limits', 'remove', 'team-y-rpm']));

    ok(await cli(['budgets', 'set', 'team-y-month', '--project', 'team-y', '--limit-usd', '25']));
    const budgets = JSON.parse(ok(await cli(['--json', 'budgets', 'list'])).stdout) as { name: string; limit_usd: string }[];
    assert.equal(Number(budgets.find((budget) => budget.name === 'team-y-month')?.limit_usd), 25);
    ok(await cli(['budgets', 'remove', 'team-y-month']));

    const report = JSON.parse(ok(await cli(['--json', 'usage', '--project', 'team-y', '--by', 'model'])).stdout) as { total: { requests: number } };
    assert.ok(report.total.requests >= 0);
  });

  test('usage explain and the per-arm comparison of a route go through the server', async () => {
    ok(await cli(['projects', 'create', 'team-z']));
    const { key } = JSON.parse(ok(await cli(['--json', 'keys', 'create', '--project', 'team-z'])).stdout) as { key: string };
    ok(await cli(['credentials', 'set', '--project', 'team-z', '--provider', 'openai', '--api-key-stdin'], VENDOR_KEY));
    ok(await cli(['routes', 'add', 'arm-route', 'gpt-4o-mini=1#control', 'gpt-4o=1#treatment']));
    const response = await fetch(`${serve.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'arm-route', messages: [{ role: 'user', content: 'hello there' }] }),
    });
    assert.equal(response.status, 200);
    await response.text();
    const requestId = response.headers.get('x-request-id') ?? '';
    const arm = response.headers.get('x-switchboard-arm');
    assert.ok(arm === 'control' || arm === 'treatment', `arm ${arm}`);
    // The server writes its ledger in batches: wait for the row through its admin API.
    const admin = { authorization: `Bearer ${serve.adminToken}` };
    for (let tries = 0; (await fetch(`${serve.url}/admin/v1/usage/requests/${requestId}`, { headers: admin })).status !== 200; tries++) {
      assert.ok(tries < 100, 'the ledger row is written within 10 s');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }

    const explained = JSON.parse(ok(await cli(['--json', 'usage', 'explain', requestId])).stdout) as {
      request_id: string;
      attempts: { project: string | null; model: string | null }[];
    };
    assert.equal(explained.request_id, requestId);
    assert.deepEqual(explained.attempts.map((attempt) => [attempt.project, attempt.model]), [['team-z', arm === 'control' ? 'gpt-4o-mini' : 'gpt-4o']]);
    assert.match(ok(await cli(['usage', 'explain', requestId])).stdout, new RegExp(`^Request ${requestId}: 1 attempt\\(s\\)`));

    const comparison = JSON.parse(ok(await cli(['--json', 'usage', '--route', 'arm-route', '--by', 'arm'])).stdout) as {
      by_arm_assigned: { arm: string; requests: number }[];
    };
    assert.deepEqual(comparison.by_arm_assigned.filter((entry) => entry.requests > 0).map((entry) => [entry.arm, entry.requests]), [[arm, 1]]);
    ok(await cli(['routes', 'remove', 'arm-route']));
  });

  test('a command that cannot go through the server names its dashboard; a wrong admin token is refused', async () => {
    const sql = await cli(['sql', 'select 1']);
    assert.notEqual(sql.code, 0);
    assert.ok(sql.stderr.includes(`${serve.url}/admin/`), sql.stderr);

    const wrong = await runCli(['projects', 'list'], { env: { ...env, SWITCHBOARD_ADMIN_TOKEN: `${serve.adminToken}-wrong` } });
    assert.notEqual(wrong.code, 0);
    assert.doesNotMatch(wrong.stderr, new RegExp(serve.adminToken));
  });
});
