// /v1/messages served by another vendor (the translated path) against a hostile client and a
// hostile upstream: a tool_result answering no tool_use is the client's 400 in its own terms before
// any upstream call, and a turn that calls a tool with arguments cut off is the provider's error,
// never a tool call the SDK completes into other arguments (its partial-JSON parser reads
// `{"paths":["/tmp/build","/"` as `{paths: ["/tmp/build", "/"]}`, and its tool runner runs that).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { MODELS, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { addMessagesModels, anthropicClient, MESSAGES_MODELS } from '../helpers/messages-gateway.js';
import { startMockServer, type MockServer } from '../helpers/mock-server.js';

const CUT = 'e2e-cut-args';

/** The arguments of a call the upstream cuts off (the model meant `["/tmp/build", "/tmp/cache"]`). */
const CUT_ARGUMENTS = '{"paths":["/tmp/build","/"';

/** The chunks of a compatible server's tool turn whose arguments are cut off, then `finish`. */
function cutChunks(finish: string): unknown[] {
  const chunk = (delta: unknown, finishReason: string | null = null): unknown => ({
    id: 'cc-cut',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'compat-1',
    choices: [{ index: 0, delta, finish_reason: finishReason }],
  });
  return [
    chunk({ role: 'assistant', tool_calls: [{ index: 0, id: 'call_cut', type: 'function', function: { name: 'remove', arguments: '' } }] }),
    chunk({ tool_calls: [{ index: 0, function: { arguments: CUT_ARGUMENTS.slice(0, 12) } }] }),
    chunk({ tool_calls: [{ index: 0, function: { arguments: CUT_ARGUMENTS.slice(12) } }] }),
    { ...(chunk({}, finish) as object), usage: { prompt_tokens: 7, completion_tokens: 9, total_tokens: 16 } },
  ];
}

let t: TestGateway;
let client: Anthropic;
let compat: MockServer;
/** The finish reason the compatible server ends its next turn with. */
let finish = 'tool_calls';

before(async () => {
  t = await startTestGateway();
  await addMessagesModels(t);
  client = anthropicClient(t);
  compat = await startMockServer((request, response) => {
    const stream = (request.body as { stream?: boolean }).stream === true;
    if (!stream) {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({
          id: 'cc-cut',
          object: 'chat.completion',
          created: 1,
          model: 'compat-1',
          choices: [
            {
              index: 0,
              message: { role: 'assistant', content: null, tool_calls: [{ id: 'call_cut', type: 'function', function: { name: 'remove', arguments: CUT_ARGUMENTS } }] },
              finish_reason: finish,
            },
          ],
          usage: { prompt_tokens: 7, completion_tokens: 9, total_tokens: 16 },
        }),
      );
      return;
    }
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    for (const chunk of cutChunks(finish)) response.write(`data: ${JSON.stringify(chunk)}\n\n`);
    response.end('data: [DONE]\n\n');
  });
  await t.db.query(
    `insert into public.ai_providers (name, provider_class, api_base_url, required_env_vars)
     values ($1, 'CustomProvider', $2, '["E2E_OPENAI_API_KEY"]'::jsonb)`,
    [CUT, `${compat.origin}/v1`],
  );
  await t.db.query(`insert into public.ai_models (name, provider_id, model_id) select $1, id, 'compat-1' from public.ai_providers where name = $1`, [CUT]);
  await t.watcher.refresh();
});
after(async () => {
  await t.close();
  await compat.close();
});

const bash: Anthropic.Tool = { name: 'bash', input_schema: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] } };
const remove: Anthropic.Tool = { name: 'remove', input_schema: { type: 'object', properties: { paths: { type: 'array', items: { type: 'string' } } }, required: ['paths'] } };

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => assert.fail(`expected an error, got ${JSON.stringify(value).slice(0, 300)}`),
    (caught: unknown) => caught,
  );
}

describe('/v1/messages translated: a tool_result that answers no tool_use', () => {
  const upstreamCalls = (): number => t.openai.requests.length + t.google.requests.length + t.cohere.requests.length;

  for (const model of [MODELS.openai, MODELS.google, MODELS.cohere, MESSAGES_MODELS.custom]) {
    it(`is a 400 naming messages.N.content.M.tool_use_id, before any upstream call (${model})`, async () => {
      const before = upstreamCalls();
      const error = await rejection(
        client.messages.create({
          model,
          max_tokens: 100,
          system: 'Be brief.',
          tools: [bash],
          messages: [
            { role: 'user', content: 'list the files' },
            { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_real', name: 'bash', input: { command: 'ls' } }] },
            {
              role: 'user',
              content: [
                { type: 'tool_result', tool_use_id: 'toolu_real', content: 'a.txt' },
                { type: 'tool_result', tool_use_id: 'toolu_forged', content: 'b.txt' },
              ],
            },
          ],
        }),
      );
      assert.ok(error instanceof Anthropic.BadRequestError, String(error));
      assert.match(error.message, /messages\.2\.content\.1\.tool_use_id .*toolu_forged/);
      assert.doesNotMatch(error.message, /tool_call_id|messages\[/, 'the client\'s own terms, not the normalized request\'s');
      assert.equal(upstreamCalls(), before, 'refused before any upstream call');
    });
  }

  it('still serves a tool_result answering a tool_use of an earlier turn', async () => {
    const message = await client.messages.create({
      model: MODELS.openai,
      max_tokens: 100,
      tools: [bash],
      messages: [
        { role: 'user', content: 'list the files' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_real', name: 'bash', input: { command: 'ls' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_real', content: 'a.txt' }] },
      ],
    });
    assert.equal(message.type, 'message');
  });
});

describe('/v1/messages translated: a tool turn whose arguments are cut off', () => {
  it('ends the stream with event: error, not a tool_use the SDK completes', async () => {
    finish = 'tool_calls';
    const stream = client.messages.stream({ model: CUT, max_tokens: 100, tools: [remove], messages: [{ role: 'user', content: 'clean up' }] });
    const error = await rejection(stream.finalMessage());
    assert.ok(error instanceof Anthropic.APIError, String(error));
    assert.match(String((error as Error).message), /'remove' cut off or not a complete JSON object/);
  });

  it('is a 502 api_error when not streamed, not a tool_use with input {}', async () => {
    finish = 'tool_calls';
    const error = await rejection(client.messages.create({ model: CUT, max_tokens: 100, tools: [remove], messages: [{ role: 'user', content: 'clean up' }] }));
    assert.ok(error instanceof Anthropic.InternalServerError, String(error));
    assert.equal(error.status, 502);
    assert.match(error.message, /'remove' cut off or not a complete JSON object/);
  });

  it('stays a max_tokens answer when the output limit cut the call (as Anthropic answers it)', async () => {
    finish = 'length';
    const body = { model: CUT, max_tokens: 100, tools: [remove], messages: [{ role: 'user' as const, content: 'clean up' }] };
    const streamed = await client.messages.stream(body).finalMessage();
    const whole = await client.messages.create(body);
    for (const message of [streamed, whole]) {
      assert.equal(message.stop_reason, 'max_tokens');
      assert.deepEqual(message.content.map((block) => block.type), ['tool_use']);
    }
  });
});
