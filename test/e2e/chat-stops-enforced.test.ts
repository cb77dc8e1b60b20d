// Stop sequences a vendor refuses are enforced by the gateway. OpenAI's `stop` takes any string, but
// Anthropic refuses whitespace-only stop sequences ("\n", "\n\n") and Gemini and Cohere take at most
// five: such stops were dropped from the vendor's request, and the answer ran past them. Now the
// gateway cuts the answer at the first one (the stop excluded), finish_reason "stop", streamed or
// not, and a cut stream lets the upstream go. The real openai SDK against the strict Anthropic mock;
// real PGlite (the ledger) and real HTTP servers on 127.0.0.1.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { loadConfig } from '../../src/config.js';
import { createKeyring, createMasterKey } from '../../src/crypto/keyring.js';
import { createGateway, type Gateway } from '../../src/server/app.js';
import { createSwitchboard, type Switchboard } from '../../src/service/switchboard.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';
import { startAnthropicMock, type AnthropicMock } from '../mock-vendors/anthropic.js';
import { startGoogleMock, type GoogleMock } from '../mock-vendors/google.js';
import { insertTenant } from '../security/fixture.js';

const ANTHROPIC_KEY = 'sk-ant-stops-0123456789abcdef';
const GOOGLE_KEY = 'AIza-stops-0123456789abcdef';
const CLAUDE = 'stops-claude';
const GEMINI = 'stops-gemini';

interface Row {
  status: number;
  incomplete: boolean;
  usage_source: string;
  input_tokens: number;
  output_tokens: number;
}

