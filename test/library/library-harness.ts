/**
 * Shared set-up of the library tests: the strict vendor mocks, provider and model rows inserted
 * with SQL in the seed document's style (shared/seed/database-driven-ai-system.md), the env map
 * that holds the upstream keys, and the chat / stream / embed tests run through each of the five
 * built-in classes. Used by the test-db file and by the embedded data-dir file.
 *
 * @module
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Queryable } from '../../src/db/db.js';
import type { ChatMessage, StreamPart } from '../../src/providers/spec/index.js';
import type { Switchboard } from '../../src/service/switchboard.js';
import type { RecordedRequest } from '../helpers/mock-server.js';
import { startAnthropicMock, type AnthropicMock } from '../mock-vendors/anthropic.js';
import { startCohereMock, type CohereMock } from '../mock-vendors/cohere.js';
import { startGoogleMock, type GoogleMock } from '../mock-vendors/google.js';
import { startOpenAIMock, type OpenAIMock } from '../mock-vendors/openai.js';

/** Upstream keys the mocks accept; the library reads them through its `env` option only. */
export const KEYS = {
  openai: 'sk-lib-openai-0123456789',
  anthropic: 'sk-ant-lib-0123456789',
  google: 'AIza-lib-0123456789',
  cohere: 'co-lib-0123456789',
  azure: 'azure-lib-0123456789',
} as const;

/** The `env` option given to createSwitchboard (no DATABASE_URL, no master key). */
export const LIBRARY_ENV: Readonly<Record<string, string>> = {
  LIB_OPENAI_API_KEY: KEYS.openai,
  LIB_ANTHROPIC_API_KEY: KEYS.anthropic,
  LIB_GEMINI_API_KEY: KEYS.google,
  LIB_COHERE_API_KEY: KEYS.cohere,
  LIB_AZURE_API_KEY: KEYS.azure,
};

export interface VendorMocks {
  openai: OpenAIMock;
  anthropic: AnthropicMock;
  google: GoogleMock;
  cohere: CohereMock;
  /** An Azure-style OpenAI-compatible server for CustomProvider: `api-key` header, no prefix, `api-version` query. */
  azure: OpenAIMock;
  /** Requests received by all mocks together. */
  requestCount(): number;
  close(): Promise<void>;
}

export async function startVendorMocks(): Promise<VendorMocks> {
  const [openai, anthropic, google, cohere, azure] = await Promise.all([
    startOpenAIMock({ apiKeys: [KEYS.openai] }),
    startAnthropicMock({ apiKeys: [KEYS.anthropic] }),
    startGoogleMock({ apiKeys: [KEYS.google] }),
    startCohereMock({ apiKeys: [KEYS.cohere] }),
    startOpenAIMock({
      apiKeys: [KEYS.azure],
      authHeaderName: 'api-key',
      authHeaderPrefix: '',
      pathPrefix: '/openai',
      requireQuery: { 'api-version': '2024-10-21' },
    }),
  ]);
  const all = [openai, anthropic, google, cohere, azure];
  return {
    openai,
    anthropic,
    google,
    cohere,
    azure,
    requestCount: () => all.reduce((sum, mock) => sum + mock.requests.length, 0),
    close: async () => {
      await Promise.all(all.map((mock) => mock.close()));
    },
  };
}

const sqlText = (value: string) => `'${value.replaceAll("'", "''")}'`;

