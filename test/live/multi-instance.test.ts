// Live configuration across instances (issue 6): real `switchboard serve` processes on one fresh
// Postgres database, the strict OpenAI mock (and, for the slow stream, the Gemini mock) as upstream
// through provider rows. Every change is made the way an operator makes it — plain SQL in the seed's
// style, or the admin API of one instance — and must take effect on every instance without a
// reload (the delays are logged, not asserted). Postgres only: LISTEN/NOTIFY between processes needs a real server.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { runCli } from '../cli/cli-harness.js';
import { startGoogleMock, type GoogleMock } from '../mock-vendors/google.js';
import { startOpenAIMock, type OpenAIMock } from '../mock-vendors/openai.js';
import { insertProjectKey, randomMasterKey, startServeProcess, type LogLine, type ServeProcess } from '../helpers/serve-process.js';
import { createTestDb, skipWithoutPostgres, type TestDb } from '../helpers/test-db.js';

const PROJECT = 'live';
const OPENAI_PROVIDER = 'live-openai';
const GEMINI_PROVIDER = 'live-gemini';
const MODEL = 'live-gpt';
/** Upstream keys: the env-var fallback every instance has, then two stored (rotated) credentials. */
const ENV_KEY = 'sk-live-env-0123456789abcdef';
const STORED_KEY_1 = 'sk-live-stored-one-0123456789';
const STORED_KEY_2 = 'sk-live-stored-two-9876543210';
const GEMINI_KEY = 'AIza-live-0123456789abcdef';
const VENDOR_ENV = { LIVE_OPENAI_API_KEY: ENV_KEY, LIVE_GEMINI_API_KEY: GEMINI_KEY };
/**
 * How long a change may take to reach every instance before the test fails: generous for a busy
 * CI machine. Over LISTEN it takes milliseconds; the measured delay is only logged.
 */
const WAIT_MS = 10_000;
const POLL_ONLY_INTERVAL_MS = 300;

/** Single-quoted SQL literal, for statements written the way the seed writes them. */
const sql = (value: string): string => `'${value.replaceAll("'", "''")}'`;

