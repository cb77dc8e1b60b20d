// Documented quirks of OpenAI-compatible servers, served through CustomProvider rows pointed at a
// strict local mock of each server's wire format:
// - Mistral's API takes only tool call ids of nine letters or digits, and refuses the whole request
//   otherwise (400 "Tool call id was toolu_… but must be a-z, A-Z, 0-9, with a length of 9.",
//   langchain-ai/langchain#24668, anomalyco/opencode#1680): a conversation begun on Anthropic or
//   OpenAI, sent on to a Mistral row (a client switching models, a route falling back), failed;
// - Mistral ends an answer cut by the model's context with `finish_reason: "model_length"` and
//   DeepSeek one interrupted for want of capacity with `insufficient_system_resource`: both were
//   reported as a natural `stop`;
// - llama.cpp's llama-server (ggml-org/llama.cpp#20198) and TGI send a tool call's `arguments` as a
//   JSON object instead of a string: a stream dropped them, so the client got the call with `{}`;
// - vLLM sends only `data: [DONE]` when it fails before the first token: that was a complete, empty
//   answer (a 200 and `finish_reason: "stop"`);
// - vLLM, LiteLLM proxies and OpenRouter may answer HTTP 200 with an `{"error": …}` body: that was a
//   502 saying only "malformed chat completion".
// - OpenRouter reports a failure after the stream began as a `data: {"error": …}` line: its message
//   reached clients with its control characters, and an account-limit error (code 429) whole.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { anthropicClient } from '../helpers/messages-gateway.js';
import { sendJson, sendSse, startMockServer, type MockServer } from '../helpers/mock-server.js';

const MISTRAL = 'e2e-mistral-compat';
const DEEPSEEK = 'e2e-deepseek-compat';
const LLAMACPP = 'e2e-llamacpp-compat';
const VLLM = 'e2e-vllm-compat';
const OPENROUTER = 'e2e-openrouter-compat';
const OPENROUTER_STREAM = 'e2e-openrouter-stream-compat';

/** OpenRouter's in-stream errors, chosen by the last user text. */
const streamErrors: Record<string, unknown> = {
  limit: { code: 429, message: 'Rate limit exceeded: free-models-per-day. Limit 50, used 50.' },
  garbled: { code: 502, message: 'Provider returned error\u001b]52;c;aGk=\u0007 \u202egnol\u200b' },
};

interface WireMessage {
  role: string;
  tool_call_id?: string;
  tool_calls?: { id?: string }[];
}
interface WireBody {
  model: string;
  stream?: boolean;
  messages: WireMessage[];
}

/** Mistral's check of every tool call id in the conversation (its 400, as the API words it). */
function mistralIdError(messages: readonly WireMessage[]): unknown {
  const ids = messages.flatMap((message) => [...(message.tool_calls ?? []).map((call) => call.id), ...(message.role === 'tool' ? [message.tool_call_id] : [])]);
  const bad = ids.find((id) => typeof id !== 'string' || !/^[a-zA-Z0-9]{9}$/.test(id));
  if (bad === undefined) return undefined;
  return { object: 'error', message: `Tool call id was ${String(bad)} but must be a-z, A-Z, 0-9, with a length of 9.`, type: 'invalid_function_call', param: null, code: '3280' };
}

/** A chat completion, or its stream, in the server's wire format. */
async function answer(response: Parameters<Parameters<typeof startMockServer>[0]>[1], body: WireBody, delta: Record<string, unknown>, finish: string): Promise<void> {
  const base = { id: 'cmpl-e7a1', object: 'chat.completion.chunk', created: 1_775_000_000, model: body.model };
  const usage = { prompt_tokens: 12, completion_tokens: 3, total_tokens: 15 };
  if (body.stream !== true) {
    sendJson(response, 200, { ...base, object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: null, ...delta }, finish_reason: finish }], usage });
    return;
  }
  const frames = [
    { ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] },
    { ...base, choices: [{ index: 0, delta, finish_reason: null }] },
    { ...base, choices: [{ index: 0, delta: { content: '' }, finish_reason: finish }], usage },
  ];
  await sendSse(response, [...frames.map((frame) => `data: ${JSON.stringify(frame)}\n\n`), 'data: [DONE]\n\n']);
}

let t: TestGateway;
let compat: MockServer;

