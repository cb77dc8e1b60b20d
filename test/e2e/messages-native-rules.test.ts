// The model row's native_fields rules on /v1/messages served by Anthropic (the native path), and
// their secure defaults: priced or calling-out fields and server tools are refused before any
// upstream call unless the row passes them, and only allow-listed anthropic-beta flags reach
// Anthropic. The strict mock records what it received, so each test asserts what reached the vendor.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';

/** An Anthropic row without rules (the defaults). */
const PLAIN = 'e2e-claude-rules-plain';
/** An Anthropic row that passes fast mode, web search, context-1m and refuses `diagnostics`. */
const OPEN = 'e2e-claude-rules-open';
/** An Anthropic row that drops web search and `context_management`. */
const DROPPING = 'e2e-claude-rules-drop';

const rules = {
  [OPEN]: { speed: 'pass', 'tools.web_search': 'pass', 'anthropic-beta.context-1m': 'pass', diagnostics: 'refuse' },
  [DROPPING]: { 'tools.web_search_20250305': 'drop', context_management: 'drop' },
};

let t: TestGateway;

before(async () => {
  t = await startTestGateway();
  for (const name of [PLAIN, OPEN, DROPPING]) {
    const features = JSON.stringify({ native_fields: (rules as Record<string, unknown>)[name] ?? {} });
    await t.db.query(
      `insert into public.ai_models (name, provider_id, model_id, features)
       select $1, id, 'claude-test-1', $2::jsonb from public.ai_providers where name = 'e2e-anthropic'`,
      [name, features],
    );
  }
  await t.watcher.refresh();
});
after(async () => {
  await t.close();
});

interface Answer {
  status: number;
  body: { type: string; error?: { type: string; message: string }; content?: unknown };
}

