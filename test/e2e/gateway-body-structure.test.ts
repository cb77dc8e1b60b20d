// Issue 17, items 4 and 8: a request body's structure must not stall the process (nesting and
// element limits checked on the raw bytes before JSON.parse, caps on messages, tools and content
// parts, a lower embeddings body limit, optional per-key concurrency), and client strings are
// not echoed in full into errors or log lines.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { MODELS, startTestGateway, type TestGateway } from '../helpers/gateway.js';

interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

let t: TestGateway;

before(async () => {
  // Default depth and element limits and body limit (25 MiB); small element caps; slow Gemini streams.
  t = await startTestGateway({
    googleChunkDelayMs: 150,
    config: { maxMessages: 5, maxTools: 3, maxContentParts: 4, embeddingsBodyLimitBytes: 8192, maxConcurrentPerKey: 2 },
  });
});
after(async () => {
  await t.close();
});

async function post(path: string, body: string): Promise<{ status: number; text: string; body: ErrorBody; ms: number }> {
  const started = performance.now();
  const response = await fetch(`${t.origin}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${t.apiKey}`, 'content-type': 'application/json' },
    body,
  });
  const text = await response.text();
  return { status: response.status, text, body: JSON.parse(text) as ErrorBody, ms: performance.now() - started };
}

const user = { role: 'user', content: 'hi' };
const chat = (extra: Record<string, unknown>): string => JSON.stringify({ model: MODELS.openai, messages: [user], ...extra });