before(async () => {
  t = await startTestGateway();
  compat = await startMockServer(async (request, response) => {
    if (request.method !== 'POST' || !request.url.endsWith('/chat/completions')) return sendJson(response, 404, { detail: 'Not Found' });
    const body = request.body as WireBody;
    if (body.model.startsWith('mistral')) {
      const error = mistralIdError(body.messages);
      if (error !== undefined) return sendJson(response, 400, error);
      return answer(response, body, { content: 'The weather in Paris is' }, 'model_length');
    }
    if (body.model.startsWith('deepseek')) return answer(response, body, { content: 'Par' }, 'insufficient_system_resource');
    // vLLM failing before the first token: the stream's end alone.
    if (body.model.startsWith('vllm')) return body.stream === true ? sendSse(response, ['data: [DONE]\n\n']) : sendJson(response, 200, { error: 'EngineCore encountered an issue' });
    // OpenRouter streaming: a chunk, then the error of the vendor behind it.
    if (body.model.startsWith('orstream')) {
      const text = (body.messages.at(-1) as { content?: unknown } | undefined)?.content;
      const first = { id: 'gen-1', object: 'chat.completion.chunk', created: 1_775_000_000, model: body.model, choices: [{ index: 0, delta: { role: 'assistant', content: 'Hi' }, finish_reason: null }] };
      return sendSse(response, [`data: ${JSON.stringify(first)}\n\n`, `data: ${JSON.stringify({ error: streamErrors[String(text)] })}\n\n`]);
    }
    // OpenRouter: the vendor behind it failed after the 200 went out.
    // (a stream request too: one JSON body, whatever `stream` said; 'missing' and 'whole' choose another body).
    if (body.model.startsWith('openrouter')) {
      const text = (body.messages.at(-1) as { content?: unknown } | undefined)?.content;
      if (text === 'missing') return sendJson(response, 200, { error: { message: 'No endpoints found for openrouter-llama-3.3-70b.', code: 404 } });
      if (text === 'whole') return answer(response, { ...body, stream: false }, { content: 'Hi' }, 'stop');
      return sendJson(response, 200, { error: { message: 'Provider returned error', code: 502, metadata: { provider_name: 'Lambda' } } });
    }
    // llama-server: the call's arguments as an object, whole in one chunk.
    const call = { index: 0, id: 'Hh8Wl3qXGm4kF2pRn9TbYcA0eVz1sJuD', type: 'function', function: { name: 'lookup', arguments: { query: 'paris' } } };
    return answer(response, body, { content: null, tool_calls: [call] }, 'tool_calls');
  });
  for (const [name, model, base] of [
    [MISTRAL, 'mistral-small-latest', '{"tool_call_ids": "mistral"}'],
    [DEEPSEEK, 'deepseek-chat', '{}'],
    [LLAMACPP, 'llama-3.1-8b-instruct', '{}'],
    [VLLM, 'vllm-qwen3-8b', '{}'],
    [OPENROUTER, 'openrouter-llama-3.3-70b', '{}'],
    [OPENROUTER_STREAM, 'orstream-llama-3.3-70b', '{}'],
  ] as const) {
    await t.db.query(
      `insert into public.ai_providers (name, provider_class, api_base_url, required_env_vars, config)
       values ($1, 'CustomProvider', $2, '[]'::jsonb, $3::jsonb)`,
      [name, `${compat.origin}/v1`, base],
    );
    await t.db.query(`insert into public.ai_models (name, provider_id, model_id) select $1, id, $2 from public.ai_providers where name = $1`, [name, model]);
  }
  await t.watcher.refresh();
});
after(async () => {
  await t.close();
  await compat.close();
});

const tools: Anthropic.Tool[] = [{ name: 'lookup', input_schema: { type: 'object', properties: { query: { type: 'string' } } } }];