describe('several switchboard serve processes on one Postgres behave as one system', { skip: skipWithoutPostgres() }, () => {
  let db: TestDb;
  let openai: OpenAIMock;
  let google: GoogleMock;
  /** Two LISTENing instances (default 5 s version poll). */
  let a: ServeProcess | undefined;
  let b: ServeProcess | undefined;
  /** LISTEN off, version poll every 300 ms. */
  let pollOnly: ServeProcess | undefined;
  let apiKey: string;
  const started: ServeProcess[] = [];

  const instances = (): ServeProcess[] => [a as ServeProcess, b as ServeProcess];

  async function get(instance: ServeProcess, path: string, key = apiKey): Promise<Response> {
    return fetch(`${instance.url}${path}`, { headers: { authorization: `Bearer ${key}` } });
  }

  async function admin(instance: ServeProcess, method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
    const response = await fetch(`${instance.url}/admin/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${instance.adminToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  }

  async function chat(instance: ServeProcess, content: string, model = MODEL): Promise<{ status: number; version: number; json: Record<string, unknown> }> {
    const response = await fetch(`${instance.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model, messages: [{ role: 'user', content }] }),
    });
    return { status: response.status, version: headerVersion(response), json: (await response.json()) as Record<string, unknown> };
  }

  function headerVersion(response: Response): number {
    const value = response.headers.get('x-switchboard-config-version');
    assert.ok(value !== null && /^\d+$/.test(value), `x-switchboard-config-version header: ${String(value)}`);
    return Number(value);
  }

  /** The config version an instance serves now (from a /v1 answer's header). */
  async function servedVersion(instance: ServeProcess): Promise<number> {
    const response = await get(instance, '/v1/models');
    assert.equal(response.status, 200);
    await response.arrayBuffer();
    return headerVersion(response);
  }

  async function modelStatus(instance: ServeProcess, name: string, key = apiKey): Promise<number> {
    const response = await get(instance, `/v1/models/${encodeURIComponent(name)}`, key);
    await response.arrayBuffer();
    return response.status;
  }

  /**
   * Polls `check` on every instance about every 10 ms (concurrently) from `start` until it holds
   * on all of them; resolves with the ms from `start` until the last one got there.
   */
  async function converge(targets: ServeProcess[], check: (instance: ServeProcess) => Promise<boolean>, start: number, timeoutMs = WAIT_MS): Promise<number> {
    const times = await Promise.all(
      targets.map(async (instance) => {
        for (;;) {
          if (await check(instance)) return performance.now() - start;
          if (performance.now() - start > timeoutMs) assert.fail(`${instance.url} did not converge within ${timeoutMs} ms`);
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      }),
    );
    return Math.max(...times);
  }

  async function insertModelSql(name: string, provider = OPENAI_PROVIDER, modelId = 'gpt-4o-mini'): Promise<void> {
    await db.exec(
      `INSERT INTO ai_models (name, display_name, provider_id, model_id, is_active)
       VALUES (${sql(name)}, ${sql(`Live ${name}`)}, (SELECT id FROM ai_providers WHERE name = ${sql(provider)}), ${sql(modelId)}, true);`,
    );
  }

  async function listenBackends(): Promise<number> {
    const result = await db.query<{ count: string }>(
      `select count(*)::text as count from pg_stat_activity where datname = current_database() and query ilike 'listen%'`,
    );
    return Number(result.rows[0]?.count);
  }

  before(async () => {
    [openai, google] = await Promise.all([
      startOpenAIMock({ apiKeys: [ENV_KEY, STORED_KEY_1, STORED_KEY_2] }),
      // Slow streams (one word every 80 ms) for the in-flight test.
      startGoogleMock({ apiKeys: [GEMINI_KEY], chunkDelayMs: 80 }),
    ]);
    db = await createTestDb();
    assert.ok(db.url, 'createTestDb() on Postgres gives a url');
    await db.exec(`
      INSERT INTO ai_providers (name, display_name, provider_class, api_base_url, required_env_vars)
      VALUES (${sql(OPENAI_PROVIDER)}, 'Live OpenAI mock', 'OpenAIProvider', ${sql(openai.baseUrl)}, '["LIVE_OPENAI_API_KEY"]'::jsonb);
      INSERT INTO ai_providers (name, display_name, provider_class, api_base_url, required_env_vars)
      VALUES ('live-off', 'Deactivated later', 'OpenAIProvider', ${sql(openai.baseUrl)}, '["LIVE_OPENAI_API_KEY"]'::jsonb);
      INSERT INTO ai_providers (name, display_name, provider_class, api_base_url, required_env_vars)
      VALUES (${sql(GEMINI_PROVIDER)}, 'Live Gemini mock', 'GoogleProvider', ${sql(google.baseUrl)}, '["LIVE_GEMINI_API_KEY"]'::jsonb);
    `);
    await insertModelSql(MODEL);
    await insertModelSql('live-off-gpt', 'live-off');
    await insertModelSql('live-stream', GEMINI_PROVIDER, 'gemini-2.5-flash');
    // The project and key exist before the instances start, so neither bootstraps a 'default' project.
    apiKey = (await insertProjectKey(db, PROJECT)).key;

    const masterKey = randomMasterKey();
    const common = { databaseUrl: db.url, masterKey, env: VENDOR_ENV };
    const starting = [
      startServeProcess(common),
      startServeProcess(common),
      startServeProcess({ ...common, env: { ...VENDOR_ENV, SWITCHBOARD_CONFIG_LISTEN: '0', SWITCHBOARD_CONFIG_POLL_MS: String(POLL_ONLY_INTERVAL_MS) } }),
    ];
    const results = await Promise.allSettled(starting);
    for (const result of results) if (result.status === 'fulfilled') started.push(result.value);
    const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failed) throw failed.reason;
    [a, b, pollOnly] = started;
  });

  after(async () => {
    const codes = await Promise.all(started.map((instance) => instance.stop()));
    await Promise.all([openai?.close(), google?.close()]);
    await db?.dispose();
    assert.deepEqual(codes, started.map(() => 0), 'every serve process exits 0 on SIGTERM');
  });

  test('a model inserted with plain SQL is served by both instances live (5 times, the delays logged)', async () => {
    const samples: number[] = [];
    for (let round = 0; round < 5; round++) {
      const name = `live-new-${round}`;
      for (const instance of instances()) assert.equal(await modelStatus(instance, name), 404, `${name} is unknown before the insert`);
      const versions = await Promise.all(instances().map(servedVersion));
      const start = performance.now();
      await insertModelSql(name);
      samples.push(await converge(instances(), async (instance) => (await modelStatus(instance, name)) === 200, start));
      for (const [index, instance] of instances().entries()) {
        const response = await get(instance, `/v1/models/${name}`);
        assert.deepEqual(
          { ...((await response.json()) as Record<string, unknown>), created: 0 },
          { id: name, object: 'model', created: 0, owned_by: OPENAI_PROVIDER },
        );
        assert.ok(headerVersion(response) > (versions[index] as number), 'the served config version increased');
      }
    }
    // The new model is callable, on the instance that did not serve it before either.
    const before = openai.requests.length;
    const answer = await chat(b as ServeProcess, 'hello new model', 'live-new-4');
    assert.equal(answer.status, 200);
    assert.equal((answer.json['choices'] as { message: { content: string } }[])[0]?.message.content, 'Echo: hello new model');
    const upstream = openai.requests.slice(before);
    assert.equal(upstream.length, 1);
    assert.equal((upstream[0]?.body as { model: string }).model, 'gpt-4o-mini');

    const sorted = [...samples].sort((x, y) => x - y);
    const p50 = sorted[Math.floor(sorted.length / 2)] as number;
    const max = sorted.at(-1) as number;
    console.log(`propagation p50=${p50.toFixed(1)} ms max=${max.toFixed(1)} ms (SQL insert to served by both of 2 instances, n=${samples.length})`);
  });

  test('deactivating a provider with SQL stops its models on both instances live', async () => {
    for (const instance of instances()) assert.equal(await modelStatus(instance, 'live-off-gpt'), 200);
    const versions = await Promise.all(instances().map(servedVersion));
    const start = performance.now();
    await db.exec(`UPDATE ai_providers SET is_active = false WHERE name = 'live-off';`);
    const elapsed = await converge(instances(), async (instance) => (await modelStatus(instance, 'live-off-gpt')) === 404, start);
    console.log(`deactivation reached both instances after ${elapsed.toFixed(1)} ms`);
    for (const [index, instance] of instances().entries()) {
      const response = await get(instance, '/v1/models/live-off-gpt');
      const body = (await response.json()) as { error: { code: string } };
      assert.equal(body.error.code, 'model_not_found');
      assert.ok(headerVersion(response) > (versions[index] as number));
      const provider = await admin(instance, 'GET', '/providers/live-off');
      assert.equal(provider.json['status'], 'inactive');
      // Everything else keeps serving.
      assert.equal(await modelStatus(instance, MODEL), 200);
    }
  });

  test('deleting a model with SQL removes it from both instances live', async () => {
    await converge(instances(), async (instance) => (await modelStatus(instance, 'live-new-0')) === 200, performance.now());
    const versions = await Promise.all(instances().map(servedVersion));
    const start = performance.now();
    await db.exec(`DELETE FROM ai_models WHERE name = 'live-new-0';`);
    const elapsed = await converge(instances(), async (instance) => (await modelStatus(instance, 'live-new-0')) === 404, start);
    console.log(`deletion reached both instances after ${elapsed.toFixed(1)} ms`);
    for (const [index, instance] of instances().entries()) {
      const answer = await chat(instance, 'are you there', 'live-new-0');
      assert.equal(answer.status, 404);
      assert.equal((answer.json['error'] as { code: string }).code, 'model_not_found');
      assert.ok(answer.version > (versions[index] as number));
    }
  });

  test('a key revoked with SQL gets 401 on both instances live; other keys keep working', async () => {
    const start = performance.now();
    const second = await insertProjectKey(db, PROJECT, 'to-revoke');
    const added = await converge(instances(), async (instance) => (await modelStatus(instance, MODEL, second.key)) === 200, start);
    console.log(`a new key worked everywhere after ${added.toFixed(1)} ms`);
    const versions = await Promise.all(instances().map(servedVersion));

    const revokeStart = performance.now();
    await db.query(`UPDATE api_keys SET revoked_at = now() WHERE id = $1`, [second.id]);
    const elapsed = await converge(instances(), async (instance) => (await modelStatus(instance, MODEL, second.key)) === 401, revokeStart);
    console.log(`revocation reached both instances after ${elapsed.toFixed(1)} ms`);
    for (const [index, instance] of instances().entries()) {
      const response = await get(instance, `/v1/models/${MODEL}`, second.key);
      assert.equal(response.status, 401);
      assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'invalid_api_key');
      assert.equal(await modelStatus(instance, MODEL), 200, 'the project key still works');
      assert.ok((await servedVersion(instance)) > (versions[index] as number));
    }
  });

  test("a project's credential stored through instance A's admin API is used by instance B live", async () => {
    const aInstance = a as ServeProcess;
    const bInstance = b as ServeProcess;
    const upstreamKeyOf = (index: number): string | undefined => {
      const header = openai.requests[index]?.headers.authorization;
      return typeof header === 'string' ? header.replace(/^Bearer /, '') : undefined;
    };
    // Before: the env-var fallback key.
    let mark = openai.requests.length;
    assert.equal((await chat(bInstance, 'which key')).status, 200);
    assert.equal(upstreamKeyOf(mark), ENV_KEY);

    for (const newKey of [STORED_KEY_1, STORED_KEY_2]) {
      const versionB = await servedVersion(bInstance);
      const start = performance.now();
      const stored = await admin(aInstance, 'PUT', `/projects/${PROJECT}/credentials/${OPENAI_PROVIDER}`, { api_key: newKey });
      assert.equal(stored.status, 200);
      assert.deepEqual(stored.json, { project: PROJECT, provider: OPENAI_PROVIDER, key_hint: `…${newKey.slice(-4)}` });
      // Applied on the writing instance before it answered.
      mark = openai.requests.length;
      const onA = await chat(aInstance, 'rotated on a');
      assert.equal(onA.status, 200);
      assert.equal(upstreamKeyOf(mark), newKey);

      let answer: Awaited<ReturnType<typeof chat>> | undefined;
      const elapsed = await converge(
        [bInstance],
        async () => {
          mark = openai.requests.length;
          answer = await chat(bInstance, 'rotated on b');
          assert.equal(answer.status, 200, JSON.stringify(answer.json));
          return upstreamKeyOf(mark) === newKey;
        },
        start,
      );
      console.log(`the credential change reached instance B after ${elapsed.toFixed(1)} ms`);
      assert.equal((answer?.json['choices'] as { message: { content: string } }[])[0]?.message.content, 'Echo: rotated on b');
      assert.ok((answer?.version ?? 0) > versionB);
    }
    const listed = await admin(bInstance, 'GET', `/projects/${PROJECT}/credentials`);
    assert.equal(listed.status, 200);
    assert.ok(!JSON.stringify(listed.json).includes(STORED_KEY_2));
  });

  test('an instance with LISTEN disabled converges by its version poll within one interval', async () => {
    const instance = pollOnly as ServeProcess;
    // Only the two LISTENing instances hold a LISTEN connection.
    assert.equal(await listenBackends(), 2);
    const samples: number[] = [];
    for (let round = 0; round < 2; round++) {
      const name = `live-poll-${round}`;
      assert.equal(await modelStatus(instance, name), 404);
      const start = performance.now();
      await insertModelSql(name);
      samples.push(await converge([instance], async (target) => (await modelStatus(target, name)) === 200, start));
    }
    const bound = POLL_ONLY_INTERVAL_MS + 500;
    assert.ok(Math.max(...samples) <= bound, `poll-only convergence ${samples.map((ms) => ms.toFixed(1)).join(', ')} ms, bound ${bound} ms`);
  });

  test('rows with an unknown provider_class or invalid features disable only themselves, with their reason', async () => {
    // Both instances serve the latest version (earlier tests' changes included) before the snapshot of what they serve.
    const latest = Number((await db.query<{ version: string }>(`select version::text as version from public.switchboard_config_version`)).rows[0]?.version);
    await converge(instances(), async (instance) => (await servedVersion(instance)) >= latest, performance.now());
    const availableBefore = await Promise.all(instances().map(async (instance) => modelIds(await get(instance, '/v1/models'))));
    const start = performance.now();
    await db.exec(`
      INSERT INTO ai_providers (name, display_name, provider_class, api_base_url, required_env_vars)
      VALUES ('live-unknown-class', 'No such class', 'NoSuchProvider', ${sql(openai.baseUrl)}, '["LIVE_OPENAI_API_KEY"]'::jsonb);
      INSERT INTO ai_providers (name, display_name, provider_class, api_base_url, required_env_vars, features)
      VALUES ('live-bad-features', 'Bad features', 'OpenAIProvider', ${sql(openai.baseUrl)}, '["LIVE_OPENAI_API_KEY"]'::jsonb, '{"streaming": "yes"}'::jsonb);
    `);
    await insertModelSql('live-bad-model', 'live-bad-features');
    // The status comes from the instance's serving snapshot (the row itself is read from the database).
    const elapsed = await converge(
      instances(),
      async (instance) => (await admin(instance, 'GET', '/models/live-bad-model')).json['status'] === 'unavailable',
      start,
    );
    console.log(`the bad rows reached both instances after ${elapsed.toFixed(1)} ms`);

    for (const [index, instance] of instances().entries()) {
      const unknown = await admin(instance, 'GET', '/providers/live-unknown-class');
      assert.equal(unknown.status, 200);
      assert.equal(unknown.json['status'], 'unavailable');
      assert.match(String(unknown.json['unavailable_reason']), /unknown provider_class 'NoSuchProvider'/);
      const badFeatures = await admin(instance, 'GET', '/providers/live-bad-features');
      assert.equal(badFeatures.json['status'], 'unavailable');
      assert.match(String(badFeatures.json['unavailable_reason']), /invalid features\.streaming/);
      const model = await admin(instance, 'GET', '/models/live-bad-model');
      assert.equal(model.json['status'], 'unavailable');
      assert.match(String(model.json['unavailable_reason']), /provider 'live-bad-features' is unavailable/);

      // Calling the broken model says why; everything else keeps serving.
      const broken = await get(instance, '/v1/models/live-bad-model');
      assert.equal(broken.status, 503);
      assert.match(((await broken.json()) as { error: { message: string } }).error.message, /invalid features\.streaming/);
      const available = await modelIds(await get(instance, '/v1/models'));
      assert.ok(available.includes(MODEL) && !available.includes('live-bad-model'));
      assert.deepEqual(available, availableBefore[index], 'every model served before is still served');
      const mark = openai.requests.length;
      const answer = await chat(instance, 'still serving');
      assert.equal(answer.status, 200);
      assert.equal((answer.json['choices'] as { message: { content: string } }[])[0]?.message.content, 'Echo: still serving');
      assert.equal(openai.requests.length, mark + 1);
    }

    const cli = await runCli(['--json', 'providers', 'list'], { env: { DATABASE_URL: db.url as string } });
    assert.equal(cli.code, 0, cli.stderr);
    const rows = JSON.parse(cli.stdout) as { name: string; status: string; reason: string | null }[];
    const byName = new Map(rows.map((row) => [row.name, row]));
    assert.equal(byName.get('live-unknown-class')?.status, 'unavailable');
    assert.match(String(byName.get('live-unknown-class')?.reason), /unknown provider_class 'NoSuchProvider'/);
    assert.equal(byName.get('live-bad-features')?.status, 'unavailable');
    assert.match(String(byName.get('live-bad-features')?.reason), /invalid features\.streaming/);
    assert.equal(byName.get(OPENAI_PROVIDER)?.status, 'available');
  });

  test('a stream in flight completes normally while its model is deleted', async () => {
    const instance = a as ServeProcess;
    const client = new OpenAI({ baseURL: `${instance.url}/v1`, apiKey, maxRetries: 0, timeout: 10_000 });
    const words = 'one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen';
    const mark = google.requests.length;
    const stream = await client.chat.completions.create(
      { model: 'live-stream', messages: [{ role: 'user', content: words }], stream: true },
      { headers: { 'x-request-id': 'live-stream-in-flight' } },
    );
    const chunks: { text: string; at: number; finish: string | null }[] = [];
    let firstChunk: () => void = () => {};
    const gotFirst = new Promise<void>((resolve) => (firstChunk = resolve));
    const reading = (async () => {
      for await (const chunk of stream) {
        const choice = chunk.choices[0];
        chunks.push({ text: choice?.delta.content ?? '', at: performance.now(), finish: choice?.finish_reason ?? null });
        if (choice?.delta.content) firstChunk();
      }
    })();
    await gotFirst;

    const start = performance.now();
    await db.exec(`DELETE FROM ai_models WHERE name = 'live-stream';`);
    const gone = start + (await converge(instances(), async (target) => (await modelStatus(target, 'live-stream')) === 404, start));
    await reading;

    assert.equal(chunks.map((chunk) => chunk.text).join(''), `Echo: ${words}`);
    assert.equal(chunks.at(-1)?.finish, 'stop');
    assert.ok((chunks.at(-1)?.at ?? 0) > gone, 'chunks kept arriving after both instances had dropped the model');
    const upstream = google.requests.slice(mark);
    assert.equal(upstream.length, 1);
    assert.match(upstream[0]?.url ?? '', /gemini-2\.5-flash:streamGenerateContent/);
    assert.equal(upstream[0]?.aborted, false);
    const logLine = await instance.waitForLog((line: LogLine) => line['request_id'] === 'live-stream-in-flight');
    assert.equal(logLine['status'], 200);
    assert.equal(logLine['model'], 'live-stream');
  });

  test('after the LISTEN connections are killed, each instance reconnects and converges', async () => {
    const killed = await db.query<{ terminated: boolean }>(
      `select pg_terminate_backend(pid) as terminated from pg_stat_activity where datname = current_database() and query ilike 'listen%'`,
    );
    assert.deepEqual(killed.rows.map((row) => row.terminated), [true, true], 'one LISTEN connection per LISTENing instance');
    const start = performance.now();
    await insertModelSql('live-after-kill');
    const elapsed = await converge(instances(), async (instance) => (await modelStatus(instance, 'live-after-kill')) === 200, start);
    console.log(`convergence after the kill took ${elapsed.toFixed(1)} ms`);
    for (const instance of instances()) {
      await instance.waitForLog((line) => /lost the LISTEN connection/.test(String(line['msg'])));
      await instance.waitForLog((line) => /LISTEN connection restored/.test(String(line['msg'])));
    }
    const deadline = performance.now() + WAIT_MS;
    while ((await listenBackends()) !== 2) {
      assert.ok(performance.now() < deadline, 'both instances LISTEN again');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    // Notifications flow again (both LISTEN connections are back, above): the next change arrives.
    const again = performance.now();
    await insertModelSql('live-after-reconnect');
    const next = await converge(instances(), async (instance) => (await modelStatus(instance, 'live-after-reconnect')) === 200, again);
    console.log(`after reconnecting, a change took ${next.toFixed(1)} ms`);
  });
});

async function modelIds(response: Response): Promise<string[]> {
  assert.equal(response.status, 200);
  const body = (await response.json()) as { data: { id: string }[] };
  return body.data.map((model) => model.id).sort();
}