describe('body structure', () => {
  it('a 16 MB nested array in an ignored field is refused before parsing: 400 naming the limit', async () => {
    const depth = 8 * 1024 * 1024;
    const body = `{"model":"${MODELS.openai}","messages":[{"role":"user","content":"x"}],"metadata_x":${'['.repeat(depth)}${']'.repeat(depth)}}`;
    const response = await post('/v1/chat/completions', body);
    assert.equal(response.status, 400, response.text.slice(0, 300));
    assert.equal(response.body.error.type, 'invalid_request_error');
    assert.equal(response.body.error.param, 'metadata_x[0][0][0]');
    assert.match(response.body.error.message, /nests deeper than the limit of 64 levels/);
    assert.equal(t.openai.requests.length, 0, 'nothing went upstream');
  });

  it('a wide array of empty arrays is refused before parsing: 400 naming the element limit', async () => {
    const body = `{"model":"${MODELS.openai}","messages":[{"role":"user","content":"x"}],"ignored":[${'[],'.repeat(300_000)}[]]}`;
    const response = await post('/v1/chat/completions', body);
    assert.equal(response.status, 400);
    assert.equal(response.body.error.param, 'ignored');
    assert.match(response.body.error.message, /more than the limit of 200000 JSON elements/);
  });

  // Found by an attack review: V8's JSON.parse builds a hidden class per new sequence of keys, so
  // 1,900 objects of 100 distinct keys (2.7 MB, within the element limit) blocked the event loop
  // 1.5 s, and 1,900 objects of the same 100 keys in shuffled orders 3.5 s (a 20 MB prompt: 0.35 s).
  it('a body of too many distinct object keys, or of the same keys in many orders, is refused before parsing', async () => {
    const wide = Array.from({ length: 1_900 }, (_, j) => `{${Array.from({ length: 100 }, (_, i) => `"k${j}_${i}":1`).join(',')}}`);
    const names = Array.from({ length: 100 }, (_, i) => `k${i}`);
    // Each object a permutation of the same 100 keys (a stride coprime to 100 from an offset), no two alike.
    const strides = Array.from({ length: 100 }, (_, n) => n).filter((n) => n % 2 !== 0 && n % 5 !== 0);
    const orders = Array.from({ length: 1_900 }, (_, j) => `{${names.map((_, i) => `"${names[(i * (strides[j % strides.length] as number) + Math.floor(j / strides.length)) % 100]}":1`).join(',')}}`);
    for (const objects of [wide, orders]) {
      const response = await post('/v1/chat/completions', `{"model":"${MODELS.openai}","messages":[{"role":"user","content":"hi"}],"metadata":[${objects.join(',')}]}`);
      assert.equal(response.status, 400, response.text.slice(0, 300));
      assert.match(response.body.error.message, /more than the limit of 20000 distinct object keys .*SWITCHBOARD_MAX_JSON_KEYS/);
    }
    assert.equal(t.openai.requests.length, 0, 'nothing went upstream');
    // 30,000 keys in all, written alike, are no concern (the element limit, not this one, bounds them).
    const alike = `{"model":"no-such-model","messages":[{"role":"user","content":"hi"}],"metadata":[${'{"a":1,"b":2},'.repeat(15_000)}{}]}`;
    const answer = await post('/v1/chat/completions', alike);
    assert.equal(answer.status, 404, answer.text.slice(0, 300));
  });

  it('a deep tools[].function.parameters is a 400 naming the field, not an upstream error', async () => {
    let schema: Record<string, unknown> = { type: 'string' };
    for (let level = 0; level < 40; level++) schema = { type: 'object', properties: { nested: schema } };
    await assert.rejects(
      t.client().chat.completions.create({
        model: MODELS.openai,
        messages: [{ role: 'user', content: 'x' }],
        tools: [{ type: 'function', function: { name: 'deep', parameters: schema } }],
      }),
      (error: unknown) => {
        assert.ok(error instanceof OpenAI.APIError);
        assert.equal(error.status, 400);
        assert.equal(error.param, 'tools[0].function.parameters');
        assert.match(error.message, /tools\[0\]\.function\.parameters nests deeper than the limit of 64 levels/);
        return true;
      },
    );
  });

  it("JSON nested too deeply inside a tool call's arguments is a 400 (was a 502 counted against the vendor's health)", async () => {
    const deep = `{"a":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    for (const [model, requests] of [[MODELS.anthropic, t.anthropic.requests], [MODELS.google, t.google.requests]] as const) {
      const before = requests.length;
      const call = { id: 'c1', type: 'function', function: { name: 'f', arguments: deep } };
      const body = JSON.stringify({ model, messages: [user, { role: 'assistant', content: null, tool_calls: [call] }, { role: 'tool', tool_call_id: 'c1', content: 'ok' }] });
      const response = await post('/v1/chat/completions', body);
      assert.equal(response.status, 400, `${model}: ${response.text.slice(0, 300)}`);
      assert.equal(response.body.error.code, 'invalid_request');
      assert.match(response.body.error.message, /nested too deeply to be sent on/);
      assert.equal(requests.length, before, `${model}: nothing went upstream`);
    }
  });

  it('caps messages, tools and content parts, naming the field and the limit', async () => {
    const messages = await post('/v1/chat/completions', JSON.stringify({ model: MODELS.openai, messages: Array.from({ length: 6 }, () => user) }));
    assert.equal(messages.status, 400);
    assert.equal(messages.body.error.param, 'messages');
    assert.match(messages.body.error.message, /messages may hold at most 5 messages \(SWITCHBOARD_MAX_MESSAGES\), got 6/);

    const tool = { type: 'function', function: { name: 'f' } };
    const tools = await post('/v1/chat/completions', chat({ tools: [tool, tool, tool, tool] }));
    assert.equal(tools.status, 400);
    assert.equal(tools.body.error.param, 'tools');
    assert.match(tools.body.error.message, /tools may hold at most 3 tools \(SWITCHBOARD_MAX_TOOLS\), got 4/);

    const part = { type: 'text', text: 'p' };
    const parts = await post('/v1/chat/completions', JSON.stringify({ model: MODELS.openai, messages: [user, { role: 'user', content: [part, part, part, part, part] }] }));
    assert.equal(parts.status, 400);
    assert.equal(parts.body.error.param, 'messages[1].content');
    assert.match(parts.body.error.message, /messages\[1\]\.content may hold at most 4 content parts \(SWITCHBOARD_MAX_CONTENT_PARTS\), got 5/);

    const within = await post('/v1/chat/completions', JSON.stringify({ model: MODELS.openai, messages: [user, { role: 'user', content: [part, part, part, part] }], tools: [tool, tool, tool] }));
    assert.equal(within.status, 200, within.text);
  });

  it('the same caps hold on /v1/responses and /v1/messages, on the native and the translated path', async () => {
    const tool = { type: 'function', name: 'f', parameters: { type: 'object' } };
    const anthropicTool = { name: 'f', input_schema: { type: 'object' } };
    for (const model of [MODELS.openai, MODELS.anthropic]) {
      const items = await post('/v1/responses', JSON.stringify({ model, input: Array.from({ length: 6 }, () => user) }));
      assert.equal(items.status, 400, `${model}: ${items.text}`);
      assert.equal(items.body.error.param, 'input');
      assert.match(items.body.error.message, /input may hold at most 5 items \(SWITCHBOARD_MAX_MESSAGES\), got 6/);
      const tools = await post('/v1/responses', JSON.stringify({ model, input: 'hi', tools: [tool, tool, tool, tool] }));
      assert.equal(tools.status, 400, `${model}: ${tools.text}`);
      assert.equal(tools.body.error.param, 'tools');

      const messages = await post('/v1/messages', JSON.stringify({ model, max_tokens: 16, messages: Array.from({ length: 6 }, () => user) }));
      assert.equal(messages.status, 400, `${model}: ${messages.text}`);
      const refusal = JSON.parse(messages.text) as { type: string; error: { type: string; message: string } };
      assert.equal(refusal.error.type, 'invalid_request_error');
      assert.match(refusal.error.message, /messages may hold at most 5 messages \(SWITCHBOARD_MAX_MESSAGES\), got 6/);
      const anthropicTools = await post('/v1/messages', JSON.stringify({ model, max_tokens: 16, messages: [user], tools: [anthropicTool, anthropicTool, anthropicTool, anthropicTool] }));
      assert.equal(anthropicTools.status, 400, `${model}: ${anthropicTools.text}`);
      assert.match(anthropicTools.text, /tools may hold at most 3 tools/);
    }
    const within = await post('/v1/responses', JSON.stringify({ model: MODELS.openai, input: Array.from({ length: 5 }, () => user), tools: [tool, tool, tool] }));
    assert.equal(within.status, 200, within.text);
  });

  it('embeddings have their own lower body limit; chat takes the same body size', async () => {
    const input = 'w'.repeat(10_000);
    const embed = await post('/v1/embeddings', JSON.stringify({ model: MODELS.openaiEmbed, input }));
    assert.equal(embed.status, 413);
    assert.equal(embed.body.error.code, 'request_too_large');
    assert.match(embed.body.error.message, /limit of 8192 bytes/);
    const small = await post('/v1/embeddings', JSON.stringify({ model: MODELS.openaiEmbed, input: 'short' }));
    assert.equal(small.status, 200, small.text);
    const chatSameSize = await post('/v1/chat/completions', chat({ messages: [{ role: 'user', content: input }] }));
    assert.equal(chatSameSize.status, 200, chatSameSize.text);
  });
});

describe('per-key concurrency', () => {
  it('a key over its concurrent limit gets 429 in OpenAI shape, with no database query; the slot comes back', async () => {
    const client = t.client();
    const streams = await Promise.all(
      [1, 2].map(() => client.chat.completions.create({ model: MODELS.google, messages: [{ role: 'user', content: 'one two three four' }], stream: true })),
    );
    const before = t.queryCount();
    const third = await post('/v1/chat/completions', chat({}));
    assert.equal(t.queryCount() - before, 0, 'no database query');
    assert.equal(third.status, 429);
    assert.deepEqual(Object.keys(third.body.error).sort(), ['code', 'message', 'param', 'type']);
    assert.equal(third.body.error.type, 'rate_limit_error');
    assert.equal(third.body.error.code, 'rate_limit_exceeded');
    assert.match(third.body.error.message, /at most 2 at a time \(SWITCHBOARD_MAX_CONCURRENT_PER_KEY\)/);
    for (const stream of streams) {
      let text = '';
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
      assert.equal(text, 'Echo: one two three four');
    }
    const after = await post('/v1/chat/completions', chat({}));
    assert.equal(after.status, 200, 'the slots were given back');
  });
});

describe('echoes', () => {
  it('a 1 MB model name is neither echoed into the error nor logged in full', async () => {
    const model = 'm'.repeat(1024 * 1024);
    const response = await post('/v1/chat/completions', JSON.stringify({ model, messages: [user] }));
    assert.equal(response.status, 400);
    assert.equal(response.body.error.param, 'model');
    assert.match(response.body.error.message, /model is longer than the limit of 256 characters/);
    assert.ok(response.text.length < 1024, `the answer is ${response.text.length} bytes`);
    const line = t.logs.at(-1);
    assert.equal(line?.['status'], 400);
    assert.ok(JSON.stringify(line).length < 1024, `the log line is ${JSON.stringify(line).length} bytes`);

    const byPath = await fetch(`${t.baseURL}/models/${'n'.repeat(8000)}`, { headers: { authorization: `Bearer ${t.apiKey}` } });
    assert.equal(byPath.status, 400);
    assert.ok((await byPath.text()).length < 1024);
  });

  it("an unknown model name's control, C1 and bidi characters reach the log line escaped", async () => {
    // ESC (a terminal escape once `jq -r` decodes it), CSI as a C1 control, a right-to-left override, a line break.
    const model = 'gpt\u001b]0;owned\u0007\u009b31m\u202eevil\nx';
    const response = await post('/v1/chat/completions', JSON.stringify({ model, messages: [user] }));
    assert.equal(response.status, 404);
    const line = t.logs.at(-1);
    assert.equal(line?.['model'], 'gpt\\u001b]0;owned\\u0007\\u009b31m\\u202eevil\\u000ax');
    assert.match(JSON.stringify(line), /^[\x20-\x7e]*$/, 'the whole log line is printable ASCII');
    // A model that resolved is logged as its row names it.
    await post('/v1/chat/completions', JSON.stringify({ model: MODELS.openai, messages: [user] }));
    assert.equal(t.logs.at(-1)?.['model'], MODELS.openai);
  });

  it('client strings in other error messages are cut short', async () => {
    const huge = 'z'.repeat(100_000);
    const tools = await post('/v1/chat/completions', chat({ tools: [{ type: huge, function: { name: 'f' } }] }));
    assert.equal(tools.status, 400);
    assert.ok(tools.text.length < 1024, `the answer is ${tools.text.length} bytes`);
    const choice = await post('/v1/chat/completions', chat({ tool_choice: { type: huge } }));
    assert.equal(choice.status, 400);
    assert.ok(choice.text.length < 1024, `the answer is ${choice.text.length} bytes`);
  });
});