describe('a Mistral row: tool call ids of other vendors', () => {
  it('an Anthropic conversation (toolu_ ids) reaches Mistral with nine-character ids, call and result paired', async () => {
    const message = await anthropicClient(t).messages.create({
      model: MISTRAL,
      max_tokens: 100,
      tools,
      messages: [
        { role: 'user', content: 'weather in paris' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_01A09q90qw90lq917835lq9', name: 'lookup', input: { query: 'paris' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01A09q90qw90lq917835lq9', content: 'sunny' }] },
      ],
    });
    assert.equal(message.content[0]?.type === 'text' ? message.content[0].text : undefined, 'The weather in Paris is');
    const sent = (compat.requests.at(-1)?.body as WireBody).messages;
    const callId = sent[1]?.tool_calls?.[0]?.id;
    assert.match(String(callId), /^[a-zA-Z0-9]{9}$/);
    assert.equal(sent[2]?.tool_call_id, callId);
  });

  it('two OpenAI call ids stay two, and an id already in Mistral form goes unchanged', async () => {
    const completion = await t.client().chat.completions.create({
      model: MISTRAL,
      messages: [
        { role: 'user', content: 'weather in paris and rome' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_Pl3a8k2Xr0QZ5m1Nw7Yc4Tg', type: 'function', function: { name: 'lookup', arguments: '{"query":"paris"}' } },
            { id: 'call_Pl3a8k2Xr0QZ5m1Nw7Yc4Th', type: 'function', function: { name: 'lookup', arguments: '{"query":"rome"}' } },
            { id: 'D681PevKs', type: 'function', function: { name: 'lookup', arguments: '{"query":"oslo"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_Pl3a8k2Xr0QZ5m1Nw7Yc4Th', content: 'rainy' },
        { role: 'tool', tool_call_id: 'call_Pl3a8k2Xr0QZ5m1Nw7Yc4Tg', content: 'sunny' },
        { role: 'tool', tool_call_id: 'D681PevKs', content: 'cold' },
      ],
    });
    assert.equal(completion.choices[0]?.message.content, 'The weather in Paris is');
    const sent = (compat.requests.at(-1)?.body as WireBody).messages;
    const ids = sent[1]?.tool_calls?.map((call) => call.id) ?? [];
    assert.equal(new Set(ids).size, 3);
    assert.equal(ids[2], 'D681PevKs');
    assert.deepEqual([sent[2]?.tool_call_id, sent[3]?.tool_call_id, sent[4]?.tool_call_id], [ids[1], ids[0], ids[2]]);
  });
});

describe('finish reasons of Mistral and DeepSeek outside OpenAI set', () => {
  it("Mistral's model_length is a length cut, streamed or not", async () => {
    const request = { model: MISTRAL, messages: [{ role: 'user' as const, content: 'weather' }] };
    const completion = await t.client().chat.completions.create(request);
    const streamed = await t.client().chat.completions.stream(request).finalChatCompletion();
    assert.deepEqual([completion.choices[0]?.finish_reason, streamed.choices[0]?.finish_reason], ['length', 'length']);
    const message = await anthropicClient(t).messages.create({ model: MISTRAL, max_tokens: 100, messages: [{ role: 'user', content: 'weather' }] });
    assert.equal(message.stop_reason, 'max_tokens');
  });

  it("DeepSeek's insufficient_system_resource is an error finish, not a natural stop", async () => {
    const request = { model: DEEPSEEK, messages: [{ role: 'user' as const, content: 'weather' }] };
    const completion = await t.client().chat.completions.create(request);
    assert.equal(completion.choices[0]?.message.content, 'Par');
    // As Mistral's and OpenRouter's own `error` finish: passed on as is.
    assert.equal(completion.choices[0]?.finish_reason, 'error' as string);
    const streamed = await t.client().chat.completions.stream(request).finalChatCompletion();
    assert.equal(streamed.choices[0]?.finish_reason, 'error' as string);
    // An Anthropic client has no such stop reason: the provider's error.
    await assert.rejects(anthropicClient(t).messages.create({ model: DEEPSEEK, max_tokens: 100, messages: [{ role: 'user', content: 'weather' }] }), /ended the generation with an error/);
  });
});

describe('llama-server: tool call arguments as a JSON object', () => {
  const request = { model: LLAMACPP, messages: [{ role: 'user' as const, content: 'weather in paris' }] };

  it('keeps them on a chat completions stream, as in an answer not streamed', async () => {
    const completion = await t.client().chat.completions.create(request);
    const streamed = await t.client().chat.completions.stream(request).finalChatCompletion();
    for (const answer of [completion, streamed]) {
      const call = answer.choices[0]?.message.tool_calls?.[0];
      assert.deepEqual(call?.type === 'function' ? [call.function.name, call.function.arguments] : call, ['lookup', '{"query":"paris"}']);
    }
  });

  it('keeps them on a /v1/messages stream', async () => {
    const final = await anthropicClient(t).messages.stream({ model: LLAMACPP, max_tokens: 100, tools, messages: [{ role: 'user', content: 'weather in paris' }] }).finalMessage();
    assert.deepEqual(
      final.content.map((block) => (block.type === 'tool_use' ? [block.name, block.input] : block.type)),
      [['lookup', { query: 'paris' }]],
    );
  });
});