/** Inserts one provider row per class and its models, as an application would (plain SQL). */
export async function insertLibraryRows(db: Queryable, mocks: VendorMocks): Promise<void> {
  await db.exec(`
INSERT INTO ai_providers (name, display_name, provider_class, api_base_url, required_env_vars)
VALUES ('lib-openai', 'Library OpenAI', 'OpenAIProvider', ${sqlText(mocks.openai.baseUrl)}, '["LIB_OPENAI_API_KEY"]'::jsonb);

INSERT INTO ai_providers (name, display_name, provider_class, api_base_url, required_env_vars)
VALUES ('lib-anthropic', 'Library Anthropic', 'AnthropicProvider', ${sqlText(mocks.anthropic.baseUrl)}, '["LIB_ANTHROPIC_API_KEY"]'::jsonb);

INSERT INTO ai_providers (name, display_name, provider_class, api_base_url, required_env_vars)
VALUES ('lib-google', 'Library Gemini', 'GoogleProvider', ${sqlText(mocks.google.baseUrl)}, '["LIB_GEMINI_API_KEY"]'::jsonb);

INSERT INTO ai_providers (name, display_name, provider_class, api_base_url, required_env_vars)
VALUES ('lib-cohere', 'Library Cohere', 'CohereProvider', ${sqlText(mocks.cohere.baseUrl)}, '["LIB_COHERE_API_KEY"]'::jsonb);

INSERT INTO ai_providers (
  name, display_name, provider_class, api_base_url, required_env_vars, auth_header_name, auth_header_prefix, config
) VALUES (
  'lib-azure', 'Library Azure-style', 'CustomProvider', ${sqlText(mocks.azure.baseUrl)}, '["LIB_AZURE_API_KEY"]'::jsonb,
  'api-key', '', '{"query": {"api-version": "2024-10-21"}}'::jsonb
);

INSERT INTO ai_models (name, display_name, provider_id, model_id, is_active) VALUES
  ('lib-gpt', 'GPT (library)', (SELECT id FROM ai_providers WHERE name = 'lib-openai'), 'gpt-4o-mini', true),
  ('lib-openai-embed', 'OpenAI embeddings (library)', (SELECT id FROM ai_providers WHERE name = 'lib-openai'), 'text-embedding-3-small', true),
  ('lib-claude', 'Claude (library)', (SELECT id FROM ai_providers WHERE name = 'lib-anthropic'), 'claude-test-1', true),
  ('lib-gemini', 'Gemini (library)', (SELECT id FROM ai_providers WHERE name = 'lib-google'), 'gemini-2.5-flash', true),
  ('lib-gemini-embed', 'Gemini embeddings (library)', (SELECT id FROM ai_providers WHERE name = 'lib-google'), 'gemini-embedding-001', true),
  ('lib-command', 'Command (library)', (SELECT id FROM ai_providers WHERE name = 'lib-cohere'), 'command-a-03-2025', true),
  ('lib-cohere-embed', 'Cohere embeddings (library)', (SELECT id FROM ai_providers WHERE name = 'lib-cohere'), 'embed-v4.0', true),
  ('lib-azure-chat', 'Azure-style chat (library)', (SELECT id FROM ai_providers WHERE name = 'lib-azure'), 'gpt-4o-mini', true),
  ('lib-azure-embed', 'Azure-style embeddings (library)', (SELECT id FROM ai_providers WHERE name = 'lib-azure'), 'text-embedding-3-small', true);
`);
}

/** One built-in class, the rows that use it, and how its mock sees a call. */
export interface ClassCase {
  className: string;
  chatModel: string;
  /** Undefined: the class has no embeddings (Anthropic). */
  embedModel: string | undefined;
  mock: (mocks: VendorMocks) => { requests: RecordedRequest[]; hangNextStream(options: { afterChunks: number }): void };
  /** The auth header the vendor expects, with the key from the env map. */
  auth: [header: string, value: string];
  /** Checks that a recorded request was a chat call (streaming or not) for `modelId`. */
  isChat(request: RecordedRequest, streaming: boolean): boolean;
}

const body = (request: RecordedRequest): Record<string, unknown> => (typeof request.body === 'object' && request.body !== null ? (request.body as Record<string, unknown>) : {});
const openAIChat = (prefix: string, query = '') => (request: RecordedRequest, streaming: boolean) =>
  request.method === 'POST' &&
  request.url === `${prefix}/chat/completions${query}` &&
  body(request)['model'] === 'gpt-4o-mini' &&
  (body(request)['stream'] === true) === streaming;

export const CLASS_CASES: ClassCase[] = [
  {
    className: 'OpenAIProvider',
    chatModel: 'lib-gpt',
    embedModel: 'lib-openai-embed',
    mock: (mocks) => mocks.openai,
    auth: ['authorization', `Bearer ${KEYS.openai}`],
    isChat: openAIChat('/v1'),
  },
  {
    className: 'AnthropicProvider',
    chatModel: 'lib-claude',
    embedModel: undefined,
    mock: (mocks) => mocks.anthropic,
    auth: ['x-api-key', KEYS.anthropic],
    isChat: (request, streaming) =>
      request.url === '/v1/messages' && body(request)['model'] === 'claude-test-1' && (body(request)['stream'] === true) === streaming,
  },
  {
    className: 'GoogleProvider',
    chatModel: 'lib-gemini',
    embedModel: 'lib-gemini-embed',
    mock: (mocks) => mocks.google,
    auth: ['x-goog-api-key', KEYS.google],
    isChat: (request, streaming) =>
      request.url === (streaming ? '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse' : '/v1beta/models/gemini-2.5-flash:generateContent'),
  },
  {
    className: 'CohereProvider',
    chatModel: 'lib-command',
    embedModel: 'lib-cohere-embed',
    mock: (mocks) => mocks.cohere,
    auth: ['authorization', `Bearer ${KEYS.cohere}`],
    isChat: (request, streaming) =>
      request.url === '/v2/chat' && body(request)['model'] === 'command-a-03-2025' && (body(request)['stream'] === true) === streaming,
  },
  {
    className: 'CustomProvider',
    chatModel: 'lib-azure-chat',
    embedModel: 'lib-azure-embed',
    mock: (mocks) => mocks.azure,
    auth: ['api-key', KEYS.azure],
    isChat: openAIChat('/openai', '?api-version=2024-10-21'),
  },
];