/** An Anthropic stream whose text comes in exactly these deltas (then end_turn). */
function anthropicSse(deltas: readonly string[]): string {
  const frame = (event: string, data: unknown): string => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
  const usage = { input_tokens: 7, output_tokens: 1, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
  const message = { id: 'msg_stops', type: 'message', role: 'assistant', model: 'claude-test-1', content: [], stop_reason: null, stop_sequence: null, usage };
  return [
    frame('message_start', { type: 'message_start', message }),
    frame('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
    ...deltas.map((text) => frame('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } })),
    frame('content_block_stop', { type: 'content_block_stop', index: 0 }),
    frame('message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 12 } }),
    frame('message_stop', { type: 'message_stop' }),
  ].join('');
}

describe('stop sequences the vendor refuses are enforced by the gateway', () => {
  let db: TestDb;
  let anthropic: AnthropicMock;
  let google: GoogleMock;
  let switchboard: Switchboard;
  let gateway: Gateway;
  let client: OpenAI;
  let apiKey: string;
  let origin: string;

  before(async () => {
    [anthropic, google] = await Promise.all([startAnthropicMock({ apiKeys: [ANTHROPIC_KEY] }), startGoogleMock({ apiKeys: [GOOGLE_KEY] })]);
    db = await createTestDb();
    await db.query(
      `insert into public.ai_providers (name, provider_class, api_base_url, required_env_vars)
       values ('stops-anthropic', 'AnthropicProvider', $1, '["STOPS_ANTHROPIC_API_KEY"]'::jsonb),
              ('stops-google', 'GoogleProvider', $2, '["STOPS_GOOGLE_API_KEY"]'::jsonb)`,
      [anthropic.baseUrl, google.baseUrl],
    );
    await db.query(`insert into public.ai_models (name, provider_id, model_id, max_tokens) select $1, id, 'claude-test-1', 1024 from public.ai_providers where name = 'stops-anthropic'`, [CLAUDE]);
    await db.query(`insert into public.ai_models (name, provider_id, model_id) select $1, id, 'gemini-2.5-flash' from public.ai_providers where name = 'stops-google'`, [GEMINI]);
    apiKey = (await insertTenant(db, 'stops')).apiKey;
    switchboard = await createSwitchboard({
      db,
      env: { STOPS_ANTHROPIC_API_KEY: ANTHROPIC_KEY, STOPS_GOOGLE_API_KEY: GOOGLE_KEY },
      keyring: createKeyring(createMasterKey(randomBytes(32))),
      migrate: false,
      pollMs: 0,
      listen: false,
      usage: { flushIntervalMs: 20 },
    });
    gateway = createGateway({ service: switchboard.service, snapshot: () => switchboard.watcher.snapshot, config: Object.freeze({ ...loadConfig({}), env: {} }) });
    const address: AddressInfo = await gateway.listen(0, '127.0.0.1');
    origin = `http://127.0.0.1:${address.port}`;
    client = new OpenAI({ baseURL: `${origin}/v1`, apiKey, maxRetries: 0, timeout: 5_000 });
  });
  after(async () => {
    await gateway?.close();
    await switchboard?.close();
    await anthropic?.close();
    await google?.close();
    await db?.dispose();
  });

  const sentStops = (): unknown => (anthropic.requests.at(-1)?.body as Record<string, unknown> | undefined)?.['stop_sequences'];

  async function rowOf(requestId: string): Promise<Row> {
    await switchboard.service.usage?.flush();
    const result = await db.query<Row>(
      `select status, incomplete, usage_source, input_tokens::int, output_tokens::int from public.ai_usage where request_id = $1`,
      [requestId],
    );
    assert.equal(result.rows.length, 1, `one row for ${requestId}`);
    return result.rows[0] as Row;
  }

  async function streamed(body: OpenAI.ChatCompletionCreateParamsStreaming, requestId: string): Promise<{ text: string; finish: string[]; usage: OpenAI.CompletionUsage[] }> {
    const stream = await client.chat.completions.create(body, { headers: { 'x-request-id': requestId } });
    let text = '';
    const finish: string[] = [];
    const usage: OpenAI.CompletionUsage[] = [];
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.choices[0]?.finish_reason) finish.push(chunk.choices[0].finish_reason);
      if (chunk.usage) usage.push(chunk.usage);
    }
    return { text, finish, usage };
  }

  test('a whitespace-only stop on Anthropic cuts the answer there, not streamed: the stop excluded, finish stop, the billed usage in the ledger', async () => {
    const completion = await client.chat.completions.create(
      { model: CLAUDE, messages: [{ role: 'user', content: 'one\n\ntwo three' }], stop: ['\n\n', 'four'] },
      { headers: { 'x-request-id': 'stops-unary' } },
    );
    assert.equal(sentStops() === undefined ? undefined : JSON.stringify(sentStops()), '["four"]', 'the stop Anthropic takes still goes to it');
    assert.equal(completion.choices[0]?.message.content, 'Echo: one');
    assert.equal(completion.choices[0]?.finish_reason, 'stop');
    // The vendor generated, and bills, its whole answer: the ledger keeps its usage.
    const row = await rowOf('stops-unary');
    assert.deepEqual([row.status, row.incomplete, row.usage_source], [200, false, 'provider']);
    assert.equal(row.output_tokens, completion.usage?.completion_tokens);
  });

  test('a whitespace-only stop on Anthropic cuts a stream even when it is split across two deltas, with the usage chunk', async () => {
    // The mock streams "Echo:", " one", "\n", "\ntwo", " three": "\n\n" spans two deltas.
    const answer = await streamed(
      { model: CLAUDE, messages: [{ role: 'user', content: 'one\n\ntwo three' }], stop: '\n\n', stream: true, stream_options: { include_usage: true } },
      'stops-stream-split',
    );
    assert.equal(sentStops(), undefined);
    assert.equal(answer.text, 'Echo: one');
    assert.deepEqual(answer.finish, ['stop']);
    assert.equal(answer.usage.length, 1);
    assert.ok((answer.usage[0]?.completion_tokens ?? 0) > 0 && (answer.usage[0]?.prompt_tokens ?? 0) > 0, JSON.stringify(answer.usage));
    const row = await rowOf('stops-stream-split');
    assert.deepEqual([row.status, row.incomplete], [200, false]);
    assert.ok(row.output_tokens > 0, JSON.stringify(row));
  });

  test('a stop split inside deltas ("…one\\n" then "\\ntwo…") is caught; text that only looks like its start is passed on', async () => {
    anthropic.replayNext({ sse: anthropicSse(['Line one\n', ' and\n', '\ntwo', ' more']) });
    const answer = await streamed({ model: CLAUDE, messages: [{ role: 'user', content: 'hi' }], stop: ['\n\n'], stream: true }, 'stops-stream-inside');
    assert.equal(answer.text, 'Line one\n and');
    assert.deepEqual(answer.finish, ['stop']);

    // No stop met: every character held back reaches the client, and the vendor's finish stands.
    anthropic.replayNext({ sse: anthropicSse(['a\n', 'b\n']) });
    const whole = await streamed({ model: CLAUDE, messages: [{ role: 'user', content: 'hi' }], stop: ['\n\n'], stream: true }, 'stops-stream-none');
    assert.equal(whole.text, 'a\nb\n');
    assert.deepEqual(whole.finish, ['stop']);
  });

  test('a cut stream lets the upstream go: the vendor is not read to its end (it never ends here)', async () => {
    // The mock sends "Echo:", " one", "\ntwo" and then hangs: only the cut ends this stream.
    anthropic.hangNextStream({ afterChunks: 3 });
    const answer = await streamed(
      { model: CLAUDE, messages: [{ role: 'user', content: 'one\ntwo three four' }], stop: ['\n'], stream: true, stream_options: { include_usage: true } },
      'stops-stream-hang',
    );
    assert.equal(answer.text, 'Echo: one');
    assert.deepEqual(answer.finish, ['stop']);
    const row = await rowOf('stops-stream-hang');
    assert.deepEqual([row.status, row.incomplete], [200, false]);
    assert.ok(row.input_tokens > 0 && row.output_tokens > 0, JSON.stringify(row));
    for (let wait = 0; wait < 100 && anthropic.requests.at(-1)?.aborted !== true; wait++) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(anthropic.requests.at(-1)?.aborted, true, 'the upstream request was aborted');
  });

  test('/v1/messages on Gemini with six stop sequences: five go to Gemini, the sixth is enforced by the gateway', async () => {
    const stops = ['s1', 's2', 's3', 's4', 's5', 'two'];
    for (const stream of [false, true]) {
      const response = await fetch(`${origin}/v1/messages`, {
        method: 'POST',
        headers: { 'x-api-key': apiKey, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
        body: JSON.stringify({ model: GEMINI, max_tokens: 100, stream, stop_sequences: stops, messages: [{ role: 'user', content: 'one two three' }] }),
      });
      const text = await response.text();
      assert.equal(response.status, 200, text);
      const sent = (google.requests.at(-1)?.body as { generationConfig?: { stopSequences?: string[] } }).generationConfig?.stopSequences;
      assert.deepEqual(sent, stops.slice(0, 5));
      if (stream) {
        const deltas = [...text.matchAll(/"text_delta","text":("(?:[^"\\]|\\.)*")/g)].map((match) => JSON.parse(match[1] ?? '""') as string);
        assert.equal(deltas.join(''), 'Echo: one ');
        assert.match(text, /"stop_reason":"end_turn"/);
      } else {
        const message = JSON.parse(text) as { content: { text: string }[]; stop_reason: string };
        assert.deepEqual([message.content[0]?.text, message.stop_reason], ['Echo: one ', 'end_turn']);
      }
    }
  });
});