async function post(body: Record<string, unknown>, headers: Record<string, string> = {}, path = '/v1/messages'): Promise<Answer> {
  const response = await fetch(`${t.origin}${path}`, {
    method: 'POST',
    headers: { 'x-api-key': t.apiKey, 'anthropic-version': '2023-06-01', 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Answer['body'] };
}

const ask = (model: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  model,
  max_tokens: 64,
  messages: [{ role: 'user', content: 'hello there' }],
  ...extra,
});

const webSearch = { type: 'web_search_20250305', name: 'web_search', max_uses: 100 };
const lookup = { name: 'lookup', description: 'Look it up', input_schema: { type: 'object', properties: { q: { type: 'string' } } } };

/** The last request Anthropic received. */
function lastSent(): { body: Record<string, unknown>; headers: Record<string, string | string[] | undefined> } {
  const request = t.anthropic.requests.at(-1);
  assert.ok(request, 'Anthropic was called');
  return { body: request.body as Record<string, unknown>, headers: request.headers };
}

/** Sends the request and asserts a 400 naming `pattern` with no upstream call. */
async function refused(body: Record<string, unknown>, pattern: RegExp, headers: Record<string, string> = {}, path?: string): Promise<void> {
  const before = t.anthropic.requests.length;
  const answer = await post(body, headers, path);
  assert.equal(answer.status, 400, JSON.stringify(answer.body));
  assert.equal(answer.body.error?.type, 'invalid_request_error');
  assert.match(answer.body.error?.message ?? '', pattern);
  assert.equal(t.anthropic.requests.length, before, 'no upstream call');
}

describe('top-level fields: secure defaults and the row rules', () => {
  it('speed "fast" on a row without a rule → 400 naming speed, before any upstream call; it reaches Anthropic when the row passes it', async () => {
    await refused(ask(PLAIN, { speed: 'fast' }), /^speed 'fast' is not enabled for the model 'e2e-claude-rules-plain'.*native_fields \{"speed": "pass"\}/);
    const answer = await post(ask(OPEN, { speed: 'fast' }));
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(lastSent().body['speed'], 'fast');
  });

  it('inference_geo "us", mcp_servers and container are refused by default; their harmless values pass', async () => {
    await refused(ask(PLAIN, { inference_geo: 'us' }), /^inference_geo 'us' is not enabled/);
    await refused(ask(PLAIN, { mcp_servers: [{ type: 'url', url: 'http://169.254.169.254/mcp', name: 'meta' }] }), /^mcp_servers is not enabled/);
    await refused(ask(PLAIN, { container: 'container_011' }), /^container 'container_011' is not enabled/);
    await refused(ask(PLAIN, { service_tier: 'priority' }), /^service_tier 'priority' is not enabled/);
    const answer = await post(ask(PLAIN, { inference_geo: 'global', service_tier: 'auto', speed: 'standard' }));
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const sent = lastSent().body;
    assert.deepEqual([sent['inference_geo'], sent['service_tier'], sent['speed']], ['global', 'auto', 'standard']);
  });

  it('a row rule drops a field (context_management) or refuses it (diagnostics)', async () => {
    const edits = { edits: [{ type: 'clear_thinking_20251015', keep: 'all' }] };
    assert.equal((await post(ask(DROPPING, { context_management: edits }))).status, 200);
    assert.equal('context_management' in lastSent().body, false);
    assert.equal((await post(ask(PLAIN, { context_management: edits }))).status, 200);
    assert.deepEqual(lastSent().body['context_management'], edits, 'passed by default');
    await refused(ask(OPEN, { diagnostics: { level: 'full' } }), /^diagnostics is not allowed for the model 'e2e-claude-rules-open' \(refused by its native_fields rules\)/);
  });
});

describe('server tools', () => {
  it('a web_search server tool is refused by default (400 naming tools.0.type), before any upstream call', async () => {
    await refused(ask(PLAIN, { tools: [webSearch] }), /^tools\.0\.type 'web_search_20250305' is not enabled.*"tools\.web_search": "pass"/);
    await refused(ask(PLAIN, { tools: [lookup, { type: 'code_execution_20250825', name: 'code_execution' }] }), /^tools\.1\.type 'code_execution_20250825'/);
    await refused(ask(PLAIN, { tools: [{ type: 'advisor_20260301', name: 'advisor', model: 'claude-opus-4-7' }] }), /^tools\.0\.type 'advisor_20260301'/);
    // Client tools and client-run Anthropic tools pass without a rule.
    const bash = { type: 'bash_20250124', name: 'bash' };
    const answer = await post(ask(PLAIN, { tools: [lookup, bash] }));
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.deepEqual(lastSent().body['tools'], [lookup, bash]);
  });

  it('web_search is refused without a rule and passes when the row allows its family (tools.web_search), beside the client tools', async () => {
    await refused(ask(PLAIN, { tools: [lookup, webSearch] }), /^tools\.1\.type 'web_search_20250305' is not enabled/);
    const answer = await post(ask(OPEN, { tools: [lookup, webSearch] }));
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.deepEqual(lastSent().body['tools'], [lookup, webSearch]);
  });

  it('a row rule drops the tool from the list; a tool_choice that forces it is then a 400', async () => {
    const answer = await post(ask(DROPPING, { tools: [webSearch, lookup] }));
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.deepEqual(lastSent().body['tools'], [lookup]);
    await refused(ask(DROPPING, { tools: [webSearch, lookup], tool_choice: { type: 'tool', name: 'web_search' } }), /^tools\.0\.type 'web_search_20250305' is not sent/);
  });
});

describe('anthropic-beta', () => {
  it('forwards allow-listed flags and strips the others (context-1m, files-api, mcp-client, unknown) without refusing', async () => {
    const flags = 'claude-code-20250219, interleaved-thinking-2025-05-14,context-1m-2025-08-07,files-api-2025-04-14,mcp-client-2025-11-20,fine-grained-tool-streaming-2025-05-14,made-up-2099-01-01';
    const answer = await post(ask(PLAIN), { 'anthropic-beta': flags });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(lastSent().headers['anthropic-beta'], 'claude-code-20250219,interleaved-thinking-2025-05-14,fine-grained-tool-streaming-2025-05-14');
  });

  it('a header with no allowed flag is not sent at all; a row rule passes context-1m', async () => {
    assert.equal((await post(ask(PLAIN), { 'anthropic-beta': 'context-1m-2025-08-07' })).status, 200);
    assert.equal(lastSent().headers['anthropic-beta'], undefined);
    assert.equal((await post(ask(OPEN), { 'anthropic-beta': 'context-1m-2025-08-07,oauth-2025-04-20' })).status, 200);
    assert.equal(lastSent().headers['anthropic-beta'], 'context-1m-2025-08-07');
  });
});

describe('count_tokens follows the same rules', () => {
  it('refuses a web_search tool and strips a disallowed beta', async () => {
    const count = { model: PLAIN, messages: [{ role: 'user', content: 'hello there' }] };
    await refused({ ...count, tools: [webSearch] }, /^tools\.0\.type 'web_search_20250305'/, {}, '/v1/messages/count_tokens');
    const answer = await post(count, { 'anthropic-beta': 'context-1m-2025-08-07,token-efficient-tools-2025-02-19' }, '/v1/messages/count_tokens');
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.ok(lastSent().body !== undefined && t.anthropic.requests.at(-1)?.url.endsWith('/count_tokens'));
    assert.equal(lastSent().headers['anthropic-beta'], 'token-efficient-tools-2025-02-19');
  });
});

describe('Claude Code keeps working by default', () => {
  it("Claude Code's own body and betas (thinking, effort, context_management, cache_control, custom tools) pass unchanged; only its context-1m flag is stripped", async () => {
    const betas = 'claude-code-20250219,interleaved-thinking-2025-05-14,context-management-2025-06-27,prompt-caching-scope-2026-01-05,advanced-tool-use-2025-11-20,effort-2025-11-24';
    const body = {
      model: PLAIN,
      max_tokens: 32000,
      stream: true,
      system: [{ type: 'text', text: 'You are Claude Code.', cache_control: { type: 'ephemeral' } }],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'list the files', cache_control: { type: 'ephemeral' } }] }],
      tools: [{ ...lookup, name: 'Bash' }],
      metadata: { user_id: 'user_abc_session_1' },
      thinking: { type: 'enabled', budget_tokens: 2048 },
      output_config: { effort: 'medium' },
      context_management: { edits: [{ type: 'clear_thinking_20251015', keep: 'all' }] },
    };
    const response = await fetch(`${t.origin}/v1/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.apiKey}`, 'anthropic-version': '2023-06-01', 'anthropic-beta': `${betas},context-1m-2025-08-07`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    assert.equal(response.status, 200, await response.clone().text());
    assert.match(await response.text(), /event: message_stop/);
    const sent = lastSent();
    // metadata.user_id goes as the project's pseudonym: the test gateway's key is an env var every
    // project shares (test/security/shared-account-ids.test.ts).
    const { metadata, ...rest } = sent.body;
    assert.deepEqual({ ...rest, model: PLAIN, metadata: body.metadata }, body);
    assert.match(String((metadata as { user_id?: unknown }).user_id), /^sb_[A-Za-z0-9_-]{32}$/);
    assert.equal(sent.headers['anthropic-beta'], betas);
  });
});
