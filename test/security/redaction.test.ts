// Secret hygiene of the running stack: successful and failing requests (upstream 401s, one of which
// echoes the whole key, 429 and 500 bodies quoting the key, a stream that fails mid-way, bad
// Switchboard keys, credentials that are missing or do not open) while capturing every gateway and
// createSwitchboard log line, every raw response (status, headers, body) and /metrics. No upstream
// key, Switchboard API key or master key appears anywhere, in any spelling.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CredentialStore } from '../../src/credentials/credential-store.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';
import { startOpenAIMock, type OpenAIMock } from '../mock-vendors/openai.js';
import {
  EMBED_MODEL,
  ENV_VAR,
  keyringOf,
  leakedSecrets,
  MODEL,
  newMasterKey,
  seedTenants,
  startStack,
  UNSET_MODEL,
  upstreamKey,
  type SeededTenants,
  type Stack,
  type Tenant,
} from './fixture.js';

const master = newMasterKey();
const otherMaster = newMasterKey();
const keys = { alpha: upstreamKey('alpha'), env: upstreamKey('env'), rejected: upstreamKey('rejected'), sealedElsewhere: upstreamKey('elsewhere') };

interface Captured {
  label: string;
  status: number;
  text: string;
}

describe('no secret in logs, metrics or responses', () => {
  let db: TestDb;
  let mock: OpenAIMock;
  let stack: Stack;
  let seeded: SeededTenants;
  let tenants: Record<'alpha' | 'envOnly' | 'rejected' | 'broken', Tenant>;
  const responses: Captured[] = [];

  before(async () => {
    // `keys.rejected` is stored for one project but the upstream does not accept it: a real 401.
    mock = await startOpenAIMock({ apiKeys: [keys.alpha, keys.env] });
    db = await createTestDb();
    seeded = await seedTenants(db, mock.baseUrl, ['alpha', 'env-only', 'rejected', 'broken']);
    tenants = {
      alpha: seeded.tenants['alpha'] as Tenant,
      envOnly: seeded.tenants['env-only'] as Tenant,
      rejected: seeded.tenants['rejected'] as Tenant,
      broken: seeded.tenants['broken'] as Tenant,
    };
    const store = new CredentialStore(db, keyringOf(master.key), {});
    await store.set(tenants.alpha.id, seeded.providerId, { api_key: keys.alpha, organization: 'org-alpha' });
    await store.set(tenants.rejected.id, seeded.providerId, { api_key: keys.rejected });
    // Sealed under a master key the gateway does not have: credential_invalid.
    await new CredentialStore(db, keyringOf(otherMaster.key), {}).set(tenants.broken.id, seeded.providerId, { api_key: keys.sealedElsewhere });
    stack = await startStack(db, { keyring: keyringOf(master.key), env: { [ENV_VAR]: keys.env } });
  });
  after(async () => {
    await stack?.close();
    await mock?.close();
    await db?.dispose();
  });

  /** Sends a raw request and records status, headers and the whole body (SSE included). */
  async function send(label: string, path: string, options: { apiKey?: string; body?: unknown; method?: string } = {}): Promise<Captured> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (options.apiKey !== undefined) headers['authorization'] = `Bearer ${options.apiKey}`;
    const response = await fetch(`${stack.origin}${path}`, {
      method: options.method ?? (options.body === undefined ? 'GET' : 'POST'),
      headers,
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    });
    const text = `${[...response.headers].map(([name, value]) => `${name}: ${value}`).join('\n')}\n\n${await response.text()}`;
    const captured = { label, status: response.status, text };
    responses.push(captured);
    return captured;
  }
  const chatBody = (text: string, extra: Record<string, unknown> = {}) => ({ model: MODEL, messages: [{ role: 'user', content: text }], ...extra });
  const upstreamCalls = () => mock.requests.length;

  it('runs successful and failing requests with the expected outcomes', async () => {
    let calls = upstreamCalls();
    const ok = await send('chat ok', '/v1/chat/completions', { apiKey: tenants.alpha.apiKey, body: chatBody('hello') });
    assert.equal(ok.status, 200);
    assert.match(ok.text, /"content":"Echo: hello"/);
    const streamed = await send('stream ok', '/v1/chat/completions', { apiKey: tenants.alpha.apiKey, body: chatBody('stream it', { stream: true }) });
    assert.equal(streamed.status, 200);
    assert.match(streamed.text, /data: \[DONE\]/);
    const embedded = await send('embeddings ok', '/v1/embeddings', { apiKey: tenants.envOnly.apiKey, body: { model: EMBED_MODEL, input: 'vector' } });
    assert.equal(embedded.status, 200);
    assert.deepEqual(
      mock.requests.slice(calls).map((request) => request.headers.authorization),
      [`Bearer ${keys.alpha}`, `Bearer ${keys.alpha}`, `Bearer ${keys.env}`],
    );

    // A stored key the upstream rejects: the mock's 401 echoes the key's start and end.
    calls = upstreamCalls();
    const rejected = await send('upstream 401 (echo)', '/v1/chat/completions', { apiKey: tenants.rejected.apiKey, body: chatBody('who am i') });
    assert.equal(rejected.status, 401);
    assert.match(rejected.text, /rejected the credentials \(HTTP 401\)/);
    assert.deepEqual(
      mock.requests.slice(calls).map((request) => request.headers.authorization),
      [`Bearer ${keys.rejected}`],
    );

    // Vendor error bodies quoting the whole key.
    mock.failNext({
      status: 401,
      body: { error: { message: `Incorrect API key provided: ${keys.alpha}. You can find your API key at https://platform.openai.com/account/api-keys.`, type: 'invalid_request_error', param: null, code: 'invalid_api_key' } },
    });
    assert.equal((await send('upstream 401 (full key)', '/v1/chat/completions', { apiKey: tenants.alpha.apiKey, body: chatBody('x') })).status, 401);
    mock.failNext({
      status: 429,
      body: { error: { message: `Rate limit reached for key ${keys.alpha} (org-alpha): Limit 3, Used 3.`, type: 'requests', param: null, code: 'rate_limit_exceeded' } },
      headers: { 'retry-after': '3' },
    });
    const limited = await send('upstream 429', '/v1/chat/completions', { apiKey: tenants.alpha.apiKey, body: chatBody('x') });
    assert.equal(limited.status, 429);
    assert.match(limited.text, /retry-after: 3/);
    // The vendor's text (the shared account's limits) is not passed on at all.
    assert.doesNotMatch(limited.text, /Rate limit reached for key|org-alpha|Used 3/);
    assert.match(limited.text, /rate limiting the gateway's account/);
    mock.failNext({ status: 429 });
    assert.equal((await send('upstream 429 (stream)', '/v1/chat/completions', { apiKey: tenants.alpha.apiKey, body: chatBody('x', { stream: true }) })).status, 429);
    mock.failNext({ status: 500, body: { error: { message: `upstream exploded while using ${keys.env}`, type: 'server_error', param: null, code: null } } });
    const exploded = await send('upstream 500', '/v1/chat/completions', { apiKey: tenants.envOnly.apiKey, body: chatBody('x') });
    assert.equal(exploded.status, 500);
    assert.match(exploded.text, /upstream exploded while using/);
    mock.failNextStream({ afterChunks: 2 });
    const broken = await send('stream fails mid-way', '/v1/chat/completions', { apiKey: tenants.alpha.apiKey, body: chatBody('one two three four', { stream: true }) });
    assert.equal(broken.status, 200);
    assert.match(broken.text, /"error"/);

    // Configuration changes go through createSwitchboard's log: a reload, and a bad provider row
    // (unknown class) whose config carries a key in a header, which must not be echoed in the warning.
    await db.query(
      `insert into public.ai_providers (name, provider_class, api_base_url, config) values ('sec-bad', 'NoSuchProviderClass', $1, $2::jsonb)`,
      [mock.baseUrl, JSON.stringify({ headers: { Authorization: `Bearer ${keys.alpha}` } })],
    );
    await stack.sb.reload();
    assert.ok(stack.logs.some((entry) => entry.source === 'switchboard' && entry.line.includes('sec-bad')), 'the bad row was logged');

    // Failures before any upstream call.
    calls = upstreamCalls();
    const invalid = await send('credential_invalid', '/v1/chat/completions', { apiKey: tenants.broken.apiKey, body: chatBody('x') });
    assert.equal(invalid.status, 500);
    assert.match(invalid.text, /"code":"credential_invalid"/);
    const missing = await send('credential_missing', '/v1/chat/completions', { apiKey: tenants.alpha.apiKey, body: { ...chatBody('x'), model: UNSET_MODEL } });
    assert.equal(missing.status, 400);
    assert.match(missing.text, /"code":"credential_missing"/);
    const alphaKey = tenants.alpha.apiKey;
    const wrongKey = `${alphaKey.slice(0, -4)}${alphaKey.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
    const badKey = await send('wrong Switchboard key', '/v1/chat/completions', { apiKey: wrongKey, body: chatBody('x') });
    assert.equal(badKey.status, 401);
    assert.match(badKey.text, /"code":"invalid_api_key"/);
    assert.ok(!badKey.text.includes(wrongKey));
    const noKey = await send('no Switchboard key', '/v1/models');
    assert.equal(noKey.status, 401);
    const models = await send('models', '/v1/models', { apiKey: tenants.envOnly.apiKey });
    assert.equal(models.status, 200);
    assert.equal(upstreamCalls(), calls, 'none of these reached the upstream');

    const metrics = await send('metrics', '/metrics');
    assert.equal(metrics.status, 200);
    assert.match(metrics.text, /switchboard_errors_total{code="rate_limited"} 2/);
    assert.match(metrics.text, /switchboard_errors_total{code="credential_invalid"} 1/);
  });

  it('no secret appears in any log line, metric or response', () => {
    const gatewayLines = stack.logs.filter((entry) => entry.source === 'gateway');
    // Every request above wrote one gateway log line (the capture is complete), /metrics included.
    assert.equal(gatewayLines.length, responses.length);
    assert.ok(stack.logs.some((entry) => entry.source === 'switchboard'), 'createSwitchboard logged');
    assert.ok(gatewayLines.some((entry) => entry.line.includes('"error_code":"credential_invalid"')));

    const secrets: Record<string, string> = {
      ...keys,
      masterKey: master.base64,
      masterKeyHex: master.key.key.toString('hex'),
      masterKeyBase64url: master.key.key.toString('base64url'),
      otherMasterKey: otherMaster.base64,
    };
    for (const [name, tenant] of Object.entries(tenants)) secrets[`switchboard key of ${name}`] = tenant.apiKey;
    // The vendor's own partial echo (`sk-re***ab`) must not be passed on either.
    for (const [name, key] of Object.entries(keys)) secrets[`vendor echo of ${name}`] = `${key.slice(0, 5)}***${key.slice(-2)}`;

    const sources = [
      ...stack.logs.map((entry) => ({ where: `${entry.source} log`, text: entry.line })),
      ...responses.map((response) => ({ where: `response: ${response.label}`, text: response.text })),
    ];
    const leaks = sources
      .map((source) => ({ where: source.where, leaked: leakedSecrets(source.text, secrets) }))
      .filter((source) => source.leaked.length > 0);
    assert.deepEqual(leaks, []);
  });
});