describe('answers that are no answer', () => {
  const request = { model: VLLM, messages: [{ role: 'user' as const, content: 'weather' }] };

  it("a stream of only [DONE] (vLLM failing before the first token) is the provider's 502 before any byte, not an empty stop", async () => {
    const failure = await t.client().chat.completions.create({ ...request, stream: true }).catch((error: unknown) => error);
    assert.ok(failure instanceof OpenAI.APIError, String(failure));
    assert.deepEqual([failure.status, failure.code], [502, 'provider_error']);
    assert.match(failure.message, /Provider 'e2e-vllm-compat' ended the stream before any answer/);
    // The same on /v1/messages, translated: an error status, no message_start.
    const messages = await anthropicClient(t).messages.create({ model: VLLM, max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'weather' }] }).catch((error: unknown) => error);
    assert.ok(messages instanceof Anthropic.APIError, String(messages));
    assert.equal(messages.status, 502);
  });

  it('a 200 answer with an {"error": …} body is a 502 naming the vendor message (and code)', async () => {
    const failures = await Promise.all(
      [VLLM, OPENROUTER].map((model) => t.client().chat.completions.create({ ...request, model }).catch((error: unknown) => error)),
    );
    assert.deepEqual(
      failures.map((failure) => (failure instanceof OpenAI.APIError ? [failure.status, failure.code, failure.message] : String(failure))),
      [
        [502, 'provider_error', "502 Provider 'e2e-vllm-compat' answered HTTP 200 with an error: EngineCore encountered an issue"],
        [502, 'provider_error', "502 Provider 'e2e-openrouter-compat' answered HTTP 200 with an error: Provider returned error (code 502)"],
      ],
    );
  });
});

describe('a stream request answered with one JSON body', () => {
  const streamed = (content: string) =>
    t.client().chat.completions.create({ model: OPENROUTER, stream: true, messages: [{ role: 'user', content }] }).catch((error: unknown) => error);

  it("an error body is that error: the status its code names and the vendor's message (was a 502 'ended the stream before any answer')", async () => {
    const failures = await Promise.all(['weather', 'missing'].map(streamed));
    assert.deepEqual(
      failures.map((failure) => (failure instanceof OpenAI.APIError ? [failure.status, failure.code, failure.message] : String(failure))),
      [
        [502, 'provider_error', "502 Provider 'e2e-openrouter-compat' answered HTTP 200 with an error: Provider returned error (code 502)"],
        [404, 'not_found', "404 Provider 'e2e-openrouter-compat' answered HTTP 200 with an error: No endpoints found for openrouter-llama-3.3-70b. (code 404)"],
      ],
    );
  });

  it('a whole answer is a 502 saying the server sent no event stream', async () => {
    const failure = await streamed('whole');
    assert.ok(failure instanceof OpenAI.APIError, String(failure));
    assert.deepEqual([failure.status, failure.code], [502, 'provider_error']);
    assert.match(failure.message, /Provider 'e2e-openrouter-compat' answered a stream request with one JSON body, not an event stream/);
  });
});

describe('an error line in a 200 stream', () => {
  /** The raw answer of each API to a stream that fails after its first chunk (translated on /v1/messages and /v1/responses). */
  async function streamed(text: string): Promise<Record<string, string>> {
    const bodies: Record<string, unknown> = {
      '/v1/chat/completions': { model: OPENROUTER_STREAM, stream: true, messages: [{ role: 'user', content: text }] },
      '/v1/messages': { model: OPENROUTER_STREAM, stream: true, max_tokens: 100, messages: [{ role: 'user', content: text }] },
      '/v1/responses': { model: OPENROUTER_STREAM, stream: true, input: text },
    };
    const answers: Record<string, string> = {};
    for (const [path, body] of Object.entries(bodies)) {
      const response = await fetch(`${t.origin}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${t.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      answers[path] = await response.text();
      assert.equal(response.status, 200, answers[path]);
    }
    return answers;
  }

  it("names the vendor's message rid of control characters, on every API", async () => {
    for (const [path, text] of Object.entries(await streamed('garbled'))) {
      // Its code 502 is its status (it was "HTTP 500" until 2026-12-08).
      assert.match(text, /Provider 'e2e-openrouter-stream-compat' failed: HTTP 502: Provider returned error \]52;c;aGk= +gnol"/, path);
      // Neither JSON-escaped nor raw.
      // eslint-disable-next-line no-control-regex -- matching them is the point
      assert.doesNotMatch(text, /\\u00(?:1b|07)|\\u202e|\\u200b|\u001b|\u202e/, path);
    }
  });

  it("withholds the message of an error about the account's limits (code 429), on every API", async () => {
    for (const [path, text] of Object.entries(await streamed('limit'))) {
      // A rate limit, as its code says (until 2026-12-08 "HTTP 500: an error about the credentials or the account's limits (429)").
      assert.match(text, /Provider 'e2e-openrouter-stream-compat' failed: HTTP 429: the vendor is rate limiting the gateway's account/, path);
      assert.ok(!text.includes('Limit 50'), `${path}: ${text}`);
    }
  });
});
