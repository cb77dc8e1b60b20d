// The model row's native_fields rules on /v1/responses served by OpenAI's own Responses API (the
// native path), and their secure defaults: a priced service tier, stored prompts and hosted tools
// that call out are refused before any upstream call unless the row passes them; the hosted tools
// Codex offers on every request (web_search, image_generation) are dropped instead, so Codex keeps
// working. The strict mock records what it received.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { MODELS, type TestGateway } from '../helpers/gateway.js';
import { startResponsesGateway } from './responses-helpers.js';

/** An OpenAI row that passes priority, web search, MCP and drops max_tool_calls. */
const OPEN = 'e2e-gpt-rules-open';

let t: TestGateway;
let client: OpenAI;

before(async () => {
  t = await startResponsesGateway();
  const rules = { service_tier: 'pass', 'tools.web_search': 'pass', 'tools.mcp': 'pass', max_tool_calls: 'drop' };
  await t.db.query(
    `insert into public.ai_models (name, provider_id, model_id, features)
     select $1, id, 'gpt-4o-mini', $2::jsonb from public.ai_providers where name = 'e2e-openai'`,
    [OPEN, JSON.stringify({ native_fields: rules })],
  );
  await t.watcher.refresh();
  client = t.client();
});
after(async () => {
  await t.close();
});

const lookup = { type: 'function', name: 'lookup', parameters: { type: 'object', properties: { q: { type: 'string' } } }, strict: false } as const;
const mcp = { type: 'mcp', server_label: 'meta', server_url: 'http://169.254.169.254/latest', require_approval: 'never' } as const;

type Body = Record<string, unknown>;
type Params = OpenAI.Responses.ResponseCreateParamsNonStreaming;

/** The body of the last /responses request OpenAI received. */
function sentToOpenAI(): Body {
  const request = t.openai.requests.filter((candidate) => candidate.url.endsWith('/responses')).at(-1);
  assert.ok(request, 'OpenAI was called');
  return request.body as Body;
}

const responsesCalls = (): number => t.openai.requests.filter((request) => request.url.endsWith('/responses')).length;

/** The request is a 400 `unsupported_feature` with `param` and a message matching `pattern`, and OpenAI was not called. */
async function refused(body: Body, param: string, pattern: RegExp): Promise<void> {
  const before = responsesCalls();
  await assert.rejects(client.responses.create(body as unknown as Params), (error: unknown) => {
    assert.ok(error instanceof OpenAI.APIError, String(error));
    assert.equal(error.status, 400);
    assert.equal(error.code, 'unsupported_feature');
    assert.equal(error.param, param);
    assert.match(error.message, pattern);
    return true;
  });
  assert.equal(responsesCalls(), before, 'no upstream call');
}

describe('top-level fields', () => {
  it('service_tier "priority" is refused by default; auto passes; a row rule passes priority', async () => {
    await refused({ model: MODELS.openai, input: 'hi', service_tier: 'priority' }, 'service_tier', /service_tier 'priority' is not enabled for the model 'e2e-gpt'/);
    await client.responses.create({ model: MODELS.openai, input: 'hi', service_tier: 'auto' });
    assert.equal(sentToOpenAI()['service_tier'], 'auto');
    await client.responses.create({ model: OPEN, input: 'hi', service_tier: 'priority' });
    assert.equal(sentToOpenAI()['service_tier'], 'priority');
  });

  it('a stored prompt is refused by default; a row rule drops max_tool_calls', async () => {
    await refused({ model: MODELS.openai, input: 'hi', prompt: { id: 'pmpt_123' } }, 'prompt', /prompt is not enabled/);
    await client.responses.create({ model: MODELS.openai, input: 'hi', max_tool_calls: 3 } as Params);
    assert.equal(sentToOpenAI()['max_tool_calls'], 3, 'passed without a rule');
    await client.responses.create({ model: OPEN, input: 'hi', max_tool_calls: 1000 } as Params);
    assert.equal('max_tool_calls' in sentToOpenAI(), false);
  });
});

describe('hosted tools', () => {
  it('an mcp tool (a server_url) is refused by default, before any upstream call; a row rule passes it', async () => {
    await refused({ model: MODELS.openai, input: 'hi', tools: [lookup, mcp] }, 'tools[1].type', /tools\[1\]\.type 'mcp' is not enabled.*"tools\.mcp": "pass"/);
    await refused({ model: MODELS.openai, input: 'hi', tools: [{ type: 'file_search', vector_store_ids: ['vs_1'] }] }, 'tools[0].type', /'file_search'/);
    await refused({ model: MODELS.openai, input: 'hi', tools: [{ type: 'code_interpreter', container: { type: 'auto' } }] }, 'tools[0].type', /'code_interpreter'/);
    await client.responses.create({ model: OPEN, input: 'hi', tools: [mcp] });
    assert.deepEqual(sentToOpenAI()['tools'], [mcp]);
  });

  it("Codex's web_search and image_generation are dropped by default (the request still works); a row rule passes web_search", async () => {
    const webSearch = { type: 'web_search', external_web_access: false };
    const images = { type: 'image_generation', output_format: 'png' };
    const response = await client.responses.create({ model: MODELS.openai, input: 'hi', tools: [lookup, webSearch, images] } as Params);
    assert.equal(response.status, 'completed');
    assert.deepEqual(sentToOpenAI()['tools'], [lookup]);
    await client.responses.create({ model: OPEN, input: 'hi', tools: [lookup, webSearch] } as Params);
    assert.deepEqual(sentToOpenAI()['tools'], [lookup, webSearch]);
  });

  it('a tool_choice that forces a dropped tool is a 400', async () => {
    await refused(
      { model: MODELS.openai, input: 'hi', tools: [lookup, { type: 'web_search_preview' }], tool_choice: { type: 'web_search_preview' } },
      'tools[1].type',
      /'web_search_preview' is not sent to the model 'e2e-gpt'/,
    );
    await refused({ model: MODELS.openai, input: 'hi', tools: [{ type: 'web_search' }], tool_choice: 'required' }, 'tools[0].type', /tool_choice requires it/);
  });
});