export const user = (text: string): ChatMessage => ({ role: 'user', content: [{ type: 'text', text }] });
const words = (text: string) => text.split(/\s+/).filter(Boolean).length;

/** The mocks' embedding contract: `value[i] = ((charCode sum + i) % 100) / 100`, 8 dimensions. */
export function expectedEmbedding(text: string, dimensions = 8): number[] {
  const sum = [...text].reduce((total, char) => total + char.charCodeAt(0), 0);
  return Array.from({ length: dimensions }, (_unused, index) => ((sum + index) % 100) / 100);
}

export async function collect(parts: AsyncIterable<StreamPart>): Promise<StreamPart[]> {
  const collected: StreamPart[] = [];
  for await (const part of parts) collected.push(part);
  return collected;
}

/** Polls until `check()` is true, or fails after `ms`. */
export async function eventually(check: () => boolean, what: string, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * Registers chat, stream, embed and stream-abort tests for every class. `context()` is read when
 * the tests run, after the caller's `before` hook has created the Switchboard and inserted the rows.
 */
export function defineClassTests(context: () => { switchboard: Switchboard; mocks: VendorMocks }): void {
  const system = 'Answer briefly.';
  const question = 'hello from the library';
  const answer = `Echo: ${question}`;
  const messages: ChatMessage[] = [{ role: 'system', content: system }, user(question)];

  for (const testCase of CLASS_CASES) {
    const lastRequest = () => testCase.mock(context().mocks).requests.at(-1);

    test(`${testCase.className}: chat reaches the vendor with the env-var key and returns its answer`, async () => {
      const { switchboard } = context();
      const response = await switchboard.chat({ model: testCase.chatModel, messages });
      const received = lastRequest();
      assert.ok(received && testCase.isChat(received, false), `chat request: ${received?.url}`);
      assert.equal(received.headers[testCase.auth[0]], testCase.auth[1]);
      assert.equal(response.choices.length, 1);
      assert.equal(response.choices[0]?.content, answer);
      assert.equal(response.choices[0]?.finishReason, 'stop');
      assert.equal(response.usage.outputTokens, words(answer));
      assert.equal(response.usage.inputTokens, words(system) + words(question));
      assert.equal(response.usage.totalTokens, response.usage.inputTokens + response.usage.outputTokens);
    });

    test(`${testCase.className}: stream yields stream-start first, the text, and finish with usage last`, async () => {
      const { switchboard } = context();
      const parts = await collect(switchboard.stream({ model: testCase.chatModel, messages }));
      const received = lastRequest();
      assert.ok(received && testCase.isChat(received, true), `stream request: ${received?.url}`);
      assert.equal(received.headers[testCase.auth[0]], testCase.auth[1]);
      assert.equal(parts[0]?.type, 'stream-start');
      const finish = parts.at(-1);
      assert.ok(finish?.type === 'finish', `last part: ${JSON.stringify(finish)}`);
      assert.equal(finish.finishReason, 'stop');
      assert.equal(finish.usage.outputTokens, words(answer));
      assert.equal(finish.usage.inputTokens, words(system) + words(question));
      const middle = parts.slice(1, -1);
      assert.ok(middle.length >= 2, 'the answer arrives in several deltas');
      assert.ok(middle.every((part) => part.type === 'text-delta'), JSON.stringify(middle));
      assert.equal(middle.map((part) => (part.type === 'text-delta' ? part.text : '')).join(''), answer);
    });

    test(`${testCase.className}: breaking out of a stream aborts the upstream request`, async () => {
      const { switchboard } = context();
      testCase.mock(context().mocks).hangNextStream({ afterChunks: 1 });
      const seen: StreamPart['type'][] = [];
      for await (const part of switchboard.stream({ model: testCase.chatModel, messages })) {
        seen.push(part.type);
        if (part.type === 'text-delta') break;
      }
      assert.equal(seen.at(-1), 'text-delta');
      const received = lastRequest();
      assert.ok(received && testCase.isChat(received, true));
      await eventually(() => received.aborted, `${testCase.className}'s mock to see the request aborted`);
    });

    const embedModel = testCase.embedModel;
    if (embedModel === undefined) continue;
    test(`${testCase.className}: embed returns one vector per input, as the vendor computed it`, async () => {
      const { switchboard } = context();
      const input = ['alpha text', 'beta'];
      const response = await switchboard.embed({ model: embedModel, input });
      const received = lastRequest();
      assert.equal(received?.method, 'POST');
      assert.equal(received.headers[testCase.auth[0]], testCase.auth[1]);
      assert.match(received.url, /embed/i);
      assert.equal(response.embeddings.length, input.length);
      input.forEach((text, index) => {
        const expected = expectedEmbedding(text);
        const actual = response.embeddings[index] ?? [];
        assert.equal(actual.length, expected.length);
        actual.forEach((value, position) => assert.ok(Math.abs(value - (expected[position] ?? NaN)) < 1e-6, `${text}[${position}]`));
      });
    });
  }
}
