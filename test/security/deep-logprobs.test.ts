// A hostile upstream (found by an attack review; fixed): a CustomProvider row's server answers
// with `logprobs` nested 100,000 levels deep (200 KB, under every size cap). JSON.parse takes it,
// and the gateway passes logprobs on to the client as they came, so it was the gateway's own
// encoding of the answer that overflowed the stack: a 500 `internal_error` (a chunk's error event
// `internal_error` on a stream), blaming the gateway for the vendor's answer. The threat table
// says JSON nested too deeply to walk is the provider's 502; now this is too.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startMockServer, type MockServer } from '../helpers/mock-server.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';
import { insertTenant, startStack, type Stack, type Tenant } from './fixture.js';

const MODEL = 'deep-logprobs';
const DEEP = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
const chunk = (choice: string): string => `data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[${choice}]}\n\n`;

describe('a hostile upstream whose logprobs are nested too deeply to re-encode', () => {
  let db: TestDb;
  let stack: Stack;
  let tenant: Tenant;
  let upstream: MockServer;

  before(async () => {
    upstream = await startMockServer((request, response) => {
      if ((request.body as { stream?: boolean }).stream) {
        response.writeHead(200, { 'content-type': 'text/event-stream' });
        response.write(chunk('{"index":0,"delta":{"role":"assistant","content":"hi"},"finish_reason":null}'));
        response.write(chunk(`{"index":0,"delta":{"content":" there"},"logprobs":{"content":${DEEP}},"finish_reason":null}`));
        response.end(`${chunk('{"index":0,"delta":{},"finish_reason":"stop"}')}data: [DONE]\n\n`);
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(`{"id":"c","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"logprobs":{"content":${DEEP}},"finish_reason":"stop"}]}`);
    });
    db = await createTestDb();
    await db.query(
      `insert into public.ai_providers (name, provider_class, api_base_url, required_env_vars) values ('deep', 'CustomProvider', $1, '[]'::jsonb)`,
      [`${upstream.origin}/v1`],
    );
    await db.query(`insert into public.ai_models (name, provider_id, model_id) select $1, id, 'm' from public.ai_providers where name = 'deep'`, [MODEL]);
    tenant = await insertTenant(db, 'deep-logprobs');
    stack = await startStack(db, { keyring: undefined, env: {} });
  });
  after(async () => {
    await stack?.close();
    await upstream?.close();
    await db?.dispose();
  });

  async function call(stream: boolean): Promise<{ status: number; text: string }> {
    const response = await fetch(`${stack.origin}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tenant.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, stream, logprobs: true, messages: [{ role: 'user', content: 'hi' }] }),
    });
    return { status: response.status, text: await response.text() };
  }

  it("a whole answer is the provider's 502, not the gateway's 500", async () => {
    const { status, text } = await call(false);
    assert.equal(status, 502, text);
    const { error } = JSON.parse(text) as { error: { code: string; message: string } };
    assert.equal(error.code, 'provider_error');
    assert.equal(error.message, "Provider 'deep' sent an answer nested too deeply to read");
  });

  it("a stream ends with the provider's error event, after the chunks before it", async () => {
    const { status, text } = await call(true);
    assert.equal(status, 200);
    const events = text.split('\n\n').filter((frame) => frame.startsWith('data: {')).map((frame) => JSON.parse(frame.slice(6)) as Record<string, unknown>);
    assert.equal((events.at(-1) as { error?: { code: string } }).error?.code, 'provider_error', text.slice(-500));
    assert.ok(events.some((event) => JSON.stringify(event).includes('"content":"hi"')));
    assert.ok(!text.includes('internal_error'));
  });
});
